// One fixture per error class (test/fixtures/errors/*), each with its exact message and position.
// Static classes need only extraction and validation; the run-time ones (assembly, faults, verdicts)
// go through the harness.

import { describe, expect, test } from 'vitest';
import { checkSpec } from '../src/harness/check.ts';
import { parseExpectLine } from '../src/harness/lang.ts';
import { loadTree } from '../src/harness/load.ts';

const DIR = 'test/fixtures/errors';

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
      const tree = await loadTree(`${DIR}/${fixture}`, { parseExpectLine });
      expect(tree.messages.map(shape)).toEqual(expected);
      expect(tree.messages.every((m) => m.fatal === true)).toBe(true);
    });
  }
});
