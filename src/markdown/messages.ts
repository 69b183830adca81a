// Every problem the plugin or the harness finds is a vfile message with the Markdown file and position,
// so the CLI, vitest and Docusaurus all print `spec/x.md:12:3: ...` the same way.

import { VFileMessage } from 'vfile-message';
import type { SourcePlace } from '../model/types.ts';

export const SOURCE = 'kexec-contract';

/** Rule IDs: one per error class, so tests and tools can tell them apart. */
export type RuleId =
  | 'attributes'
  | 'level'
  | 'clause-id'
  | 'duplicate-id'
  | 'unknown-stage'
  | 'no-stage'
  | 'duplicate-stage'
  | 'violates'
  | 'no-name'
  | 'duplicate-example'
  | 'no-check'
  | 'expect-syntax'
  | 'expect-outside'
  | 'nested-clause'
  | 'given'
  | 'assembly'
  | 'runtime'
  | 'verdict'
  | 'leak'
  | 'engine';

export function specMessage(
  reason: string,
  place: SourcePlace,
  ruleId: RuleId,
  severity: 'error' | 'warning' = 'error',
): VFileMessage {
  const m = new VFileMessage(reason, {
    place: { line: place.line, column: place.column ?? 1 },
    ruleId,
    source: SOURCE,
  });
  m.file = place.file;
  m.fatal = severity === 'error' ? true : false;
  return m;
}

/** `file:line:column: reason` (the form editors and CI logs link). */
export function formatMessage(m: VFileMessage): string {
  const col = m.column ? `:${m.column}` : '';
  return `${m.file}:${m.line ?? 1}${col}: ${m.reason}`;
}

export function isError(m: VFileMessage): boolean {
  return m.fatal === true;
}

export function placeString(p: SourcePlace): string {
  return `${p.file}:${p.line}`;
}
