// The object loader: reading ET_REL objects, laying them out by an implementation's rules, applying
// relocations, the relocated DWARF line table, and the .S path (cpp + as) with errors at FILE:LINE.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyRelocation,
  assembleSource,
  linkObject,
  readObject,
  type Layout,
} from '../src/runner/object/index.ts';
import { FIXTURES, INCLUDE, buildFixture, lineOf } from './check-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'kexec-object-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `as --64 [flags]` on a source written here. */
function asObject(name: string, source: string, flags: string[] = []): Uint8Array {
  const src = join(dir, `${name}.s`);
  const out = join(dir, `${name}.o`);
  writeFileSync(src, source);
  execFileSync('as', ['--64', ...flags, '-o', out, src]);
  return new Uint8Array(readFileSync(out));
}

const u64 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);
const i32 = (b: Uint8Array, at: number) => BigInt(new DataView(b.buffer, b.byteOffset).getInt32(at, true));
const u32 = (b: Uint8Array, at: number) => BigInt(new DataView(b.buffer, b.byteOffset).getUint32(at, true));

const TWO: Layout = {
  name: 'test (text, then data)',
  rules: [
    { sections: ['.text.a'], start: 'image_start' },
    { sections: ['.data.b'], align: 0x40, end: 'image_end' },
  ],
  rest: 'drop',
};

const RELOCS = `
	.section .text.a, "ax"
	.globl start
start:
	movq	data_q(%rip), %rax
	movq	$data_q, %rbx
	movl	$data_q, %ecx
	call	ext_fn
	movabsq	$data_q, %rdx
	ret
	.section .data.b, "aw"
	.globl data_q
data_q:	.quad start
	.long	ext_fn - .
	.quad	ext_fn - .
	.quad	image_end
`;

describe('relocations', () => {
  const obj = readObject(asObject('relocs', RELOCS), 'relocs.o');
  const linked = linkObject(obj, { base: 0x100000n, layout: TWO, externs: { ext_fn: 0x123456n } });
  const at = (addr: bigint) => Number(addr - linked.base);
  const start = linked.symbols.start!;
  const data = linked.symbols.data_q!;

  it('lays out sections in the layout order with their alignment and the linker symbols', () => {
    expect(start).toBe(0x100000n);
    expect(data % 0x40n).toBe(0n);
    expect(linked.symbols.image_start).toBe(0x100000n);
    expect(linked.symbols.image_end).toBe(data + 28n);
    expect(linked.sections.map((s) => s.name)).toEqual(['.text.a', '.data.b']);
  });

  it('applies PC32, 32S, 32, PLT32 and 64 in code', () => {
    const b = linked.bytes;
    // movq data_q(%rip), %rax: 48 8b 05 disp32, next instruction at start + 7
    expect(start + 7n + i32(b, at(start) + 3)).toBe(data);
    // movq $data_q, %rbx: 48 c7 c3 imm32 (sign-extended)
    expect(i32(b, at(start) + 10)).toBe(data);
    // movl $data_q, %ecx: b9 imm32
    expect(u32(b, at(start) + 15)).toBe(data);
    // call ext_fn: e8 rel32, next instruction at start + 24
    expect(start + 24n + i32(b, at(start) + 20)).toBe(0x123456n);
    // movabsq $data_q, %rdx: 48 ba imm64
    expect(u64(b, at(start) + 26)).toBe(data);
  });

  it('applies 64, PC32 and PC64 in data, and a linker symbol', () => {
    const b = linked.bytes;
    expect(u64(b, at(data))).toBe(start);
    expect(data + 8n + i32(b, at(data) + 8)).toBe(0x123456n);
    expect(data + 12n + BigInt.asIntN(64, u64(b, at(data) + 12))).toBe(0x123456n);
    expect(u64(b, at(data) + 20)).toBe(linked.symbols.image_end);
  });

  it('records the externs it used', () => {
    expect(linked.externsUsed).toEqual({ ext_fn: 0x123456n });
  });

  it('places the image so that an anchor symbol lands at the base', () => {
    const l = linkObject(obj, { base: 0x200000n, anchor: 'data_q', layout: TWO, externs: { ext_fn: 0n } });
    expect(l.symbols.data_q).toBe(0x200000n);
    expect(l.base).toBe(0x200000n - (data - start));
  });

  it('names an undefined symbol, where it is referenced, and who could have supplied it', () => {
    expect(() => linkObject(obj, { base: 0x100000n, layout: TWO })).toThrow(
      /undefined symbol ext_fn \(referenced at \.text\.a\+0x14\).*caller adapter does not supply it/,
    );
  });

  it('names a symbol in a section the layout leaves out', () => {
    const textOnly: Layout = { name: 'text only', rules: [{ sections: ['.text.a'] }], rest: 'drop' };
    expect(() => linkObject(obj, { base: 0x100000n, layout: textOnly, externs: { ext_fn: 0n } })).toThrow(
      /data_q \(referenced at \.text\.a\+0x3\) is in section \.data\.b, which the text only layout does not place/,
    );
  });

  it('refuses a value that does not fit the field', () => {
    const o = readObject(
      asObject('narrow', '\t.data\n\t.word far\n\t.globl far\nfar:\t.byte 0\n'),
      'narrow.o',
    );
    const all: Layout = { name: 'all', rules: [], rest: 'append' };
    expect(() => linkObject(o, { base: 0x100000n, layout: all })).toThrow(
      /R_X86_64_16 value 0x100002 does not fit 16 bits .*far at \.data\+0x0/,
    );
    expect(linkObject(o, { base: 0x1000n, layout: all }).bytes.slice(0, 2)).toEqual(
      new Uint8Array([0x02, 0x10]),
    );
  });

  it('refuses GOT relocations by name, with the symbol', () => {
    const o = readObject(asObject('got', '\t.text\n\tmovq ext@GOTPCREL(%rip), %rax\n'), 'got.o');
    expect(() =>
      linkObject(o, {
        base: 0x100000n,
        layout: { name: 'all', rules: [], rest: 'append' },
        externs: { ext: 1n },
      }),
    ).toThrow(/R_X86_64_REX_GOTPCRELX is not supported \(ext at \.text\+0x3\): a flat image has no GOT/);
  });

  it('computes each kind exactly (unit)', () => {
    const b = new Uint8Array(8);
    applyRelocation(b, 0, 2, 0x1000n, -4n, 0x2000n, 'x'); // PC32: S + A - P
    expect(i32(b, 0)).toBe(0x1000n - 4n - 0x2000n);
    expect(() => applyRelocation(b, 0, 11, 0x8000_0000n, 0n, 0n, 'x')).toThrow(
      /R_X86_64_32S .* does not fit 32 bits/,
    );
    applyRelocation(b, 0, 11, 0xffff_ffff_8000_0000n, 0n, 0n, 'x');
    expect(u32(b, 0)).toBe(0x8000_0000n);
    expect(() => applyRelocation(b, 0, 10, 0x1_0000_0000n, 0n, 0n, 'x')).toThrow(/R_X86_64_32 /);
    expect(() => applyRelocation(b, 0, 99, 0n, 0n, 0n, 'sym at .text+0x0')).toThrow(
      /relocation type 99 is not supported \(sym at \.text\+0x0\)/,
    );
  });
});

describe('reading objects', () => {
  it('refuses what is not a relocatable x86-64 object, naming the file', () => {
    expect(() => readObject(new Uint8Array([1, 2, 3, 4]), 'junk.o')).toThrow(/^junk\.o: not an ELF64/);
    const linkedElf = join(dir, 'linked');
    writeFileSync(join(dir, 'l.s'), '\t.globl _start\n_start:\thlt\n');
    execFileSync('as', ['--64', '-o', join(dir, 'l.o'), join(dir, 'l.s')]);
    execFileSync('ld', ['-o', linkedElf, join(dir, 'l.o')]);
    expect(() => readObject(new Uint8Array(readFileSync(linkedElf)), 'vmlinux')).toThrow(
      /vmlinux: not a relocatable object \(ELF type 2/,
    );
  });

  it('lists the globals an object defines and the ones it needs', () => {
    const obj = readObject(buildFixture('linux-conforming'), 'linux-conforming.o');
    expect([...obj.defines].sort()).toEqual([
      'kexec_pa_swap_page',
      'kexec_pa_table_page',
      'kexec_va_control_page',
      'relocate_kernel',
    ]);
    expect([...obj.undefined].sort()).toEqual(['__relocate_kernel_start', 'saved_context']);
  });
});

describe('a kernel-style .S from its .o', () => {
  const layout: Layout = {
    name: 'Linux KEXEC_RELOCATE_KERNEL',
    rules: [
      {
        sections: ['.text..relocate_kernel', '.data..relocate_kernel'],
        align: 0x100,
        start: '__relocate_kernel_start',
        end: '__relocate_kernel_end',
      },
    ],
    rest: 'drop',
  };
  const file = `${FIXTURES}/linux-conforming.S`;

  it('puts text before data although the source defines the data first', () => {
    const linked = linkObject(readObject(buildFixture('linux-conforming'), 'o'), {
      base: 0x100000n,
      layout,
      externs: { saved_context: 0xffff_ffff_8200_0000n },
    });
    expect(linked.externsUsed).toEqual({ saved_context: 0xffff_ffff_8200_0000n });
    expect(linked.symbols.relocate_kernel).toBe(0x100000n);
    expect(linked.symbols.kexec_va_control_page).toBeGreaterThan(linked.symbols.relocate_kernel!);
    expect(linked.symbols.__relocate_kernel_end).toBe(0x100000n + BigInt(linked.bytes.length));
  });

  for (const dwarf of ['-gdwarf-5', '-gdwarf-4']) {
    it(`maps instructions to the fixture's own lines (${dwarf})`, () => {
      const linked = linkObject(readObject(buildFixture('linux-conforming', [dwarf]), 'o'), {
        base: 0x100000n,
        layout,
        externs: { saved_context: 0n },
      });
      const first = linked.lines.get(linked.symbols.relocate_kernel!);
      expect(first).toEqual({ file, line: lineOf(file, /^\tpushq\t\$0$/) });
      // The jump through the linker-defined start symbol, and a line of the second function.
      const lines = [...linked.lines.values()].filter((l) => l.file === file).map((l) => l.line);
      expect(lines).toContain(lineOf(file, /subq\t\$__relocate_kernel_start/));
      expect(lines).toContain(lineOf(file, /^\tcall\tcopy_pages$/));
    });
  }

  it('reads a zlib-compressed line table (CONFIG_DEBUG_INFO_COMPRESSED_ZLIB)', () => {
    const src = join(dir, 'big.S');
    writeFileSync(src, `\t.text\n\t.globl f\nf:\n${'\tnop\n'.repeat(3000)}`);
    const out = join(dir, 'big.o');
    execFileSync('gcc', ['-c', '-g', '-gz=zlib', src, '-o', out]);
    const obj = readObject(new Uint8Array(readFileSync(out)), 'big.o');
    expect(obj.elf.section('.debug_line')!.flags & 0x800n).toBe(0x800n);
    const linked = linkObject(obj, { base: 0x100000n, layout: { name: 'all', rules: [], rest: 'append' } });
    expect(linked.lines.get(0x100000n + 2499n)).toEqual({ file: src, line: 2503 });
  });

  it('cites the line of an undefined reference', () => {
    const obj = readObject(buildFixture('linux-conforming', ['-g']), 'linux-conforming.o');
    const noStart: Layout = { ...layout, rules: [{ ...layout.rules[0]!, start: 'other_start' }] };
    expect(() =>
      linkObject(obj, { base: 0x100000n, layout: noStart, externs: { saved_context: 0n } }),
    ).toThrow(
      new RegExp(
        `undefined symbol __relocate_kernel_start \\(referenced at \\.text\\.\\.relocate_kernel\\+0x[0-9a-f]+ at ${file}:${lineOf(file, /subq\t\$__relocate_kernel_start/)}\\)`,
      ),
    );
  });
});

describe('.S input (cpp, then as)', () => {
  it('builds the fixture the way gcc -c does, with line info', async () => {
    const r = await assembleSource(`${FIXTURES}/linux-conforming.S`, { includes: [INCLUDE] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const obj = readObject(r.bytes, 'linux-conforming.S');
    expect(obj.defines.has('kexec_pa_table_page')).toBe(true);
    expect(obj.elf.section('.debug_line')).toBeDefined();
    const fromGcc = readObject(buildFixture('linux-conforming'), 'gcc.o');
    const text = (o: typeof obj) => o.elf.contents(o.elf.section('.text..relocate_kernel')!);
    expect(text(obj)).toEqual(text(fromGcc));
  });

  it('passes -D and further preprocessor arguments, and defines __ASSEMBLY__ as a kernel build does', async () => {
    const src = join(dir, 'defs.S');
    const forced = join(dir, 'forced.h');
    writeFileSync(forced, '#define FORCED 1\n');
    writeFileSync(
      src,
      '#if defined(WANT) && defined(FORCED) && defined(__ASSEMBLY__)\n\t.globl wanted\nwanted:\n#endif\n\tret\n',
    );
    const r = await assembleSource(src, { defines: ['WANT=1'], cppArgs: ['-include', forced] });
    expect(r.ok && readObject(r.bytes, src).defines.has('wanted')).toBe(true);
    const without = await assembleSource(src, { defines: ['WANT=1'] });
    expect(without.ok && readObject(without.bytes, src).defines.has('wanted')).toBe(false);
  });

  it('reports a missing header at the line of the #include', async () => {
    const src = join(dir, 'noinc.S');
    writeFileSync(src, '/* one */\n#include <no-such-header.h>\n\tret\n');
    const r = await assembleSource(src);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics[0]).toMatchObject({ file: src, line: 2, severity: 'error' });
    expect(r.diagnostics[0]!.message).toMatch(/no-such-header\.h/);
  });

  it("reports an assembler error at the user's file and line, through a macro from a header", async () => {
    const src = join(dir, 'bad.S');
    writeFileSync(
      src,
      `#include <linkage.h>\n\t.text\nSYM_CODE_START(f)\n\tnop\n\tmovq\t%rax, %bogus\n\tret\nSYM_CODE_END(f)\n`,
    );
    const r = await assembleSource(src, { includes: [INCLUDE] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ file: src, line: 5, severity: 'error' });
    expect(r.diagnostics[0]!.message).toMatch(/bogus/);
  });
});
