// System instructions: control registers, EFER, RFLAGS at CPL 0, descriptor tables, segment loads,
// far transfers and the 64 -> compatibility -> protected (paging off) -> 64-bit round trip.
import { describe, expect, it } from 'vitest';
import { BASE, build, run } from './interp-helpers.ts';
import { interpEngine } from '../src/runner/interp/index.ts';

/** Expect the run to end in a triple fault (baseline world: no IDT) with this vector. */
function expectFault(r: Awaited<ReturnType<typeof run>>, vector: number, errorCode?: number): void {
  expect(r.stop.reason, r.stop.message).toBe('triple-fault');
  expect(r.stop.vector).toBe(vector);
  if (errorCode !== undefined) expect(r.stop.errorCode).toBe(errorCode);
}

const GP = 13;

describe('mov to CR0', () => {
  it('keeps a valid value', async () => {
    const r = await run(`mov %cr0,%rax; and $~(1<<16),%eax; mov %rax,%cr0; hlt`);
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.cr0).toBe(0x80040033n);
  });
  it('#GP for PG without PE', async () => {
    const r = await run(`mov %cr0,%rax; and $~1,%eax; mov %rax,%cr0; hlt`);
    expectFault(r, GP, 0);
    expect(r.stop.rip).toBe(BASE + 6n);
    expect(r.state.cr0).toBe(0x80050033n);
  });
  it('clts clears CR0.TS', async () => {
    const r = await run(`mov %cr0,%rax; or $8,%eax; mov %rax,%cr0; clts; hlt`);
    expect(r.state.cr0).toBe(0x80050033n);
  });
  it('#GP for NW without CD', async () => {
    expectFault(await run(`mov %cr0,%rax; or $(1<<29),%eax; mov %rax,%cr0; hlt`), GP, 0);
  });
  it('accepts NW with CD', async () => {
    const r = await run(`mov %cr0,%rax; or $(3<<29),%eax; mov %rax,%cr0; hlt`);
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.cr0).toBe(0xe0050033n);
  });
  it('#GP for clearing PG in 64-bit mode', async () => {
    expectFault(await run(`mov %cr0,%rax; btr $31,%eax; mov %rax,%cr0; hlt`), GP, 0);
  });
  it('#GP for bits 63:32', async () => {
    expectFault(await run(`mov %cr0,%rax; bts $32,%rax; mov %rax,%cr0; hlt`), GP, 0);
  });
  it('ignores writes to the reserved bits 31:0 (they read back as before) and keeps ET=1', async () => {
    const r = await run(
      `mov %cr0,%rax; or $0x1ffaffc0,%eax; mov %rax,%cr0; mov %cr0,%rbx; and $~0x10,%eax; mov %rax,%cr0; hlt`,
    );
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(0x80050033n);
    expect(r.state.cr0).toBe(0x80050033n);
  });
  it('smsw stores CR0[15:0] to memory and CR0 at the width of a register; lmsw loads PE MP EM TS', async () => {
    const r = await run(`mov $-1,%rax; mov $-1,%rbx; smsw %eax; smsw %bx; smsw 0x9000; smsw %rcx;
      mov $0xfff6,%edx; lmsw %dx; mov %cr0,%rsi; mov $0xfff0,%edx; lmsw %dx; mov %cr0,%rdi; hlt`);
    expect(r.state.gpr.rax).toBe(0x80050033n);
    expect(r.state.gpr.rbx).toBe(0xffffffffffff0033n);
    expect(r.state.gpr.rcx).toBe(0x80050033n);
    expect(r.memory.readU64(0x9000n)).toBe(0x33n);
    expect(r.state.gpr.rsi).toBe(0x80050037n); // MP EM set, TS clear
    expect(r.state.gpr.rdi).toBe(0x80050031n); // PE stays: lmsw never clears it
  });
});

describe('mov to CR4 / CR3', () => {
  it('#GP for a reserved bit', async () => {
    expectFault(await run(`mov %cr4,%rax; or $(1<<15),%eax; mov %rax,%cr4; hlt`), GP, 0);
  });
  it('#GP for clearing PAE in IA-32e mode', async () => {
    expectFault(await run(`xor %eax,%eax; mov %rax,%cr4; hlt`), GP, 0);
  });
  it('#GP for changing LA57 in IA-32e mode', async () => {
    expectFault(await run(`mov %cr4,%rax; or $(1<<12),%eax; mov %rax,%cr4; hlt`), GP, 0);
  });
  it('CET and WP: #GP for setting CET with WP clear and for clearing WP with CET set; CET off first works', async () => {
    const WP_OFF = 'mov %cr0,%rax; and $~(1<<16),%eax; mov %rax,%cr0';
    const CET_ON = 'mov %cr4,%rax; or $(1<<23),%eax; mov %rax,%cr4';
    expectFault(await run(`${WP_OFF}; ${CET_ON}; hlt`), GP, 0);
    expectFault(await run(`${CET_ON}; ${WP_OFF}; hlt`), GP, 0);
    const r = await run(`${CET_ON}; and $~(1<<23),%eax; mov %rax,%cr4; ${WP_OFF}; hlt`);
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.cr0 & 0x10000n).toBe(0n);
  });
  it('accepts PGE and clears it again', async () => {
    const r = await run(
      `mov %cr4,%rax; or $0x80,%eax; mov %rax,%cr4; mov %cr4,%rbx; and $~0x80,%eax; mov %rax,%cr4; hlt`,
    );
    expect(r.state.gpr.rbx).toBe(0xa0n);
    expect(r.state.cr4).toBe(0x20n);
  });
  it('#GP for CR3 bits 63:52', async () => {
    expectFault(await run(`mov %cr3,%rax; bts $60,%rax; mov %rax,%cr3; hlt`), GP, 0);
  });
  it('writes CR2 and CR3 (a new table takes effect)', async () => {
    const r = await run(`mov $0x1234,%eax; mov %rax,%cr2; mov %cr3,%rbx; mov %rbx,%cr3; hlt`);
    expect(r.state.cr2).toBe(0x1234n);
    expect(r.state.gpr.rbx).toBe(0x1000n);
  });
});

describe('wrmsr / rdmsr', () => {
  it('reads EFER', async () => {
    const r = await run(`mov $0xc0000080,%ecx; rdmsr; hlt`);
    expect(r.state.gpr.rax).toBe(0x500n);
    expect(r.state.gpr.rdx).toBe(0n);
  });
  it('sets NXE and SCE; a written LMA is ignored', async () => {
    const r = await run(`mov $0xc0000080,%ecx; mov $0x901,%eax; xor %edx,%edx; wrmsr; hlt`);
    expect(r.state.efer).toBe(0xd01n);
  });
  it('#GP for a reserved EFER bit', async () => {
    expectFault(await run(`mov $0xc0000080,%ecx; mov $0x502,%eax; xor %edx,%edx; wrmsr; hlt`), GP, 0);
  });
  it('#GP for changing LME while paging is on', async () => {
    expectFault(await run(`mov $0xc0000080,%ecx; mov $0x400,%eax; xor %edx,%edx; wrmsr; hlt`), GP, 0);
  });
  it('#GP for reading an MSR the world does not define; defined ones read back', async () => {
    expectFault(await run(`mov $0x1b,%ecx; rdmsr; hlt`), GP, 0);
    const r = await run(`mov $0x1b,%ecx; rdmsr; hlt`, (w) => w.state.msr.set(0x1b, 0xfee00900n));
    expect(r.state.gpr.rax).toBe(0xfee00900n);
  });
  it('FS base through MSR 0xc0000100 applies to %fs: accesses', async () => {
    const r = await run(
      `mov $0xc0000100,%ecx; mov $0x9000,%eax; xor %edx,%edx; wrmsr; movq $0x77,0x9010; mov %fs:0x10,%rbx; hlt`,
    );
    expect(r.state.gpr.rbx).toBe(0x77n);
    expect(r.state.seg.fs.base).toBe(0x9000n);
  });
});

describe('popfq at CPL 0', () => {
  it('loads IF/DF/IOPL/AC/ID, keeps VM/VIF/VIP, clears RF', async () => {
    const r = await run(`push $0x3f7fd7; popfq; pushfq; pop %rbx; hlt`);
    // 0x3f7fd7 minus RF(16), VM(17), VIF(19), VIP(20), plus bit 1.
    expect(r.state.gpr.rbx).toBe(0x247fd7n);
    expect(r.state.rflags).toBe(0x247fd7n);
  });
  it('pushq $0; popfq gives RFLAGS 0x2 (the relocate_kernel idiom)', async () => {
    const r = await run(`stc; std; sti; pushq $0; popfq; hlt`);
    expect(r.state.rflags).toBe(0x2n);
  });
});

describe('descriptor tables', () => {
  it('lgdt/lidt take a 10-byte operand in 64-bit mode, built with pushw on the stack', async () => {
    const r = await run(
      `pushq $0x4000; pushw $0x1f; lgdt (%rsp); movabs $0x123456789a,%rax; push %rax; pushw $0xff; lidt (%rsp); hlt`,
    );
    expect(r.state.gdtr).toEqual({ base: 0x4000n, limit: 0x1f });
    expect(r.state.idtr).toEqual({ base: 0x123456789an, limit: 0xff });
  });
  it('sidt stores limit then 8-byte base', async () => {
    const r = await run(
      `pushq $0xabcdef; pushw $0x7f; lidt (%rsp); sidt 0x9000; mov 0x9000,%ax; mov 0x9002,%rbx; hlt`,
    );
    expect(r.state.gpr.rax & 0xffffn).toBe(0x7fn);
    expect(r.state.gpr.rbx).toBe(0xabcdefn);
  });
});

describe('segment loads', () => {
  it('loads a data segment with its descriptor cache and accessed bit', async () => {
    const r = await run(`mov $0x18,%eax; mov %eax,%ds; mov %ds,%ebx; hlt`);
    expect(r.state.seg.ds).toEqual({ selector: 0x18, base: 0n, limit: 0xffffffff, attributes: 0xc093 });
    expect(r.state.gpr.rbx).toBe(0x18n);
  });
  it('allows null DS/ES/FS/GS (unusable) and a null SS in 64-bit mode at CPL 0', async () => {
    const r = await run(
      `xor %eax,%eax; mov %eax,%ds; mov %eax,%es; mov %eax,%fs; mov %eax,%gs; mov %eax,%ss; hlt`,
    );
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.seg.ds.selector).toBe(0);
    expect(r.state.seg.ds.attributes & 0x10000).toBe(0x10000);
    expect(r.state.seg.ss.attributes & 0x10000).toBe(0x10000);
  });
  it('#GP(sel) for a selector beyond the GDT limit', async () => {
    expectFault(await run(`mov $0x20,%eax; mov %eax,%ds; hlt`), GP, 0x20);
  });
  it('#GP(sel) for a code segment in SS, a null-index RPL mismatch, a system descriptor in DS', async () => {
    expectFault(await run(`mov $0x10,%eax; mov %eax,%ss; hlt`), GP, 0x10);
    expectFault(await run(`mov $0x1b,%eax; mov %eax,%ss; hlt`), GP, 0x18);
  });
  it('#NP(sel) for a not-present data descriptor, #SS(sel) for a not-present stack one', async () => {
    // GDT entry 4 (0x20): data segment with P=0.
    const gdt = `lgdt gdtd(%rip); jmp 1f; .p2align 3; gdt: .quad 0,0,0x00af9a000000ffff,0x00cf92000000ffff,0x00cf12000000ffff; gdtd: .word 0x27; .quad gdt; 1:`;
    expectFault(await run(`${gdt} mov $0x20,%eax; mov %eax,%ds; hlt`), 11, 0x20);
    expectFault(await run(`${gdt} mov $0x20,%eax; mov %eax,%ss; hlt`), 12, 0x20);
  });
  it('#UD for mov to CS', async () => {
    // gas refuses `mov %eax,%cs`; encode 8e c8.
    expectFault(await run(`.byte 0x8e,0xc8; hlt`), 6);
  });
});

describe('far pointer loads', () => {
  it('lss/lfs/lgs load the segment and the register from m16:32 and m16:16', async () => {
    const r = await run(`movl $0x70000,0x9000; movw $0x18,0x9004; movl $0x00181234,0x9010
      mov $-1,%rbx; lss 0x9000,%esp; lfs 0x9000,%ebx; lgs 0x9010,%cx; mov %fs,%edx; mov %gs,%esi; hlt`);
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.gpr.rsp).toBe(0x70000n);
    expect(r.state.gpr.rbx).toBe(0x70000n);
    expect(r.state.gpr.rcx & 0xffffn).toBe(0x1234n);
    expect([r.state.gpr.rdx, r.state.gpr.rsi]).toEqual([0x18n, 0x18n]);
  });
  it('a faulting segment load leaves the register as it was', async () => {
    const r = await run(`movl $0x70000,0x9000; movw $0x40,0x9004; mov $5,%ebx; lfs 0x9000,%ebx; hlt`);
    expectFault(r, GP, 0x40);
    expect(r.state.gpr.rbx).toBe(5n);
  });
});

describe('far transfers', () => {
  it('lretq reloads CS', async () => {
    const r = await run(`pushq $0x10; lea 1f(%rip),%rax; push %rax; lretq; 1: mov %cs,%ebx; hlt`);
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(0x10n);
    expect(r.state.gpr.rsp).toBe(0x80000n);
  });
  it('far jmp through m16:64 (rex.w ljmp) and m16:32', async () => {
    const r = await run(
      `rex.w ljmp *p64(%rip); p64: .quad t1; .word 0x10; t1: ljmp *p32(%rip); p32: .long t2; .word 0x10; t2: hlt`,
    );
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.seg.cs.selector).toBe(0x10);
  });
  it('#GP(sel) for a far jump to a data segment', async () => {
    expectFault(await run(`rex.w ljmp *p(%rip); p: .quad 0; .word 0x18`), GP, 0x18);
  });
  it('iretq pops RIP, CS, RFLAGS, RSP and SS', async () => {
    const r = await run(
      `mov %rsp,%rbx; pushq $0x18; pushq $0x7000; pushq $0x246; pushq $0x10; lea 1f(%rip),%rax; push %rax; iretq; 1: hlt`,
    );
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.gpr.rsp).toBe(0x7000n);
    expect(r.state.rflags).toBe(0x246n);
  });
  it('far call through memory pushes CS and the return address; lretq returns', async () => {
    const r = await run(
      `rex.w lcall *p(%rip); mov $1,%ebx; hlt; p: .quad f; .word 0x10; f: mov 8(%rsp),%rcx; lretq`,
    );
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(1n);
    expect(r.state.gpr.rcx).toBe(0x10n);
    expect(r.state.gpr.rsp).toBe(0x80000n);
  });
});

const ROUND_TRIP = `
  .code64
_start:
  lgdt gdtdesc(%rip)
  ljmp *compat_ptr(%rip)
  .code32
compat:
  mov %cr0, %eax
  and $0x7fffffff, %eax
  mov %eax, %cr0
paging_off:
  mov $0xc0000080, %ecx
  rdmsr
  and $~0x100, %eax
  wrmsr
  xor %eax, %eax
  mov %eax, %cr4
protected:
  mov $0x18, %ax
  mov %ax, %ds
  movl $0x11223344, 0x9000
  mov 0x9000, %ebx
  mov $0x20, %eax
  mov %eax, %cr4
  mov $0xc0000080, %ecx
  rdmsr
  or $0x100, %eax
  wrmsr
  mov %cr0, %eax
  or $0x80000000, %eax
  mov %eax, %cr0
  ljmp $0x10, $back64
  .code64
back64:
  hlt
  .p2align 3
gdt: .quad 0, 0x00cf9a000000ffff, 0x00af9a000000ffff, 0x00cf92000000ffff
gdtdesc: .word 0x1f
  .quad gdt
compat_ptr: .long compat
  .word 0x08
`;

describe('mode switches', () => {
  it('64-bit -> compatibility -> protected with paging off -> 64-bit', async () => {
    const w = await build(ROUND_TRIP);
    const at = async (sym: string) =>
      interpEngine.run(structuredClone(w), { until: [w.symbols[sym]], maxSteps: 1000 });
    const c = await at('compat');
    expect(c.stop.reason, c.stop.message).toBe('until');
    expect(c.state.seg.cs.selector).toBe(0x08);
    expect(c.state.efer).toBe(0x500n);
    const off = await at('paging_off');
    expect(off.state.cr0 & 0x80000000n).toBe(0n);
    expect(off.state.efer).toBe(0x100n); // LMA cleared with PG
    const p = await at('protected');
    expect(p.state.efer).toBe(0n);
    expect(p.state.cr4).toBe(0n);
    const r = await interpEngine.run(w, { maxSteps: 1000 });
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(0x11223344n);
    expect(r.state.efer).toBe(0x500n);
    expect(r.state.cr0 & 0x80000001n).toBe(0x80000001n);
    expect(r.state.seg.cs.selector).toBe(0x10);
    expect(r.state.rip).toBe(w.symbols.back64 + 1n);
  });

  it('delivers an exception through a 32-bit interrupt gate in protected mode', async () => {
    const src = ROUND_TRIP.replace(
      '  mov $0x18, %ax\n',
      `  mov $0x9000, %esp
  mov $handler, %eax
  mov %ax, 0x8030
  movw $0x08, 0x8032
  movw $0x8e00, 0x8034
  shr $16, %eax
  mov %ax, 0x8036
  pushl $0x8000
  pushw $0x3f
  lidt (%esp)
  add $6, %esp
fault: ud2
handler: hlt
  mov $0x18, %ax
`,
    );
    const w = await build(src);
    const r = await interpEngine.run(w, { maxSteps: 1000 });
    expect(r.stop.reason, r.stop.message).toBe('fault');
    expect(r.stop.vector).toBe(6);
    expect(r.stop.rip).toBe(w.symbols.fault);
    expect(r.state.gpr.rsp).toBe(0x9000n - 12n);
    expect(r.memory.read(0x9000n - 12n, 8)).toEqual(
      new Uint8Array([...new Uint8Array(new Uint32Array([Number(w.symbols.fault), 0x08]).buffer)]),
    );
  });

  it('stops as unsupported when paging is turned on without long mode', async () => {
    const src = ROUND_TRIP.replace('  mov $0xc0000080, %ecx\n  rdmsr\n  or $0x100, %eax\n  wrmsr\n', '');
    const r = await run(src);
    expect(r.stop.reason).toBe('unsupported');
    expect(r.stop.message).toMatch(/paging without long mode/);
  });

  it('#GP for setting PG with LME=1 and PAE=0', async () => {
    const src = ROUND_TRIP.replace('  mov $0x20, %eax\n  mov %eax, %cr4\n', '');
    const r = await run(src);
    expectFault(r, GP, 0);
  });
});

describe('page walks set accessed and dirty flags', () => {
  const A = 0x20n;
  const D = 0x40n;
  it('A in every level used, D only in the entry that maps a written page', async () => {
    const r = await run(`mov 0x200000,%rax; movq $1,0x400000; hlt`);
    const e = (a: bigint) => r.memory.readU64(a);
    expect(e(0x1000n)).toBe(0x2003n | A); // PML4E
    expect(e(0x2000n)).toBe(0x3003n | A); // PDPTE
    expect(e(0x3000n)).toBe(0x83n | A); // PDE of the code (fetched)
    expect(e(0x3008n)).toBe(0x200083n | A); // read
    expect(e(0x3010n)).toBe(0x400083n | A | D); // written
    expect(e(0x3018n)).toBe(0x600083n); // never used
  });
  it('a faulting walk leaves every entry as it was', async () => {
    // PML4E[1] -> PDPT 0x10000 -> PD 0x11000 whose entry 1 maps a read-only 2 MiB page; CR0.WP is set.
    const r = await run(
      `movq $0x10003,0x1008; movq $0x11003,0x10000; movq $0x200081,0x11008
       movabs $0x8000200000,%rax; movq $5,(%rax); hlt`,
    );
    expect(r.stop.vector).toBe(14);
    expect([0x1008n, 0x10000n, 0x11008n].map((a) => r.memory.readU64(a))).toEqual([
      0x10003n,
      0x11003n,
      0x200081n,
    ]);
  });
  it('with LA57, A is set in the PML5E too', async () => {
    const r = await run(`mov 0x200000,%rax; hlt`, (w) => {
      // PML5 at 0x8000: entry 0 -> the baseline PML4.
      w.image.push({ addr: 0x8000n, bytes: new Uint8Array(new BigUint64Array([0x1003n]).buffer) });
      Object.assign(w.state, { cr3: 0x8000n, cr4: w.state.cr4 | (1n << 12n) });
    });
    expect(r.stop.reason, r.stop.message).toBe('hlt');
    expect([0x8000n, 0x1000n, 0x2000n, 0x3008n].map((a) => r.memory.readU64(a))).toEqual([
      0x1003n | A,
      0x2003n | A,
      0x3003n | A,
      0x200083n | A,
    ]);
  });
  it('an entry the guest cleared is set again by the next walk (after invlpg)', async () => {
    const r = await run(`movq $1,0x400000; andq $~0x60,0x3010; invlpg 0x400000; mov 0x400000,%rax; hlt`);
    expect(r.memory.readU64(0x3010n)).toBe(0x400083n | A);
  });
});

describe('ports, cpuid, events', () => {
  it('records in/out, collects serial bytes, in returns 0xff per byte by default', async () => {
    const r = await run(
      `mov $0x3f8,%dx; mov $'o',%al; out %al,%dx; mov $'k',%al; out %al,%dx; in %dx,%al; mov %eax,%ebx; outb %al,$0x80; in %dx,%ax; hlt`,
    );
    expect(r.serial).toBe('ok');
    expect(r.state.gpr.rbx & 0xffn).toBe(0xffn);
    expect(r.state.gpr.rax & 0xffffn).toBe(0xffffn);
    expect(r.ports).toEqual([
      { dir: 'out', port: 0x3f8, size: 1, value: 0x6f },
      { dir: 'out', port: 0x3f8, size: 1, value: 0x6b },
      { dir: 'in', port: 0x3f8, size: 1, value: 0xff },
      { dir: 'out', port: 0x80, size: 1, value: 0xff },
      { dir: 'in', port: 0x3f8, size: 2, value: 0xffff },
    ]);
  });
  it('in returns world.portInValue', async () => {
    const r = await run(`mov $0x3fd,%dx; in %dx,%al; hlt`, (w) => (w.portInValue = 0x20));
    expect(r.state.gpr.rax).toBe(0x20n);
  });
  it('cpuid answers from the world table, zeros otherwise', async () => {
    const setup = (w: import('../src/runner/types.ts').World) => {
      w.cpuid = [{ leaf: 0x80000001, eax: 1, ebx: 2, ecx: 3, edx: 0x20100800 }];
    };
    const r = await run(`mov $0x80000001,%eax; cpuid; hlt`, setup);
    expect([r.state.gpr.rax, r.state.gpr.rbx, r.state.gpr.rcx, r.state.gpr.rdx]).toEqual([
      1n,
      2n,
      3n,
      0x20100800n,
    ]);
    const z = await run(`mov $7,%eax; mov $-1,%rbx; cpuid; hlt`, setup);
    expect([z.state.gpr.rax, z.state.gpr.rbx, z.state.gpr.rcx, z.state.gpr.rdx]).toEqual([0n, 0n, 0n, 0n]);
  });
  it('cpuid in the baseline world reports the documented long-mode CPU', async () => {
    const q = async (leaf: number) => {
      const r = await run(`mov $${leaf},%eax; cpuid; hlt`);
      return [r.state.gpr.rax, r.state.gpr.rbx, r.state.gpr.rcx, r.state.gpr.rdx];
    };
    expect(await q(0)).toEqual([1n, 0x756e6547n, 0x6c65746en, 0x49656e69n]); // "GenuineIntel"
    const [eax1, ebx1, ecx1, edx1] = await q(1);
    expect([eax1, ebx1, ecx1]).toEqual([0x6f6n, 0x10800n, 0n]);
    const bits = (v: bigint) => [...Array(32).keys()].filter((b) => (v >> BigInt(b)) & 1n);
    // FPU PSE MSR PAE CX8 PGE CMOV CLFSH FXSR SSE SSE2
    expect(bits(edx1)).toEqual([0, 3, 5, 6, 8, 13, 15, 19, 24, 25, 26]);
    expect(await q(0x80000000)).toEqual([0x80000008n, 0n, 0n, 0n]);
    const [, , ecx81, edx81] = await q(0x80000001);
    expect(bits(ecx81)).toEqual([0]); // LAHF/SAHF in 64-bit mode
    expect(bits(edx81)).toEqual([11, 20, 29]); // SYSCALL NX LM
    expect((await q(0x80000008))[0]).toBe(0x3034n); // 52 physical, 48 linear address bits
    expect(await q(7)).toEqual([0n, 0n, 0n, 0n]);
  });
  it('records wbinvd and invlpg as events', async () => {
    const r = await run(`wbinvd; invlpg 0x5000; hlt`);
    expect(r.events).toEqual([`wbinvd@0x100000`, `invlpg@0x100002`]);
  });
});
