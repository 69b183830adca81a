// Moves to and from the debug registers (src/runner/interp/ops/debug.ts): what the SDM fixes, the
// faults, general detect, and the breakpoints the interpreter keeps as state but does not match.
import { describe, expect, it } from 'vitest';
import { BASE, run } from './interp-helpers.ts';

function expectFault(r: Awaited<ReturnType<typeof run>>, vector: number): void {
  expect(r.stop.reason, r.stop.message).toBe('triple-fault');
  expect(r.stop.vector).toBe(vector);
}

describe('debug registers', () => {
  it('start at their reset values: DR6 0xffff0ff0, DR7 0x400', async () => {
    const r = await run('mov %dr6,%rax; mov %dr7,%rbx; hlt');
    expect(r.state.gpr.rax).toBe(0xffff0ff0n);
    expect(r.state.gpr.rbx).toBe(0x400n);
    expect(r.state.dr6).toBe(0xffff0ff0n);
    expect(r.state.dr7).toBe(0x400n);
  });
  it('DR0-DR3 hold any 64-bit value', async () => {
    const r = await run(
      'movabs $0x123456789abcdef0,%rax; mov %rax,%dr0; mov %rax,%dr3; mov %dr0,%rbx; mov %dr3,%rcx; hlt',
    );
    expect(r.state.dr0).toBe(0x123456789abcdef0n);
    expect(r.state.dr3).toBe(0x123456789abcdef0n);
    expect(r.state.gpr.rbx).toBe(0x123456789abcdef0n);
    expect(r.state.gpr.rcx).toBe(0x123456789abcdef0n);
  });
  it('DR6 keeps only B0-B3, BD, BS, BT; the rest reads as fixed', async () => {
    const r = await run(
      'mov $0xffffffff,%eax; mov %rax,%dr6; mov %dr6,%rbx; xor %eax,%eax; mov %rax,%dr6; mov %dr6,%rcx; hlt',
    );
    expect(r.state.gpr.rbx).toBe(0xffffefffn);
    expect(r.state.gpr.rcx).toBe(0xffff0ff0n);
  });
  it('DR7 ignores reserved bits 11, 12, 14, 15 and keeps bit 10 set', async () => {
    const r = await run('mov $0x5555d9ff,%eax; mov %rax,%dr7; mov %dr7,%rbx; hlt');
    expect(r.state.gpr.rbx).toBe(0x555505ffn);
    expect(r.state.dr7).toBe(0x555505ffn);
  });
  it('DR4 and DR5 are DR6 and DR7 while CR4.DE is clear', async () => {
    const r = await run('mov $1,%eax; mov %rax,%dr4; mov %dr4,%rbx; mov $0x700,%eax; mov %rax,%dr5; hlt');
    expect(r.state.gpr.rbx).toBe(0xffff0ff1n);
    expect(r.state.dr6).toBe(0xffff0ff1n);
    expect(r.state.dr7).toBe(0x700n);
  });
  it('#UD for DR4/DR5 while CR4.DE is set', async () => {
    expectFault(await run('mov %cr4,%rax; or $8,%rax; mov %rax,%cr4; mov %dr5,%rbx; hlt'), 6);
  });
  it('#GP(0) for a 1 in bits 63:32 of DR6 or DR7, and nothing changes', async () => {
    for (const dr of ['dr6', 'dr7']) {
      const r = await run(`movabs $0x100000000,%rax; mov %rax,%${dr}; hlt`);
      expectFault(r, 13);
      expect(r.stop.errorCode).toBe(0);
      expect(r.state.dr6).toBe(0xffff0ff0n);
      expect(r.state.dr7).toBe(0x400n);
    }
  });
  it('#GP(0) at CPL 3', async () => {
    const r = await run('mov %dr7,%rax; hlt', (w) => {
      w.state.seg.cs = { ...w.state.seg.cs, selector: w.state.seg.cs.selector | 3 };
    });
    expectFault(r, 13);
  });
  it('DR7.GD: the next move raises #DB before it runs, sets DR6.BD and clears GD', async () => {
    const r = await run('mov $0x2400,%eax; mov %rax,%dr7; mov %dr7,%rbx; hlt');
    expectFault(r, 1);
    expect(r.stop.rip).toBe(BASE + 8n);
    expect(r.state.gpr.rbx).toBe(0n);
    expect(r.state.dr6).toBe(0xffff2ff0n);
    expect(r.state.dr7).toBe(0x400n);
  });
  it("takes the world's debug registers and returns them", async () => {
    const r = await run('mov %dr0,%rax; mov %dr6,%rbx; mov %dr7,%rcx; hlt', (w) => {
      w.state.dr0 = 0x300000n;
      w.state.dr6 = 0xffff4ff0n;
      w.state.dr7 = 0x401n;
    });
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect([r.state.gpr.rax, r.state.gpr.rbx, r.state.gpr.rcx]).toEqual([0x300000n, 0xffff4ff0n, 0x401n]);
  });
  it('stops as unsupported where an armed instruction breakpoint would raise #DB', async () => {
    const r = await run('lea 1f(%rip),%rax; mov %rax,%dr0; mov $0x401,%eax; mov %rax,%dr7; nop; 1: nop; hlt');
    expect(r.stop.reason).toBe('unsupported');
    expect(r.stop.message).toMatch(/instruction breakpoint 0 at 0x[0-9a-f]+.*not modelled/);
  });
  it('keeps data breakpoints as state only (not matched)', async () => {
    const r = await run(
      'mov $0x9000,%eax; mov %rax,%dr1; mov $0x1f0008,%eax; mov %rax,%dr7; movl $1,0x9000; hlt',
    );
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.dr7).toBe(0x1f0408n);
  });
  it('records debug-register writes in the trace', async () => {
    const r = await run('mov $0x700,%eax; mov %rax,%dr7; hlt', undefined, { trace: true });
    expect(r.trace?.[1]?.changed).toMatchObject({ dr7: 0x700n });
  });
});
