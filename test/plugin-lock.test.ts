// The clause lock: IDs never vanish silently, are never reused, and normative changes are deliberate.

import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import lint from '../src/cli/lint.ts';
import { lintLock, retire, updateLock } from '../src/markdown/lock.ts';
import type { LockFile } from '../src/markdown/lock.ts';
import { extractSource } from '../src/markdown/parse.ts';

const chapter = (body: string) => `\`\`\`given stage=s
until: 0
\`\`\`

${body}`;

const clause = (id: string, text: string, check = 'rax == 0', level = 'must') =>
  `:::clause{#${id} level=${level}}\n${text}\n\n\`\`\`expect\n${check}\n\`\`\`\n:::\n`;

const clausesOf = (md: string) => extractSource('spec/x.md', chapter(md)).clauses;
const empty: LockFile = { version: 1, clauses: {} };

describe('lintLock', () => {
  const v1 = clausesOf(clause('s.a', 'A MUST be zero.') + clause('s.b', 'B MUST be zero.', 'rbx == 0'));
  const lock = updateLock(v1, empty);

  test('a fresh lock matches', () => {
    expect(lintLock(v1, lock)).toEqual([]);
    expect(lock.clauses['s.a']).toMatchObject({
      status: 'active',
      level: 'must',
      stage: 's',
      text: 'A MUST be zero.',
    });
  });

  test('a new clause must be published', () => {
    const v2 = clausesOf(
      clause('s.a', 'A MUST be zero.') + clause('s.b', 'B MUST be zero.', 'rbx == 0') + clause('s.c', 'C.'),
    );
    expect(lintLock(v2, lock).map((p) => [p.id, p.kind])).toEqual([['s.c', 'new']]);
  });

  test('re-wrapping prose or editing a comment is not a normative change', () => {
    const v2 = clausesOf(
      clause('s.a', 'A MUST\nbe   zero.', 'rax == 0   # why') + clause('s.b', 'B MUST be zero.', 'rbx == 0'),
    );
    expect(lintLock(v2, lock)).toEqual([]);
  });

  test('changed text, check or level is reported until the lock is updated', () => {
    const v2 = clausesOf(clause('s.a', 'A MUST be one.') + clause('s.b', 'B MUST be zero.', 'rbx == 1'));
    const problems = lintLock(v2, lock);
    expect(problems.map((p) => [p.id, p.kind])).toEqual([
      ['s.a', 'changed'],
      ['s.b', 'changed'],
    ]);
    expect(problems[0]!.message).toMatch(
      /^normative content of "s.a" changed \(lock sha256:[0-9a-f]{16}, now sha256:[0-9a-f]{16}\)/,
    );
    expect(problems[0]!.place).toEqual({ file: 'spec/x.md', line: 5, column: 1 });
    expect(lintLock(v2, updateLock(v2, lock))).toEqual([]);
    const v3 = clausesOf(
      clause('s.a', 'A MUST be zero.', 'rax == 0', 'should') + clause('s.b', 'B MUST be zero.', 'rbx == 0'),
    );
    expect(lintLock(v3, lock).map((p) => p.kind)).toEqual(['changed']);
  });

  test('a disappeared clause needs a tombstone; update never retires', () => {
    const v2 = clausesOf(clause('s.a', 'A MUST be zero.'));
    const problems = lintLock(v2, updateLock(v2, lock));
    expect(problems.map((p) => [p.id, p.kind])).toEqual([['s.b', 'disappeared']]);
    expect(problems[0]!.message).toContain('kexec-contract lint --retire s.b --reason');
    const retired = retire(lock, 's.b', 'merged into s.a', 's.a');
    expect(lintLock(v2, retired)).toEqual([]);
    expect(retired.clauses['s.b']).toMatchObject({
      status: 'retired',
      reason: 'merged into s.a',
      replacement: 's.a',
      text: 'B MUST be zero.',
      checks: ['rbx == 0'],
    });
  });

  test('a retired ID is never reused', () => {
    const retired = retire(lock, 's.b', 'merged into s.a', 's.a');
    const problems = lintLock(v1, updateLock(v1, retired));
    expect(problems.map((p) => [p.id, p.kind])).toEqual([['s.b', 'reused']]);
    expect(problems[0]!.message).toBe(
      'clause ID "s.b" was retired (merged into s.a), replaced by "s.a": IDs are never reused, pick a new one',
    );
  });

  test('retire refuses nonsense', () => {
    expect(() => retire(lock, 's.z', 'x')).toThrow('"s.z" is not in the lock');
    expect(() => retire(lock, 's.a', ' ')).toThrow('--reason');
    expect(() => retire(retire(lock, 's.a', 'x'), 's.a', 'x')).toThrow('already retired');
  });
});

describe('kexec-contract lint', () => {
  test('fails, updates, retires, passes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kc-lint-'));
    const spec = path.join(dir, 'spec');
    await mkdir(spec);
    const lockFile = path.join(dir, 'lock.json');
    const md = path.join(spec, 'x.md');
    await writeFile(md, chapter(clause('s.a', 'A.') + clause('s.b', 'B.', 'rbx == 0')));
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      expect(await lint([spec, '--lock', lockFile])).toBe(1);
      expect(await lint([spec, '--lock', lockFile, '--update'])).toBe(0);
      expect(JSON.parse(await readFile(lockFile, 'utf8')).clauses['s.b'].status).toBe('active');
      await writeFile(md, chapter(clause('s.a', 'A.')));
      expect(await lint([spec, '--lock', lockFile, '--update'])).toBe(1);
      expect(err.mock.calls.flat().join('\n')).toContain('clause "s.b" disappeared without a tombstone');
      expect(await lint([spec, '--lock', lockFile, '--retire', 's.b'])).toBe(2);
      expect(
        await lint([spec, '--lock', lockFile, '--retire', 's.b', '--reason', 'gone', '--replacement', 's.a']),
      ).toBe(0);
      expect(JSON.parse(await readFile(lockFile, 'utf8')).clauses['s.b']).toMatchObject({
        status: 'retired',
        reason: 'gone',
      });
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
  });
});

test('lint: impl= must name an entry of implementations.yaml', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kc-impl-'));
  await writeFile(path.join(dir, 'implementations.yaml'), '- id: linux-6.18\n  name: Linux 6.18\n');
  await writeFile(
    path.join(dir, 'x.md'),
    chapter(
      '```asm example name=a impl=linux-6.18\nhlt\n```\n\n```asm example name=b impl=linux-9\nhlt\n```\n',
    ),
  );
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    expect(await lint([dir, '--lock', path.join(dir, 'lock.json')])).toBe(1);
    expect(err.mock.calls.flat()).toContain(
      `${path.join(dir, 'x.md')}:9: example "b" names impl=linux-9, which ${path.join(dir, 'implementations.yaml')} does not list`,
    );
  } finally {
    err.mockRestore();
    log.mockRestore();
  }
});
