// The harness on the sample chapter (test/fixtures/sample/sample.md), which exercises every feature:
// a stage, clauses of each level, an example, counterexamples, an undefined and an unchecked clause,
// and a leak. Then the two mutations the issue names: one changed expect line, one deleted instruction.

import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { checkSpec } from '../src/harness/check.ts';
import { testCases } from '../src/harness/report.ts';
import { isEngineName } from '../src/runner/engines.ts';
import type { EngineName } from '../src/runner/types.ts';

const SAMPLE = 'test/fixtures/sample/sample.md';
const env = process.env.KEXEC_CONTRACT_ENGINE ?? 'interp';
const engine: EngineName = isEngineName(env) ? env : 'interp';
const source = await readFile(SAMPLE, 'utf8');
const lineOf = (text: string, from = 0) =>
  source.split('\n').findIndex((l, i) => i >= from && l.includes(text)) + 1;

/** Check the sample with its text replaced (nothing touches the disk; the cache keys on content). */
const checkVariant = (text: string) =>
  checkSpec([], { engine, cache: false, overrides: new Map([[SAMPLE, text]]) });

describe('sample chapter', async () => {
  const { documents, messages } = await checkSpec(SAMPLE, { engine, cache: false });
  const doc = documents[0]!;

  test('extracts the stage, every clause level and the examples', () => {
    expect(doc.stages.map((s) => [s.id, s.title])).toEqual([['demo', 'Demo handoff']]);
    expect(doc.clauses.map((c) => [c.id, c.level])).toEqual([
      ['demo.intro', 'informative'],
      ['demo.gpr.zero', 'must'],
      ['demo.stack.in-page', 'must'],
      ['demo.stack.zero-return', 'should'],
      ['demo.flags.if', 'must-not'],
      ['demo.efer.kept', 'may'],
      ['demo.flags.af', 'undefined'],
      ['demo.cache.flush', 'should'],
    ]);
    expect(doc.clauses.find((c) => c.id === 'demo.cache.flush')!.unchecked).toBe(
      'a cache write-back leaves no architectural state to check',
    );
    expect(doc.clauses.find((c) => c.id === 'demo.flags.af')!.assertions).toEqual([
      {
        source: 'rflags.AF undefined',
        kind: 'undefined',
        place: { file: SAMPLE, line: lineOf('rflags.AF undefined'), column: 1 },
      },
    ]);
    expect(doc.examples.map((e) => [e.name, e.kind, e.violates, e.impl])).toEqual([
      ['demo-good', 'example', [], 'demo'],
      ['demo-r10-kept', 'counterexample', ['demo.gpr.zero'], undefined],
      ['demo-stack-leak', 'counterexample', ['demo.stack.in-page', 'demo.stack.zero-return'], undefined],
    ]);
  });

  test('passes: no messages, every run behaves as declared', () => {
    expect(messages.map((m) => `${m.file}:${m.line}: ${m.reason}`)).toEqual([]);
    expect(doc.runs.map((r) => [r.example, r.ok, r.stop.reason])).toEqual([
      ['demo-good', true, 'until'],
      ['demo-r10-kept', true, 'until'],
      ['demo-stack-leak', true, 'until'],
    ]);
    expect(testCases(doc, documents).every((t) => t.ok)).toBe(true);
  });

  test('verdicts: one per checked clause; unchecked, informative and undefined clauses have none', () => {
    const good = doc.runs[0]!;
    expect(good.verdicts.map((v) => v.clause).sort()).toEqual([
      'demo.efer.kept',
      'demo.flags.if',
      'demo.gpr.zero',
      'demo.stack.in-page',
      'demo.stack.zero-return',
    ]);
    expect(good.verdicts.every((v) => v.held && v.expectedToHold && v.seeds.length === 3)).toBe(true);
    expect(good.final.rsp).toBe('0x200ff8');
    expect(good.final.rip).toBe('0x300000');
  });

  test('the counterexample fails exactly the clause it names', () => {
    const r10 = doc.runs[1]!;
    const failing = r10.verdicts.filter((v) => !v.held);
    expect(failing.map((v) => v.clause)).toEqual(['demo.gpr.zero']);
    const bad = failing[0]!.assertions.filter((a) => !a.held).map((a) => a.source);
    expect(bad).toEqual(['r9 == 0', 'r10 == 0']);
  });

  test('the leak check names the item, the seeds and the garbage input', () => {
    const leak = doc.runs[2]!;
    const v = leak.verdicts.find((x) => x.clause === 'demo.stack.in-page')!;
    expect(v.held).toBe(false);
    const a = v.assertions[0]!;
    expect(a.place.line).toBe(lineOf('rsp in [control_page'));
    expect(a.message).toMatch(
      /^leak: rsp differs across seeds \(seed 1: 0x2[0-9a-f]{5}, seed \d: 0x2[0-9a-f]{5}\); it comes from the garbage input r11$/,
    );
  });

  test('what fails each checked clause: the pass-through (not a run of the chapter) or counterexamples', () => {
    expect(doc.runs.map((r) => r.example)).not.toContain('pass-through');
    expect(doc.exercise).toEqual({
      'demo.gpr.zero': { passThrough: 'default', counterexamples: ['demo-r10-kept'], variants: ['default'] },
      'demo.stack.in-page': {
        passThrough: 'default',
        counterexamples: ['demo-stack-leak'],
        variants: ['default'],
      },
      'demo.stack.zero-return': { counterexamples: ['demo-stack-leak'], variants: ['default'] },
      'demo.flags.if': { passThrough: 'default', counterexamples: [], variants: ['default'] },
      // `efer unchanged` holds for a giver that does nothing, and no counterexample names it.
      'demo.efer.kept': { counterexamples: [], variants: [] },
    });
  });
});

describe('mutations make the suite fail, naming the clause and the Markdown line', () => {
  test('one changed expect line', async () => {
    const line = lineOf('rdi == 0');
    const lines = source.split('\n');
    lines[line - 1] = 'rdi == 1';
    const { documents } = await checkVariant(lines.join('\n'));
    const cases = testCases(documents[0]!, documents).filter((t) => !t.ok);
    expect(cases.map((t) => t.name)).toEqual([
      'demo.gpr.zero [demo-good]',
      'demo.gpr.zero [counterexample demo-stack-leak]',
    ]);
    const failure = cases[0]!.failure!;
    expect(failure.split('\n')[0]).toBe(
      `${SAMPLE}:${line}: demo.gpr.zero fails for example "demo-good" (${SAMPLE}:${lineOf('name=demo-good')})`,
    );
    expect(failure).toContain(`  ${SAMPLE}:${line}: rdi == 1`);
    expect(failure).toMatch(/expected: 0x1/);
    expect(failure).toMatch(/actual: +0x0/);
    expect(failure).toContain('seed:     1 (of 1, 2, 3)');
  });

  test('one deleted instruction', async () => {
    const line = lineOf('xorl %r12d, %r12d', lineOf('name=demo-good'));
    const lines = source.split('\n');
    lines.splice(line - 1, 1);
    const { documents, messages } = await checkVariant(lines.join('\n'));
    const cases = testCases(documents[0]!, documents).filter((t) => !t.ok);
    expect(cases.map((t) => t.name)).toEqual(['demo.gpr.zero [demo-good]']);
    const failure = cases[0]!.failure!;
    const assertLine = lineOf('r12 == 0');
    expect(failure.split('\n')[0]).toBe(
      `${SAMPLE}:${assertLine}: demo.gpr.zero fails for example "demo-good" (${SAMPLE}:${lineOf('name=demo-good')})`,
    );
    expect(failure).toContain(`${SAMPLE}:${assertLine}: r12 == 0`);
    expect(failure).toMatch(/seed: +\d \(of 1, 2, 3\)/);
    expect(messages.map((m) => [m.file, m.line, m.ruleId])).toEqual([[SAMPLE, assertLine, 'verdict']]);
  });
});

describe('what does not run', () => {
  test('a stage with a check that does not parse runs none of its examples', async () => {
    const { documents, messages } = await checkVariant(source.replace('rbx == 0', 'rbx = 0'));
    expect(messages.map((m) => [m.line, m.ruleId])).toEqual([[lineOf('rbx == 0'), 'expect-syntax']]);
    expect(documents[0]!.runs).toEqual([]);
  });

  test("a variant's only: naming no example of the stage is an error at the given", async () => {
    const text = source.replace(
      'until: entry\n',
      'until: entry\nvariants:\n  base:\n  other:\n    only: [nope]\n',
    );
    const { messages } = await checkVariant(text);
    const m = messages.find((x) => x.ruleId === 'given');
    expect(m?.message).toBe(
      'stage "demo" given: variant other: only names "nope", which is not an example of this stage',
    );
    expect(m?.line).toBe(lineOf('until: entry') + 4);
  });

  test('a counterexample with a wrong violates= does not stop the others', async () => {
    const { documents, messages } = await checkVariant(
      source.replace('violates=demo.gpr.zero', 'violates=demo.gpr.zeroo'),
    );
    expect(messages.map((m) => [m.line, m.ruleId])).toEqual([[lineOf('name=demo-r10-kept'), 'violates']]);
    expect(documents[0]!.runs.map((r) => r.example)).toEqual(['demo-good', 'demo-stack-leak']);
  });
});
