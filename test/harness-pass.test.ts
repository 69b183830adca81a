// The spec pass (src/harness/pass.ts): whoever asks for a tree's results (the site plugin, every page
// of a site build) gets the one run of that content; new content gets one new run, which re-runs only
// what changed.

import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { SpecPass } from '../src/harness/pass.ts';
import { isEngineName } from '../src/runner/engines.ts';

const env = process.env.KEXEC_CONTRACT_ENGINE ?? 'interp';
const engine = isEngineName(env) ? env : 'interp';
const DIR = 'test/fixtures/split';
const EXAMPLES = `${DIR}/b-examples.md`;

test('a tree runs once however many ask for it, and again only for new content', async () => {
  const pass = new SpecPass({ engine, cache: false });
  const text = await readFile(EXAMPLES, 'utf8');
  const [a, b, page] = await Promise.all([
    pass.results(DIR),
    pass.results(DIR),
    pass.forFile(DIR, EXAMPLES, text),
  ]);
  expect(b).toBe(a);
  expect(page.result).toBe(a);
  expect(a.stats).toMatchObject({ examples: 2, ran: 2 });
  expect(page.document.runs.map((r) => [r.example, r.ok])).toEqual([
    ['split-good', true],
    ['split-bad', true],
  ]);
  expect(a.verdictsByClause.get('split.rax.zero')?.map((v) => v.example)).toEqual([
    'split-good',
    'split-bad',
  ]);

  // A page whose text differs from the disk's: one new run over the tree with that text, and nothing
  // that did not change runs again (the pass keeps its caches).
  const edited = await pass.forFile(DIR, EXAMPLES, text.replace(/^/, 'More prose.\n\n'));
  expect(edited.result).not.toBe(a);
  expect(edited.result.stats).toMatchObject({ examples: 2, cached: 2, ran: 0 });
  expect(edited.document.examples.map((e) => e.place.line)).toEqual(
    page.document.examples.map((e) => e.place.line + 2),
  );

  // A page outside the tree with nothing for the harness leaves the tree as it is.
  const guide = await pass.forFile(DIR, 'docs/guides/a-guide.md', '# A guide\n\nProse only.\n');
  expect(guide.result).toBe(a);
  expect(guide.document).toEqual({
    file: 'docs/guides/a-guide.md',
    stages: [],
    clauses: [],
    examples: [],
    runs: [],
  });
});

test('the model of a tree is extracted once and shared with its run', async () => {
  const pass = new SpecPass({ engine, cache: false });
  const model = await pass.model(DIR);
  const result = await pass.results(DIR);
  expect(result.model).toBe(model);
  expect(model.files.map((f) => f.file)).toEqual([`${DIR}/a-stage.md`, EXAMPLES]);
});
