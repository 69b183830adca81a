// Docs as tests: every spec file under spec/ becomes vitest tests, one per example x clause of its stage
// (counterexamples included), named `<clause id> [<example>]`. A failure shows the Markdown file:line of
// the failing assertion, expected vs actual, the seed, and the last instructions executed.
// The engine is interp unless KEXEC_CONTRACT_ENGINE names another.

import { describe, expect, test } from 'vitest';
import { checkSpec } from '../src/harness/check.ts';
import { isExercised } from '../src/harness/exercised.ts';
import { unknownImplementations } from '../src/harness/impls.ts';
import { lintLock, readLock } from '../src/markdown/lock.ts';
import { testCases } from '../src/harness/report.ts';
import { formatMessage, isError } from '../src/markdown/messages.ts';
import { isEngineName } from '../src/runner/engines.ts';
import type { EngineName } from '../src/runner/types.ts';

const env = process.env.KEXEC_CONTRACT_ENGINE ?? 'interp';
const engine: EngineName = isEngineName(env) ? env : 'interp';
const { documents, messages } = await checkSpec('spec', { engine });

describe('spec', () => {
  test('spec/ has chapters', () => {
    expect(documents.length).toBeGreaterThan(0);
  });

  test('every impl= is listed in spec/implementations.yaml', async () => {
    const problems = await unknownImplementations(
      documents.flatMap((d) => d.examples),
      ['spec'],
    );
    expect(problems, problems.join('\n')).toEqual([]);
  });

  // A check nothing can fail proves nothing: every normative clause with checks must be failed by its
  // stage's pass-through (under some caller-state variant) or by a counterexample (exercised.ts).
  test('every normative checked clause is exercised', () => {
    const unexercised = documents.flatMap((d) =>
      d.clauses
        .filter((c) => c.level !== 'informative' && c.level !== 'undefined')
        .filter((c) => d.exercise?.[c.id] && !isExercised(d.exercise[c.id]))
        .map((c) => `${c.place.file}:${c.place.line}: ${c.id}`),
    );
    expect(unexercised, unexercised.join('\n')).toEqual([]);
    // And the analysis ran: every stage's checked clauses have an entry.
    const checked = documents.flatMap((d) =>
      d.clauses.filter((c) => c.assertions.some((a) => a.kind === 'check')).map((c) => [d, c.id] as const),
    );
    expect(checked.filter(([d, id]) => !d.exercise?.[id]).map(([, id]) => id)).toEqual([]);
  });

  test('spec/clauses.lock.json matches the clauses (kexec-contract lint)', async () => {
    const clauses = documents.flatMap((d) => d.clauses);
    const problems = lintLock(clauses, await readLock());
    const text = problems.map((p) => (p.place ? `${p.place.file}:${p.place.line}: ${p.message}` : p.message));
    expect(text, text.join('\n')).toEqual([]);
  });
});

/** An error whose report is the Markdown place and explanation, not a stack into this file. */
function specFailure(text: string): Error {
  const e = new Error(text);
  e.stack = `Error: ${text}`;
  return e;
}

for (const doc of documents) {
  describe(doc.file, () => {
    // Structure, given, assembly and run-time problems of this file (verdicts are their own tests).
    test('is well-formed and every example runs', () => {
      const problems = messages.filter(
        (m) => m.file === doc.file && isError(m) && m.ruleId !== 'verdict' && m.ruleId !== 'leak',
      );
      if (problems.length) throw specFailure(problems.map(formatMessage).join('\n'));
    });
    for (const t of testCases(doc, documents)) {
      test(t.name, (ctx) => {
        // A known difference of the engine (KEXEC_CONTRACT_ENGINE=unicorn): skipped, saying why.
        if (t.notComparable) ctx.skip(t.notComparable);
        if (!t.ok) throw specFailure(t.failure!);
      });
    }
  });
}
