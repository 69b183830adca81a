// `kexec-contract lint` on a downstream file and on one file of the spec (its lock is its own, the
// contract's clauses never "disappear"), and `kexec-contract cite --check` on a patch or a review mail.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { main } from '../src/cli/main.ts';
import { findCitations } from '../src/model/cite.ts';

const dir = mkdtempSync(join(tmpdir(), 'kexec-lint-cite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ') + '\n'));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ') + '\n'));
});
afterEach(() => vi.restoreAllMocks());
const all = () => out.join('') + err.join('');

const DOWNSTREAM = `# Our own rules on top of the contract

\`\`\`given stage=ours title="Our stage"
symbols:
  entry: 0x300000
memory:
  - at: entry
    asm: hlt
until: entry
\`\`\`

:::clause{#ours.rax.zero level=must}
RAX MUST be zero when we hand over (on top of k2p.gpr.cleared).

\`\`\`expect
rax == 0
\`\`\`
:::
`;

describe('lint on a downstream file', () => {
  test('its own lock beside it: its clause is new, no contract clause disappears', async () => {
    const d = mkdtempSync(join(dir, 'ds-'));
    const f = join(d, 'ours.md');
    writeFileSync(f, DOWNSTREAM);
    expect(await main(['lint', f])).toBe(1);
    expect(all()).toContain(`clause "ours.rax.zero" is not in ${join(d, 'clauses.lock.json')}`);
    expect(all()).not.toContain('disappeared');
    expect(all()).toContain('lint: 1 problem');

    out = [];
    err = [];
    expect(await main(['lint', f, '--update'])).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(join(d, 'clauses.lock.json'), 'utf8')).clauses)).toEqual([
      'ours.rax.zero',
    ]);
    out = [];
    expect(await main(['lint', f])).toBe(0);
    expect(all()).toContain(`lint: 1 clauses match ${join(d, 'clauses.lock.json')}`);
  });

  test('--lock names another lock; --no-lock checks the structure only', async () => {
    const d = mkdtempSync(join(dir, 'ds-'));
    const f = join(d, 'ours.md');
    writeFileSync(f, DOWNSTREAM);
    const lock = join(d, 'locks', 'ours.lock.json');
    expect(await main(['lint', f, '--lock', lock, '--update'])).toBe(0);
    expect(existsSync(lock)).toBe(true);
    expect(existsSync(join(d, 'clauses.lock.json'))).toBe(false);
    out = [];
    expect(await main(['lint', f, '--no-lock'])).toBe(0);
    expect(all()).toContain('lint: 1 clauses, no problems (no lock checked)');
    expect(await main(['lint', f, '--no-lock', '--update'])).toBe(2);
  });

  test('one file of the spec is judged with its whole tree: nothing disappears', async () => {
    expect(await main(['lint', 'spec/02-kernel-to-purgatory.md'])).toBe(0);
    expect(all()).not.toContain('disappeared');
    expect(all()).toMatch(/lint: \d+ clauses match spec\/clauses\.lock\.json/);
  });
});

describe('cite --check', () => {
  const mail = (text: string) => {
    const f = join(dir, `mail-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(f, text);
    return f;
  };

  test('finds IDs with and without a version, and only those of known stages', () => {
    const found = findCitations(
      'See k2p.gpr.cleared@1.0. Not relocate_kernel_64.S, example.com, e.g. or docs.rs;\n  (p2k.rsi.boot-params) and k2p.nope.',
      new Set(['k2p', 'p2k']),
    );
    expect(found).toEqual([
      { id: 'k2p.gpr.cleared', version: '1.0', line: 1, column: 5 },
      { id: 'p2k.rsi.boot-params', line: 2, column: 4 },
      { id: 'k2p.nope', line: 2, column: 29 },
    ]);
  });

  test('unknown, retired and changed-since citations: one line each at file:line:col, exit 1', async () => {
    const f = mail(
      [
        'Re: [PATCH] x86/kexec: clear r13',
        '',
        'This breaks k2p.gpr.zero@1.0 and k2p.no.such.clause;',
        'k2p.cr0.bits@1.0 was the rule, k2p.cs.long@1.0 too.',
        'k2p.stack.return-zero@0.9 never existed.',
      ].join('\n'),
    );
    expect(await main(['cite', '--check', f])).toBe(1);
    const lines = out.join('').trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^${f}:3:13: k2p.gpr.zero@1.0 is retired \\(.*; replaced by k2p.gpr.cleared\\): \\S+/retired/k2p.gpr.zero$`,
      ),
    );
    expect(lines[1]).toBe(
      `${f}:3:34: k2p.no.such.clause is not a clause of the contract (nor a retired one)`,
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${f}:4:1: k2p.cr0.bits@1.0 changed since 1.0 \\(hash [0-9a-f]{8} then, [0-9a-f]{8} now\\): read it again and cite k2p.cr0.bits@\\S+$`,
      ),
    );
    expect(lines[3]).toMatch(
      new RegExp(`^${f}:5:1: k2p.stack.return-zero@0.9 cites version 0.9, which is not a release`),
    );
    // k2p.cs.long@1.0 is unchanged since 1.0: no line
    expect(lines.at(-1)).toBe(`cite --check: 5 clause citations in ${f}, 4 problems`);
  });

  test('current citations pass, from a file or stdin', async () => {
    expect(await main(['cite', '--check', mail('We keep k2p.gpr.cleared and k2p.cs.long@1.0.\n')])).toBe(0);
    vi.spyOn(process, 'stdin', 'get').mockReturnValue(
      Readable.from([Buffer.from('k2p.cr0.bits@next\n')]) as unknown as typeof process.stdin,
    );
    out = [];
    expect(await main(['cite', '--check', '-'])).toBe(0);
    expect(out.join('')).toBe('cite --check: 1 clause citation in <stdin>, 0 problems\n');
  });

  test('usage: --check with IDs, or without a file, exits 2', async () => {
    expect(await main(['cite', '--check'])).toBe(2);
    expect(await main(['cite', '--check', 'x.txt', 'k2p.gpr.cleared'])).toBe(2);
    expect(await main(['cite', '--check', join(dir, 'absent.txt')])).toBe(2);
  });
});
