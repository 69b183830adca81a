// What a page of the built site costs a reader: the HTML, JavaScript and CSS it loads (gzipped, as a
// static host serves them), its DOM size, and its time to interactive on a slow phone (the CPU slowed
// down 4x through the Chrome DevTools Protocol). test/site-weight.test.ts holds every page to the weight
// budget; `npm run bench:site` prints weight and time to interactive per page (a benchmark, not a test).
//
// Time to interactive, after Lighthouse's definition made simple for a static site with no late network
// requests: once React has hydrated the page (Docusaurus sets data-has-hydrated on <html>), the later of
// DOMContentLoaded and the end of the last long task (> 50 ms of main thread; hydration is one) before a
// quiet window of QUIET_MS without one.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BrowserContext, Request } from 'playwright-core';

/** The slowdown of a mid-range phone against a development machine, as Lighthouse's mobile preset. */
export const CPU_SLOWDOWN = 4;
const QUIET_MS = 2000;
const GIVE_UP_MS = 30_000;

export interface PageCost {
  path: string;
  /** Gzipped bytes of the HTML, JavaScript and CSS the page loaded (prefetches for other pages excluded). */
  bytes: number;
  byType: { html: number; js: number; css: number };
  /** Gzipped bytes of resources prefetched for pages the reader may open next. */
  prefetched: number;
  /** Requests for JSON data (search index, traces) while loading, gzipped bytes. */
  data: number;
  /** Paths of the JSON data requested while loading. */
  dataPaths: string[];
  elements: number;
  /** Milliseconds from navigation to interactive, CPU slowed down CPU_SLOWDOWN times (if measured). */
  tti?: number;
}

/** Installed before any page script: collects long tasks (PerformanceObserver with buffered entries). */
const LONG_TASKS = `
  window.__kcLongTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__kcLongTasks.push(e.startTime + e.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
`;

/**
 * In the page (a plain script, so no bundler helper names travel): wait for a quiet window with no long
 * task, then the time to interactive.
 */
function settle(quiet: number, giveUp: number): string {
  return `(async () => {
    const last = () => Math.max(0, ...window.__kcLongTasks);
    const start = performance.now();
    while (performance.now() - Math.max(last(), start) < ${quiet} && performance.now() < ${giveUp})
      await new Promise((r) => setTimeout(r, 100));
    const nav = performance.getEntriesByType('navigation')[0];
    return Math.max(last(), nav ? nav.domContentLoadedEventEnd : 0);
  })()`;
}

const gzipped = new Map<string, number>();

/** The gzipped size of a file the static server answers `url` with (the same lookup as site-build's). */
function gzippedSize(build: string, url: string): number {
  const pathname = decodeURIComponent(new URL(url).pathname);
  const base = path.join(build, pathname);
  const file = [base, path.join(base, 'index.html'), base + '.html'].find(
    (f) => existsSync(f) && statSync(f).isFile(),
  );
  if (!file) return 0;
  let n = gzipped.get(file);
  if (n === undefined) {
    n = gzipSync(readFileSync(file)).length;
    gzipped.set(file, n);
  }
  return n;
}

function kindOf(r: Request): keyof PageCost['byType'] | 'data' | undefined {
  const pathname = new URL(r.url()).pathname;
  if (r.resourceType() === 'document' || pathname.endsWith('.html') || pathname.endsWith('/')) return 'html';
  if (pathname.endsWith('.js')) return 'js';
  if (pathname.endsWith('.css')) return 'css';
  if (pathname.endsWith('.json')) return 'data';
  return undefined;
}

/**
 * Load `origin + p` in a fresh page with an empty cache; measure what it loads, and with `interactive`
 * its time to interactive with the CPU slowed down (that takes a quiet window of seconds per page).
 */
export async function measurePage(
  context: BrowserContext,
  origin: string,
  build: string,
  p: string,
  { interactive = true }: { interactive?: boolean } = {},
): Promise<PageCost> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (interactive) await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  await page.addInitScript({ content: LONG_TASKS });
  const requests: Request[] = [];
  page.on('request', (r) => requests.push(r));
  await page.goto(origin + p, { waitUntil: 'load' });
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-has-hydrated'), null, {
    timeout: GIVE_UP_MS,
  });
  // Wait for a quiet window with no long task, then take the end of the last one.
  const tti = interactive ? ((await page.evaluate(settle(QUIET_MS, GIVE_UP_MS))) as number) : undefined;
  const elements = await page.evaluate(() => document.getElementsByTagName('*').length);
  const cost: PageCost = {
    path: p,
    bytes: 0,
    byType: { html: 0, js: 0, css: 0 },
    prefetched: 0,
    data: 0,
    dataPaths: [],
    elements,
  };
  if (tti !== undefined) cost.tti = Math.round(tti);
  const seen = new Set<string>();
  for (const r of requests) {
    if (!r.url().startsWith(origin) || seen.has(r.url())) continue;
    seen.add(r.url());
    const kind = kindOf(r);
    if (!kind) continue;
    const n = gzippedSize(build, r.url());
    const purpose = (await r.allHeaders())['sec-purpose'] ?? (await r.allHeaders())['purpose'];
    if (purpose?.includes('prefetch')) cost.prefetched += n;
    else if (kind === 'data') {
      cost.data += n;
      cost.dataPaths.push(new URL(r.url()).pathname);
    } else {
      cost.byType[kind] += n;
      cost.bytes += n;
    }
  }
  await cdp.detach();
  await page.close();
  return cost;
}

export function formatCost(c: PageCost): string {
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  return (
    `${c.path}: ${kb(c.bytes)} (html ${kb(c.byType.html)}, js ${kb(c.byType.js)}, css ${kb(c.byType.css)})` +
    `${c.prefetched ? `, prefetched ${kb(c.prefetched)}` : ''}${c.data ? `, data ${kb(c.data)}` : ''}` +
    `, ${c.elements} elements` +
    (c.tti === undefined ? '' : `, interactive at ${(c.tti / 1000).toFixed(2)} s`)
  );
}
