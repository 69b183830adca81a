// `npm run bench:site`: what each page of the built site costs a reader on a phone (390 px, empty cache,
// CPU slowed down 4x as Lighthouse's mobile preset): gzipped HTML/JS/CSS, prefetches, DOM size, and time
// to interactive (test/support/page-weight.ts). A benchmark, not a test: the goal is under 300 KB
// (test/site-weight.test.ts holds pages to it) and under 3 s to interactive on every page.
// Usage: tsx bench/site.ts [BUILD_DIR] [PATH ...]   (default: build/, built first when stale; every page)

import path from 'node:path';
import { chromium } from 'playwright-core';
import { BUILD, ensureBuild, serve } from '../test/site-build.ts';
import { CPU_SLOWDOWN, formatCost, measurePage } from '../test/support/page-weight.ts';

const [dirArg, ...only] = process.argv.slice(2);
const build = dirArg ? path.resolve(dirArg) : BUILD;
if (!dirArg) await ensureBuild();
const server = await serve(build);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const xml = await (await fetch(server.origin + '/sitemap.xml')).text();
  const paths = only.length
    ? only
    : [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]!).pathname);
  console.log(`${build}: ${paths.length} pages, 390 px, CPU ${CPU_SLOWDOWN}x slower`);
  let worst = { tti: 0, path: '' };
  for (const p of paths) {
    const cost = await measurePage(context, server.origin, build, p);
    console.log(formatCost(cost));
    if ((cost.tti ?? 0) > worst.tti) worst = { tti: cost.tti ?? 0, path: p };
  }
  console.log(`slowest to interactive: ${worst.path} at ${(worst.tti / 1000).toFixed(2)} s`);
} finally {
  await browser.close();
  await server.close();
}
