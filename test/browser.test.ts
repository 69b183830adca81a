// The built site in a real browser (Debian chromium driven by playwright-core): clause anchors, Copy
// citation, the trace viewer, the matrix. Builds the site first when build/ is missing or stale (one
// build per run). Screenshots go to artifacts/screenshots/.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD, ROOT, ensureBuild, sampleMode, serve } from './site-build.ts';

const SHOTS = path.join(ROOT, 'artifacts/screenshots');

interface ClauseRecord {
  id: string;
  level: string;
  status: 'active' | 'retired';
  checked: boolean;
  version: string;
  results: { example: string; kind: string; held: boolean }[];
}

let server: Awaited<ReturnType<typeof serve>>;
let browser: Browser;
let context: BrowserContext;
let userDataDir: string;
let clauses: ClauseRecord[];

async function fetchText(p: string): Promise<string> {
  const r = await fetch(server.origin + p);
  expect(r.status, p).toBe(200);
  return r.text();
}

/** The site-relative page path of a clause, from the permalink at the end of its citation. */
async function clausePage(id: string): Promise<{ citation: string; path: string }> {
  const citation = await fetchText(`/r/${id}.txt`);
  const permalink = citation.trimEnd().split('\n').at(-1)!;
  const url = new URL(permalink);
  return { citation, path: url.pathname + url.hash };
}

async function open(p: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.origin + p, { waitUntil: 'load' });
  return page;
}

beforeAll(async () => {
  await ensureBuild();
  server = await serve(BUILD);
  userDataDir = mkdtempSync(path.join(tmpdir(), 'kexec-chromium-'));
  mkdirSync(SHOTS, { recursive: true });
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  browser = context.browser()!;
  void browser;
  clauses = JSON.parse(await fetchText('/clauses.json')) as ClauseRecord[];
}, 900_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe('the built site', () => {
  it('publishes clauses.json with the documented fields', () => {
    expect(clauses.length).toBeGreaterThan(0);
    for (const c of clauses) {
      expect(Object.keys(c).sort()).toEqual([
        'checked',
        'hash',
        'id',
        'level',
        'results',
        'stage',
        'status',
        'text',
        'version',
      ]);
      expect(['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY', 'informative', 'undefined']).toContain(
        c.level,
      );
    }
  });

  it('home page shows the contract, headline rules and the build summary', async () => {
    const page = await open('/');
    await expect(page.locator('h1').first().textContent()).resolves.toContain('kexec handoff contract');
    await expect(page.locator('[data-summary] h2').textContent()).resolves.toMatch(
      /This build (passed|has failures)/,
    );
    expect(await page.locator('.kc-headline li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'home.png') });
    await page.close();
  });

  it('a clause anchor scrolls the clause into view and Copy citation copies its citation', async () => {
    const target = clauses.find((c) => c.status === 'active' && c.checked && c.results.length > 0)!;
    expect(target).toBeDefined();
    const { citation, path: where } = await clausePage(target.id);
    expect(where.endsWith('#' + target.id)).toBe(true);
    // The citation names the version clauses.json gives (the release when the clause is unchanged there).
    expect(citation.split('\n')[0]).toContain(`kexec handoff contract ${target.version},`);
    const page = await open(where);
    const block = page.locator(`[id="${target.id}"]`);
    await block.waitFor();
    // The anchor lands the block in the viewport (below the sticky navbar), not at the top of the page.
    await page.waitForFunction((id) => {
      const r = document.getElementById(id)!.getBoundingClientRect();
      return r.top >= 0 && r.top < window.innerHeight / 2 && window.scrollY > 0;
    }, target.id);
    await expect(block.locator('.kc-clause-id').textContent()).resolves.toBe(target.id);
    await expect(block.locator('.kc-level').first().textContent()).resolves.toBe(target.level);
    await block.screenshot({ path: path.join(SHOTS, 'clause.png') });

    await block.locator(`button[data-citation-for="${target.id}"]`).click();
    await expect(block.locator(`button[data-citation-for="${target.id}"]`).textContent()).resolves.toBe(
      'Copied',
    );
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(citation);
    for (const line of copied.split('\n')) if (line.length > 72) expect(line).not.toMatch(/\s/);
    await page.close();
  });

  it('the trace viewer steps through the run and ends in the final state', async () => {
    const target = clauses.find((c) => c.status === 'active' && c.results.some((r) => r.kind === 'example'))!;
    const { path: where } = await clausePage(target.id);
    const page = await open(where.replace(/#.*$/, ''));
    const trace = page.locator('.kc-example:not(.kc-example-counter) .kc-trace').first();
    await trace.scrollIntoViewIfNeeded();
    const pos = trace.locator('.kc-trace-pos');
    const first = await pos.textContent();
    const n = Number(/of (\d+)/.exec(first ?? '')?.[1]);
    expect(first).toBe(`step 1 of ${n}`);
    expect(n).toBeGreaterThan(1);
    const current = trace.locator('.kc-trace-list li.kc-trace-current');
    const firstInsn = await current.textContent();
    await trace.getByRole('button', { name: 'Next step' }).click();
    await expect(pos.textContent()).resolves.toBe(`step 2 of ${n}`);
    expect(await current.textContent()).not.toBe(firstInsn);
    // The instruction at step 2 changed something, and the state table highlights it.
    expect(await trace.locator('.kc-trace-item.kc-changed').count()).toBeGreaterThan(0);
    await trace.screenshot({ path: path.join(SHOTS, 'trace.png') });
    await trace.getByRole('button', { name: 'Final state' }).click();
    await expect(pos.textContent()).resolves.toMatch(/^final state/);
    await expect(trace.locator('.kc-trace-caption').textContent()).resolves.toContain('Final state');
    await page.close();
  });

  it('the implementation matrix renders one row per implementation with linked verdict cells', async () => {
    const page = await open('/matrix');
    const rows = page.locator('table.kc-matrix tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    const decided = page.locator('td.kc-cell-conforms a, td.kc-cell-violates a');
    expect(await decided.count()).toBeGreaterThan(0);
    const href = await decided.first().getAttribute('href');
    expect(href).toMatch(/#example-/);
    await page.screenshot({ path: path.join(SHOTS, 'matrix.png'), fullPage: true });
    await page.close();
  });

  it('the coverage page lists every active clause and flags gaps', async () => {
    const page = await open('/coverage');
    const active = clauses.filter((c) => c.status === 'active');
    expect(await page.locator('table.kc-coverage tbody tr').count()).toBe(active.length);
    await page.close();
  });

  it('retired IDs have a tombstone page and a citation', async () => {
    const retired = clauses.filter((c) => c.status === 'retired');
    for (const r of retired) {
      const { citation, path: where } = await clausePage(r.id);
      expect(citation).toContain('RETIRED');
      const page = await open(where);
      await expect(page.locator('.kc-retired').first().textContent()).resolves.toBe('retired');
      await page.close();
    }
  });

  it.skipIf(sampleMode())('kexec-contract cite prints the same text as the site', async () => {
    const id = clauses.find((c) => c.status === 'active')!.id;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(ROOT, 'bin/kexec-contract.js'), 'cite', id],
      {
        cwd: ROOT,
      },
    );
    expect(stdout).toBe(await fetchText(`/r/${id}.txt`));
  });
});
