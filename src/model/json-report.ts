// The one JSON envelope of the CLI's machine-readable output: `run --json`, `test --format json` and
// `check --format json` all print an object with `schemaVersion` and `kind` first, then the fields of
// that kind. docs/reference/json-output.md documents every field; a change that removes or renames a
// field, or changes its meaning, raises SCHEMA_VERSION (adding a field does not).

export const SCHEMA_VERSION = 1;

export type ReportKind = 'run' | 'test' | 'check';

export interface ReportEnvelope {
  schemaVersion: typeof SCHEMA_VERSION;
  kind: ReportKind;
  /** The kexec-contract version that wrote it. */
  tool: string;
}

/** `body` under the envelope, pretty-printed (bigints never reach here: values are "0x..." strings). */
export function jsonReport(kind: ReportKind, tool: string, body: object): string {
  const envelope: ReportEnvelope = { schemaVersion: SCHEMA_VERSION, kind, tool };
  return JSON.stringify({ ...envelope, ...body }, null, 2);
}
