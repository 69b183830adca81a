// Extraction details: the info-string tokenizer, defaults, exact prose and places.

import { describe, expect, test } from 'vitest';
import { parseAttributes } from '../src/markdown/attrs.ts';
import { directiveAttributes } from '../src/markdown/clause.ts';
import { formatMessage } from '../src/markdown/messages.ts';
import { extractSource, parseMarkdown } from '../src/markdown/parse.ts';
import type { ContainerDirective } from 'mdast-util-directive';

describe('parseAttributes', () => {
  test('words, bare and quoted values, escapes', () => {
    const r = parseAttributes(
      `example stage=k2p name="linux 6.18" title='single q' note="a \\"b\\" = c" violates=a.b,c.d`,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        flags: ['example'],
        values: {
          stage: 'k2p',
          name: 'linux 6.18',
          title: 'single q',
          note: 'a "b" = c',
          violates: 'a.b,c.d',
        },
        offsets: { example: 0, stage: 8, name: 18, title: 36, note: 53, violates: 72 },
      },
    });
  });

  test('errors carry the offset', () => {
    expect(parseAttributes('name=')).toEqual({ ok: false, message: '`name=` needs a value', offset: 5 });
    expect(parseAttributes('a=1 a=2')).toEqual({ ok: false, message: '`a` is given twice', offset: 4 });
    expect(parseAttributes('name="x')).toEqual({
      ok: false,
      message: 'unterminated quoted value for `name`',
      offset: 5,
    });
  });

  test('braces: #id keeps its dots; classes are refused', () => {
    expect(parseAttributes('#k2p.gpr.zero level=must', { braces: true })).toMatchObject({
      ok: true,
      value: { values: { id: 'k2p.gpr.zero', level: 'must' } },
    });
    expect(parseAttributes('.note', { braces: true })).toMatchObject({ ok: false, offset: 0 });
  });
});

describe('extract', () => {
  test('front-matter stage, exact prose, places inside the clause', () => {
    const src = [
      '---',
      'stage: fm',
      '---',
      '',
      ':::clause{#fm.a.b level=should}',
      'First paragraph with `code` and **bold**,',
      'wrapped.',
      '',
      '- a list item',
      '',
      '```expect',
      '  rax == 0   # why',
      '```',
      ':::',
      '',
      '```asm',
      'nop  # an illustration: not an example',
      '```',
      '',
      '```asm example name=e1',
      'hlt',
      '```',
    ].join('\n');
    const r = extractSource('spec/fm.md', src);
    expect(r.messages.map(formatMessage)).toEqual([]);
    expect(r.clauses).toHaveLength(1);
    const c = r.clauses[0]!;
    expect(c).toMatchObject({
      id: 'fm.a.b',
      level: 'should',
      stage: 'fm',
      place: { file: 'spec/fm.md', line: 5, column: 1 },
    });
    expect(c.text).toBe('First paragraph with `code` and **bold**,\nwrapped.\n\n- a list item');
    expect(c.assertions).toEqual([
      {
        source: 'rax == 0   # why',
        kind: 'check',
        place: { file: 'spec/fm.md', line: 12, column: 3 },
        // parsed here, once: the harness evaluates this tree
        parsed: {
          line: 1,
          source: 'rax == 0',
          kind: 'check',
          ast: expect.objectContaining({ kind: 'compare' }),
        },
      },
    ]);
    expect(r.examples.map((e) => [e.name, e.stage, e.place.line])).toEqual([['e1', 'fm', 20]]);
  });

  test('the last given above sets the default stage', () => {
    const src =
      '```given stage=one\nuntil: 0\n```\n\n```asm example name=x\nhlt\n```\n\n```given stage=two\nuntil: 0\n```\n\n```asm example name=y\nhlt\n```\n';
    expect(extractSource('f.md', src).examples.map((e) => [e.name, e.stage])).toEqual([
      ['x', 'one'],
      ['y', 'two'],
    ]);
  });

  test('violates= belongs to counterexamples only, and they need it', () => {
    const src =
      '```given stage=s\nuntil: 0\n```\n\n```asm example name=x violates=s.a\nhlt\n```\n\n```asm counterexample name=y\nhlt\n```\n';
    expect(extractSource('f.md', src).messages.map(formatMessage)).toEqual([
      'f.md:5:1: example "x" has violates=: only a counterexample names clauses it fails',
      'f.md:9:1: counterexample "y" needs violates=ID[,ID...]: the clauses it must fail',
    ]);
  });

  test('without the source, a dotted ID is rebuilt from remark-directive id and classes', () => {
    const tree = parseMarkdown(':::clause{#a.b.c level=must}\nx\n:::\n');
    const node = tree.children[0] as ContainerDirective;
    expect(directiveAttributes('', node)).toEqual({ ok: true, values: { id: 'a.b.c', level: 'must' } });
  });
});
