import { describe, expect, it } from 'vitest';
import { checkDirectives } from '../src/runner/asm-guard.ts';
import { assemble, type AsmOutput, ToolMissingError } from '../src/runner/assemble.ts';

function ok(out: AsmOutput | undefined) {
  if (!out?.ok) throw new Error(`expected success, got ${JSON.stringify(out)}`);
  return out;
}
function failed(out: AsmOutput | undefined) {
  if (!out || out.ok) throw new Error('expected diagnostics');
  return out.diagnostics;
}
const hexBytes = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('assemble', () => {
  it('returns bytes and symbols at the base address', async () => {
    const [out] = await assemble([
      { source: '_start:\n  movl $1, %eax\nnext:\n  hlt\n  jmp _start\n', base: 0x100000n },
    ]);
    const r = ok(out);
    // b8 01 00 00 00 = movl $1,%eax; f4 = hlt; eb f8 = jmp back 8 bytes to _start.
    expect(hexBytes(r.bytes)).toBe('b801000000f4ebf8');
    expect(r.symbols).toEqual({ _start: 0x100000n, next: 0x100005n });
  });

  it('resolves absolute references against the base', async () => {
    const src = '_start:\n  movabs $here, %rax\nhere:\n  .quad here\n';
    const [lo, hi] = await assemble([
      { source: src, base: 0x200000n },
      { source: src, base: 0xffffffff81000000n },
    ]);
    const a = ok(lo);
    const b = ok(hi);
    expect(a.symbols.here).toBe(0x20000an);
    expect(b.symbols.here).toBe(0xffffffff8100000an);
    const qword = (r: { bytes: Uint8Array }, at: number) =>
      new DataView(r.bytes.buffer, r.bytes.byteOffset).getBigUint64(at, true);
    expect(qword(a, 2)).toBe(0x20000an); // movabs immediate
    expect(qword(a, 10)).toBe(0x20000an); // .quad
    expect(qword(b, 10)).toBe(0xffffffff8100000an);
  });

  it('lays out .data after .text and includes .bss as zeros', async () => {
    const [out] = await assemble([
      {
        source:
          '_start:\n  lea value(%rip), %rax\n  hlt\n.data\nvalue: .quad 0x1122334455667788\n.bss\nbuf: .skip 16\n',
        base: 0x100000n,
      },
    ]);
    const r = ok(out);
    const value = Number(r.symbols.value! - 0x100000n);
    expect(value).toBeGreaterThanOrEqual(8);
    expect(hexBytes(r.bytes.subarray(value, value + 8))).toBe('8877665544332211');
    expect(r.symbols.buf).toBe(r.symbols.value! + 8n);
    expect(r.bytes.length).toBe(value + 8 + 16);
  });

  it('assembles code that switches to .code32 and .code16', async () => {
    const [out] = await assemble([
      {
        source: [
          '_start:',
          '  ljmpl *target(%rip)',
          '  .code32',
          'compat:',
          '  movl $1, %eax',
          '  .code16',
          '  movw $1, %ax',
          '  .code64',
          'target:',
          '  .long compat',
          '  .word 0x8',
        ].join('\n'),
        base: 0x100000n,
      },
    ]);
    const r = ok(out);
    const compat = Number(r.symbols.compat! - 0x100000n);
    // 32-bit `movl $1,%eax` has no prefix; 16-bit `movw $1,%ax` is b8 01 00 with no 0x66 prefix.
    expect(hexBytes(r.bytes.subarray(compat, compat + 8))).toBe('b801000000b80100');
    const t = Number(r.symbols.target! - 0x100000n);
    expect(new DataView(r.bytes.buffer, r.bytes.byteOffset).getUint32(t, true)).toBe(
      Number(r.symbols.compat),
    );
  });

  it('maps instruction addresses to caller lines', async () => {
    const [out] = await assemble([
      { source: '_start:\n  nop\n\n  movq %rax, %rbx\n', base: 0x100000n, file: 'spec/x.md', lineOffset: 40 },
    ]);
    const r = ok(out);
    expect(r.lines.get(0x100000n)).toBe(42);
    expect(r.lines.get(0x100001n)).toBe(44);
  });

  it('reports errors at the caller line with lineOffset', async () => {
    const [out] = await assemble([
      {
        source: '_start:\n  nop\n  movq %rax, %bogus\n',
        base: 0x100000n,
        file: 'spec/k2p.md',
        lineOffset: 56,
      },
    ]);
    const d = failed(out);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ file: 'spec/k2p.md', line: 59 });
    expect(d[0]!.message).toMatch(/bogus/);
  });

  it('reports an undefined symbol at the line that uses it', async () => {
    const [out] = await assemble([
      { source: '_start:\n  nop\n  call nowhere\n', base: 0x100000n, file: 'a.md', lineOffset: 10 },
    ]);
    const d = failed(out);
    expect(d[0]).toMatchObject({ file: 'a.md', line: 13 });
    expect(d[0]!.message).toMatch(/nowhere/);
  });

  it('reports a relocation that does not fit at its line', async () => {
    const [out] = await assemble([{ source: '_start:\n  movq $_start, %rax\n', base: 0x100000000n }]);
    const d = failed(out);
    expect(d[0]!.line).toBe(2);
    expect(d[0]!.message).toMatch(/truncated/);
  });

  it('refuses directives that read files, with the line', async () => {
    const outs = await assemble([
      { source: 'nop\n.include "/etc/hostname"\n', base: 0x100000n, lineOffset: 100 },
      { source: '_start: .incbin "/etc/passwd"\n', base: 0x100000n },
      { source: '.irp d, include\n  .\\d "/etc/passwd"\n.endr\n', base: 0x100000n },
    ]);
    expect(failed(outs[0])).toEqual([{ line: 102, message: expect.stringMatching(/\.include is refused/) }]);
    expect(failed(outs[1])[0]).toMatchObject({
      line: 1,
      message: expect.stringMatching(/\.incbin is refused/),
    });
    expect(failed(outs[2])[0]).toMatchObject({
      line: 2,
      message: expect.stringMatching(/macro substitution/),
    });
  });

  it('keeps a batch apart: duplicate labels, duplicate globals, one bad block', async () => {
    const outs = await assemble([
      { source: '_start:\n  movq $_start, %rax\n  hlt\n', base: 0x100000n },
      { source: '.globl _start\n_start:\n  nop\n  movq $_start, %rax\n', base: 0x100000n },
      { source: '.globl _start\n_start:\n  nop\n  nop\n  movq $_start, %rax\n', base: 0x200000n },
      { source: '_start:\n  junk\n', base: 0x100000n, lineOffset: 5 },
      { source: 'entry: hlt\n', base: 0x300000n },
    ]);
    const imm = (r: { bytes: Uint8Array }, at: number) =>
      new DataView(r.bytes.buffer, r.bytes.byteOffset).getUint32(at, true);
    const [a, b, c] = [ok(outs[0]), ok(outs[1]), ok(outs[2])];
    expect(a.symbols._start).toBe(0x100000n);
    expect(imm(a, 3)).toBe(0x100000);
    expect(b.symbols._start).toBe(0x100000n);
    expect(imm(b, 4)).toBe(0x100000);
    expect(c.symbols._start).toBe(0x200000n);
    expect(imm(c, 5)).toBe(0x200000);
    expect(failed(outs[3])[0]!.line).toBe(7);
    expect(ok(outs[4]).symbols).toEqual({ entry: 0x300000n });
  });

  it('names the package when the assembler is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(assemble([{ source: 'nop\n', base: 0n }])).rejects.toThrow(ToolMissingError);
      await expect(assemble([{ source: 'nop\n', base: 0n }])).rejects.toThrow(/binutils/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('returns empty bytes for an empty block', async () => {
    const [out] = await assemble([{ source: '# nothing\n', base: 0x100000n }]);
    expect(ok(out).bytes.length).toBe(0);
  });
});

describe('checkDirectives', () => {
  it('ignores directives mentioned in comments and strings', () => {
    expect(checkDirectives('nop # .include "x"\n/* .incbin\n */ .ascii ".include"\n')).toEqual([]);
  });
  it('refuses .altmacro and built directive names', () => {
    expect(checkDirectives('.altmacro\n.inc\\()lude "x"\n').map((p) => p.line)).toEqual([1, 2]);
  });
  it('sees a refused directive after a label or a statement separator', () => {
    expect(checkDirectives('x: nop; .incbin "y"\n').map((p) => p.line)).toEqual([1]);
  });
});
