import { describe, expect, it } from 'vitest';
import { changelog, lockChanges } from '../src/markdown/changelog.ts';
import { readLock, type LockEntry, type LockFile } from '../src/markdown/lock.ts';

const entry = (hash: string, over: Partial<LockEntry> = {}): LockEntry => ({
  status: 'active',
  hash,
  level: 'must',
  stage: 'k2p',
  text: `text ${hash}`,
  checks: [],
  ...over,
});
const lock = (clauses: Record<string, LockEntry>): LockFile => ({ version: 1, clauses });

describe('lockChanges', () => {
  const v1 = lock({
    'a.same': entry('1'),
    'a.edit': entry('2'),
    'a.gone': entry('3'),
    'a.old': entry('4', { status: 'retired' }),
  });
  const v2 = lock({
    'a.same': entry('1'),
    'a.edit': entry('2b', { level: 'should' }),
    'a.gone': entry('3', { status: 'retired', reason: 'split', replacement: 'a.new' }),
    'a.old': entry('4', { status: 'retired' }),
    'a.new': entry('5'),
  });

  it('lists every clause added, changed (old and new hash) or retired, by kind then ID', () => {
    expect(lockChanges(v1, v2)).toEqual([
      { id: 'a.new', kind: 'added', level: 'must', stage: 'k2p', text: 'text 5', hash: '5' },
      {
        id: 'a.edit',
        kind: 'changed',
        level: 'should',
        stage: 'k2p',
        text: 'text 2b',
        hash: '2b',
        old: { hash: '2', level: 'must', text: 'text 2' },
      },
      {
        id: 'a.gone',
        kind: 'retired',
        level: 'must',
        stage: 'k2p',
        text: 'text 3',
        hash: '3',
        reason: 'split',
        replacement: 'a.new',
      },
    ]);
  });

  it('gives each release against the one before, and the working copy only when it differs', () => {
    const log = changelog(
      [
        { version: '1.0', lock: v1 },
        { version: '1.1', lock: v2 },
      ],
      v2,
    );
    expect(log.map((e) => [e.version, e.since, e.changes.length])).toEqual([
      ['1.1', '1.0', 3],
      ['1.0', undefined, 4], // the first release: its three active clauses added, its tombstone retired
    ]);
    expect(changelog([{ version: '1.0', lock: v1 }], v2)[0]).toMatchObject({
      version: 'unreleased',
      since: '1.0',
    });
  });

  it('the working copy against release 1.0: what the lead will publish as 1.1', async () => {
    const changes = lockChanges(
      await readLock('spec_versioned_docs/version-1.0/clauses.lock.json'),
      await readLock(),
    );
    const of = (kind: string) => changes.filter((c) => c.kind === kind).map((c) => c.id);
    expect(of('retired')).toEqual(['k2p.efer.unchanged', 'k2p.gpr.zero']);
    expect(of('added')).toContain('k2p.gpr.cleared');
    expect(of('added')).toContain('p2k.gpr.independent');
    expect(of('changed')).toContain('p2k.entry.offset');
  });
});
