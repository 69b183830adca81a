// The built site in a real browser (Debian chromium driven by playwright-core): clause anchors, Copy
// citation, the trace viewer (mouse and keyboard), the matrix, the coverage page, phones (390 px, no
// sideways scrolling), WCAG AA contrast in both themes (computed from the rendered colours), /spec and
// /docs, the favicon. Builds the site first when build/ is missing or stale (one build per run).
// Screenshots go to artifacts/screenshots/ (desktop and 390 px, light and dark).

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD, ROOT, ensureBuild, sampleMode, serve } from './site-build.ts';
import { CONTRAST_SCRIPT, type LowContrast } from './browser-contrast.ts';

const SHOTS = path.join(ROOT, 'artifacts/screenshots');
/** WCAG 2.x AA, normal text. */
const AA = 4.5;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
type Theme = 'light' | 'dark';

interface ClauseRecord {
  id: string;
  level: string;
  status: 'active' | 'retired';
  checked: boolean;
  version: string;
  results: { example: string; kind: string; held: boolean }[];
}

/** Released spec versions, newest first (the sample build renders the working copy only). */
const RELEASES: string[] =
  !sampleMode() && existsSync(path.join(ROOT, 'spec_versions.json'))
    ? (JSON.parse(readFileSync(path.join(ROOT, 'spec_versions.json'), 'utf8')) as string[])
    : [];
/** The path segment of the working copy's pages, coverage and matrix (`/next` once a release exists). */
const WORKING = RELEASES.length > 0 ? '/next' : '';

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

async function open(
  p: string,
  { theme = 'light', viewport = DESKTOP }: { theme?: Theme; viewport?: typeof DESKTOP } = {},
): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  // Docusaurus reads the colour mode from localStorage before the page paints.
  await page.addInitScript((t) => localStorage.setItem('theme', t), theme);
  await page.goto(server.origin + p, { waitUntil: 'load' });
  // /spec redirects (a meta refresh): measure the page it lands on.
  if (/^\/spec\/?$/.test(p))
    await page.waitForURL((u) => !/^\/spec\/?$/.test(u.pathname), { waitUntil: 'load' });
  await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
  // The server renders code in the light Prism theme (github, background #f6f8fa); once React has
  // hydrated a dark page, its code blocks switch to the dark theme. Measure only after that.
  await page.waitForFunction(
    (t) =>
      Array.from(document.querySelectorAll('.prism-code')).every(
        (pre) => (getComputedStyle(pre).backgroundColor === 'rgb(246, 248, 250)') === (t === 'light'),
      ),
    theme,
  );
  return page;
}

/** Open every <details> (folded runs, the counterexamples' traces) so that what they hold is measured too. */
/**
 * Open every <details> (folded runs, verdict tables, traces) and wait for the run details they fetch;
 * highlight every example's assembly (done as it nears the screen), so that all of it is measured.
 */
async function openAllDetails(page: Page): Promise<void> {
  await page.evaluate(() =>
    document.querySelectorAll('details').forEach((d) => ((d as HTMLDetailsElement).open = true)),
  );
  // Each opened verdict table and trace has arrived (the toggle event, then the fetch, come later).
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll('details.kc-verdict-details, details.kc-trace-details')).every(
      (d) => d.querySelector('.kc-verdicts, .kc-trace, [role="alert"]') !== null,
    ),
  );
  await highlightAll(page);
}

/** Bring each example's assembly near the screen in turn, so each is highlighted (as a reader scrolls). */
async function highlightAll(page: Page): Promise<void> {
  const n = await page.locator('.kc-source').count();
  for (let i = 0; i < n; i++) {
    const source = page.locator('.kc-source').nth(i);
    await source.scrollIntoViewIfNeeded();
    await page.waitForFunction(
      (k) => document.querySelectorAll('.kc-source')[k]?.querySelector('.prism-code') != null,
      i,
    );
  }
  await page.evaluate(() => window.scrollTo(0, 0));
}

/** Open the trace of the first example (not a counterexample) on the page; its viewer once loaded. */
async function openTrace(page: Page): Promise<Locator> {
  const example = page.locator('.kc-example:not(.kc-example-counter)').first();
  const summary = example.locator('.kc-trace-details > summary');
  await summary.scrollIntoViewIfNeeded();
  await summary.click();
  const trace = example.locator('.kc-trace');
  await trace.waitFor();
  return trace;
}

/** The site-relative paths of the sitemap (every page the build published). */
async function sitemapPaths(): Promise<string[]> {
  const xml = await fetchText('/sitemap.xml');
  return [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]).pathname);
}

/** The clause whose page the chapter tests use: the one with the most checks (a 3-column checks table). */
function chapterClause(): ClauseRecord {
  const checked = clauses.filter((c) => c.status === 'active' && c.checked && c.results.length > 0);
  return checked.find((c) => c.id === 'k2p.gpr.zero') ?? checked[0]!;
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
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
    viewport: DESKTOP,
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  await context.addInitScript({ content: CONTRAST_SCRIPT });
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
    expect(citation.split('\n')[0].startsWith(`${target.id}@${target.version} (${target.level}),`)).toBe(
      true,
    );
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

    // The button is named after its clause, and the copy is announced, not only shown.
    const button = block.getByRole('button', { name: `Copy citation of ${target.id}`, exact: true });
    await button.click();
    // "Copied" shows for two seconds after the clipboard write settles: wait for it, not a snapshot.
    await expect.poll(() => button.textContent()).toBe('Copied');
    await expect.poll(() => block.getByRole('status').textContent()).toBe(`Citation of ${target.id} copied`);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(citation);
    for (const line of copied.split('\n')) if (line.length > 72) expect(line).not.toMatch(/\s/);
    await page.close();
  });

  it('the trace viewer steps through the run and ends in the final state', async () => {
    const target = clauses.find((c) => c.status === 'active' && c.results.some((r) => r.kind === 'example'))!;
    const { path: where } = await clausePage(target.id);
    const page = await open(where.replace(/#.*$/, ''));
    // Folded, its data fetched when opened.
    expect(await page.locator('.kc-trace').count()).toBe(0);
    const trace = await openTrace(page);
    const pos = trace.locator('.kc-trace-pos');
    const first = await pos.textContent();
    const n = Number(/of (\d+)/.exec(first ?? '')?.[1]);
    expect(first).toBe(`step 1 of ${n}`);
    expect(n).toBeGreaterThan(1);
    // Every register shows a value from the first step on: those not yet changed, their value at entry
    // (the fake sample's runs have no entry state).
    const values = await trace.locator('.kc-trace-item .kc-trace-value').allTextContents();
    expect(values.length).toBeGreaterThan(sampleMode() ? 0 : 16);
    if (!sampleMode()) expect(values.filter((v) => !/^0x[0-9a-f]+/i.test(v.trim()))).toEqual([]);
    const current = trace.locator('.kc-trace-list li.kc-trace-current');
    const firstInsn = await current.textContent();
    await trace.getByRole('button', { name: 'Next step' }).click();
    await expect.poll(() => pos.textContent()).toBe(`step 2 of ${n}`);
    expect(await current.textContent()).not.toBe(firstInsn);
    // The instruction at step 2 changed something, and the state table highlights it.
    expect(await trace.locator('.kc-trace-item.kc-changed').count()).toBeGreaterThan(0);
    await trace.screenshot({ path: path.join(SHOTS, 'trace.png') });
    await trace.getByRole('button', { name: 'Final state' }).click();
    await expect.poll(() => pos.textContent()).toMatch(/^final state/);
    await expect.poll(() => trace.locator('.kc-trace-caption').textContent()).toContain('Final state');
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
    // clauses.json is the working copy's; so is /coverage/next (/coverage shows the newest release).
    const page = await open(`/coverage${WORKING}`);
    const active = clauses.filter((c) => c.status === 'active');
    expect(await page.locator('table.kc-coverage tbody tr').count()).toBe(active.length);
    await page.close();
  });

  it('retired IDs have a tombstone page and a citation', async () => {
    const retired = clauses.filter((c) => c.status === 'retired');
    // The fixture: the retired IDs of the lock the site was built from (the sample's lock retires
    // k2p.old.r10; spec/'s retires k2p.gpr.zero and k2p.efer.unchanged). Never a loop over nothing.
    const lockFile = path.join(ROOT, sampleMode() ? 'src/site/sample' : 'spec', 'clauses.lock.json');
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
      clauses: Record<string, { status: string }>;
    };
    const inLock = Object.entries(lock.clauses)
      .filter(([, c]) => c.status === 'retired')
      .map(([id]) => id);
    expect(inLock.length).toBeGreaterThan(0);
    expect(retired.map((r) => r.id).sort()).toEqual(inLock.sort());
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

describe('citations', () => {
  it('every /r/<id>.txt is ASCII, with an ID@version header that splits no field', async () => {
    for (const c of clauses) {
      const text = await fetchText(`/r/${c.id}.txt`);
      expect(text, c.id).toMatch(/^[\x20-\x7e\n]*$/);
      const [first, second] = text.split('\n');
      expect(first.startsWith(`${c.id}@${c.version} (${c.level}),`), first).toBe(true);
      // The hash field is whole on the first or the second line, never "hash" / "xxxxxxxx".
      expect(`${first}\n${second}`, c.id).toMatch(/(^|\s)hash [0-9a-f]{8}(,|$)/m);
      expect(first.length, c.id).toBeLessThanOrEqual(72);
    }
  });

  it('every Copy citation button on a chapter is named after its clause', async () => {
    const { path: where } = await clausePage(chapterClause().id);
    const page = await open(where.replace(/#.*$/, ''));
    const ids = await page
      .locator('button[data-citation-for]')
      .evaluateAll((bs) => bs.map((b) => b.getAttribute('data-citation-for')!));
    expect(ids.length).toBeGreaterThan(1);
    for (const id of ids) {
      await expect(
        page.getByRole('button', { name: `Copy citation of ${id}`, exact: true }).count(),
        id,
      ).resolves.toBe(1);
    }
    // The clause ID in the block's header is one unbroken line even on a phone.
    await page.setViewportSize(PHONE);
    const broken = await page
      .locator('.kc-clause-id')
      .evaluateAll((as) => as.filter((a) => a.getClientRects().length > 1).map((a) => a.textContent));
    expect(broken).toEqual([]);
    await page.close();
  });
});

describe.skipIf(RELEASES.length === 0)('versions', () => {
  /**
   * Where every link in a page's content goes, as site paths: the navbar, the footer, the version
   * switches and an older release's banner (which link to the other versions on purpose) left out.
   */
  async function contentLinks(page: Page): Promise<string[]> {
    return page.locator('main a[href]').evaluateAll((as) =>
      as
        .filter((a) => !a.closest('[data-version-nav], .theme-doc-version-banner'))
        .map((a) => new URL((a as HTMLAnchorElement).href))
        .filter((u) => u.origin === location.origin)
        .map((u) => u.pathname),
    );
  }

  /** The spec version a site path belongs to: a release, `next`, or undefined for unversioned pages. */
  function versionOf(p: string): string | undefined {
    const m = /^\/(?:spec|coverage|matrix)\/([^/]+)/.exec(p);
    if (!m) return undefined;
    return [...RELEASES, 'next'].includes(m[1]) ? m[1] : undefined;
  }

  it('every link on a released page stays inside that release', async () => {
    const paths = await sitemapPaths();
    for (const release of RELEASES) {
      const pages = paths.filter((p) => p.startsWith(`/spec/${release}/`));
      pages.push(`/coverage/${release}`, `/matrix/${release}`);
      expect(pages.length).toBeGreaterThan(2);
      let links = 0;
      for (const p of pages) {
        const page = await open(p);
        await openAllDetails(page);
        for (const l of await contentLinks(page)) {
          links++;
          // Into the spec, coverage or matrix: this release's, by its number (the unversioned pages
          // show whichever release is newest, so they are not this release's for good).
          if (/^\/(spec|coverage|matrix)(\/|$)/.test(l) && !/^\/spec\/?$/.test(l)) {
            expect(versionOf(l), `${p} links to ${l}`).toBe(release);
          }
        }
        await page.close();
      }
      expect(links).toBeGreaterThan(100);
    }
  });

  it('coverage, matrix and home offer the newest release and the working copy', async () => {
    const newest = RELEASES[0]!;
    for (const kind of ['coverage', 'matrix']) {
      for (const [p, shows] of [
        [`/${kind}`, newest],
        [`/${kind}/${newest}`, newest],
        [`/${kind}/next`, 'current'],
      ] as const) {
        const page = await open(p);
        const nav = page.locator('[data-version-nav]');
        await expect(nav.getAttribute('data-version-nav'), p).resolves.toBe(shows);
        const offered = await nav.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        // Each page offers the other version's.
        expect(offered, p).toContain(shows === 'current' ? `/${kind}/${newest}` : `/${kind}/next`);
        await page.close();
      }
    }
    const home = await open('/');
    const links = await contentLinks(home);
    expect(links.some((l) => l.startsWith(`/spec/${newest}/`))).toBe(true);
    expect(links.some((l) => l.startsWith('/spec/next/'))).toBe(true);
    expect(links).toContain('/coverage/next');
    // Home's headline clauses are the newest release's.
    const headline = await home
      .locator('.kc-headline a')
      .evaluateAll((as) => as.filter((a) => a.querySelector('code')).map((a) => a.getAttribute('href')!));
    expect(headline.length).toBeGreaterThan(0);
    for (const h of headline) expect(h.startsWith(`/spec/${newest}/`), h).toBe(true);
    await home.close();
  });

  it('a citation of ID@release is pinned: /spec/<release>/...#ID, which serves that release', async () => {
    const pinned = clauses.filter((c) => c.status === 'active' && RELEASES.includes(c.version));
    expect(pinned.length).toBeGreaterThan(0);
    for (const c of clauses.filter((x) => x.status === 'active')) {
      const { path: where } = await clausePage(c.id);
      const version = RELEASES.includes(c.version) ? c.version : 'next';
      expect(where.startsWith(`/spec/${version}/`), `${c.id}@${c.version}: ${where}`).toBe(true);
    }
    // The pinned page has the clause, in the release's own text (its hash in the citation).
    const c = pinned.find((x) => x.id === 'k2p.gpr.zero') ?? pinned[0]!;
    const { citation, path: where } = await clausePage(c.id);
    const page = await open(where);
    const block = page.locator(`[id="${c.id}"]`);
    await block.waitFor();
    // The page's own Copy citation gives the same pinned text.
    await block.getByRole('button', { name: `Copy citation of ${c.id}`, exact: true }).click();
    await expect
      .poll(() => page.evaluate(() => navigator.clipboard.readText().catch(() => '')))
      .toBe(citation);
    await page.close();
    // The unversioned chapter URL (the newest release without its number) still lands on the clause.
    const unversioned = where.replace(`/spec/${newestOf()}/`, '/spec/');
    if (unversioned !== where) {
      const old = await context.newPage();
      await old.goto(server.origin + unversioned);
      await old.waitForURL((u) => u.pathname + u.hash === where);
      await old.close();
    }
  });
});

function newestOf(): string {
  return RELEASES[0] ?? '';
}

describe.skipIf(sampleMode())('search by clause ID', () => {
  /** The clause IDs on the pages of one spec version, and a chapter of it to search from. */
  async function clausesOf(prefix: string): Promise<{ ids: string[]; from: string }> {
    const pages = (await sitemapPaths()).filter(
      (p) =>
        p.startsWith(prefix) && !RELEASES.some((r) => prefix === '/spec/' && p.startsWith(`/spec/${r}/`)),
    );
    const ids: string[] = [];
    for (const p of pages) {
      const html = await fetchText(p);
      ids.push(...[...html.matchAll(/data-clause="?([^"\s>]+)/g)].map((m) => m[1]!));
    }
    return { ids: [...new Set(ids)], from: pages[0]! };
  }

  // Every version's pages search that version's index (the newest release's is the site's default).
  for (const version of [...RELEASES, 'next'].filter((v) => v !== 'next' || RELEASES.length > 0)) {
    it(`${version}: each clause ID finds its clause first, and Enter opens it`, async () => {
      const { ids, from } = await clausesOf(`/spec/${version}/`);
      expect(ids.length).toBeGreaterThan(10);
      const page = await open(from);
      const input = page.locator('input.navbar__search-input');
      const misses: string[] = [];
      for (const id of ids) {
        await input.fill('');
        await input.fill(id);
        const first = page.locator('[role="option"]').first();
        await expect
          .poll(async () => (await first.count()) > 0 && (await first.textContent())?.startsWith(id), {
            timeout: 10_000,
          })
          .toBe(true)
          .catch(() => undefined);
        const text = (await first.count()) > 0 ? ((await first.textContent()) ?? '') : '';
        // The entry is the clause: its ID as title, its level and text after it, no interface labels.
        if (!text.startsWith(id)) {
          misses.push(`${id}: first hit "${text.slice(0, 60)}"`);
          continue;
        }
        expect(text, id).not.toMatch(/Copy citation|stage [a-z0-9]+\b.*Copy/);
        if (id === ids[0]) await shot(page, `search-${version}`);
        await input.press('Enter');
        await page.waitForURL((u) => u.hash === `#${id}`);
        // autocomplete.js empties its dropdown one macrotask after a selection; a query typed before
        // that runs has its results wiped (no person types that fast). Wait for the emptying.
        await expect.poll(() => page.locator('[role="option"]').count()).toBe(0);
        expect(new URL(page.url()).pathname.startsWith(`/spec/${version}/`), `${id}: ${page.url()}`).toBe(
          true,
        );
      }
      expect(misses).toEqual([]);
      await page.close();
    });
  }
});

describe('phones (390 px)', () => {
  it('no page scrolls sideways: home, every chapter, coverage, matrix, guides, /spec, /docs, tombstones', async () => {
    const paths = (await sitemapPaths()).filter((p) => p !== '/search');
    // Every page kind must be among them.
    for (const kind of [/^\/$/, /^\/spec\/.+/, /^\/coverage$/, /^\/matrix$/, /^\/docs\/guides\/.+/])
      expect(
        paths.some((p) => kind.test(p)),
        String(kind),
      ).toBe(true);
    const retired = clauses.filter((c) => c.status === 'retired');
    for (const r of retired) paths.push((await clausePage(r.id)).path.replace(/#.*$/, ''));
    paths.push('/spec', '/docs');
    const wide: string[] = [];
    for (const p of paths) {
      const page = await open(p, { viewport: PHONE });
      await openAllDetails(page);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > PHONE.width) wide.push(`${p}: ${width} px`);
      await page.close();
    }
    expect(wide).toEqual([]);
  });

  it('the checks tables (three columns on a desktop) fit the screen, one column under the other', async () => {
    const target = chapterClause();
    const { path: where } = await clausePage(target.id);
    const page = await open(where, { viewport: PHONE });
    const block = page.locator(`[id="${target.id}"]`);
    const tables = block.locator('.kc-checks-table');
    const n = await tables.count();
    expect(n).toBeGreaterThan(0);
    for (let i = 0; i < n; i++) {
      const fits = await tables.nth(i).evaluate((t) => {
        const r = t.getBoundingClientRect();
        return r.left >= 0 && r.right <= window.innerWidth && t.scrollWidth <= t.clientWidth + 1;
      });
      expect(fits, `checks table ${i + 1} of ${target.id}`).toBe(true);
    }
    // Every check of the clause is in one of them.
    const lines = await block.locator('.kc-checks-table tbody tr').count();
    expect(lines).toBeGreaterThan(0);
    for (const theme of ['light', 'dark'] as const) {
      const themed = await open(where, { viewport: PHONE, theme });
      await themed.locator(`[id="${target.id}"]`).screenshot({
        path: path.join(SHOTS, `clause-phone-${theme}.png`),
      });
      await themed.close();
    }
    await page.close();
  });
});

describe('contrast (WCAG AA, 4.5:1), light and dark', () => {
  const themes: Theme[] = ['light', 'dark'];

  /** The lowest contrast among the visible elements matching `selector`, and how many there were. */
  async function lowest(page: Page, selector: string): Promise<{ n: number; min: number; worst?: string }> {
    return page.locator(selector).evaluateAll((els) => {
      let min = Infinity;
      let worst: string | undefined;
      let n = 0;
      for (const el of els) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        n++;
        const c = window.kcContrast(el);
        if (c.ratio < min) {
          min = c.ratio;
          worst = `${c.fg} on ${c.bg}: ${el.textContent?.trim().slice(0, 30)}`;
        }
      }
      return { n, min, worst };
    });
  }

  for (const theme of themes) {
    it(`${theme}: badges, verdict values, assembly and muted text`, async () => {
      const { path: where } = await clausePage(chapterClause().id);
      const page = await open(where.replace(/#.*$/, ''), { theme });
      await openAllDetails(page);
      const named: Record<string, string> = {
        'undefined badge': '.kc-level-undefined',
        'fails as intended': '.kc-fail-intended',
        'pass / fail badges': '.kc-pass, .kc-fail',
        'values in verdict tables': '.kc-verdicts code',
        'actual values': '.kc-actual',
        'assembly registers': '.prism-code .token.register',
        'assembly comments': '.prism-code .token.comment',
        'muted text': '.kc-muted, .kc-comment, .kc-stage, .kc-trace-rip, .kc-runs-label',
        'trace keys hint': '.kc-trace-keys',
      };
      const measured: string[] = [];
      for (const [what, selector] of Object.entries(named)) {
        const { n, min, worst } = await lowest(page, selector);
        if (n === 0) continue;
        measured.push(`${what} ${min.toFixed(2)}`);
        expect(min, `${theme}: ${what} (${worst})`).toBeGreaterThanOrEqual(AA);
      }
      // The issue named these; they must be on the page to be measured.
      expect(measured.map((m) => m.replace(/ [\d.]+$/, ''))).toEqual(
        expect.arrayContaining([
          'undefined badge',
          'values in verdict tables',
          'assembly registers',
          'muted text',
        ]),
      );
      console.log(`contrast ${theme}: ${measured.join(', ')}`);
      await page.close();
    });

    it(`${theme}: no text below 4.5:1 on home, a chapter, coverage, matrix and a guide`, async () => {
      const { path: where } = await clausePage(chapterClause().id);
      const pages = ['/', where.replace(/#.*$/, ''), '/coverage', '/matrix', '/docs/guides/reading-a-clause'];
      const low: (LowContrast & { page: string })[] = [];
      for (const p of pages) {
        const page = await open(p, { theme });
        await openAllDetails(page);
        const found = await page.evaluate(
          (min) => window.kcLowContrast(document.querySelector('main') ?? document.body, min),
          AA,
        );
        low.push(...found.map((f) => ({ ...f, page: p })));
        await page.close();
      }
      expect(low).toEqual([]);
    });
  }
});

describe('the trace viewer by keyboard', () => {
  it('has a visible focus, a visible key hint, arrows step, Home/End go to the ends, rows are options', async () => {
    const target = clauses.find((c) => c.status === 'active' && c.results.some((r) => r.kind === 'example'))!;
    const { path: where } = await clausePage(target.id);
    const page = await open(where.replace(/#.*$/, ''));
    // Folded, its data fetched when opened.
    expect(await page.locator('.kc-trace').count()).toBe(0);
    const trace = await openTrace(page);
    const pos = trace.locator('.kc-trace-pos');
    const n = Number(/of (\d+)/.exec((await pos.textContent()) ?? '')?.[1]);
    expect(n).toBeGreaterThan(2);

    const hint = trace.locator('.kc-trace-keys');
    await expect(hint.isVisible()).resolves.toBe(true);
    await expect(hint.textContent()).resolves.toMatch(/←.*→.*step.*Home.*End/s);

    // Tab from the last button lands on the instruction list, which shows where the focus is.
    await trace.getByRole('button', { name: 'Final state' }).focus();
    await page.keyboard.press('Tab');
    const list = trace.getByRole('listbox', { name: 'Executed instructions' });
    await expect(list.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    const ring = await list.evaluate((el) => {
      const s = getComputedStyle(el);
      return {
        visible: el.matches(':focus-visible'),
        style: s.outlineStyle,
        width: parseFloat(s.outlineWidth),
      };
    });
    expect(ring.visible).toBe(true);
    expect(ring.style).not.toBe('none');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    await trace.screenshot({ path: path.join(SHOTS, 'trace-keyboard.png') });

    /** The step the viewer says it is at, and the option the list says is active. */
    const where_ = async () => ({
      pos: await pos.textContent(),
      active: await list.evaluate((el) => {
        const id = el.getAttribute('aria-activedescendant');
        const row = id ? document.getElementById(id) : null;
        return row
          ? {
              selected: row.getAttribute('aria-selected'),
              current: row.classList.contains('kc-trace-current'),
            }
          : null;
      }),
    });
    await page.keyboard.press('ArrowRight');
    await expect.poll(where_).toEqual({
      pos: `step 2 of ${n}`,
      active: { selected: 'true', current: true },
    });
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => pos.textContent()).toBe(`step 3 of ${n}`);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => pos.textContent()).toBe(`step 1 of ${n}`);
    await page.keyboard.press('End');
    await expect.poll(where_).toEqual({
      pos: expect.stringMatching(/^final state/),
      active: { selected: 'true', current: true },
    });
    await expect.poll(() => trace.locator('.kc-trace-caption').textContent()).toContain('Final state');
    await page.keyboard.press('Home');
    await expect.poll(() => pos.textContent()).toBe(`step 1 of ${n}`);

    // Every row is an option of the listbox, and clicking one still jumps there.
    const options = list.getByRole('option');
    expect(await options.count()).toBeGreaterThan(2);
    await options.nth(2).click();
    await expect.poll(() => pos.textContent()).toBe(`step 3 of ${n}`);

    // The buttons show their focus too.
    await trace.getByRole('button', { name: 'Previous step' }).focus();
    await page.keyboard.press('Shift+Tab');
    const button = trace.getByRole('button', { name: 'First step' });
    await expect(
      button.evaluate((el) => el.matches(':focus-visible') && getComputedStyle(el).outlineStyle !== 'none'),
    ).resolves.toBe(true);
    await page.close();
  });

  it('prints instructions the way the source spells them (pushq, movl)', async () => {
    const target = clauses.find((c) => c.status === 'active' && c.results.some((r) => r.kind === 'example'))!;
    const { path: where } = await clausePage(target.id);
    const page = await open(where.replace(/#.*$/, ''));
    await openAllDetails(page);
    const texts = await page.locator('.kc-trace-list li code:not(.kc-trace-rip)').allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    // Instructions with a size (every push and mov to a general register) carry their suffix.
    expect(texts.filter((t) => /^(push|mov) /.test(t))).toEqual([]);
    await page.close();
  });
});

describe('pages and small things', () => {
  it('a counterexample is marked as failing as intended, never with the green example badge', async () => {
    const { path: where } = await clausePage(chapterClause().id);
    const page = await open(where.replace(/#.*$/, ''));
    const counter = page.locator('.kc-example-counter .kc-example-head');
    expect(await counter.count()).toBeGreaterThan(0);
    expect(await counter.locator('.kc-pass').count()).toBe(0);
    expect(await counter.locator('.kc-badge', { hasText: 'behaves as specified' }).count()).toBe(0);
    const badges = await counter.locator('.kc-badge:not(.kc-counter)').allTextContents();
    expect(new Set(badges)).toEqual(new Set(['fails as intended']));
    await counter
      .first()
      .locator('..')
      .screenshot({ path: path.join(SHOTS, 'counterexample.png') });
    // Examples keep theirs.
    await expect(
      page.locator('.kc-example:not(.kc-example-counter) .kc-example-head .kc-pass').first().textContent(),
    ).resolves.toBe('behaves as specified');
    await page.close();
  });

  // The fake sample has no numeric local labels and no owner/repo@commit sources.
  it.skipIf(sampleMode())('highlights the instruction after a numeric local label (1:)', async () => {
    const { path: where } = await clausePage(chapterClause().id);
    const page = await open(where.replace(/#.*$/, ''));
    await highlightAll(page);
    const lines = await page.locator('.prism-code .token-line').evaluateAll((ls) =>
      ls
        .filter((l) => /^\s*\d+:\s*[a-z]/.test(l.textContent ?? ''))
        .map((l) => ({
          text: l.textContent,
          label: !!l.querySelector('.token.label'),
          mnemonic: !!l.querySelector('.token.mnemonic'),
        })),
    );
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l, l.text ?? '').toMatchObject({ label: true, mnemonic: true });
    await page.close();
  });

  it('/spec and /docs are pages, not 404s', async () => {
    for (const p of ['/spec', '/docs']) {
      const r = await fetch(server.origin + p);
      expect(r.status, p).toBe(200);
    }
    const spec = await open('/spec');
    await spec.locator('article h1').first().waitFor();
    const landing = new URL(spec.url()).pathname;
    expect(landing).toMatch(/^\/spec\/.+/);
    await spec.close();
    const docs = await open('/docs');
    await expect(docs.locator('article h1').textContent()).resolves.toBe('Guides and reference');
    expect(await docs.locator('article a[href^="/docs/guides/"]').count()).toBeGreaterThan(1);
    // A link to /spec inside the site (the client router, no page load) lands there too.
    await docs.locator('article a[href="/spec"]').first().click();
    await docs.waitForURL((u) => u.pathname === landing);
    await docs.locator('article h1').first().waitFor();
    await docs.close();
  });

  it('serves the favicon the pages name, and /favicon.ico', async () => {
    const page = await open('/');
    const href = await page.locator('link[rel="icon"]').first().getAttribute('href');
    expect(href).toBeTruthy();
    const icon = await fetch(new URL(href!, server.origin));
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\//);
    const ico = await fetch(server.origin + '/favicon.ico');
    expect(ico.status).toBe(200);
    expect([...new Uint8Array(await ico.arrayBuffer()).slice(0, 4)]).toEqual([0, 0, 1, 0]);
    await page.close();
  });

  it('guides have one "Guides" in their breadcrumb', async () => {
    const page = await open('/docs/guides/reading-a-clause');
    const crumbs = (await page.locator('nav[aria-label="Breadcrumbs"] li').allTextContents()).map((t) =>
      t.trim(),
    );
    expect(crumbs.filter(Boolean)).toEqual(['Guides', 'How to read a clause']);
    await page.close();
  });

  it.skipIf(sampleMode())('home names the same version as the navbar version menu', async () => {
    const page = await open('/');
    const navbar = (await page.locator('.navbar .dropdown > a.navbar__link').first().textContent())?.trim();
    await expect(page.locator('[data-version="checked"] td a').textContent()).resolves.toBe(navbar);
    await expect(page.locator('[data-version="checked"] td').textContent()).resolves.toBe(
      `${navbar} (newest release)`,
    );
    await expect(page.locator('[data-version="working"] td').textContent()).resolves.toMatch(
      /^\S+ \(unreleased: \d+ of \d+ runs? behaved as specified; coverage, implementations\)$/,
    );
    await page.close();
  });

  it('says "1 clause lacks", never "1 clauses", anywhere a count is shown', async () => {
    const { path: where } = await clausePage(chapterClause().id);
    for (const p of ['/', '/coverage', where.replace(/#.*$/, '')]) {
      const page = await open(p);
      await openAllDetails(page);
      // Table cells are separate texts (innerText puts tabs and newlines between them).
      const text = (await page.locator('main').first().innerText())
        .split(/[\t\n]+/)
        .map((t) => t.replace(/ +/g, ' '))
        .join('\n');
      expect(text, p).not.toMatch(
        /\b1 (clauses|others|other counterexamples|instructions|steps|runs|examples|counterexamples|seeds)\b/,
      );
      expect(text, p).not.toMatch(/\b1 clause lack\b|\b1 others? hold\b/);
      await page.close();
    }
    const coverage = await open('/coverage');
    await expect(coverage.locator('main p:not([data-version-nav])').first().textContent()).resolves.toMatch(
      /\b(1 clause lacks|\d+ clauses lack) a check or an example/,
    );
    await coverage.close();
  });

  it.skipIf(sampleMode())('links the matrix sources to the commits they were read at', async () => {
    const page = await open('/matrix');
    const commits = page.locator('table.kc-sources a[href^="https://github.com/"][href*="/commit/"]');
    expect(await commits.count()).toBeGreaterThan(0);
    const first = commits.first();
    const [text, href] = [await first.textContent(), await first.getAttribute('href')];
    const m = /^([^@]+)@([0-9a-f]+)$/.exec(text ?? '');
    expect(m).not.toBeNull();
    expect(href).toBe(`https://github.com/${m![1]}/commit/${m![2]}`);
    await page.close();
  });
});

describe('screenshots', () => {
  it('desktop and 390 px, light and dark', async () => {
    const { path: where } = await clausePage(chapterClause().id);
    const pages: [string, string][] = [
      ['home', '/'],
      ['chapter', where],
      ['coverage', '/coverage'],
      ['matrix', '/matrix'],
      ['guide', '/docs/guides/reading-a-clause'],
      // The working copy's pages beside the release's.
      ...(RELEASES.length > 0
        ? ([
            ['chapter-next', '/spec/next/kernel-to-purgatory'],
            ['coverage-next', '/coverage/next'],
          ] as [string, string][])
        : []),
    ];
    for (const [name, p] of pages)
      for (const theme of ['light', 'dark'] as const)
        for (const [size, viewport] of [
          ['desktop', DESKTOP],
          ['phone', PHONE],
        ] as const) {
          const page = await open(p, { theme, viewport });
          await shot(page, `${name}-${size}-${theme}`);
          await page.close();
        }
  });
});
