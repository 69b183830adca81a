import { readFileSync } from 'node:fs';
import { describe as group, expect, it } from 'vitest';
import {
  checkNames,
  parseAssertion,
  parseExpectBlock,
  parseExpression,
  type Expr,
} from '../src/model/expect/index.ts';
import { CONSTANTS, constantValue } from '../src/model/constants.ts';
import { describe } from '../src/x86/bits.ts';
import { hex } from '../src/x86/hex.ts';

/** The AST of a line that must parse. */
function ast(line: string, symbols?: string[]) {
  const r = parseAssertion(line, symbols ? { symbols } : {});
  if (!r.ok) throw new Error(`${line}: ${r.error.message}`);
  return r.assertion!.ast;
}

/** The error of a line that must not parse: [column, message]. */
function error(line: string, symbols?: string[]): [number, string] {
  const r = parseAssertion(line, symbols ? { symbols } : {});
  if (r.ok) throw new Error(`${line} parsed`);
  return [r.error.column, r.error.message];
}

/** An expression back as fully parenthesised text, to see precedence. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return hex(e.value);
    case 'const':
    case 'sym':
      return e.name;
    case 'item':
      return `${e.initial ? 'initial.' : ''}<${JSON.stringify(e.item, (_, v) => (typeof v === 'bigint' ? hex(v) : v))}>`;
    case 'mem':
      return `${e.initial ? 'initial.' : ''}${e.size}[${show(e.addr)}]`;
    case 'call':
      return `${e.name}(${e.args.map(show).join(',')})`;
    case 'unary':
      return `(${e.op}${show(e.operand)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
  }
}

group('constants', () => {
  it('names register bits as masks', () => {
    expect(constantValue('CR0_PG')).toBe(0x8000_0000n);
    expect(constantValue('CR4_LA57')).toBe(0x1000n);
    expect(constantValue('EFER_LME')).toBe(0x100n);
    expect(constantValue('RFLAGS_IF')).toBe(0x200n);
    expect(constantValue('RFLAGS_IOPL')).toBe(0x3000n);
    expect(constantValue('IND_SOURCE')).toBe(8n);
    expect(constantValue('BOOT_CS')).toBe(0x10n);
    expect(constantValue('BOOT_DS')).toBe(0x18n);
    expect(constantValue('PAGE_SIZE')).toBe(0x1000n);
    expect(constantValue('toString')).toBeUndefined();
    expect(Object.keys(CONSTANTS).every((k) => /^[A-Z][A-Z0-9_]*$/.test(k))).toBe(true);
  });

  it('are all listed in the language reference', () => {
    const doc = readFileSync(new URL('../docs/reference/expect-language.md', import.meta.url), 'utf8');
    const missing = Object.entries(CONSTANTS).filter(
      ([k, c]) => !doc.includes(`\`${k}\``) || !doc.includes(hex(c.value)),
    );
    expect(missing.map(([k]) => k)).toEqual([]);
  });

  it('describes registers with bit names, highest bit first', () => {
    expect(describe('cr0', 0x80000033n)).toBe('0x80000033 (PG|NE|ET|MP|PE)');
    expect(describe('initial.cr0', 0x80050033n)).toBe('0x80050033 (PG|AM|WP|NE|ET|MP|PE)');
    expect(describe('cr4', 0x1020n)).toBe('0x1020 (LA57|PAE)');
    expect(describe('efer', 0xd01n)).toBe('0xd01 (NXE|LMA|LME|SCE)');
    expect(describe('rflags', 0x3246n)).toBe('0x3246 (IOPL=3|IF|ZF|PF)');
    expect(describe('rflags', 0x2n)).toBe('0x2');
    expect(describe('dr6', 0xffff4ff0n)).toBe('0xffff4ff0 (RTM|BS|BLD)');
    expect(describe('dr7', 0x400n)).toBe('0x400');
    expect(describe('dr7', 0xd0602n)).toBe('0xd0602 (LEN0=3|RW0=1|GE|G0)');
    expect(describe('cr0', 0x80000000_00000001n)).toBe('0x8000000000000001 (bit63|PE)');
    expect(describe('rax', 0x80000033n)).toBe('0x80000033');
    expect(describe('qword [0x1000]', 0n)).toBe('0x0');
  });
});

group('parsing assertions', () => {
  it('gives comparisons C precedence, with the relation lowest', () => {
    const a = ast('rflags & ~RFLAGS_AF == 0x46');
    expect(a.kind).toBe('compare');
    if (a.kind !== 'compare') return;
    expect(show(a.left)).toBe('(<{"kind":"bits","reg":"rflags"}> & (~RFLAGS_AF))');
    expect(show(a.right)).toBe('0x46');
    const b = ast('rax == 1 | 2 ^ 3 & 4 << 5 + 6 * 7');
    if (b.kind !== 'compare') throw new Error('compare');
    expect(show(b.right)).toBe('(0x1 | (0x2 ^ (0x3 & (0x4 << (0x5 + (0x6 * 0x7))))))');
    const c = ast('rax == (1 | 2) & -x', ['x']);
    if (c.kind !== 'compare') throw new Error('compare');
    expect(show(c.right)).toBe('((0x1 | 0x2) & (-x))');
  });

  it('reads every item form', () => {
    const items = [
      ['r15 == 0', '{"kind":"gpr","name":"r15"}'],
      ['rip == 0', '{"kind":"rip"}'],
      ['cr2 == 0', '{"kind":"cr2"}'],
      ['dr3 == 0', '{"kind":"dr","name":"dr3"}'],
      ['dr7 == 0', '{"kind":"bits","reg":"dr7"}'],
      ['dr7.GD == 0', '{"kind":"bits","reg":"dr7","bit":"GD"}'],
      ['dr6.BS == 0', '{"kind":"bits","reg":"dr6","bit":"BS"}'],
      ['cr0.WP == 0', '{"kind":"bits","reg":"cr0","bit":"WP"}'],
      ['cr4.LA57 == 0', '{"kind":"bits","reg":"cr4","bit":"LA57"}'],
      ['efer.NXE == 1', '{"kind":"bits","reg":"efer","bit":"NXE"}'],
      ['rflags.IOPL == 0', '{"kind":"bits","reg":"rflags","bit":"IOPL"}'],
      ['cs.l == 1', '{"kind":"seg","seg":"cs","field":"l"}'],
      ['tr.selector == 0', '{"kind":"seg","seg":"tr","field":"selector"}'],
      ['gdtr.limit == 0', '{"kind":"dtr","table":"gdtr","field":"limit"}'],
    ];
    for (const [line, item] of items) {
      const a = ast(line!);
      if (a.kind !== 'compare') throw new Error(line);
      expect(show(a.left)).toBe(`<${item}>`);
    }
    const m = ast('msr[MSR_PAT] == 0');
    if (m.kind !== 'compare') throw new Error('compare');
    expect(show(m.left)).toBe(
      '<{"kind":"msr","index":{"kind":"const","name":"MSR_PAT","value":"0x277","col":5,"end":12}}>',
    );
  });

  it('reads memory, initial values, predicates and ranges', () => {
    const a = ast('page [dst0] == initial.page [src0]', ['dst0', 'src0']);
    if (a.kind !== 'compare') throw new Error('compare');
    expect(show(a.left)).toBe('page[dst0]');
    expect(show(a.right)).toBe('initial.page[src0]');
    const q = ast('qword [rsp + 8] == initial.rdx');
    if (q.kind !== 'compare') throw new Error('compare');
    expect(show(q.left)).toBe('qword[(<{"kind":"gpr","name":"rsp"}> + 0x8)]');
    expect(show(q.right)).toBe('initial.<{"kind":"gpr","name":"rdx"}>');
    const r = ast('rsp in [cp, cp + PAGE_SIZE)', ['cp']);
    expect(r.kind).toBe('range');
    const p = ast('identity_mapped(cp, 2 * PAGE_SIZE)', ['cp']);
    expect(p).toMatchObject({ kind: 'predicate', call: { name: 'identity_mapped' } });
    expect(ast('mapped(0x1000)')).toMatchObject({ kind: 'predicate', col: 1, end: 15 });
  });

  it('reads unchanged and undefined', () => {
    expect(ast('rbx unchanged')).toMatchObject({ kind: 'unchanged', subject: { kind: 'item' } });
    expect(ast('qword [0x1000] unchanged')).toMatchObject({ kind: 'unchanged', subject: { kind: 'mem' } });
    const u = parseAssertion('rflags.AF undefined   # xor leaves it so');
    expect(u).toMatchObject({ ok: true, assertion: { kind: 'undefined', source: 'rflags.AF undefined' } });
  });

  it('keeps columns of every node', () => {
    const a = ast('  cr0 & CR0_WP  ==  0');
    expect(a).toMatchObject({ kind: 'compare', col: 3, end: 22, opCol: 17 });
    if (a.kind !== 'compare') return;
    expect(a.left).toMatchObject({ kind: 'binary', col: 3, end: 15 });
    expect(a.right).toMatchObject({ kind: 'num', col: 21, end: 22 });
  });

  it('reads numbers in hex, binary and decimal with separators, up to 64 bits', () => {
    const e = parseExpression('0xffff_ffff_ffff_ffff + 0b101 + 42');
    expect(e.ok && show(e.expr)).toBe('((0xffffffffffffffff + 0x5) + 0x2a)');
    expect(parseExpression('0x1_0000_0000_0000_0000')).toMatchObject({
      ok: false,
      error: { column: 1, message: "bad number '0x1_0000_0000_0000_0000': does not fit in 64 bits" },
    });
    expect(parseExpression('12ab')).toMatchObject({
      ok: false,
      error: { column: 1, message: "bad number '12ab': expected decimal digits (hex needs 0x)" },
    });
  });
});

group('parse errors', () => {
  it('names unknown names with a suggestion and the column', () => {
    expect(error('rdx2 == 0', [])).toEqual([1, "unknown name 'rdx2'; did you mean 'rdx'?"]);
    expect(error('rsp == contrl_page + 8', ['control_page'])).toEqual([
      8,
      "unknown name 'contrl_page'; did you mean 'control_page'?",
    ]);
    expect(error('rax == CR0_PX', [])).toEqual([8, "unknown name 'CR0_PX'; did you mean 'CR0_PE'?"]);
    expect(error('rax == zzzzzz', [])).toEqual([8, "unknown name 'zzzzzz'"]);
  });

  it('accepts any name as a symbol when the symbols are not known yet, code labels on request', () => {
    expect(ast('rax == whatever')).toMatchObject({ right: { kind: 'sym', name: 'whatever' } });
    expect(parseAssertion('rip == code.done', { symbols: ['code'], allowCodeLabels: true }).ok).toBe(true);
    expect(error('rip == code.done', ['code'])).toEqual([8, "unknown name 'code.done'"]);
  });

  it('names unknown bits and fields', () => {
    expect(error('cr0.PX == 1')).toEqual([5, "cr0 has no bit 'PX'; did you mean 'PE'?"]);
    expect(error('rflags.if == 0')).toEqual([8, "rflags has no bit 'if'; did you mean 'IF'?"]);
    expect(error('efer.QQQQ == 0')).toEqual([
      6,
      "efer has no bit 'QQQQ' (its bits: SCE LME LMA NXE SVME LMSLE FFXSR TCE AUTOIBRS)",
    ]);
    expect(error('cs.selecter == 0x10')).toEqual([4, "cs has no field 'selecter'; did you mean 'selector'?"]);
    expect(error('cs == 0x10')).toEqual([
      1,
      "cs needs a field, e.g. 'cs.selector' (fields: selector base limit attributes type s dpl p avl l db g unusable)",
    ]);
    expect(error('gdtr.size == 0')).toEqual([6, "gdtr has the fields 'base' and 'limit', not 'size'"]);
    expect(error('rax.low == 0')).toEqual([
      5,
      "rax has no field 'low' (a general-purpose register is read whole)",
    ]);
    expect(error('cr1 == 0')).toEqual([
      1,
      'cr1 is not a control register the contract models (cr0, cr2, cr3, cr4)',
    ]);
    expect(error('dr5 == 0')).toEqual([
      1,
      'dr5 is not a debug register the contract models (dr0, dr1, dr2, dr3, dr6, dr7; DR4 and DR5 are DR6 and DR7 under another number)',
    ]);
    expect(error('dr0.L0 == 0')).toEqual([5, "dr0 has no field 'L0' (dr0 has no named bits)"]);
    expect(error('dr7.L4 == 0')).toEqual([5, "dr7 has no bit 'L4'; did you mean 'L0'?"]);
  });

  it('explains malformed assertions', () => {
    expect(error('rax')).toEqual([
      4,
      "expected a comparison ('==', '!=', '<', '<=', '>', '>='), 'in [low, high)', 'unchanged' or 'undefined'",
    ]);
    expect(error('rax = 0')).toEqual([5, "unexpected character '=' (comparison is '==')"]);
    expect(error('rax == 0 0')).toEqual([10, "unexpected '0' after the assertion"]);
    expect(error('rax == (1 + 2')).toEqual([
      14,
      "expected ')' to close the parenthesis, found the end of the line",
    ]);
    expect(error('rsp in [1, 2]')).toEqual([13, "ranges are half-open: write 'in [low, high)' with ')'"]);
    expect(error('qword rsp == 0')).toEqual([
      7,
      "expected '[' after 'qword' (a memory read is written 'qword [address]'), found 'rsp'",
    ]);
    expect(error('mapped(1, 2)')).toEqual([1, 'mapped takes 1 argument (address), found 2']);
    expect(error('rax + 1 unchanged')).toEqual([
      1,
      "'unchanged' applies to an item or a memory read (e.g. 'rbx unchanged'), not an expression",
    ]);
    expect(error('initial.rax unchanged')).toEqual([1, "'unchanged' takes the final item, not 'initial.'"]);
    expect(error('initial.foo == 1')).toEqual([
      1,
      "'initial.' applies to items and memory reads; 'foo' is not one",
    ]);
    expect(error('rax == in')).toEqual([8, "'in' is a keyword and cannot stand here"]);
    expect(error('rax == 1 !')).toEqual([10, "unexpected character '!' (use '!=' or '== 0')"]);
  });

  it('lets a page stand only as a whole operand of == and !=', () => {
    expect(error('page [0] < page [1]')).toEqual([
      1,
      "'page [...]' is 4096 bytes: it can only be compared whole with '==' or '!='",
    ]);
    expect(error('page [0] + 1 == 0')).toEqual([
      1,
      "'page [...]' is 4096 bytes: it can only be compared whole with '==' or '!='",
    ]);
    expect(ast('page [0] != page [0x1000]').kind).toBe('compare');
    expect(ast('page [0] unchanged').kind).toBe('unchanged');
  });

  it('parses a block line by line, keeping every error', () => {
    const block = ['rax == 0', '', '# only a comment', 'rbx == ', 'rflags.AF undefined', 'cr0.XX == 0'].join(
      '\n',
    );
    const r = parseExpectBlock(block);
    expect(r.assertions.map((a) => [a.line, a.source, a.kind])).toEqual([
      [1, 'rax == 0', 'check'],
      [5, 'rflags.AF undefined', 'undefined'],
    ]);
    expect(r.errors).toEqual([
      { line: 4, column: 8, endColumn: 8, message: 'expected a value, found the end of the line' },
      {
        line: 6,
        column: 5,
        endColumn: 7,
        message: "cr0 has no bit 'XX' (its bits: PE MP EM TS ET NE WP AM NW CD PG)",
      },
    ]);
  });
});

group('names checked after parsing (a line is parsed once, its stage known later)', () => {
  const lines = [
    'rsp == contrl_page + 8',
    'rax == (entry)',
    'rax == ((foo)) + bar',
    'rip == code.done',
    'rdx2 == 0',
    'qword [zz + 8] == yy',
    'rax in [a, b)',
    'msr[MSR_EFER + q] == 0',
    'identity_mapped(x, 4096)',
    'rax == CR0_PX',
  ];
  it('checkNames finds what parsing with the symbols finds, at the same column', () => {
    for (const symbols of [[], ['control_page', 'entry', 'code'], ['a', 'x']])
      for (const allowCodeLabels of [true, false])
        for (const line of lines) {
          const once = parseAssertion(line, { allowCodeLabels: true });
          if (!once.ok) continue;
          const direct = parseAssertion(line, { symbols, allowCodeLabels });
          const later = checkNames(once.assertion!, { symbols, allowCodeLabels });
          expect(later, line).toEqual(direct.ok ? undefined : direct.error);
        }
  });
});

group('the language reference', () => {
  it("shows the parser's real messages in its error table", () => {
    const doc = readFileSync(new URL('../docs/reference/expect-language.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('## Parse errors'), doc.indexOf('Evaluation adds'));
    const rows = table.split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) {
      const [input, message] = [...row.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const r = parseAssertion(input!, { symbols: [] });
      expect(r.ok ? 'parsed' : r.error.message, input).toBe(message);
    }
  });
});
