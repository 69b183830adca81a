// remarkKexecContract as a plain unified plugin: standalone (results on the nodes and file.data) and
// in JSX mode (MDX JSX elements for the site), with or without remark-directive registered by the host.

import { readFile } from 'node:fs/promises';
import type { Root } from 'mdast';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import remarkDirective from 'remark-directive';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { VFile } from 'vfile';
import { describe, expect, test } from 'vitest';
import remarkKexecContract from '../src/plugin/index.ts';
import type { ClauseData, ExampleData } from '../src/plugin/index.ts';
import { isEngineName } from '../src/runner/engines.ts';
import type { EngineName } from '../src/runner/types.ts';

const SAMPLE = 'test/fixtures/sample/sample.md';
const env = process.env.KEXEC_CONTRACT_ENGINE ?? 'interp';
const engine: EngineName = isEngineName(env) ? env : 'interp';
const source = await readFile(SAMPLE, 'utf8');

async function run(options: Parameters<typeof remarkKexecContract>[0], text = source, directive = true) {
  const p = unified().use(remarkParse);
  if (directive) p.use(remarkDirective);
  p.use(remarkKexecContract, { engine, cache: false, ...options });
  const file = new VFile({ path: SAMPLE, value: text });
  const tree = (await p.run(p.parse(file), file)) as Root;
  return { tree, file };
}

const jsxNodes = (tree: Root) =>
  tree.children.filter((n): n is MdxJsxFlowElement => n.type === 'mdxJsxFlowElement');
const attr = (n: MdxJsxFlowElement, name: string) =>
  n.attributes.find((a) => a.type === 'mdxJsxAttribute' && a.name === name)?.value as string | undefined;

describe('standalone', () => {
  test('attaches results to the nodes and the SpecDocument to file.data', async () => {
    const { tree, file } = await run({});
    expect(file.messages).toEqual([]);
    const doc = file.data.kexecContract!;
    expect(doc.file).toBe(SAMPLE);
    expect(doc.runs.map((r) => r.ok)).toEqual([true, true, true]);
    const clauseNode = tree.children.find(
      (n) => n.type === 'containerDirective' && n.name === 'clause' && n.attributes?.id === 'demo',
    );
    expect(clauseNode).toBeDefined(); // remark-directive's own reading of #demo.intro
    const data = (clauseNode!.data as { kexecContract: ClauseData }).kexecContract;
    expect(data.clause.id).toBe('demo.intro');
    const gpr = tree.children.find(
      (n) =>
        n.type === 'containerDirective' &&
        (n.data as { kexecContract?: ClauseData })?.kexecContract?.clause.id === 'demo.gpr.zero',
    )!;
    const verdicts = (gpr.data as { kexecContract: ClauseData }).kexecContract.verdicts;
    expect(verdicts.map((v) => [v.example, v.held])).toEqual([
      ['demo-good', true],
      ['demo-r10-kept', false],
      ['demo-stack-leak', true],
    ]);
  });

  test('registers the directive syntax itself when the host did not', async () => {
    const { file } = await run({}, source, false);
    expect(file.data.kexecContract!.clauses).toHaveLength(8);
  });

  test('reports problems as vfile messages with line and column', async () => {
    const broken = source.replace('level=must-not', 'level=never');
    const { file } = await run({}, broken);
    const line = broken.split('\n').findIndex((l) => l.includes('level=never')) + 1;
    expect(file.messages.map((m) => [m.line, m.column, m.ruleId, m.fatal])).toEqual([
      [line, 1, 'level', true],
    ]);
  });
});

describe('jsx mode (Docusaurus)', () => {
  test('replaces clauses, examples and givens with MDX JSX elements carrying JSON', async () => {
    const { tree } = await run({ jsx: true });
    const nodes = jsxNodes(tree);
    expect(nodes.map((n) => n.name)).toEqual([
      'Given',
      ...Array(8).fill('Clause'),
      'Example',
      'Example',
      'Example',
    ]);
    const given = JSON.parse(attr(nodes[0]!, 'data')!);
    expect(given).toMatchObject({ id: 'demo', title: 'Demo handoff' });
    const gpr = nodes.find((n) => attr(n, 'id') === 'demo.gpr.zero')!;
    const data = JSON.parse(attr(gpr, 'data')!) as ClauseData;
    expect(data.clause.assertions).toHaveLength(15);
    expect(data.verdicts).toHaveLength(3);
    // Children are the prose; the expect block is gone.
    expect(gpr.children.map((c) => c.type)).toEqual(['paragraph']);
    const ex = JSON.parse(attr(nodes[9]!, 'data')!) as ExampleData;
    expect(ex.example.name).toBe('demo-good');
    expect(ex.run!.ok).toBe(true);
    expect(ex.run!.final.rip).toBe('0x300000');
  });

  test('a failing example fails the build with the Markdown file:line', async () => {
    const broken = source.replace('rdi == 0', 'rdi == 1');
    const line = broken.split('\n').findIndex((l) => l.includes('rdi == 1')) + 1;
    await expect(run({ jsx: true }, broken)).rejects.toThrow(`${SAMPLE}:${line}:`);
  });

  test('failOnError: false only reports', async () => {
    const broken = source.replace('rdi == 0', 'rdi == 1');
    const { file } = await run({ jsx: true, failOnError: false }, broken);
    expect(file.messages.map((m) => m.ruleId)).toEqual(['verdict', 'verdict']);
  });
});

describe('the spec tree is the unit', () => {
  test('a clause shows the verdicts of examples written in another file', async () => {
    const file = new VFile({
      path: 'test/fixtures/split/a-stage.md',
      value: await readFile('test/fixtures/split/a-stage.md', 'utf8'),
    });
    const p = unified()
      .use(remarkParse)
      .use(remarkKexecContract, { engine, cache: false, specDir: 'test/fixtures/split' });
    const tree = (await p.run(p.parse(file), file)) as Root;
    expect(file.messages).toEqual([]);
    const clause = tree.children.find((n) => n.type === 'containerDirective')!;
    const { verdicts } = (clause.data as { kexecContract: ClauseData }).kexecContract;
    expect(verdicts.map((v) => [v.example, v.held, v.expectedToHold])).toEqual([
      ['split-good', true, true],
      ['split-bad', false, false],
    ]);
    expect(file.data.kexecContract!.runs).toEqual([]); // the examples belong to the other document
  });
});
