// The normative content hash of a clause (spec/clauses.lock.json records it): level, stage, prose and
// checks. Whitespace in the prose is normalised so re-wrapping a paragraph is not a normative change.

import { createHash } from 'node:crypto';
import type { Assertion, Level } from '../model/types.ts';

export function sha256(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

export function clauseHash(c: {
  level: Level;
  stage: string;
  text: string;
  assertions: Assertion[];
}): string {
  const text = c.text.replace(/\s+/g, ' ').trim();
  // Comments in expect lines are not normative.
  const checks = c.assertions.map((a) => a.source.replace(/#.*$/, '').replace(/\s+/g, ' ').trim());
  return 'sha256:' + sha256(c.level, c.stage, text, ...checks).slice(0, 16);
}
