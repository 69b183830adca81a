// Reading retired (tombstoned) clause IDs from spec/clauses.lock.json. The lock is written by the
// harness; the site only needs, per retired ID, its last text, level, stage, hash, reason and
// replacement. Accepts the entries as an object keyed by ID or as an array with `id` fields.

import type { Level } from '../model/types.ts';
import { LEVELS } from '../model/types.ts';
import type { RetiredClause } from './data.ts';

export interface LockSummary {
  version?: string;
  retired: RetiredClause[];
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

export function parseLock(json: unknown): LockSummary {
  if (!json || typeof json !== 'object') return { retired: [] };
  const root = json as Record<string, unknown>;
  const raw = root.clauses ?? root.ids ?? {};
  const entries: [string, Record<string, unknown>][] = Array.isArray(raw)
    ? raw
        .filter((e) => e && typeof e === 'object' && typeof e.id === 'string')
        .map((e) => [e.id as string, e])
    : Object.entries(raw as Record<string, Record<string, unknown>>);
  const retired: RetiredClause[] = [];
  for (const [id, e] of entries) {
    if (!e || typeof e !== 'object') continue;
    const tomb = (e.retired ?? e.tombstone) as Record<string, unknown> | true | undefined;
    const isRetired = e.status === 'retired' || tomb !== undefined;
    if (!isRetired) continue;
    const t = tomb && tomb !== true ? tomb : {};
    const level = str(e.level) ?? 'informative';
    retired.push({
      id,
      level: ((LEVELS as readonly string[]).includes(level) ? level : 'informative') as Level,
      stage: str(e.stage) ?? id.split('.')[0],
      text: str(e.text) ?? str(t.text) ?? '',
      hash: str(e.hash) ?? '',
      reason: str(e.reason) ?? str(t.reason),
      replacement: str(e.replacement) ?? str(e.replacedBy) ?? str(t.replacement) ?? str(t.replacedBy),
    });
  }
  return { version: str(root.version), retired };
}
