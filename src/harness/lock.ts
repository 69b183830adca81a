// spec/clauses.lock.json: the registry of every published clause ID. Each entry records the hash of the
// clause's normative content (level, stage, prose, checks) and its last text, so that
// - an ID that disappears must be retired explicitly (a tombstone with reason and replacement),
// - a retired ID is never reused for a different statement,
// - a change to normative content is deliberate: it fails until the lock is updated in the same change.

import { readFile, writeFile } from 'node:fs/promises';
import type { Clause, Level, SourcePlace } from '../model/types.ts';

export interface LockEntry {
  status: 'active' | 'retired';
  hash: string;
  level: Level;
  stage: string;
  /** The clause's prose (for retired entries: the last text, which the site still shows). */
  text: string;
  checks: string[];
  /** Retired entries only. */
  reason?: string;
  replacement?: string;
}

export interface LockFile {
  version: 1;
  clauses: Record<string, LockEntry>;
}

export const LOCK_PATH = 'spec/clauses.lock.json';

export async function readLock(file = LOCK_PATH): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { version: 1, clauses: {} };
  }
  const v = JSON.parse(text) as LockFile;
  if (v.version !== 1 || typeof v.clauses !== 'object')
    throw new Error(`${file}: not a version 1 clause lock`);
  return v;
}

export async function writeLock(lock: LockFile, file = LOCK_PATH): Promise<void> {
  const sorted: Record<string, LockEntry> = {};
  for (const id of Object.keys(lock.clauses).sort()) sorted[id] = lock.clauses[id]!;
  await writeFile(file, JSON.stringify({ version: 1, clauses: sorted }, null, 2) + '\n');
}

export function entryFor(c: Clause): LockEntry {
  return {
    status: 'active',
    hash: c.hash,
    level: c.level,
    stage: c.stage,
    text: c.text,
    checks: c.assertions.map((a) => a.source),
  };
}

export interface LockProblem {
  id: string;
  kind: 'new' | 'changed' | 'reused' | 'disappeared';
  message: string;
  /** Where the clause is written, when it still exists. */
  place?: SourcePlace;
}

/** Compare the clauses of the spec with the lock. */
export function lintLock(clauses: Clause[], lock: LockFile, lockPath = LOCK_PATH): LockProblem[] {
  const problems: LockProblem[] = [];
  const seen = new Set<string>();
  for (const c of clauses) {
    seen.add(c.id);
    const e = lock.clauses[c.id];
    if (!e) {
      problems.push({
        id: c.id,
        kind: 'new',
        place: c.place,
        message: `clause "${c.id}" is not in ${lockPath}: run \`kexec-contract lint --update\` to publish it`,
      });
    } else if (e.status === 'retired') {
      problems.push({
        id: c.id,
        kind: 'reused',
        place: c.place,
        message:
          `clause ID "${c.id}" was retired (${e.reason ?? 'no reason'})` +
          `${e.replacement ? `, replaced by "${e.replacement}"` : ''}: IDs are never reused, pick a new one`,
      });
    } else if (e.hash !== c.hash) {
      problems.push({
        id: c.id,
        kind: 'changed',
        place: c.place,
        message:
          `normative content of "${c.id}" changed (lock ${e.hash}, now ${c.hash}): ` +
          'if deliberate, run `kexec-contract lint --update` and commit the lock with the change',
      });
    }
  }
  for (const [id, e] of Object.entries(lock.clauses)) {
    if (e.status === 'active' && !seen.has(id)) {
      problems.push({
        id,
        kind: 'disappeared',
        message:
          `clause "${id}" disappeared without a tombstone: restore it, or run ` +
          `\`kexec-contract lint --retire ${id} --reason "..." [--replacement NEW.ID]\``,
      });
    }
  }
  return problems;
}

/** Record new and changed clauses. Never retires and never revives: those stay problems. */
export function updateLock(clauses: Clause[], lock: LockFile): LockFile {
  const next: LockFile = { version: 1, clauses: { ...lock.clauses } };
  for (const c of clauses) {
    const e = next.clauses[c.id];
    if (e?.status === 'retired') continue;
    next.clauses[c.id] = entryFor(c);
  }
  return next;
}

/** Turn an active entry into a tombstone that keeps its last text. */
export function retire(lock: LockFile, id: string, reason: string, replacement?: string): LockFile {
  const e = lock.clauses[id];
  if (!e) throw new Error(`"${id}" is not in the lock: nothing to retire`);
  if (e.status === 'retired') throw new Error(`"${id}" is already retired`);
  if (!reason.trim()) throw new Error('--reason must say why the clause is retired');
  if (replacement && replacement === id) throw new Error('a clause cannot replace itself');
  const tomb: LockEntry = { ...e, status: 'retired', reason };
  if (replacement) tomb.replacement = replacement;
  return { version: 1, clauses: { ...lock.clauses, [id]: tomb } };
}
