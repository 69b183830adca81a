// Bad inputs through the harness: each is an error of its example, at its file:line, and the rest of
// the run goes on. Code that runs off into zero-filled RAM exhausts the budget once (not once per
// seed) with a bounded trace; code too large for the world is that example's error, not a crash.

import { describe, expect, test } from 'vitest';
import { checkSpec } from '../src/harness/check.ts';
import type { SeedProgress } from '../src/harness/run.ts';
import { TRACE_KEEP } from '../src/harness/run.ts';
import { formatJunit, summarize, testCases } from '../src/harness/report.ts';
import { formatMessage } from '../src/markdown/messages.ts';

const DIR = 'test/fixtures/errors';

describe('code that runs off into zero-filled RAM', async () => {
  const seen: SeedProgress[] = [];
  const { documents, messages } = await checkSpec(`${DIR}/runs-off.md`, {
    engine: 'interp',
    cache: false,
    onProgress: (p) => seen.push(p),
  });
  const run = documents[0]!.runs[0]!;

  test('stops at the budget under the first seed and runs no other', () => {
    expect(run.stop.reason).toBe('budget');
    expect(seen.map((p) => p.seed)).toEqual([1]);
    expect(seen[0]).toMatchObject({ index: 1, seeds: 4, steps: 0, maxSteps: 100_000 });
    const v = run.verdicts[0]!;
    expect(v.assertions[0]!.message).toMatch(
      /^the run stopped by budget at 0x[0-9a-f]+ \(seed 1; not run under seeds 2, 3, 4\): instruction budget of 100000 exhausted/,
    );
  });

  test('keeps a bounded trace and counts the steps left out', () => {
    expect(run.trace).toHaveLength(TRACE_KEEP);
    expect(run.traceOmitted).toBe(100_000 - TRACE_KEEP);
    expect(run.trace.at(-1)!.text).toBe('addb %al,(%rax)');
  });

  test('is one error at the example', () => {
    expect(messages.map(formatMessage)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${DIR}/runs-off.md:17:1: example "runs-off" did not reach the stage's stop point: budget`,
        ),
      ),
    ]);
  });
});

describe('code too large for the world (.fill 100000000)', async () => {
  const { documents, messages } = await checkSpec(`${DIR}/huge-code.md`, { engine: 'interp', cache: false });

  test("is that example's error, at its line", () => {
    expect(messages.map((m) => [m.file, m.line, m.ruleId, m.reason])).toEqual([
      [
        `${DIR}/huge-code.md`,
        25,
        'runtime',
        `example "huge" cannot run: its code (100000007 bytes at 0x100000) does not fit in the world's RAM (0x0-0x4000000)`,
      ],
    ]);
  });

  test('the examples before and after it still run', () => {
    expect(documents[0]!.runs.map((r) => [r.example, r.ok])).toEqual([
      ['before', true],
      ['after', true],
    ]);
    expect(summarize(documents, messages)).toMatchObject({ passed: 2, failed: 0, errors: 1 });
  });

  test('the JUnit report is written, with the error as a failed case', () => {
    const xml = formatJunit(documents, messages);
    expect(xml).toContain('tests="3" failures="1"');
    expect(xml).toContain(`name="runtime: ${DIR}/huge-code.md:25"`);
    expect(testCases(documents[0]!, documents).map((t) => t.name)).toEqual([
      's.rax.zero [before]',
      's.rax.zero [after]',
    ]);
  });
});
