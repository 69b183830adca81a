// Docs as tests: every spec file under spec/ becomes vitest tests, one per example x clause of its stage
// (counterexamples included), named `<clause id> [<example>]`. A failure shows the Markdown file:line of
// the failing assertion, expected vs actual, the seed, and the last instructions executed.
// The engine is interp unless KEXEC_CONTRACT_ENGINE names another.

import { describe, expect, test } from 'vitest';
import { checkSpec } from '../src/harness/check.ts';
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
