// The one place that binds the harness to the expect and given languages (src/model/expect, given,
// seeded): syntax checks for extraction, evaluation for verdicts, world building for runs.

import { parseAssertion } from '../model/expect/index.ts';
import type { ExpectLineParser } from '../plugin/extract.ts';

/** Syntax of one expect line, with the error column relative to the trimmed line (0-based). */
export const parseExpectLine: ExpectLineParser = (line) => {
  const r = parseAssertion(line, { allowCodeLabels: true });
  if (!r.ok) return { ok: false, message: r.error.message, column: r.error.column - 1 };
  return { ok: true, kind: r.assertion?.kind ?? 'check' };
};
