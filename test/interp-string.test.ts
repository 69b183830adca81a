// String instructions: rep/repe/repne, DF, RCX=0, the bulk path and its element-by-element fallbacks.
import { describe, expect, it } from 'vitest';
import { BASE, run } from './interp-helpers.ts';

const bytes = (r: Awaited<ReturnType<typeof run>>, addr: bigint, n: number) =>
  Array.from(r.memory.read(addr, n));

describe('rep movs', () => {
  it('rep movsq copies a page and leaves RSI/RDI past it, RCX 0', async () => {
    const r = await run(`mov $0x9000,%rdi; mov $512,%ecx; mov $0x1122334455667788,%rax; rep stosq;
      mov $0x9000,%rsi; mov $0xa000,%rdi; mov $512,%ecx; rep movsq; hlt`);
    expect(r.memory.readU64(0xa000n)).toBe(0x1122334455667788n);
    expect(r.memory.readU64(0xaff8n)).toBe(0x1122334455667788n);
    expect(r.state.gpr.rsi).toBe(0xa000n);
    expect(r.state.gpr.rdi).toBe(0xb000n);
    expect(r.state.gpr.rcx).toBe(0n);
  });
  it('copies across page boundaries with unaligned addresses (rep movsb, rep movsl)', async () => {
    const r = await run(`mov $0x9ffd,%rdi; mov $8,%ecx; mov $0xab,%al; rep stosb;
      mov $0x9ffd,%rsi; mov $0xbffe,%rdi; mov $2,%ecx; rep movsl; hlt`);
    expect(bytes(r, 0xbffen, 9)).toEqual([0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0]);
  });
  it('does nothing with RCX=0', async () => {
    const r = await run(`mov $0x9000,%rsi; mov $0xa000,%rdi; xor %ecx,%ecx; movb $1,0x9000; rep movsb; hlt`);
    expect(bytes(r, 0xa000n, 1)).toEqual([0]);
    expect(r.state.gpr.rsi).toBe(0x9000n);
    expect(r.state.gpr.rdi).toBe(0xa000n);
  });
  it('goes backwards with DF=1', async () => {
    const r = await run(
      `movl $0x04030201,0x9000; std; mov $0x9003,%rsi; mov $0xa003,%rdi; mov $4,%ecx; rep movsb; cld; hlt`,
    );
    expect(bytes(r, 0xa000n, 4)).toEqual([1, 2, 3, 4]);
    expect(r.state.gpr.rsi).toBe(0x8fffn);
    expect(r.state.gpr.rdi).toBe(0x9fffn);
  });
  it('element path (DF=1, or tracing) keeps the high halves of qwords', async () => {
    const src = `movabs $0x1122334455667788,%rax; mov %rax,0x9000; mov %rax,0x9008;
      std; mov $0x9008,%rsi; mov $0xa008,%rdi; mov $2,%ecx; rep movsq; cld;
      mov $0xb000,%rdi; mov $2,%ecx; std; rep stosq; cld; hlt`;
    for (const trace of [false, true]) {
      const r = await run(src, undefined, { trace });
      expect(r.memory.readU64(0xa000n)).toBe(0x1122334455667788n);
      expect(r.memory.readU64(0xa008n)).toBe(0x1122334455667788n);
      expect(r.memory.readU64(0xaff8n)).toBe(0x1122334455667788n);
    }
    const t = await run(
      `mov $0x9000,%rsi; mov $0xa000,%rdi; movabs $0x8877665544332211,%rax; mov %rax,(%rsi); mov $1,%ecx; rep movsq; hlt`,
      undefined,
      { trace: true },
    );
    expect(t.memory.readU64(0xa000n)).toBe(0x8877665544332211n);
  });
  it('overlapping forward copy replicates like the CPU, not like memmove', async () => {
    const r = await run(`movb $7,0x9000; mov $0x9000,%rsi; mov $0x9001,%rdi; mov $5,%ecx; rep movsb; hlt`);
    expect(bytes(r, 0x9000n, 6)).toEqual([7, 7, 7, 7, 7, 7]);
  });
  it('a fault in the middle leaves the registers at the faulting element', async () => {
    // Unmap 0x200000-0x3fffff: a copy to 0x1ffff8 faults on its second qword.
    const r = await run(`movq $0,0x3008; mov $0x9000,%rsi; mov $0x1ffff8,%rdi; mov $4,%ecx; rep movsq; hlt`);
    expect(r.stop.reason).toBe('triple-fault');
    expect(r.stop.vector).toBe(14);
    expect(r.state.gpr.rcx).toBe(3n);
    expect(r.state.gpr.rdi).toBe(0x200000n);
    expect(r.state.cr2).toBe(0x200000n);
    expect(r.stop.errorCode).toBe(2);
  });
  it('writing over decoded code is seen by the next fetch (bulk path falls back)', async () => {
    const r = await run(
      `lea patch(%rip),%rdi; lea src(%rip),%rsi; mov $2,%ecx; rep movsb; patch: nop; nop; hlt; src: inc %eax`,
    );
    expect(r.state.gpr.rax).toBe(1n);
  });
});

describe('rep stos / lods', () => {
  it('rep stosq fills with RAX; stosw with a 16-bit pattern', async () => {
    const r = await run(
      `mov $0x9000,%rdi; mov $3,%ecx; mov $-1,%rax; rep stosq; mov $0x1234,%ax; mov $2,%ecx; rep stosw; hlt`,
    );
    expect(r.memory.readU64(0x9010n)).toBe(0xffffffffffffffffn);
    expect(bytes(r, 0x9018n, 4)).toEqual([0x34, 0x12, 0x34, 0x12]);
  });
  it('lodsb loads and advances RSI', async () => {
    const r = await run(`movb $0x42,0x9000; mov $0x9000,%rsi; lodsb; hlt`);
    expect(r.state.gpr.rax & 0xffn).toBe(0x42n);
    expect(r.state.gpr.rsi).toBe(0x9001n);
  });
});

describe('repe cmps / repne scas', () => {
  it('repe cmpsb stops at the first difference with its flags', async () => {
    const r = await run(
      `movl $0x44332211,0x9000; movl $0x55332211,0xa000; mov $0x9000,%rsi; mov $0xa000,%rdi; mov $4,%ecx; repe cmpsb; hlt`,
    );
    expect(r.state.gpr.rcx).toBe(0n);
    expect(r.state.gpr.rsi).toBe(0x9004n);
    expect(r.state.rflags & 0x41n).toBe(0x1n); // ZF=0, CF=1 (0x44 < 0x55)
  });
  it('repe cmpsb over equal strings runs out with ZF=1', async () => {
    const r = await run(`mov $0x9000,%rsi; mov $0xa000,%rdi; mov $16,%ecx; repe cmpsb; hlt`);
    expect(r.state.gpr.rcx).toBe(0n);
    expect(r.state.rflags & 0x40n).toBe(0x40n);
  });
  it('with RCX=0 leaves the flags and their undefined marks alone', async () => {
    const r = await run(`mov $2,%eax; mov $3,%ebx; mul %ebx; stc; mov $0,%ecx; repe cmpsb; repne scasq; hlt`);
    expect(r.undefinedFlags).toBe(0xd4n);
    expect(r.state.rflags & 1n).toBe(1n);
  });
  it('repne scasb finds a byte', async () => {
    const r = await run(
      `movl $0x00636261,0x9000; mov $0x9000,%rdi; mov $'c',%al; mov $100,%ecx; repne scasb; hlt`,
    );
    expect(r.state.gpr.rdi).toBe(0x9003n);
    expect(r.state.gpr.rcx).toBe(97n);
    expect(r.state.rflags & 0x40n).toBe(0x40n);
  });
});

describe('address size', () => {
  it('addr32 rep stosb uses EDI/ECX and wraps them at 32 bits', async () => {
    const r = await run(`mov $0x100000009000,%rdi; mov $0x100000002,%rcx; mov $1,%al; addr32 rep stosb; hlt`);
    expect(bytes(r, 0x9000n, 3)).toEqual([1, 1, 0]);
    expect(r.state.gpr.rdi).toBe(0x9002n);
    expect(r.state.gpr.rcx).toBe(0n);
  });
  it('addr32 wraps EDI from 0xfffffff8 to 0 inside one instruction', async () => {
    // 0xffe00000 (PDPTE 3 -> a PD at 0x10000, entry 511) maps to physical 0x800000.
    const r = await run(`movq $0x10003,0x2018; movq $0x800083,0x10000+511*8
      movabs $0xbeeffffffff8,%rdi; movabs $0xdead00000010,%rcx; mov $0x5a,%al; addr32 rep stosb; hlt`);
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.memory.readU64(0x9ffff8n)).toBe(0x5a5a5a5a5a5a5a5an);
    expect(r.memory.readU64(0n)).toBe(0x5a5a5a5a5a5a5a5an);
    expect(r.state.gpr.rdi).toBe(8n);
    expect(r.state.gpr.rcx).toBe(0n);
  });
});

describe('64-bit counts are exact', () => {
  it('repne scasb with RCX=-1 (strlen): RCX = -2 - length', async () => {
    const r = await run(`lea s(%rip),%rdi; xor %eax,%eax; mov $-1,%rcx; repne scasb; not %rcx; dec %rcx; hlt
      s: .asciz "hello, world"`);
    expect(r.state.gpr.rcx).toBe(12n);
  });
  it('a count above 2^53 runs until memory faults, with RCX exact at the faulting element', async () => {
    const r = await run(`movq $0,0x3008; mov $0x1ffff0,%edi; movabs $0x0020000000000005,%rcx; mov $0x41,%al
      rep stosb; hlt`);
    expect(r.stop).toMatchObject({ reason: 'triple-fault', vector: 14 });
    expect(r.state.cr2).toBe(0x200000n);
    expect(r.state.gpr.rdi).toBe(0x200000n);
    expect(r.state.gpr.rcx).toBe(0x0020000000000005n - 16n);
    expect(bytes(r, 0x1ffff0n, 16)).toEqual(Array(16).fill(0x41));
  });
  it('the same with element-wise copies (DF=1) and with rep movsq', async () => {
    const down = await run(`movq $0,0x3018; mov $0x800010,%edi; movabs $0xffffffff00000003,%rcx; std
      rep stosb; hlt`);
    expect(down.stop.vector).toBe(14);
    expect(down.state.gpr.rcx).toBe(0xffffffff00000003n - 0x11n);
    const q = await run(`movq $0,0x3008; mov $0x1fffe0,%edi; xor %esi,%esi; mov $-1,%rcx; rep movsq; hlt`);
    expect(q.state.gpr.rcx).toBe(0xffffffffffffffffn - 4n);
  });
});

describe('rep iterations are steps of the budget', () => {
  it('a huge count stops at the budget, RIP on the rep, registers where it got to', async () => {
    const r = await run(`mov $0x9000,%edi; mov $-1,%rcx; xor %eax,%eax; rep scasb; hlt`, undefined, {
      maxSteps: 1000,
    });
    expect(r.stop.reason).toBe('budget');
    expect(r.state.rip).toBe(BASE + 14n);
    expect(r.steps).toBe(1000);
    expect(r.state.gpr.rcx).toBe(0xffffffffffffffffn - 997n);
    expect(r.state.gpr.rdi).toBe(0x9000n + 997n);
  });
  it('the bulk path stops at the budget too', async () => {
    const r = await run(`mov $0x9000,%edi; mov $-1,%rcx; rep stosb; hlt`, undefined, { maxSteps: 5000 });
    expect(r.stop.reason).toBe('budget');
    expect(r.steps).toBe(5000);
    expect(r.state.gpr.rdi).toBe(0x9000n + 4998n);
  });
  it('a rep that finishes within the budget counts one step per iteration', async () => {
    const r = await run(`mov $0x9000,%edi; mov $100,%ecx; rep stosb; mov $0,%ecx; rep stosb; hlt`);
    expect(r.stop.reason).toBe('hlt');
    expect(r.steps).toBe(2 + 100 + 1 + 1 + 1);
  });
});
