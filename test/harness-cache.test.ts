// The result cache: a warm run re-runs nothing; moving a block or editing prose re-runs nothing and the
// places follow the text; changing an example or a check re-runs exactly what depends on it.

import { mkdir, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { pruneCache } from '../src/harness/cache.ts';
import { checkSpec } from '../src/harness/check.ts';
import { isEngineName } from '../src/runner/engines.ts';

const env = process.env.KEXEC_CONTRACT_ENGINE ?? 'interp';
const engine = isEngineName(env) ? env : 'interp';
const SAMPLE = 'test/fixtures/sample/sample.md';

test('warm, moved and edited runs', async () => {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'kc-cache-'));
  const source = await readFile(SAMPLE, 'utf8');
  const check = (text: string) => checkSpec([], { engine, cacheDir, overrides: new Map([[SAMPLE, text]]) });

  // Every call opens its own caches: what one call learned, the next finds on disk only.
  const cold = await check(source);
  expect(cold.stats).toEqual({ examples: 3, cached: 0, ran: 3, assembled: 4 }); // + the given's `asm: hlt`

  const warm = await check(source);
  expect(warm.stats).toEqual({ examples: 3, cached: 3, ran: 0, assembled: 0 });
  // The same documents, but for each run's wall-clock time, which is 0 for a cached result.
  const timeless = (docs: typeof cold.documents) =>
    docs.map((d) => ({ ...d, runs: d.runs.map(({ seconds: _seconds, ...r }) => r) }));
  expect(warm.documents.flatMap((d) => d.runs.map((r) => r.seconds))).toEqual([0, 0, 0]);
  expect(timeless(warm.documents)).toEqual(timeless(cold.documents));

  // Three lines of prose above everything: nothing re-runs, every place moves by three lines.
  const moved = await check(source.replace('# A sample handoff\n', '# A sample handoff\n\nMore prose.\n\n'));
  expect(moved.stats.ran).toBe(0);
  const before = cold.documents[0]!.runs[1]!.verdicts.find((v) => v.clause === 'demo.gpr.zero')!;
  const after = moved.documents[0]!.runs[1]!.verdicts.find((v) => v.clause === 'demo.gpr.zero')!;
  expect(after.assertions.map((a) => a.place.line)).toEqual(before.assertions.map((a) => a.place.line + 3));

  // One example changed: only it runs again.
  const edited = await check(
    source.replace('name=demo-good impl=demo\n_start:\n', 'name=demo-good impl=demo\n_start:\n    nop\n'),
  );
  expect(edited.stats).toEqual({ examples: 3, cached: 2, ran: 1, assembled: 1 });

  // A check of the stage changed: every example of the stage runs again ...
  const rechecked = await check(source.replace('rflags.IF == 0', 'rflags.IF == 0\nrflags.DF == 0'));
  // ... but nothing is re-assembled.
  expect(rechecked.stats).toEqual({ examples: 3, cached: 0, ran: 3, assembled: 0 });
});

test('pruning drops outcomes unused for too long, then the least recently used over the size cap', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kc-prune-'));
  const now = Date.now();
  const day = 24 * 3600 * 1000;
  const put = async (name: string, bytes: number, ageDays: number) => {
    const f = path.join(dir, 'runs', 'ab', name);
    await mkdir(path.dirname(f), { recursive: true });
    await writeFile(f, 'x'.repeat(bytes));
    const t = new Date(now - ageDays * day);
    await utimes(f, t, t);
  };
  await put('new.json', 100, 0);
  await put('mid.json', 100, 1);
  await put('older.json', 100, 2);
  await put('stale.json', 10, 30);
  const removed = await pruneCache(dir, { maxBytes: 250, maxAgeMs: 14 * day }, now);
  expect(removed).toBe(2);
  expect((await readdir(path.join(dir, 'runs', 'ab'))).sort()).toEqual(['mid.json', 'new.json']);
});
