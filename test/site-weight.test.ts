// Every page of the built site within its weight budget: under 300 KB gzipped of HTML, JavaScript and
// CSS as it loads (prefetches for other pages and data fetched on request not counted), no run details
// (traces, verdict tables) loaded before the reader opens them, and no spec page prefetching another
// chapter's weight. Time to interactive is measured by `npm run bench:site`, not here.

import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD, ensureBuild, sampleMode, serve } from './site-build.ts';
import { formatCost, measurePage, type PageCost } from './support/page-weight.ts';

const BUDGET = 300 * 1024;
/** What a page may prefetch for the pages it links to (their scripts: a chapter is now tens of KB). */
const PREFETCH_BUDGET = 150 * 1024;

let server: Awaited<ReturnType<typeof serve>>;
let context: BrowserContext;
let costs: PageCost[] = [];

beforeAll(async () => {
  await ensureBuild();
  server = await serve(BUILD);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const xml = await (await fetch(server.origin + '/sitemap.xml')).text();
  const paths = [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname);
  costs = [];
  for (const p of paths)
    costs.push(await measurePage(context, server.origin, BUILD, p, { interactive: false }));
  console.log(costs.map(formatCost).join('\n'));
}, 600_000);

afterAll(async () => {
  await context?.browser()?.close();
  await server?.close();
});

describe('page weight (390 px, empty cache)', () => {
  it('measured every page of the sitemap, the heaviest chapter among them', () => {
    expect(costs.length).toBeGreaterThan(sampleMode() ? 3 : 10);
    const chapter = sampleMode() ? /^\/spec\/k2p$/ : /^\/spec\/.+\/kernel-to-purgatory$/;
    expect(costs.some((c) => chapter.test(c.path))).toBe(true);
  });

  it('every page loads under 300 KB gzipped', () => {
    const heavy = costs.filter((c) => c.bytes >= BUDGET).map(formatCost);
    expect(heavy).toEqual([]);
  });

  it('no page loads run details before they are opened', () => {
    const eager = costs.filter((c) => c.dataPaths.some((d) => d.startsWith('/runs/')));
    expect(eager.map((c) => `${c.path}: ${c.dataPaths.join(', ')}`)).toEqual([]);
  });

  it("no spec page prefetches another chapter's weight", () => {
    const spec = costs.filter((c) => c.path.startsWith('/spec/'));
    expect(spec.length).toBeGreaterThan(sampleMode() ? 0 : 5);
    expect(spec.filter((c) => c.prefetched >= PREFETCH_BUDGET).map(formatCost)).toEqual([]);
  });
});
