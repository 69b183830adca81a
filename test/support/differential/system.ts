// The fixed system-level corpus: every fault rule the interpreter implements, mode switches
// (64-bit -> compatibility -> protected with paging off -> back), lgdt/lidt + segment loads +
// lretq/iretq/far jmp, and the CR0/CR4/EFER sequences of the real trampolines (contract-facts.md).
// Each fault case also runs with a 64-bit IDT whose handlers record vector (r12), error code (r13,
// 0xdead when none) and the pushed RIP (r14), so error codes and frames are compared too.

import { assemble } from '../../../src/runner/assemble.ts';
import {
  CODE_BASE,
  DATA_BASE,
  GDT_BASE,
  GDT_ENTRIES,
  IDT_BASE,
  programWorld,
  withRecordingIdt,
} from '../../../src/runner/program-world.ts';
import type { World } from '../../../src/runner/types.ts';
import { baselineCpuid } from '../../../src/runner/world.ts';

export interface SystemCase {
  id: string;
  /** What the case shows, one line. */
  title: string;
  /** AT&T source assembled at CODE_BASE; starts in 64-bit mode unless the world says otherwise. */
  source: string;
  world?: (w: World) => void;
  /** A fault case: also run with the recording IDT. */
  fault?: boolean;
}

const q = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};

/** Adds descriptors after the world's four (selectors 0x20, 0x28 ...). */
function extraGdt(w: World, descriptors: bigint[]): void {
  descriptors.forEach((d, i) =>
    w.image.push({ addr: GDT_BASE + BigInt((GDT_ENTRIES.length + i) * 8), bytes: q(d) }),
  );
  w.state.gdtr = { base: GDT_BASE, limit: (GDT_ENTRIES.length + descriptors.length) * 8 - 1 };
}

const CODE32 = { selector: 0x08, base: 0n, limit: 0xffffffff, attributes: 0xc09b };

/** Source that points the 64-bit interrupt gate of `vector` (IDT at IDT_BASE) at the label `handler`. */
function gate(vector: number, handler: string): string {
  const at = Number(IDT_BASE) + vector * 16;
  return [
    `lea ${handler}(%rip), %rdx`,
    `mov %dx, ${at}`,
    `movw $0x10, ${at + 2}`,
    `movw $0x8e00, ${at + 4}`,
    'shr $16, %rdx',
    `mov %dx, ${at + 6}`,
    'shr $16, %rdx',
    `mov %edx, ${at + 8}`,
    `movl $0, ${at + 12}`,
  ].join('\n');
}

/** Source that loads IDTR with the 32 gates at IDT_BASE (for cases with handlers of their own). */
const LOAD_IDT = `sub $16, %rsp\nmovw $${32 * 16 - 1}, (%rsp)\nmovq $${IDT_BASE}, 2(%rsp)\nlidt (%rsp)\nadd $16, %rsp`;

export const SYSTEM_CASES: SystemCase[] = [
  // ---- faults ----------------------------------------------------------------------------------
  {
    id: 'de-divide-by-zero',
    title: 'div by zero: #DE',
    fault: true,
    source: 'xor %ecx, %ecx\ndiv %ecx\nhlt',
  },
  {
    id: 'de-quotient-too-large',
    title: 'quotient does not fit: #DE',
    fault: true,
    source: 'mov $1, %edx\nxor %eax, %eax\nmov $1, %ecx\ndiv %ecx\nhlt',
  },
  { id: 'ud-ud2', title: 'ud2: #UD', fault: true, source: 'nop\nud2' },
  {
    id: 'ud-mov-to-cs',
    title: 'mov to CS: #UD',
    fault: true,
    source: 'mov %cs, %eax\n.byte 0x8e, 0xc8\nhlt',
  },
  { id: 'bp-int3', title: 'int3: #BP (a trap)', fault: true, source: 'nop\nint3\nhlt' },
  {
    id: 'gp-cr0-pg-without-pe',
    title: 'CR0.PG without PE: #GP(0)',
    fault: true,
    source: 'mov %cr0, %rax\nbtr $0, %rax\nmov %rax, %cr0\nhlt',
  },
  {
    id: 'gp-cr0-nw-without-cd',
    title: 'CR0.NW without CD: #GP(0)',
    fault: true,
    source: 'mov %cr0, %rax\nbts $29, %rax\nmov %rax, %cr0\nhlt',
  },
  {
    id: 'gp-cr0-high-bits',
    title: 'CR0 bit 32 set: #GP(0)',
    fault: true,
    source: 'mov %cr0, %rax\nbts $32, %rax\nmov %rax, %cr0\nhlt',
  },
  {
    id: 'gp-cr0-clear-pg-in-64-bit-mode',
    title: 'clearing CR0.PG in 64-bit mode: #GP(0)',
    fault: true,
    source: 'mov %cr0, %rax\nbtr $31, %rax\nmov %rax, %cr0\nhlt',
  },
  {
    id: 'gp-cr4-reserved-bit',
    title: 'CR4 bit 31 set: #GP(0)',
    fault: true,
    source: 'mov %cr4, %rax\nbts $31, %rax\nmov %rax, %cr4\nhlt',
  },
  {
    id: 'gp-cr4-clear-pae-in-long-mode',
    title: 'clearing CR4.PAE in IA-32e mode: #GP(0)',
    fault: true,
    source: 'mov %cr4, %rax\nbtr $5, %rax\nmov %rax, %cr4\nhlt',
  },
  {
    id: 'gp-cr4-la57-in-long-mode',
    title: 'changing CR4.LA57 in IA-32e mode: #GP(0)',
    fault: true,
    source: 'mov %cr4, %rax\nbts $12, %rax\nmov %rax, %cr4\nhlt',
  },
  {
    id: 'gp-cr3-reserved-bit',
    title: 'CR3 bit 62 set: #GP(0)',
    fault: true,
    source: 'movabs $0x4000000000001000, %rax\nmov %rax, %cr3\nhlt',
  },
  {
    id: 'gp-efer-reserved-bit',
    title: 'EFER bit 63 set: #GP(0)',
    fault: true,
    source: 'mov $0xc0000080, %ecx\nrdmsr\nbts $31, %edx\nwrmsr\nhlt',
  },
  {
    id: 'gp-efer-lme-with-paging',
    title: 'clearing EFER.LME with paging on: #GP(0)',
    fault: true,
    source: 'mov $0xc0000080, %ecx\nrdmsr\nbtr $8, %eax\nwrmsr\nhlt',
  },
  {
    id: 'gp-rdmsr-unknown',
    title: 'rdmsr of an MSR that does not exist: #GP(0)',
    fault: true,
    source: 'mov $0x12345678, %ecx\nrdmsr\nhlt',
  },
  {
    id: 'gp-non-canonical-load',
    title: 'load from a non-canonical address: #GP(0)',
    fault: true,
    source: 'movabs $0x0000800000000000, %rax\nmov (%rax), %rbx\nhlt',
  },
  {
    id: 'ss-non-canonical-stack',
    title: 'push with a non-canonical RSP: #SS(0)',
    fault: true,
    source: 'movabs $0x0000800000000008, %rsp\npush %rax\nhlt',
  },
  {
    id: 'gp-non-canonical-jump',
    title: 'jump to a non-canonical address: #GP(0) at the jump',
    fault: true,
    source: 'movabs $0x0000800000000000, %rax\njmp *%rax',
  },
  {
    id: 'pf-not-present',
    title: 'read through a non-present PDPT entry: #PF, CR2',
    fault: true,
    source: 'mov $0x80000000, %eax\nmov (%rax), %rbx\nhlt',
  },
  {
    id: 'pf-write-protected',
    title: 'write to a read-only 2 MiB page with CR0.WP: #PF(P|W)',
    fault: true,
    source: `movq $1, (${DATA_BASE})\nhlt`,
    world: (w) => {
      w.state.cr0 |= 1n << 16n;
      w.image.push({ addr: 0x3008n, bytes: q(0x20_0081n) });
    },
  },
  {
    id: 'gp-selector-beyond-gdt',
    title: 'mov to DS of a selector beyond the GDT limit: #GP(sel)',
    fault: true,
    source: 'mov $0x40, %eax\nmov %eax, %ds\nhlt',
  },
  {
    id: 'np-data-segment',
    title: 'mov to DS of a not-present data segment: #NP(sel)',
    fault: true,
    source: 'mov $0x20, %eax\nmov %eax, %ds\nhlt',
    world: (w) => extraGdt(w, [0x00cf12000000ffffn]),
  },
  {
    id: 'gp-ds-execute-only-code',
    title: 'mov to DS of an execute-only code segment: #GP(sel)',
    fault: true,
    source: 'mov $0x20, %eax\nmov %eax, %ds\nhlt',
    world: (w) => extraGdt(w, [0x00af98000000ffffn]),
  },
  {
    id: 'gp-ss-rpl',
    title: 'mov to SS with RPL != CPL: #GP(sel)',
    fault: true,
    source: 'mov $0x1b, %eax\nmov %eax, %ss\nhlt',
  },
  {
    id: 'ss-null-in-64-bit-mode',
    title: 'a null SS is allowed at CPL 0 in 64-bit mode',
    fault: true,
    source: 'xor %eax, %eax\nmov %eax, %ss\nmov %ss, %ebx\nhlt',
  },
  {
    id: 'gp-lretq-to-null-cs',
    title: 'lretq to a null CS: #GP(0)',
    fault: true,
    source: 'pushq $0\nlea 1f(%rip), %rax\npush %rax\nlretq\n1: hlt',
  },
  // ---- delivery through the IDT: the gate checks of SDM vol. 3, 6.14.1, and int $n ------------------
  {
    id: 'gp-idt-gate-type-0',
    title: 'ud2 with IDT entry 6 of type 0 (not an interrupt or trap gate): #GP(0x33), handler 13 runs',
    source: 'nop\nud2\nhlt',
    world: (w) => {
      withRecordingIdt(w);
      w.image.push({ addr: IDT_BASE + 6n * 16n + 5n, bytes: Uint8Array.of(0x80) });
    },
  },
  {
    id: 'np-idt-gate-not-present',
    title: 'ud2 with IDT entry 6 not present: #NP(0x33), handler 11 runs',
    source: 'nop\nud2\nhlt',
    world: (w) => {
      withRecordingIdt(w);
      w.image.push({ addr: IDT_BASE + 6n * 16n + 5n, bytes: Uint8Array.of(0x0e) });
    },
  },
  {
    id: 'gp-idt-gate-data-selector',
    title: "#DE with IDT entry 0's selector naming a data segment: #GP(0x19), a contributory pair: #DF",
    source: 'xor %ecx, %ecx\ndiv %ecx\nhlt',
    world: (w) => {
      withRecordingIdt(w);
      w.image.push({ addr: IDT_BASE + 2n, bytes: Uint8Array.of(0x18, 0) });
    },
  },
  {
    id: 'int-n-through-gate',
    title: 'int $5 through an interrupt gate: handler 5 runs with the RIP after the int pushed',
    source: 'nop\nint $5\nhlt',
    world: withRecordingIdt,
  },
  // ---- RFLAGS ----------------------------------------------------------------------------------
  {
    id: 'popfq-all-ones',
    title: 'popfq of all ones (but TF): which bits stick at CPL 0',
    source: 'pushq $-257\npopfq\npushfq\npop %rax\npushq $2\npopfq\nhlt',
  },
  {
    id: 'popfq-zero',
    title: 'pushq $0; popfq (the relocate_kernel reset)',
    source: 'pushq $0\npopfq\npushfq\npop %rax\nhlt',
  },
  // ---- descriptor tables, segments, far transfers -------------------------------------------------
  {
    id: 'lgdt-stack-built-and-reload',
    title: 'lgdt of a GDT built on the stack, data segments reloaded, CS via lretq (entry64)',
    source: [
      'movabs $0x00cf92000000ffff, %rax',
      'push %rax',
      'movabs $0x00af9a000000ffff, %rax',
      'push %rax',
      'movabs $0x00cf9a000000ffff, %rax',
      'push %rax',
      'pushq $0',
      'mov %rsp, %rbx',
      'sub $16, %rsp',
      'movw $31, (%rsp)',
      'mov %rbx, 2(%rsp)',
      'lgdt (%rsp)',
      'mov $0x18, %eax',
      'mov %eax, %ds',
      'mov %eax, %es',
      'mov %eax, %ss',
      'mov %eax, %fs',
      'mov %eax, %gs',
      'pushq $0x10',
      'lea 1f(%rip), %rax',
      'push %rax',
      'lretq',
      '1: sgdt (%rsp)',
      'mov 2(%rsp), %rcx',
      'movzwl (%rsp), %edx',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'gdtr-idtr-limit-zero',
    title: 'GDTR and IDTR set to limit 0 with segments still loaded (era B handoff)',
    source:
      'sub $16, %rsp\nmovw $0, (%rsp)\nmovq $0, 2(%rsp)\nlidt (%rsp)\nlgdt (%rsp)\nmov %ds, %eax\nmov $0x1234, %ebx\nhlt',
  },
  {
    id: 'iretq-same-mode',
    title: 'iretq to 64-bit code: RIP, CS, RFLAGS, RSP, SS from the frame',
    source: [
      'mov %rsp, %rax',
      'sub $64, %rax',
      'pushq $0x18',
      'push %rax',
      'pushq $0x0d7',
      'pushq $0x10',
      'lea 1f(%rip), %rcx',
      'push %rcx',
      'iretq',
      '1: pushfq',
      'pop %rbx',
      'mov %rsp, %rdx',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'iretq-sets-accessed-bits',
    title: 'iretq to CS and SS whose descriptors have the accessed bit clear: the CPU sets it in both',
    source: [
      'mov %rsp, %rax',
      'pushq $0x20',
      'push %rax',
      'pushfq',
      'pushq $0x28',
      'lea 1f(%rip), %rax',
      'push %rax',
      'iretq',
      '1: hlt',
    ].join('\n'),
    world: (w) => extraGdt(w, [0x00cf92000000ffffn, 0x00af9a000000ffffn]),
  },
  {
    id: 'iretq-to-compat',
    title: 'iretq to a 32-bit code segment (compatibility mode)',
    source: [
      'mov %rsp, %rax',
      'pushq $0x18',
      'push %rax',
      'pushq $2',
      'pushq $0x08',
      'pushq $1f',
      'iretq',
      '.code32',
      '1: mov $0x32, %eax',
      'hlt',
      '.code64',
    ].join('\n'),
  },
  {
    id: 'lretq-compat-and-ljmp-back',
    title: 'lretq to compatibility mode, ljmp back to 64-bit code',
    source: [
      'pushq $0x08',
      'pushq $1f',
      'lretq',
      '.code32',
      '1: ljmp $0x10, $2f',
      '.code64',
      '2: mov $64, %eax',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'far-jmp-through-memory',
    title: 'ljmp through an m16:32 pointer in memory (64-bit mode)',
    source: `movl $1f, (${DATA_BASE})\nmovw $0x10, (${DATA_BASE + 4n})\nmov $${DATA_BASE}, %eax\nljmp *(%rax)\nud2\n1: mov $7, %ebx\nhlt`,
  },
  // ---- mode switches -----------------------------------------------------------------------------
  {
    id: 'long-to-protected-and-back',
    title:
      '64-bit -> compat -> protected (paging off, LME off, CR4=0) -> back to 64-bit (entry64-32 and a trampoline)',
    source: [
      'pushq $0x08',
      'pushq $1f',
      'lretq',
      '.code32',
      '1: mov %cr0, %eax',
      'btr $31, %eax',
      'mov %eax, %cr0',
      'mov $0xc0000080, %ecx',
      'rdmsr',
      'btr $8, %eax',
      'wrmsr',
      'xor %eax, %eax',
      'mov %eax, %cr4',
      'mov $0x18, %eax',
      'mov %eax, %ds',
      'mov $0x1234, %esi',
      'mov %cr0, %edi',
      'mov $0x20, %eax',
      'mov %eax, %cr4',
      'mov $0xc0000080, %ecx',
      'rdmsr',
      'bts $8, %eax',
      'wrmsr',
      'mov %cr0, %eax',
      'bts $31, %eax',
      'mov %eax, %cr0',
      'ljmp $0x10, $2f',
      '.code64',
      '2: mov $64, %eax',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'protected-to-long',
    title: 'from protected mode with paging off into 64-bit mode (PAE, CR3, LME, PG, ljmp)',
    world: (w) => {
      w.state.seg.cs = CODE32;
      Object.assign(w.state, { cr0: 0x11n, cr3: 0n, cr4: 0n, efer: 0n });
    },
    source: [
      '.code32',
      'mov $0x20, %eax',
      'mov %eax, %cr4',
      'mov $0x1000, %eax',
      'mov %eax, %cr3',
      'mov $0xc0000080, %ecx',
      'rdmsr',
      'bts $8, %eax',
      'wrmsr',
      'mov %cr0, %eax',
      'bts $31, %eax',
      'mov %eax, %cr0',
      'ljmp $0x10, $1f',
      '.code64',
      '1: movabs $0x123456789, %rbx',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'compat-pg-without-pae',
    title: 'CR0.PG with EFER.LME=1 and CR4.PAE=0 in protected mode: #GP(0)',
    world: (w) => {
      w.state.seg.cs = CODE32;
      Object.assign(w.state, { cr0: 0x11n, cr3: 0x1000n, cr4: 0n, efer: 0x100n });
    },
    source: '.code32\nmov %cr0, %eax\nbts $31, %eax\nmov %eax, %cr0\nmov %cr0, %ebx\nhlt\n.code64',
  },
  // ---- trampoline sequences ------------------------------------------------------------------------
  {
    id: 'relocate-kernel-cr-sequence',
    title: 'relocate_kernel: flags reset, CR0 &= ~(AM|WP|TS|EM), CR4 = PAE, CR3 reload, GPRs zeroed',
    world: (w) => {
      Object.assign(w.state, { cr0: 0x8005_0033n, cr4: 0x6a0n, rflags: 0x246n });
    },
    source: [
      'pushq $0',
      'popfq',
      'mov %cr0, %rax',
      'and $0xfffafff3, %eax',
      'mov %rax, %cr0',
      'mov $0x20, %eax',
      'mov %rax, %cr4',
      'mov %cr3, %rax',
      'mov %rax, %cr3',
      'xor %eax, %eax',
      'xor %ebx, %ebx',
      'xor %ecx, %ecx',
      'xor %edx, %edx',
      'xor %esi, %esi',
      'xor %edi, %edi',
      'xor %ebp, %ebp',
      'xor %r8d, %r8d',
      'xor %r9d, %r9d',
      'xor %r10d, %r10d',
      'xor %r11d, %r11d',
      'xor %r12d, %r12d',
      'xor %r13d, %r13d',
      'xor %r14d, %r14d',
      'xor %r15d, %r15d',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'xen-cr4-pae-only',
    title: 'Xen kexec_reloc: CR4 = PAE written with mov, rax keeps 0x20',
    world: (w) => Object.assign(w.state, { cr4: 0x6a0n }),
    source: 'mov $0x20, %eax\nmov %rax, %cr4\ncld\nhlt',
  },
  {
    id: 'serial-and-port-io',
    title: 'outb to the serial port and inb',
    source: 'mov $0x3f8, %dx\nmov $0x41, %al\nout %al, (%dx)\nin (%dx), %al\nmov %eax, %ebx\nhlt',
  },
  // ---- executor fidelity (issue 9): each found by running programs on the real CPU -----------------
  {
    id: 'ad-bits-set-by-walks',
    title: 'page walks set A in every level used and D only in the entry mapping a written page',
    source: [
      'movq $0x200083, 0x3010', // linear 0x400000 -> physical 0x200000 (to be read)
      'movq $0x200083, 0x3018', // linear 0x600000 -> physical 0x200000 (to be written)
      'mov 0x400000, %rax',
      'movq $1, 0x600008',
      'mov 0x1000, %rbx', // PML4E: A
      'mov 0x2000, %rcx', // PDPTE: A
      'mov 0x3000, %rdx', // PDE of code and stack: A, D
      'mov 0x3010, %rsi', // read: A
      'mov 0x3018, %rdi', // written: A, D
      'mov 0x3020, %r8', // never used: unchanged
      'hlt',
    ].join('\n'),
  },
  {
    id: 'ad-bits-fault-leaves-entries',
    title: 'a walk that ends in #PF (read-only 2 MiB page, CR0.WP) sets no A or D anywhere',
    source: [
      gate(14, 'handler'),
      LOAD_IDT,
      'mov %cr0, %rax',
      'bts $16, %rax',
      'mov %rax, %cr0',
      'movq $0x10003, 0x1008', // PML4E 1 -> PDPT 0x10000
      'movq $0x11003, 0x10000', // PDPTE 0 -> PD 0x11000
      'movq $0x200081, 0x11008', // PDE 1: read-only 2 MiB page
      'movabs $0x8000200000, %rax',
      'cmp %rax, %rax', // mov to CR0 leaves the flags undefined; the #PF frame holds an RFLAGS image
      'movq $5, (%rax)',
      'hlt',
      'handler: mov 0x1008, %rbx',
      'mov 0x10000, %rcx',
      'mov 0x11008, %rdx',
      'mov %cr2, %rsi',
      'mov (%rsp), %rdi',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'rf-in-fault-frames',
    title: 'the RFLAGS image of a fault has RF=1: #UD, then #GP in its handler, then #PF in that one',
    source: [
      gate(6, 'ud'),
      gate(13, 'gp'),
      gate(14, 'pf'),
      LOAD_IDT,
      'ud2',
      'ud: mov 16(%rsp), %rbx',
      'mov $0x12345678, %ecx',
      'rdmsr',
      'gp: mov 24(%rsp), %rcx',
      'mov (%rsp), %r8',
      'mov 0x40000000, %eax',
      'pf: mov 24(%rsp), %rdx',
      'mov (%rsp), %r9',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'rf-in-double-fault-frame',
    title: '#DF (#GP whose gate is absent, delivering #GP) pushes RF=1 too',
    source: [
      gate(8, 'df'),
      LOAD_IDT,
      'movabs $0x0000800000000000, %rax',
      'mov (%rax), %rbx',
      'hlt',
      'df: mov 24(%rsp), %rbx',
      'mov (%rsp), %rcx',
      'mov 8(%rsp), %rdx',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'rf-cleared-after-resumed-instruction',
    title: 'iretq with RF=1 in the frame: the instruction it returns to runs, then RF is 0',
    source: [gate(6, 'ud'), LOAD_IDT, 'ud2', 'nop', 'hlt', 'ud: addq $2, (%rsp)', 'iretq'].join('\n'),
  },
  {
    id: 'rf-cleared-by-resumed-hlt',
    title: 'iretq with RF=1 in the frame straight to hlt: RF is 0 once hlt completes',
    source: [gate(6, 'ud'), LOAD_IDT, 'ud2', 'hlt', 'ud: addq $2, (%rsp)', 'iretq'].join('\n'),
  },
  {
    id: 'gp-iretq-nt',
    title: 'iretq with RFLAGS.NT=1 in IA-32e mode: #GP(0)',
    fault: true,
    source: [
      'mov %rsp, %rax',
      'pushq $0x18',
      'push %rax',
      'pushq $2',
      'pushq $0x10',
      'lea 1f(%rip), %rcx',
      'push %rcx',
      'pushq $0x4002',
      'popfq',
      'iretq',
      '1: mov $1, %esi',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'cr0-reserved-bits-ignored',
    title: 'writes to reserved bits of CR0[31:0] (and to ET) are ignored: CR0 reads back as before',
    source:
      'mov %cr0, %rax\nor $0x1ffaffc0, %eax\nmov %rax, %cr0\nmov %cr0, %rbx\nand $~0x10, %eax\nmov %rax, %cr0\nmov %cr0, %rcx\nhlt',
  },
  {
    id: 'pf-split-write-cr2',
    title: "an 8-byte write that crosses into a not-present page: #PF(W), CR2 = that page's first byte",
    fault: true,
    source: 'movq $0, 0x3008\nmov $0x1ffffc, %eax\nmovq $-1, (%rax)\nhlt',
  },
  {
    id: 'rep-scasb-rcx-minus-one',
    title: 'repne scasb with RCX = -1 (the strlen idiom): RCX exact',
    source: [
      'lea 1f(%rip), %rdi',
      'xor %eax, %eax',
      'mov $-1, %rcx',
      'repne scasb',
      'mov %rcx, %rbx',
      'not %rcx',
      'dec %rcx',
      'hlt',
      '1: .asciz "hello, world"',
    ].join('\n'),
  },
  {
    id: 'rep-stos-count-above-2-53',
    title: 'rep stosb with RCX above 2^53 runs into a not-present page: #PF with RCX and RDI exact',
    fault: true,
    source:
      'movq $0, 0x3008\nmov $0x1ffff0, %edi\nmovabs $0x0020000000000005, %rcx\nmov $0x41, %al\nrep stosb\nhlt',
  },
  {
    id: 'rep-addr32-wrap',
    title: 'addr32 rep stosb wraps EDI at 4 GiB; RCX and RDI high halves are cleared',
    source: [
      'movq $0x10003, 0x2018', // PDPTE 3 -> PD 0x10000
      'movq $0x200083, 0x10000+511*8', // 0xffe00000 -> physical 0x200000
      'movabs $0xbeeffffffff8, %rdi',
      'movabs $0xdead00000010, %rcx',
      'mov $0x5a, %al',
      'addr32 rep stosb',
      'mov 0x3ffff8, %rbx', // the bytes below 4 GiB
      'mov 0x0, %rdx', // and the ones that wrapped to 0
      'hlt',
    ].join('\n'),
  },
  {
    id: 'xlatb',
    title: 'xlatb: AL = [RBX + AL]; with addr32, EBX + AL wraps at 4 GiB',
    source: [
      'lea 1f(%rip), %rbx',
      'movabs $0x1234567805, %rax',
      'xlatb',
      'mov %rax, %rcx',
      'mov $0xff, %al',
      'xlatb',
      'mov %rax, %rdx',
      'movb $0x5a, 1',
      'movabs $0x12ffffffff, %rbx',
      'mov $2, %eax',
      'addr32 xlatb',
      'hlt',
      '1: .ascii "0123456789abcdef"',
      '.fill 240, 1, 0x77',
    ].join('\n'),
  },
  {
    id: 'smsw-lmsw',
    title: 'smsw to a register and to memory; lmsw loads MP/EM/TS and cannot clear PE',
    source: [
      'mov $-1, %rax',
      'mov $-1, %rbx',
      'smsw %eax',
      'smsw %bx',
      'smsw %rcx',
      `smsw ${DATA_BASE}`,
      `mov ${DATA_BASE}, %rdx`,
      'mov $0xfff6, %edi',
      'lmsw %di',
      'mov %cr0, %rsi',
      'mov $0xfff0, %edi',
      'lmsw %di',
      'mov %cr0, %rdi',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'far-pointer-loads',
    title: 'lss/lfs/lgs load a segment and a register from m16:32 and m16:16',
    source: [
      `movl $0x8f000, ${DATA_BASE}`,
      `movw $0x18, ${DATA_BASE + 4n}`,
      `movl $0x00181234, ${DATA_BASE + 16n}`,
      'mov $-1, %rbx',
      'mov $-1, %rcx',
      `lss ${DATA_BASE}, %esp`,
      `lfs ${DATA_BASE}, %ebx`,
      `lgs ${DATA_BASE + 16n}, %cx`,
      'mov %fs, %edx',
      'mov %gs, %esi',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'cpuid-baseline',
    title: 'cpuid of the baseline CPU table: vendor, family, long mode, NX, address sizes',
    // Only the claimed bits of leaf-1 EDX are compared here, so that a host whose KVM keeps its own
    // leaf-1 ECX/EDX (kvm host difference cpuid-leaf1-host-values) still compares the rest of the case;
    // cpuid-leaf1-exact compares leaf 1 in full.
    world: (w) => {
      w.cpuid = baselineCpuid();
    },
    source: [
      'xor %eax, %eax',
      'cpuid',
      'mov %eax, %r8d',
      'mov %ebx, %r9d',
      'mov %ecx, %r10d',
      'mov %edx, %r11d',
      'mov $1, %eax',
      'cpuid',
      'mov %eax, %r12d',
      'mov %ebx, %r13d',
      `and $${baselineCpuid().find((e) => e.leaf === 1)!.edx}, %edx`,
      'mov %edx, %r15d',
      'mov $0x80000000, %eax',
      'cpuid',
      'mov %eax, %esi',
      'mov $0x80000001, %eax',
      'cpuid',
      'mov %ecx, %edi',
      'mov %edx, %ebp',
      'mov $0x80000008, %eax',
      'cpuid',
      'xor %ebx, %ebx',
      'xor %ecx, %ecx',
      'xor %edx, %edx',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'cpuid-leaf1-exact',
    title: "cpuid leaf 1 returns the world's ECX and EDX exactly",
    world: (w) => {
      w.cpuid = baselineCpuid();
    },
    source: 'mov $1, %eax\ncpuid\nxor %ebx, %ebx\nhlt',
  },
  {
    id: 'movabs-64-bit-immediates',
    title: 'movabs of immediates whose low 32 bits are small (the trace must print them exactly)',
    source:
      'movabs $0x8000000000000000, %rax\nmovabs $0x100000005, %rbx\nmovabs $0xffffffff00000009, %rcx\nhlt',
  },
  {
    id: 'dr-moves',
    title: 'DR0-DR3 hold 64 bits; DR7 keeps LE/GE; DR4/DR5 are DR6/DR7 while CR4.DE=0',
    source: [
      'movabs $0x123456789abcdef0, %rax',
      'mov %rax, %dr0',
      'not %rax',
      'mov %rax, %dr1',
      'movabs $0xffff800000001000, %rax',
      'mov %rax, %dr2',
      'mov $0x300000, %eax',
      'mov %rax, %dr3',
      'mov $0x700, %eax',
      'mov %rax, %dr7',
      'mov %dr0, %r8',
      'mov %dr1, %r9',
      'mov %dr2, %r10',
      'mov %dr3, %r11',
      'mov %dr7, %r12',
      'mov %dr4, %r13',
      'mov %dr5, %r14',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'dr-fixed-bits',
    title:
      'DR6 and DR7 read their reserved bits as fixed (DR7 bit 12 ignored, breakpoints on untouched data)',
    source: [
      'mov $0xffffffff, %eax',
      'mov %rax, %dr6',
      'mov %dr6, %r8',
      'xor %eax, %eax',
      'mov %rax, %dr4',
      'mov %dr6, %r9',
      'mov $0x200100, %eax',
      'mov %rax, %dr0',
      'mov %rax, %dr1',
      'mov %rax, %dr2',
      'mov %rax, %dr3',
      'mov $0x555513ff, %eax',
      'mov %rax, %dr7',
      'mov %dr7, %r10',
      'hlt',
    ].join('\n'),
  },
  {
    id: 'dr-world-state',
    title: "the world's debug registers reach the CPU and come back (an armed breakpoint never reached)",
    world: (w) => {
      w.state.dr0 = 0x30_0000n;
      w.state.dr1 = 0x1234n;
      w.state.dr6 = 0xffff_4ff1n;
      w.state.dr7 = 0x401n;
    },
    source: 'mov %dr0, %r8\nmov %dr1, %r9\nmov %dr6, %r10\nmov %dr7, %r11\nhlt',
  },
  {
    id: 'gp-dr7-high-bits',
    title: 'mov to DR7 with a bit of 63:32 set: #GP(0)',
    fault: true,
    source: 'movabs $0x100000000, %rax\ncmp %eax, %eax\nmov %rax, %dr7\nhlt',
  },
  {
    id: 'gp-dr6-high-bits',
    title: 'mov to DR6 with a bit of 63:32 set: #GP(0)',
    fault: true,
    source: 'movabs $0x100000000, %rax\ncmp %eax, %eax\nmov %rax, %dr6\nhlt',
  },
  {
    id: 'ud-dr4-with-cr4-de',
    title: 'mov from DR4 with CR4.DE=1: #UD',
    fault: true,
    source: 'mov %cr4, %rax\nor $8, %rax\nmov %rax, %cr4\ncmp %eax, %eax\nmov %dr4, %rbx\nhlt',
  },
  {
    id: 'db-dr7-general-detect',
    title: 'DR7.GD set: the next debug-register move raises #DB, sets DR6.BD and clears GD',
    // No IDT variant: the RF bit of the pushed RFLAGS differs. The SDM sets RF for every fault-class
    // exception but an instruction breakpoint (the interpreter does); KVM, which emulates general
    // detect itself, delivers the #DB without RF.
    source: 'mov $0x2400, %eax\nmov %rax, %dr7\nmov %dr7, %rbx\nhlt',
  },
];

export interface BuiltCase {
  id: string;
  title: string;
  variant: 'plain' | 'idt';
  source: string;
  world: World;
}

/** Assembles the corpus (one batch) and builds each case's world, with an IDT variant for faults. */
export async function buildSystemCases(cases: SystemCase[] = SYSTEM_CASES): Promise<BuiltCase[]> {
  const out = await assemble(
    cases.map((c) => ({ source: `.code64\n${c.source}\n`, base: CODE_BASE, file: `${c.id}.s` })),
  );
  const built: BuiltCase[] = [];
  cases.forEach((c, i) => {
    const o = out[i]!;
    if (!o.ok)
      throw new Error(
        `system case ${c.id}: ${o.diagnostics.map((d) => `${d.line}: ${d.message}`).join('; ')}`,
      );
    const make = (idt: boolean): World => {
      const w = programWorld(o.bytes);
      c.world?.(w);
      if (idt) withRecordingIdt(w);
      return w;
    };
    built.push({ id: c.id, title: c.title, variant: 'plain', source: c.source, world: make(false) });
    if (c.fault)
      built.push({ id: c.id, title: c.title, variant: 'idt', source: c.source, world: make(true) });
  });
  return built;
}
