// Linux from the 6.14 rework on: relocate_kernel() and its data live in their own sections, which
// vmlinux.lds.S brackets with __relocate_kernel_start/__relocate_kernel_end; machine_kexec_prepare()
// fills three variables in the kernel's copy and copies the whole range into the control page, and
// machine_kexec() calls relocate_kernel at its offset in the control page.
//
// Verified against (read, not copied):
// - ColinIanKing/linux-next@1ec6e33c40a5 arch/x86/kernel/vmlinux.lds.S: KEXEC_RELOCATE_KERNEL is
//   `. = ALIGN(0x100); __relocate_kernel_start = .; *(.text..relocate_kernel); *(.data..relocate_kernel);
//   __relocate_kernel_end = .;` inside .data (the section names had one dot until the -ffunction-sections
//   fix of Dec 2024, so both spellings are taken).
// - a-nogikh/linux@a165d77404c1 arch/x86/kernel/machine_kexec_64.c: machine_kexec_prepare() sets
//   kexec_va_control_page, kexec_pa_table_page, kexec_pa_swap_page (normal kexec only), fills
//   kexec_debug_idt with 16 trap gates (prepare_debug_idt), then copies __relocate_kernel_start ..
//   __relocate_kernel_end into the control page; machine_kexec() disables interrupts and calls
//   control_page + (relocate_kernel - __relocate_kernel_start) with (image->head,
//   virt_to_phys(control_page), image->start, relocate_kernel_flags).
// - a-nogikh/linux@c0ffdf9965d2 arch/x86/kernel/relocate_kernel_64.S: the sections and variables.
// - torvalds/linux@0410c6121529 arch/x86/include/asm/kexec.h: the 6.14-6.17 prototype with
//   (indirection_page, pa_control_page, start_address, preserve_context, host_mem_enc_active).
//
// The world maps the kernel's virtual addresses one to one (its stand-in page tables cover the first
// 16 MiB), so kexec_va_control_page is the control page's physical address here.

import type { LinkOptions, LinkedObject, RelObject } from '../../runner/object/index.ts';
import {
  RFLAGS_IF,
  k2pCall,
  imageRange,
  objectSymbol,
  qwords,
  stageSymbol,
  type Adapter,
  type CallerSetup,
  type MemoryWrite,
  type StageContext,
} from '../adapter.ts';

const LAYOUT = {
  name: 'Linux vmlinux.lds.S KEXEC_RELOCATE_KERNEL',
  rules: [
    {
      sections: [
        '.text..relocate_kernel',
        '.text.relocate_kernel',
        '.data..relocate_kernel',
        '.data.relocate_kernel',
      ],
      align: 0x100,
      start: '__relocate_kernel_start',
      end: '__relocate_kernel_end',
    },
  ],
  rest: 'drop' as const,
};

/**
 * Kernel symbols the copied code may reference. `saved_context` is read on the preserve-context
 * return path only (CONFIG_KEXEC_JUMP); any kernel-image address in the sign-extended 32-bit range
 * that `movq $saved_context, %rax` needs will do, and the normal path never uses it.
 */
const KERNEL_EXTERNS: Record<string, bigint> = { saved_context: 0xffff_ffff_8200_0000n };

/** Size of one debug exception stub (PUSHI, PUSHI, 2-byte JMP), KEXEC_DEBUG_EXC_HANDLER_SIZE. */
const DEBUG_EXC_HANDLER_SIZE = 6;
const KERNEL_CS = 0x10;
const GATE_TRAP = 0xf;

/** prepare_debug_idt(): 16 present ring-0 trap gates, __KERNEL_CS, one stub apart (16-bit offset_low arithmetic). */
function debugIdt(controlPage: bigint, vectorsOffset: bigint): Uint8Array {
  const out = new Uint8Array(16 * 16);
  const v = new DataView(out.buffer);
  let low = Number((controlPage & 0xffffn) + vectorsOffset) & 0xffff;
  for (let i = 0; i < 16; i++) {
    const o = 16 * i;
    v.setUint16(o, low, true);
    v.setUint16(o + 2, KERNEL_CS, true);
    v.setUint16(o + 4, (GATE_TRAP << 8) | (1 << 15), true); // ist 0, type, dpl 0, p
    v.setUint16(o + 6, Number((controlPage >> 16n) & 0xffffn), true);
    v.setUint32(o + 8, Number((controlPage >> 32n) & 0xffffffffn), true);
    low = (low + DEBUG_EXC_HANDLER_SIZE) & 0xffff;
  }
  return out;
}

function link(_obj: RelObject, ctx: Pick<StageContext, 'stage' | 'symbols'>): LinkOptions {
  return {
    base: stageSymbol(ctx, 'control_page', 'linux', 'where machine_kexec_prepare() copies the code'),
    layout: LAYOUT,
    externs: KERNEL_EXTERNS,
  };
}

/** The copy in the control page with the variables machine_kexec_prepare() fills in before copying. */
function controlPageImage(linked: LinkedObject, ctx: StageContext, id: string): MemoryWrite[] {
  const call = k2pCall(ctx, id);
  const start = objectSymbol(linked, '__relocate_kernel_start', id, 'start of the copied range');
  const end = objectSymbol(linked, '__relocate_kernel_end', id, 'end of the copied range');
  const writes: MemoryWrite[] = [
    {
      addr: call.controlPage,
      bytes: imageRange(linked, start, end, 'the copied range'),
      what: '__relocate_kernel_start..__relocate_kernel_end copied into the control page',
    },
  ];
  const variable = (name: string, value: bigint, why: string) => {
    const at = linked.symbols[name];
    if (at !== undefined) writes.push({ addr: at, bytes: qwords(value), what: `${name} = ${why}` });
  };
  objectSymbol(linked, 'kexec_pa_table_page', id, 'the identity page table for the copy');
  variable('kexec_va_control_page', call.controlPage, 'the control page (kernel virtual address)');
  variable('kexec_pa_table_page', call.pageTable, 'the identity page table');
  if (call.swapPage !== undefined) variable('kexec_pa_swap_page', call.swapPage, 'the swap page');
  const idt = linked.symbols.kexec_debug_idt;
  const vectors = linked.symbols.kexec_debug_exc_vectors;
  if (idt !== undefined && vectors !== undefined)
    writes.push({
      addr: idt,
      bytes: debugIdt(call.controlPage, vectors - start),
      what: 'kexec_debug_idt: 16 trap gates to kexec_debug_exc_vectors',
    });
  return writes;
}

function prepareWith(id: string, args: (ctx: StageContext) => Record<string, bigint>) {
  return (_obj: RelObject, linked: LinkedObject, ctx: StageContext): CallerSetup => {
    const call = k2pCall(ctx, id);
    return {
      // relocate_kernel_ptr = control_page + (relocate_kernel - __relocate_kernel_start); linked there.
      entry: objectSymbol(linked, 'relocate_kernel', id, 'the function machine_kexec() calls'),
      state: {
        rdi: call.head,
        rsi: call.controlPage,
        rdx: call.entry,
        ...args(ctx),
        // local_irq_disable()
        rflags: (ctx.state.rflags ?? 2n) & ~RFLAGS_IF,
      },
      memory: controlPageImage(linked, ctx, id),
    };
  };
}

const SOURCES = [
  'ColinIanKing/linux-next@1ec6e33c40a5/arch/x86/kernel/vmlinux.lds.S',
  'a-nogikh/linux@a165d77404c1/arch/x86/kernel/machine_kexec_64.c',
  'a-nogikh/linux@c0ffdf9965d2/arch/x86/kernel/relocate_kernel_64.S',
];

/** Linux with the flags word in %rcx (RELOC_KERNEL_PRESERVE_CONTEXT, RELOC_KERNEL_CACHE_INCOHERENT). */
export const linux: Adapter = {
  id: 'linux',
  title: 'Linux relocate_kernel, 6.14 layout with the flags word (about 6.18 on)',
  stage: 'k2p',
  recognisedBy: ['relocate_kernel', 'kexec_pa_table_page'],
  sources: SOURCES,
  link,
  prepare: prepareWith('linux', (ctx) => ({ rcx: k2pCall(ctx, 'linux').flags })),
};

/** 6.14 to 6.17: preserve_context in %rcx and host_mem_enc_active in %r8 (both 0 on a normal kexec). */
export const linux614: Adapter = {
  ...linux,
  id: 'linux-6.14',
  title: 'Linux relocate_kernel 6.14-6.17 (preserve_context in %rcx, host_mem_enc_active in %r8)',
  sources: [...SOURCES, 'torvalds/linux@0410c6121529/arch/x86/include/asm/kexec.h'],
  prepare: prepareWith('linux-6.14', (ctx) => ({ rcx: k2pCall(ctx, 'linux-6.14').flags & 1n, r8: 0n })),
};
