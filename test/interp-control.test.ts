// Control flow, the stack, exceptions (IDT delivery, triple faults), stop reasons, trace and the
// decoded-code cache.
import { describe, expect, it } from 'vitest';
import { BASE, build, run } from './interp-helpers.ts';
import { interpEngine } from '../src/runner/interp/index.ts';

/** Code that installs a 64-bit interrupt gate for `vector` pointing at `handler` (IDT at 0x8000). */
function gate(vector: number, handler: string): string {
  const at = 0x8000 + vector * 16;
  return `lea ${handler}(%rip),%rax; mov %ax,${at}; movw $0x10,${at + 2}; movw $0x8e00,${at + 4}; shr $16,%rax; mov %ax,${at + 6}; shr $16,%rax; mov %eax,${at + 8};`;
}
const LIDT = `pushq $0x8000; pushw $0xfff; lidt (%rsp); add $10,%rsp;`;

describe('near control flow and the stack', () => {
  it('call/ret, indirect call through a register and jmp through memory', async () => {
    const r = await run(
      `call f; lea g(%rip),%rax; call *%rax; jmp *t(%rip); t: .quad done; f: inc %ebx; ret; g: add $10,%ebx; ret; done: hlt`,
    );
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(11n);
    expect(r.state.gpr.rsp).toBe(0x80000n);
  });
  it('ret $imm releases the arguments', async () => {
    const r = await run(`push $1; push $2; call f; hlt; f: ret $16`);
    expect(r.state.gpr.rsp).toBe(0x80000n);
  });
  it('loop / loope / loopne count RCX', async () => {
    const r = await run(
      `mov $5,%ecx; 1: inc %eax; loop 1b; mov $5,%ecx; 2: inc %ebx; cmp $2,%ebx; loopne 2b; hlt`,
    );
    expect(r.state.gpr.rax).toBe(5n);
    expect(r.state.gpr.rbx).toBe(2n);
    expect(r.state.gpr.rcx).toBe(3n);
  });
  it('push/pop widths: pushw, push imm sign-extended, pop to memory', async () => {
    const r = await run(
      `pushw $0x1234; pop %ax; push $-2; pop %rbx; push $7; popq 0x9000; mov 0x9000,%rcx; hlt`,
    );
    expect(r.state.gpr.rax & 0xffffn).toBe(0x1234n);
    expect(r.state.gpr.rbx).toBe(0xfffffffffffffffen);
    expect(r.state.gpr.rcx).toBe(7n);
    expect(r.state.gpr.rsp).toBe(0x80000n);
  });
  it('enter/leave build and drop a frame', async () => {
    const r = await run(`mov $0x55,%ebp; enter $32,$0; mov %rbp,%rbx; mov %rsp,%rcx; leave; hlt`);
    expect(r.state.gpr.rbx).toBe(0x80000n - 8n);
    expect(r.state.gpr.rcx).toBe(0x80000n - 8n - 32n);
    expect(r.state.gpr.rbp).toBe(0x55n);
    expect(r.state.gpr.rsp).toBe(0x80000n);
  });
  it('#GP for a branch to a non-canonical address', async () => {
    const r = await run(`movabs $0x0000800000000000,%rax; jmp *%rax`);
    expect(r.stop.reason).toBe('triple-fault');
    expect(r.stop.vector).toBe(13);
    expect(r.stop.rip).toBe(BASE + 10n);
  });
});

describe('exceptions without an IDT end in a triple fault with the original vector', () => {
  it.each([
    ['ud2', 6, undefined],
    ['int3', 3, undefined],
    ['xor %ecx,%ecx; div %ecx', 0, undefined],
    ['mov 0x40000000,%rax', 14, 0],
    ['movq $1,0x40000000', 14, 2],
  ])('%s -> vector %i', async (src, vector, errorCode) => {
    const r = await run(`${src}; hlt`);
    expect(r.stop.reason).toBe('triple-fault');
    expect(r.stop.vector).toBe(vector);
    expect(r.stop.errorCode).toBe(errorCode);
  });
  it('reports the faulting RIP and sets CR2 for #PF', async () => {
    const r = await run(`nop; mov 0x40000008,%rax; hlt`);
    expect(r.stop.rip).toBe(BASE + 1n);
    expect(r.state.cr2).toBe(0x40000008n);
  });
  it('#PF with P|W for a write to a read-only page under CR0.WP', async () => {
    // Clear R/W in the 2 MiB PDE that maps 0x200000.
    const r = await run(`andq $~2,0x3008; invlpg 0x200000; movq $1,0x200010; hlt`);
    expect(r.stop.reason).toBe('triple-fault');
    expect(r.stop.vector).toBe(14);
    expect(r.stop.errorCode).toBe(3);
    expect(r.state.cr2).toBe(0x200010n);
  });
});

describe('exceptions through the IDT', () => {
  it('delivers #UD to a 64-bit interrupt gate with the full frame; a handler that halts makes a fault stop', async () => {
    const w = await build(
      `${gate(6, 'handler')} ${LIDT} mov %rsp,%r12; pushfq; pop %r13; boom: ud2; handler: hlt`,
    );
    const r = await interpEngine.run(w, { maxSteps: 1000 });
    expect(r.stop.reason, r.stop.message).toBe('fault');
    expect(r.stop.vector).toBe(6);
    expect(r.stop.rip).toBe(w.symbols.boom);
    const rsp = r.state.gpr.rsp;
    expect(rsp).toBe(r.state.gpr.r12 - 40n);
    const q = (k: number) => r.memory.readU64(rsp + BigInt(k * 8));
    expect([q(0), q(1), q(2), q(3), q(4)]).toEqual([
      w.symbols.boom,
      0x10n,
      r.state.gpr.r13 | 0x10000n, // a fault's RFLAGS image has RF=1
      r.state.gpr.r12,
      0x18n,
    ]);
  });
  it('delivers an exception raised in compatibility mode to a 64-bit handler', async () => {
    const w = await build(`${gate(6, 'handler')} ${LIDT}
      lgdt gdtd(%rip); ljmp *cp(%rip)
      .p2align 3; gdt: .quad 0, 0x00cf9a000000ffff, 0x00af9a000000ffff, 0x00cf92000000ffff
      gdtd: .word 0x1f; .quad gdt
      cp: .long compat; .word 0x08
      .code32
      compat: ud2
      .code64
      handler: mov %cs,%ebx; hlt`);
    const r = await interpEngine.run(w, { maxSteps: 1000 });
    expect(r.stop.reason, r.stop.message).toBe('fault');
    expect(r.stop.rip).toBe(w.symbols.compat);
    expect(r.state.gpr.rbx).toBe(0x10n);
    const rsp = r.state.gpr.rsp;
    expect(r.memory.readU64(rsp)).toBe(w.symbols.compat);
    expect(r.memory.readU64(rsp + 8n)).toBe(0x08n);
    expect(r.memory.readU64(rsp + 32n)).toBe(0x18n);
  });
  it('pushes the error code for #PF and the handler reads CR2', async () => {
    const r = await run(
      `${gate(14, 'handler')} ${LIDT} movq $5,0x40000000; handler: pop %rbx; mov %cr2,%rcx; hlt`,
    );
    expect(r.stop.reason).toBe('fault');
    expect(r.stop.vector).toBe(14);
    expect(r.stop.errorCode).toBe(2);
    expect(r.state.gpr.rbx).toBe(2n);
    expect(r.state.gpr.rcx).toBe(0x40000000n);
  });
  it('int3 is a trap: iretq returns after it and the run ends normally', async () => {
    const r = await run(`${gate(3, 'handler')} ${LIDT} int3; mov $1,%ebx; hlt; handler: inc %ecx; iretq`);
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(1n);
    expect(r.state.gpr.rcx).toBe(1n);
    expect(r.state.gpr.rsp).toBe(0x80000n);
  });
  it('an interrupt gate clears IF', async () => {
    const r = await run(`${gate(6, 'handler')} ${LIDT} sti; ud2; handler: pushfq; pop %rbx; hlt`);
    expect(r.state.gpr.rbx & 0x200n).toBe(0n);
  });
  it('a not-present gate with a valid #DF gate delivers #DF for a contributory fault', async () => {
    const w = await build(`${gate(8, 'df')} ${LIDT} xor %ecx,%ecx; boom: div %ecx; df: hlt`);
    const r = await interpEngine.run(w, { maxSteps: 1000 });
    // #DE's gate is absent (zero): #GP delivering #DE -> contributory + contributory -> #DF delivered.
    // The stop names the exception the handler runs for, at the instruction that started it.
    expect(r.stop).toMatchObject({ reason: 'fault', vector: 8, errorCode: 0, rip: w.symbols.boom });
    expect(r.memory.readU64(r.state.gpr.rsp + 24n) & 0x10000n).toBe(0x10000n); // RF in the image
  });
});

describe('RFLAGS.RF in exception frames (SDM vol. 3, 6.13 / 17.3.1.1)', () => {
  const RF = 0x10000n;
  /** The RFLAGS image a halting handler for `vector` sees (an error code shifts the frame by 8). */
  async function image(vector: number, body: string, errorCode: boolean): Promise<bigint> {
    const off = errorCode ? 24 : 16;
    const r = await run(
      `${gate(vector, 'handler')} ${LIDT} ${body}; hlt; handler: mov ${off}(%rsp),%rbx; hlt`,
    );
    expect(r.stop.reason, r.stop.message).toBe('fault');
    return r.state.gpr.rbx;
  }
  it('faults push RF=1: #UD, #DE, #GP, #PF, #DF', async () => {
    expect((await image(6, 'ud2', false)) & RF).toBe(RF);
    expect((await image(0, 'xor %ecx,%ecx; div %ecx', false)) & RF).toBe(RF);
    expect((await image(13, 'mov $0x12345678,%ecx; rdmsr', true)) & RF).toBe(RF);
    expect((await image(14, 'mov 0x40000000,%eax', true)) & RF).toBe(RF);
    // #GP's gate is absent: #GP while delivering #GP -> #DF, itself delivered as a fault.
    expect((await image(8, 'mov $0x12345678,%ecx; rdmsr', true)) & RF).toBe(RF);
  });
  it('software interrupts and int1 push RF as it is (0)', async () => {
    expect((await image(3, 'int3', false)) & RF).toBe(0n);
    expect((await image(0x1f, 'int $0x1f', false)) & RF).toBe(0n);
    expect((await image(1, 'int1', false)) & RF).toBe(0n);
  });
  it('iretq loads RF=1 for exactly one instruction: the re-executed one clears it when it completes', async () => {
    // The handler skips the 2-byte ud2 and returns with the frame's RF=1.
    const src = `${gate(6, 'handler')} ${LIDT} ud2; after: nop; hlt; handler: addq $2,(%rsp); iretq`;
    const w = await build(src);
    const atAfter = await interpEngine.run(w, { until: [w.symbols.after] });
    expect(atAfter.stop.reason).toBe('until');
    expect(atAfter.state.rflags & RF).toBe(RF);
    const done = await run(src);
    expect(done.stop.reason, done.stop.message).toBe('hlt');
    expect(done.state.rflags & RF).toBe(0n);
  });
});

describe('faults while delivering an exception', () => {
  it('error code EXT=1 for an exception, EXT=0 for a software interrupt (SDM vol. 3, 6.13)', async () => {
    // ud2 with #UD's gate absent (zero): #GP(6*8+2+1), delivered through #GP's gate.
    const ud = await run(`${gate(13, 'handler')} ${LIDT} ud2; handler: pop %rbx; hlt`);
    expect(ud.stop).toMatchObject({ reason: 'fault', vector: 13, errorCode: 0x33 });
    // int $0x1e with a gate that is not present: #NP(0x1e*8+2), EXT clear.
    const np = await run(
      `${gate(11, 'handler')} ${gate(0x1e, 'handler')} andb $0x7f,0x8000+0x1e*16+5; ${LIDT} int $0x1e; handler: pop %rbx; hlt`,
    );
    expect(np.stop).toMatchObject({ reason: 'fault', vector: 11, errorCode: 0x1e * 8 + 2 });
    expect(np.state.gpr.rbx).toBe(0xf2n);
  });
  it('the stop names the exception that was delivered (the #GP), at the instruction that raised it', async () => {
    const w = await build(
      `${gate(13, 'handler')} pushq $0x8000; pushw $0x1ff; lidt (%rsp); boom: int $0x40; handler: hlt`,
    );
    const r = await interpEngine.run(w, { maxSteps: 1000 });
    expect(r.stop).toMatchObject({ reason: 'fault', vector: 13, errorCode: 0x202, rip: w.symbols.boom });
    expect(r.stop.message).toMatch(/^#GP\(0x202\) at 0x[0-9a-f]+ was delivered/);
  });
});

describe('iretq with RFLAGS.NT=1', () => {
  const FRAME = `mov %rsp,%rax; pushq $0x18; push %rax; pushq $2; pushq $0x10; lea 1f(%rip),%rcx; push %rcx`;
  it('#GP(0) in IA-32e mode, before anything is popped', async () => {
    const w = await build(`${FRAME}; pushq $0x4002; popfq; boom: iretq; 1: hlt`);
    const r = await interpEngine.run(w, { maxSteps: 1000 });
    expect(r.stop).toMatchObject({ reason: 'triple-fault', vector: 13, errorCode: 0, rip: w.symbols.boom });
    expect(r.state.rflags & 0x4000n).toBe(0x4000n);
  });
  it('returns normally with NT=0', async () => {
    const r = await run(`${FRAME}; iretq; 1: hlt`);
    expect(r.stop.reason, r.stop.message).toBe('hlt');
  });
});

describe('stop reasons', () => {
  it('hlt leaves RIP after it', async () => {
    const r = await run(`nop; hlt; nop`);
    expect(r.stop).toMatchObject({ reason: 'hlt', rip: BASE + 2n });
    expect(r.state.rip).toBe(BASE + 2n);
    expect(r.steps).toBe(2);
  });
  it('budget', async () => {
    const r = await run(`1: jmp 1b`, undefined, { maxSteps: 100 });
    expect(r.stop.reason).toBe('budget');
    expect(r.steps).toBe(100);
  });
  it('until stops before the instruction at the address', async () => {
    const w = await build(`mov $1,%eax; there: mov $2,%eax; hlt`);
    const r = await interpEngine.run(w, { until: [w.symbols.there] });
    expect(r.stop.reason).toBe('until');
    expect(r.state.rip).toBe(w.symbols.there);
    expect(r.state.gpr.rax).toBe(1n);
  });
  it('an until range stops before the first instruction executed inside it, wherever that is', async () => {
    const w = await build(`mov $1,%eax; jmp inside; region: .fill 16,1,0x90; inside: mov $2,%eax; hlt`);
    const r = await interpEngine.run(w, {
      untilRanges: [{ start: w.symbols.region, end: w.symbols.region + 0x100n }],
    });
    expect(r.stop).toMatchObject({ reason: 'until', rip: w.symbols.inside });
    expect(r.state.gpr.rax).toBe(1n);
  });
  it('unsupported names the mnemonic and address', async () => {
    const r = await run(`nop; rdtsc; hlt`);
    expect(r.stop.reason).toBe('unsupported');
    expect(r.stop.mnemonic).toBe('rdtsc');
    expect(r.stop.rip).toBe(BASE + 1n);
    expect(r.stop.message).toMatch(/rdtsc.*0x100001/);
  });
  it('memory outside RAM stops with the physical address', async () => {
    // The baseline maps 1 GiB but has 64 MiB of RAM.
    const r = await run(`mov 0x8000000,%rax; hlt`);
    expect(r.stop.reason).toBe('memory');
    expect(r.stop.address).toBe(0x8000000n);
  });
});

describe('trace', () => {
  // GAS text with the operand-size suffix, as the spec's sources spell instructions (`movl`, `pushq`).
  it('records rip, GAS text, changed items and memory written', async () => {
    const r = await run(`mov $5,%eax; push %rax; xor %ecx,%ecx; mov %ecx,%ds; hlt`, undefined, {
      trace: true,
    });
    const t = r.trace!;
    expect(t.map((s) => s.text)).toEqual([
      'movl $5,%eax',
      'pushq %rax',
      'xorl %ecx,%ecx',
      'movl %ecx,%ds',
      'hlt',
    ]);
    expect(t[0]).toEqual({ rip: BASE, text: 'movl $5,%eax', changed: { rax: 5n } });
    expect(t[1].changed).toEqual({ rsp: 0x80000n - 8n });
    expect(t[1].mem).toEqual([{ addr: 0x80000n - 8n, size: 8, value: 5n }]);
    expect(t[2].changed).toEqual({ rflags: 0x46n });
    expect(t[3].changed).toMatchObject({ 'ds.selector': 0n, 'ds.attributes': 0x10000n });
  });
  it('prints 64-bit immediates, displacements and targets exactly', async () => {
    const r = await run(
      // PDPTE 4 -> the first PD, so that 0x100000001 is mapped (to physical 1).
      `movabs $0x8000000000000000,%rax; movabs $0x100000005,%rbx; mov $-1,%rcx; mov $5,%edx;
       movq $0x3003,0x2020; movabs 0x100000001,%al`,
      undefined,
      { trace: true },
    );
    expect(r.trace!.map((s) => s.text)).toEqual([
      'movabsq $0x8000000000000000,%rax',
      'movabsq $0x100000005,%rbx',
      'movq $0xFFFFFFFFFFFFFFFF,%rcx',
      'movl $5,%edx',
      'movq $0x3003,0x2020',
      'movabsb 0x100000001,%al',
    ]);
  });
});

describe('instruction fetch at a page boundary', () => {
  it('runs an instruction that ends just before an unmapped page without touching CR2', async () => {
    const r = await run(`movq $0,0x3008; movb $0xf4,0x1fffff; mov $0x1fffff,%eax; jmp *%rax`);
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.cr2).toBe(0n);
  });
  it('#PF with CR2 at the next page for an instruction that crosses into it', async () => {
    const r = await run(`movq $0,0x3008; movb $0x0f,0x1fffff; mov $0x1fffff,%eax; jmp *%rax`);
    expect(r.stop.reason).toBe('triple-fault');
    expect(r.stop.vector).toBe(14);
    expect(r.stop.rip).toBe(0x1fffffn);
    expect(r.state.cr2).toBe(0x200000n);
  });
  it("#PF for a write that crosses into a not-present page: CR2 is that page's first byte", async () => {
    const r = await run(`movq $0,0x3008; mov $0x1ffffc,%eax; movq $-1,(%rax); hlt`);
    expect(r.stop).toMatchObject({ reason: 'triple-fault', vector: 14, errorCode: 2 });
    expect(r.state.cr2).toBe(0x200000n);
    // Nothing is written: a fault leaves memory as it was.
    expect(r.memory.readU64(0x1ffff8n)).toBe(0n);
  });
  it("#PF for a read that crosses into a not-present page: CR2 is that page's first byte", async () => {
    const r = await run(`movq $0,0x3008; mov $0x1ffffd,%eax; mov (%rax),%rbx; hlt`);
    expect(r.stop).toMatchObject({ reason: 'triple-fault', vector: 14, errorCode: 0 });
    expect(r.state.cr2).toBe(0x200000n);
  });
  it('runs the last instruction of RAM', async () => {
    const r = await run(`movb $0xf4,0x3ffffff; mov $0x3ffffff,%eax; jmp *%rax`);
    expect(r.stop.reason, r.stop.message).toBe('hlt');
  });
});

describe('decoded-code cache', () => {
  it('sees self-modifying code', async () => {
    // Patch the immediate of the second `mov` after it has run once.
    const r = await run(
      `mov $2,%ecx; 1: target: mov $1,%ebx; add %ebx,%eax; movb $7,target+1(%rip); loop 1b; hlt`,
    );
    expect(r.state.gpr.rax).toBe(8n);
  });
});

describe('undefined flags', () => {
  it('marks AF after xor and clears it once an add defines it', async () => {
    const a = await run(`xor %eax,%eax; hlt`);
    expect(a.undefinedFlags).toBe(0x10n);
    expect(a.state.rflags).toBe(0x46n);
    const b = await run(`xor %eax,%eax; add $1,%eax; hlt`);
    expect(b.undefinedFlags).toBe(0n);
  });
  it('mul leaves SF ZF AF PF undefined (set to 0)', async () => {
    const r = await run(`mov $2,%eax; mov $3,%ebx; mul %ebx; hlt`);
    expect(r.undefinedFlags).toBe(0xd4n);
    expect(r.state.rflags & 0xd4n).toBe(0n);
  });
});
