// The spec-suite figure of `npm run bench`: the whole spec/ tree through the harness, cold (empty cache:
// every example assembled and run under all its seeds) and warm (a fresh process's view: nothing in
// memory, every outcome read from the on-disk cache), plus the cost of one example.
// Goal (issue 4): warm under 5 s on the 2-core reference machine. Run alone: tsx bench/spec.ts [--engine NAME]

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkSpec } from '../src/harness/check.ts';
import { engineAvailability, isEngineName } from '../src/runner/engines.ts';
import type { EngineName } from '../src/runner/types.ts';

export async function specBench(engine: EngineName = 'interp', dir = 'spec'): Promise<void> {
  const a = await engineAvailability(engine);
  if (!a.ok) {
    console.log(`spec-suite ${engine}: not available here (${a.reason}; ${a.install})`);
    return;
  }
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'kexec-contract-bench-'));
  try {
    let t = performance.now();
    const cold = await checkSpec(dir, { engine, cacheDir });
    const coldS = (performance.now() - t) / 1000;
    const runs = cold.documents.flatMap((d) => d.runs);
    // Each example runs every seed under every caller-state variant it runs under.
    const seeds = runs.reduce(
      (n, r) => n + (r.verdicts[0]?.seeds.length ?? 0) * (r.variants?.length ?? 1),
      0,
    );

    t = performance.now(); // a new call: nothing in memory, every outcome on disk
    const warm = await checkSpec(dir, { engine, cacheDir });
    const warmS = (performance.now() - t) / 1000;

    const n = cold.stats.ran || 1;
    console.log(
      `spec-suite ${engine}: cold ${coldS.toFixed(2)} s (${cold.stats.ran} examples, ${seeds} seeded runs, ` +
        `${((coldS / n) * 1000).toFixed(0)} ms per example); warm ${warmS.toFixed(2)} s ` +
        `(${warm.stats.cached}/${warm.stats.examples} cached; goal < 5 s)`,
    );
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--engine');
  const name = i >= 0 ? process.argv[i + 1] : 'interp';
  if (!name || !isEngineName(name)) throw new Error(`unknown engine ${name}`);
  await specBench(name);
}
