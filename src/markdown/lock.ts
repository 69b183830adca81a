// spec/clauses.lock.json: the registry of every published clause ID. Each entry records the hash of the
// clause's normative content (level, stage, prose, checks) and its last text, so that
// - an ID that disappears must be retired explicitly (a tombstone with reason and replacement),
// - a retired ID is never reused for a different statement,
// - a change to normative content is deliberate: it fails until the lock is updated in the same change.
// This is the one reader of the lock: `kexec-contract lint` and `cite` and the site all read it here,
// and it refuses a file that is not what writeLock writes, naming the entry and the field.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LEVELS, type Clause, type Level, type SourcePlace } from '../model/types.ts';

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

/** The lock at `file`; an absent file is an empty lock (nothing published yet). */
export async function readLock(file = LOCK_PATH): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { version: 1, clauses: {} };
  }
  return parseLock(text, file);
}

/** A lock's text, checked entry by entry; anything writeLock would not write is an error naming it. */
export function parseLock(text: string, file = LOCK_PATH): LockFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const root = v as { version?: unknown; clauses?: unknown };
  if (!root || typeof root !== 'object' || root.version !== 1 || !isRecord(root.clauses))
    throw new Error(`${file}: not a version 1 clause lock`);
  for (const [id, e] of Object.entries(root.clauses)) {
    const bad = entryProblem(e);
    if (bad) throw new Error(`${file}: clause "${id}": ${bad}`);
  }
  return v as LockFile;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

function entryProblem(e: unknown): string | undefined {
  if (!isRecord(e)) return 'an entry is an object';
  if (e.status !== 'active' && e.status !== 'retired') return 'status must be "active" or "retired"';
  for (const k of ['hash', 'stage', 'text'] as const)
    if (typeof e[k] !== 'string') return `${k} must be a string`;
  if (!(LEVELS as readonly unknown[]).includes(e.level)) return `level must be one of ${LEVELS.join(', ')}`;
  if (!Array.isArray(e.checks) || !e.checks.every((c) => typeof c === 'string'))
    return 'checks must be a list of strings';
  for (const k of ['reason', 'replacement'] as const)
    if (e[k] !== undefined && typeof e[k] !== 'string') return `${k} must be a string`;
  return undefined;
}

/** A clause ID that was retired (tombstoned): what its tombstone page and citation show. */
export interface RetiredClause {
  id: string;
  level: Level;
  stage: string;
  /** The last text the clause had. */
  text: string;
  hash: string;
  reason?: string;
  replacement?: string;
}

/** The retired entries of a lock, in its order. */
export function retiredClauses(lock: LockFile): RetiredClause[] {
  return Object.entries(lock.clauses)
    .filter(([, e]) => e.status === 'retired')
    .map(([id, e]) => ({
      id,
      level: e.level,
      stage: e.stage,
      text: e.text,
      hash: e.hash,
      reason: e.reason,
      replacement: e.replacement,
    }));
}

export async function writeLock(lock: LockFile, file = LOCK_PATH): Promise<void> {
  const sorted: Record<string, LockEntry> = {};
  for (const id of Object.keys(lock.clauses).sort()) sorted[id] = lock.clauses[id]!;
  await mkdir(dirname(file), { recursive: true }); // a --lock path of one's own may be new
  await writeFile(file, JSON.stringify({ version: 1, clauses: sorted }, null, 2) + '\n');
}

/** What the lock needs of a clause (an extracted or a published one). */
type LockedClause = Pick<Clause, 'id' | 'level' | 'stage' | 'text' | 'hash' | 'place'> & {
  assertions: { source: string }[];
};

export function entryFor(c: LockedClause): LockEntry {
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
export function lintLock(clauses: LockedClause[], lock: LockFile, lockPath = LOCK_PATH): LockProblem[] {
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
export function updateLock(clauses: LockedClause[], lock: LockFile): LockFile {
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
