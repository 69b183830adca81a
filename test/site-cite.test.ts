import { describe, expect, it } from 'vitest';
import {
  citationText,
  citedEdition,
  levelLabel,
  plainText,
  shortHash,
  toAscii,
  wrap,
  wrapFields,
} from '../src/model/cite.ts';

describe('citationText', () => {
  it('renders the ID, level, version, short hash, plain text and permalink', () => {
    const text = citationText({
      id: 'k2p.gpr.zero',
      level: 'must',
      text: 'Every general-purpose register except `%rsp` MUST hold zero when control reaches the entry point. Consumers that find a non-zero value were handed garbage, and **must not** interpret it.',
      hash: 'sha256:3f9a1c2b77e0d4a1',
      version: '1.0',
      permalink: 'https://kexec.example.org/spec/k2p#k2p.gpr.zero',
    });
    expect(text).toBe(
      [
        'k2p.gpr.zero@1.0 (MUST), hash 3f9a1c2b, kexec handoff contract',
        '',
        'Every general-purpose register except %rsp MUST hold zero when control',
        'reaches the entry point. Consumers that find a non-zero value were',
        'handed garbage, and must not interpret it.',
        '',
        'https://kexec.example.org/spec/k2p#k2p.gpr.zero',
        '',
      ].join('\n'),
    );
  });

  it('wraps every line at 72 columns except an unbreakable URL', () => {
    const long =
      'word '.repeat(60) +
      'averyveryverylongidentifierthatdoesnotfitanywhereatallbecauseitislongerthanseventytwocharacters';
    const text = citationText({
      id: 'p2k.boot-params.alignment',
      level: 'should-not',
      text: `${long}\n\n- first item ${'x '.repeat(40)}\n- second item`,
      hash: 'deadbeefcafebabe',
      version: '0.1.0',
      permalink:
        'https://kexec.example.org/a/very/long/base/url/that/goes/on/and/on/spec/purgatory-to-kernel#p2k.boot-params.alignment',
    });
    const lines = text.split('\n');
    for (const line of lines) {
      if (line.length > 72) expect(line).not.toMatch(/\s/);
    }
    expect(lines[0]).toBe('p2k.boot-params.alignment@0.1.0 (SHOULD NOT), hash deadbeef,');
    expect(lines[1]).toBe('kexec handoff contract');
    // List items keep their marker and a hanging indent, without blank lines between items.
    const first = lines.findIndex((l) => l.startsWith('- first item'));
    expect(lines[first + 1]).toMatch(/^ {2}x/);
    expect(lines.find((l) => l.startsWith('- second item'))).toBe('- second item');
    expect(lines[lines.indexOf('- second item') - 1]).not.toBe('');
  });

  it('never splits a header field: a long ID keeps its hash whole on the next line', () => {
    const text = citationText({
      id: 'p2k.regs.kexec-tools',
      level: 'informative',
      text: 'Text.',
      hash: 'sha256:8090d803ffff',
      version: '1.1-draft',
      permalink: 'https://kexec.example.org/spec/purgatory-to-kernel#p2k.regs.kexec-tools',
    });
    expect(text.split('\n').slice(0, 2)).toEqual([
      'p2k.regs.kexec-tools@1.1-draft (informative), hash 8090d803,',
      'kexec handoff contract',
    ]);
    expect(wrapFields(['a'.repeat(70) + ',', 'hash 12345678,'], 72)).toEqual([
      'a'.repeat(70) + ',',
      'hash 12345678,',
    ]);
    expect(wrapFields(['a'.repeat(80)], 72)).toEqual(['a'.repeat(80)]);
  });

  it('is ASCII only: typography is spelled out before wrapping', () => {
    const text = citationText({
      id: 'p2k.regs.in-kernel',
      level: 'informative',
      text: `r8\u2013r15 at 0x40\u20130x78 \u2014 \u201cquoted\u201d \u2018x\u2019, a\u00a0b \u2026 x \u2192 y, caf\u00e9 \u{1f600} ${'\u2014word '.repeat(20)}`,
      hash: 'abcdef0123',
      version: '1.0',
      permalink: 'https://kexec.example.org/spec/p2k#p2k.regs.in-kernel',
    });
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    expect(text).toContain('r8-r15 at 0x40-0x78 -- "quoted" \'x\', a b ... x -> y, cafe ?');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
    expect(toAscii('plain ascii stays')).toBe('plain ascii stays');
  });

  it('marks retired IDs with their reason and replacement', () => {
    const text = citationText({
      id: 'k2p.old.r10',
      level: 'must',
      text: 'Register `%r10` MUST hold the swap page address.',
      hash: 'sha256:1234abcd00000000',
      version: '1.0',
      permalink: 'https://kexec.example.org/retired/k2p.old.r10',
      retired: { reason: 'No consumer used it', replacement: 'k2p.gpr.zero' },
    });
    expect(text).toBe(
      [
        'k2p.old.r10@1.0 (MUST), hash 1234abcd, kexec handoff contract',
        'RETIRED: this ID is no longer part of the contract.',
        '',
        'Register %r10 MUST hold the swap page address.',
        '',
        'Retired: No consumer used it. Replaced by k2p.gpr.zero.',
        '',
        'https://kexec.example.org/retired/k2p.old.r10',
        '',
      ].join('\n'),
    );
  });
});

describe('citedEdition', () => {
  const working = {
    version: '1.1-draft',
    hash: 'sha256:aaaa',
    permalink: 'https://kexec.example.org/spec/next/kernel-to-purgatory#k2p.gpr.zero',
  };
  const release = {
    version: '1.0',
    hash: 'sha256:aaaa',
    permalink: 'https://kexec.example.org/spec/kernel-to-purgatory#k2p.gpr.zero',
  };

  it('cites the newest release when the clause has the same content there', () => {
    expect(citedEdition(working, release)).toBe(release);
  });

  it('cites the working copy when the release lacks the clause or words it differently', () => {
    expect(citedEdition(working, undefined)).toBe(working);
    expect(citedEdition(working, { ...release, hash: 'sha256:bbbb' })).toBe(working);
  });

  it('cites a release read on its own page as that release', () => {
    expect(citedEdition(release, release)).toBe(release);
  });
});

describe('helpers', () => {
  it('labels levels as clauses.json spells them', () => {
    expect(
      ['must', 'must-not', 'should', 'should-not', 'may', 'informative', 'undefined'].map(levelLabel),
    ).toEqual(['MUST', 'MUST NOT', 'SHOULD', 'SHOULD NOT', 'MAY', 'informative', 'undefined']);
  });

  it('shortens hashes with or without an algorithm prefix', () => {
    expect(shortHash('sha256:0123456789abcdef')).toBe('01234567');
    expect(shortHash('0123456789abcdef')).toBe('01234567');
  });

  it('turns inline Markdown into plain text', () => {
    expect(plainText('See [the SDM](https://intel.com) and *emphasis*, `code` and __strong__.')).toEqual([
      'See the SDM and emphasis, code and strong.',
    ]);
  });

  it('keeps a word longer than the width on its own line', () => {
    expect(wrap(`a ${'b'.repeat(80)} c`, 72)).toEqual(['a', 'b'.repeat(80), 'c']);
  });
});

describe('kexec-contract cite', () => {
  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const { default: cite } = await import('../src/cli/cite.ts');
    let out = '';
    let err = '';
    const w1 = process.stdout.write;
    const w2 = process.stderr.write;
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    try {
      return { code: await cite(argv), out, err };
    } finally {
      process.stdout.write = w1;
      process.stderr.write = w2;
    }
  }

  it('prints the citation of a clause of the spec, from the spec text alone', async () => {
    const { loadSpec } = await import('../src/markdown/load.ts');
    const tree = await loadSpec('spec');
    const clause = tree.files.flatMap((f) => f.clauses)[0];
    expect(clause).toBeDefined();
    const { code, out } = await run([clause.id]);
    expect(code).toBe(0);
    const esc = (t: string) => t.replace(/[.()]/g, '\\$&');
    expect(out.split('\n')[0]).toMatch(
      new RegExp(`^${esc(clause.id)}@\\S+ ${esc(`(${levelLabel(clause.level)})`)}, hash [0-9a-f]{8},`),
    );
    expect(out).toMatch(/^[\x20-\x7e\n]*$/);
    expect(out.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(`^https?://.*/spec/.*#${clause.id.replace(/\./g, '\\.')}$`),
    );
  });

  it('fails with a message for an unknown ID and with usage for no ID', async () => {
    const unknown = await run(['no.such.clause']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no clause "no.such.clause"');
    expect((await run([])).code).toBe(2);
  });

  it('names the public URL the site publishes for, and refuses a malformed one in one line', async () => {
    const { siteEnv } = await import('../src/site/env.ts');
    const { loadSpec } = await import('../src/markdown/load.ts');
    const id = (await loadSpec('spec')).files.flatMap((f) => f.clauses)[0]!.id;
    const saved = process.env.KEXEC_CONTRACT_SITE_URL;
    try {
      delete process.env.KEXEC_CONTRACT_SITE_URL;
      const ok = await run([id]);
      expect(
        ok.out
          .trimEnd()
          .split('\n')
          .at(-1)!
          .startsWith(siteEnv('.').url + '/spec/'),
      ).toBe(true);
      process.env.KEXEC_CONTRACT_SITE_URL = 'https://mirror.example.net/kc';
      const bad = await run([id]);
      expect(bad.code).toBe(2);
      expect(bad.out).toBe('');
      expect(bad.err.trimEnd().split('\n')).toHaveLength(1);
      expect(bad.err).toContain('KEXEC_CONTRACT_SITE_URL = "https://mirror.example.net/kc": has a path');
    } finally {
      if (saved === undefined) delete process.env.KEXEC_CONTRACT_SITE_URL;
      else process.env.KEXEC_CONTRACT_SITE_URL = saved;
    }
  });
});
