// The changelog of the contract, computed from clause locks (lock.ts): what one version's lock says
// about its clause IDs against an older one's. A clause is
// - added: active now, absent before;
// - changed: active in both, with another hash of its normative content (level, stage, prose, checks);
// - retired: a tombstone now, active (or absent) before.
// Nothing else is a change a reader cites: a clause whose hash is the same is the same clause.

import type { LockEntry, LockFile } from './lock.ts';

export interface ClauseChange {
  id: string;
  kind: 'added' | 'changed' | 'retired';
  level: LockEntry['level'];
  stage: string;
  /** The text now (for a retired clause: its last text). */
  text: string;
  hash: string;
  /** Changed clauses: the older version's hash, level and text. */
  old?: { hash: string; level: LockEntry['level']; text: string };
  /** Retired clauses: why, and the clause that replaces it. */
  reason?: string;
  replacement?: string;
}

/** The changes from `older` to `newer`, by kind (added, changed, retired), each in ID order. */
export function lockChanges(older: LockFile, newer: LockFile): ClauseChange[] {
  const out: ClauseChange[] = [];
  for (const [id, e] of Object.entries(newer.clauses)) {
    const before = older.clauses[id];
    const base = { id, level: e.level, stage: e.stage, text: e.text, hash: e.hash };
    if (e.status === 'retired') {
      if (before?.status === 'retired') continue;
      out.push({
        ...base,
        kind: 'retired',
        ...(e.reason && { reason: e.reason }),
        ...(e.replacement && { replacement: e.replacement }),
      });
    } else if (!before) out.push({ ...base, kind: 'added' });
    else if (before.status === 'active' && before.hash !== e.hash)
      out.push({
        ...base,
        kind: 'changed',
        old: { hash: before.hash, level: before.level, text: before.text },
      });
  }
  const rank = { added: 0, changed: 1, retired: 2 };
  return out.sort((a, b) => rank[a.kind] - rank[b.kind] || a.id.localeCompare(b.id));
}

/** One step of the changelog: from a version (undefined: nothing published before) to the next. */
export interface ChangelogEntry {
  /** The version the changes lead to, or 'unreleased' for the working copy. */
  version: string;
  since?: string;
  changes: ClauseChange[];
}

/**
 * The changelog, newest first: the working copy against the newest release (only when something
 * changed), then each release against the one before it. `releases` are oldest first.
 */
export function changelog(
  releases: { version: string; lock: LockFile }[],
  current: LockFile,
): ChangelogEntry[] {
  const empty: LockFile = { version: 1, clauses: {} };
  const out: ChangelogEntry[] = [];
  const newest = releases.at(-1);
  const unreleased = lockChanges(newest?.lock ?? empty, current);
  if (unreleased.length)
    out.push({ version: 'unreleased', ...(newest && { since: newest.version }), changes: unreleased });
  for (let i = releases.length - 1; i >= 0; i--) {
    const prev = releases[i - 1];
    out.push({
      version: releases[i]!.version,
      ...(prev && { since: prev.version }),
      changes: lockChanges(prev?.lock ?? empty, releases[i]!.lock),
    });
  }
  return out;
}
