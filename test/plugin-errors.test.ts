// One fixture per error class (test/fixtures/errors/*), each with its exact message and position.
// Static classes need only extraction and validation; the run-time ones (assembly, faults, verdicts)
// go through the harness.

import { describe, expect, test } from 'vitest';
import { checkSpec } from '../src/harness/check.ts';
import { loadSpec } from '../src/markdown/load.ts';
import { isEngineName } from '../src/runner/engines.ts';
import type { EngineName } from '../src/runner/types.ts';

const DIR = 'test/fixtures/errors';
const env = process.env.KEXEC_CONTRACT_ENGINE ?? 'interp';
const engine: EngineName = isEngineName(env) ? env : 'interp';

type Expected = [file: string, line: number, column: number, rule: string, message: string];

const STATIC: Record<string, Expected[]> = {
  'bad-attributes.md': [
    ['bad-attributes.md', 11, 21, 'attributes', 'asm block: unterminated quoted value for `name`'],
  ],
  'unknown-level.md': [
    [
      'unknown-level.md',
      11,
      1,
      'level',
      'clause "s.rax.zero": unknown level "mandatory" (use one of must, must-not, should, should-not, may, informative, undefined)',
    ],
  ],
  'malformed-id.md': [
    [
      'malformed-id.md',
      11,
      1,
      'clause-id',
      'malformed clause ID "S.Rax": use dotted lower-case words like k2p.gpr.zero',
    ],
  ],
  'duplicate-id': [
    [
      'duplicate-id/b.md',
      3,
      1,
      'duplicate-id',
      `duplicate clause ID "s.rax.zero" (first defined at ${DIR}/duplicate-id/a.md:11)`,
    ],
  ],
  'clause-unknown-stage.md': [
    [
      'clause-unknown-stage.md',
      11,
      1,
      'unknown-stage',
      'clause "t.rax.zero" names unknown stage "t" (stages: s)',
    ],
  ],
  'example-no-stage.md': [
    [
      'example-no-stage.md',
      3,
      1,
      'no-stage',
      'example "lonely" has no stage: add stage=ID or place it after a given block',
    ],
  ],
  'example-unknown-stage.md': [
    [
      'example-unknown-stage.md',
      11,
      1,
      'unknown-stage',
      'example "lost" names unknown stage "nope" (stages: s)',
    ],
  ],
  'violates-unknown.md': [
    [
      'violates-unknown.md',
      19,
      1,
      'violates',
      'counterexample "bad" names unknown clause "s.rbx.zero" in violates=',
    ],
  ],
  'violates-other-stage.md': [
    [
      'violates-other-stage.md',
      28,
      1,
      'violates',
      'counterexample "bad" (stage s) names clause "t.rax.zero" of stage t',
    ],
  ],
  'duplicate-example.md': [
    [
      'duplicate-example.md',
      15,
      1,
      'duplicate-example',
      `duplicate example name "twice" (first at ${DIR}/duplicate-example.md:11)`,
    ],
  ],
  'no-check.md': [
    [
      'no-check.md',
      11,
      1,
      'no-check',
      'normative clause "s.rax.zero" (must) has no expect block: add one, or unchecked="why it cannot be checked"',
    ],
  ],
  'expect-syntax.md': [
    [
      'expect-syntax.md',
      16,
      5,
      'expect-syntax',
      `clause "s.rax.zero": unexpected character '=' (comparison is '==')`,
    ],
  ],
  'expect-outside.md': [['expect-outside.md', 11, 1, 'expect-outside', 'expect block outside a clause']],
};

const shape = (m: {
  file?: string;
  line?: number | null;
  column?: number | null;
  ruleId?: string | null;
  reason: string;
}) => [(m.file ?? '').replace(`${DIR}/`, ''), m.line, m.column, m.ruleId, m.reason];

describe('static error classes', () => {
  for (const [fixture, expected] of Object.entries(STATIC)) {
    test(fixture, async () => {
      const tree = await loadSpec(`${DIR}/${fixture}`);
      expect(tree.messages.map(shape)).toEqual(expected);
      expect(tree.messages.every((m) => m.fatal === true)).toBe(true);
    });
  }
});

// Run-time classes: the engine's own wording of a stop follows the fixed prefix, so it is matched
// loosely there and exactly everywhere else.
const RUNTIME: Record<
  string,
  [file: string, line: number, column: number, rule: string, message: string | RegExp][]
> = {
  'assembly-error.md': [
    ['assembly-error.md', 14, 1, 'assembly', 'example "typo": no such instruction: `mvoq $1,%rbx\''],
  ],
  'runtime-fault.md': [
    [
      'runtime-fault.md',
      14,
      1,
      'runtime',
      /^example "crash" did not reach the stage's stop point: triple-fault at 0x100002: ./,
    ],
  ],
  'budget.md': [
    [
      'budget.md',
      11,
      1,
      'runtime',
      /^example "spin" did not reach the stage's stop point: budget at 0x100000: /,
    ],
  ],
  'unknown-symbol.md': [
    [
      'unknown-symbol.md',
      12,
      23,
      'expect-syntax',
      `clause "s.stack.page": unknown name 'contrl_page'; did you mean 'control_page'?`,
    ],
  ],
  'given-error.md': [['given-error.md', 4, 8, 'given', `stage "s" given: until: unknown name 'entyr'`]],
  'verdict.md': [
    [
      'verdict.md',
      15,
      1,
      'verdict',
      `example "wrong" (${DIR}/verdict.md:19) fails "s.rax.zero": rax == 0: actual 0x5, expected 0x0 (seed 1)`,
    ],
    [
      'verdict.md',
      25,
      1,
      'verdict',
      `counterexample "not-a-counterexample" (${DIR}/verdict.md:25) names "s.rax.zero" in violates= but holds it under every seed`,
    ],
  ],
};

describe('run-time error classes', () => {
  for (const [fixture, expected] of Object.entries(RUNTIME)) {
    test(fixture, async () => {
      const { messages, documents } = await checkSpec(`${DIR}/${fixture}`, { engine, cache: false });
      // The stop keeps the original exception: #UD (6) for the ud2 that could not be delivered.
      if (fixture === 'runtime-fault.md') expect(documents[0]!.runs[0]!.stop.vector).toBe(6);
      expect(messages).toHaveLength(expected.length);
      messages.forEach((m, i) => {
        const [file, line, column, rule, message] = expected[i]!;
        expect(shape(m).slice(0, 4)).toEqual([file, line, column, rule]);
        if (typeof message === 'string') expect(m.reason).toBe(message);
        else expect(m.reason).toMatch(message);
        expect(m.fatal).toBe(true);
      });
    });
  }
});
