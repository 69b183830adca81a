// Known engine differences in the spec harness: a verdict an engine gives and the reference (interp)
// does not, explained by the engine's list (Unicorn's gaps today, KVM host differences next), is
// "not comparable (<label>: <id>: <evidence>)" — neither a pass nor a failure — in every report.

import { describe, expect, test } from 'vitest';
import { checkSpec } from '../src/harness/check.ts';
import { differencesOf, fromList, notComparableText } from '../src/harness/differences.ts';
import type { DifferenceCase } from '../src/harness/differences.ts';
import {
  formatJunit,
  formatText,
  githubAnnotations,
  lastSteps,
  summarize,
  testCases,
} from '../src/harness/report.ts';
import type { ExampleRun, SpecDocument, Verdict } from '../src/model/types.ts';
import { engineGate } from './support/differential/gate.ts';
import type { RunResult } from '../src/runner/types.ts';
import { baselineWorld } from '../src/runner/world.ts';

const unicorn = await engineGate('unicorn', 'test/harness-differences.test.ts (test --engine unicorn)');

describe('a list of known differences', () => {
  const world = baselineWorld();
  const result = { stop: { reason: 'hlt' } } as RunResult;
  const c: DifferenceCase = { world, result, reference: result };

  test('gives the first entry with evidence, under the list label', async () => {
    const classify = await fromList(
      'kvm host',
      [
        { id: 'never', classify: () => undefined },
        { id: 'one-gib-pages', classify: (x: { kvm: RunResult }) => `kvm stopped by ${x.kvm.stop.reason}` },
        { id: 'later', classify: () => 'not reached' },
      ],
      (d) => ({ kvm: d.result }),
    );
    const d = classify(c)!;
    expect(d).toEqual({ label: 'kvm host', id: 'one-gib-pages', evidence: 'kvm stopped by hlt' });
    expect(notComparableText(d)).toBe('not comparable (kvm host: one-gib-pages: kvm stopped by hlt)');
  });

  test('unicorn has one (src/runner/unicorn/gaps.ts); the reference has none', async () => {
    expect(await differencesOf('unicorn')).toBeTypeOf('function');
    expect(await differencesOf('interp')).toBeUndefined();
  });
});

describe('reports', () => {
  const place = { file: 'x.md', line: 3 };
  const verdict = (clause: string, held: boolean, notComparable?: string): Verdict => ({
    clause,
    example: 'e',
    kind: 'example',
    held,
    expectedToHold: true,
    assertions: [{ source: `${clause} check`, place, held }],
    seeds: [1],
    ...(notComparable ? { notComparable } : {}),
  });
  const NC = 'not comparable (unicorn gap: efer-nxe-sce: EFER 0xd01 has NXE/SCE)';
  const run: ExampleRun = {
    example: 'e',
    stage: 's',
    engine: 'unicorn',
    stop: { reason: 'until', rip: '0x300000', message: '' },
    final: {},
    trace: [],
    verdicts: [verdict('s.a', true), verdict('s.efer', false, NC)],
    ok: true,
  };
  const doc: SpecDocument = {
    file: 'x.md',
    stages: [],
    clauses: [],
    examples: [{ name: 'e', kind: 'example', stage: 's', violates: [], source: '', place }],
    runs: [run],
  };

  test('count it apart, as neither passed nor failed', () => {
    expect(summarize([doc], [])).toEqual({ passed: 1, failed: 0, errors: 0, notComparable: 1 });
    const cases = testCases(doc, [doc]);
    expect(cases[1]).toMatchObject({ name: 's.efer [e]', ok: false, notComparable: NC });
    expect(cases[1]!.failure).toBeUndefined();
  });

  test('text says why, and the summary line counts it', () => {
    const text = formatText([doc], []);
    expect(text).toContain(`  n/c  s.efer [e]: ${NC}`);
    expect(text).not.toContain('FAIL');
    expect(text.trimEnd().split('\n').at(-1)).toBe('1 passed, 0 failed, 1 not comparable');
  });

  test('a run of an engine that cannot trace says so where the last steps would be', () => {
    expect(lastSteps(run)).toBe('  (no trace: engine unicorn cannot trace; stopped at 0x300000: until)');
  });

  test('JUnit marks it skipped with the reason; no GitHub annotation', () => {
    const xml = formatJunit([doc], []);
    expect(xml).toContain('tests="2" failures="0" skipped="1"');
    expect(xml).toContain(`<skipped message="${NC}"/>`);
    expect(githubAnnotations([doc], [])).toEqual([]);
  });
});

describe.skipIf(!unicorn.available)('kexec-contract test --engine unicorn on the spec', async () => {
  const { documents, messages } = await checkSpec('spec/02-kernel-to-purgatory.md', {
    engine: 'unicorn',
    cache: false,
  });
  const cases = documents.flatMap((d) => testCases(d, documents));

  test("EFER's NXE/SCE, which unicorn drops, make k2p.efer.unchanged not comparable, not failed", () => {
    const efer = cases.filter((t) => t.clause === 'k2p.efer.unchanged');
    expect(efer.length).toBeGreaterThan(0);
    for (const t of efer.filter((x) => !x.ok))
      expect(t.notComparable).toMatch(
        /^not comparable \(unicorn gap: efer-nxe-sce: EFER 0x[0-9a-f]+ has NXE\/SCE\)$/,
      );
    expect(efer.some((t) => t.notComparable)).toBe(true);
  });

  test('everything else is compared, and nothing fails', () => {
    expect(cases.filter((t) => !t.ok && !t.notComparable).map((t) => t.failure)).toEqual([]);
    expect(messages.filter((m) => m.fatal).map((m) => m.reason)).toEqual([]);
    expect(cases.filter((t) => t.notComparable && t.clause !== 'k2p.efer.unchanged')).toEqual([]);
  });
});
