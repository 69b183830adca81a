// Linux before the 6.14 rework. Two conventions:
//
// - linux-legacy (2.6.27 to 6.13): relocate_kernel is ordinary .text. machine_kexec() copies
//   KEXEC_CONTROL_CODE_MAX_SIZE (2048) bytes from relocate_kernel into the control page, builds
//   page_list[] on its stack (PA_CONTROL_PAGE 0, VA_CONTROL_PAGE 1, PA_TABLE_PAGE 2, PA_SWAP_PAGE 3),
//   loads __KERNEL_DS into the data selectors, sets GDTR and IDTR to (phys_to_virt(0), 0), and calls
//   relocate_kernel(image->head, page_list, image->start, preserve_context[, host_mem_enc_active]).
//   It calls the kernel-text original, which reaches its control-page copy with a `ret`; the code is
//   position-independent up to that point, so the adapter enters the copy and says so.
// - linux-2.6.16 (arch/x86_64): machine_kexec_prepare() copies relocate_new_kernel_size bytes from
//   relocate_new_kernel; machine_kexec() disables interrupts, copies the low half of the identity
//   table's top level over the current page table's, empties GDTR and IDTR, and calls the copy with
//   (image->head, control_code_buffer, image->start, start_pgtable): the page table in %rcx.
//
// Verified against (read, not copied):
// - torvalds/linux@084d1283986a arch/x86/kernel/machine_kexec_64.c (machine_kexec with page_list[],
//   load_segments, set_gdt/set_idt with limit 0, the memcpy of KEXEC_CONTROL_CODE_MAX_SIZE)
// - torvalds/linux@0401bbf56da5 arch/x86/kernel/relocate_kernel_64.S (PTR(VA_CONTROL_PAGE)(%rsi) etc.)
// - kernelorg-mirror/linux_kernel_git_kees_linux@12a842683d4d arch/x86/include/asm/kexec.h (indices)
// - torvalds/linux@00dd7b7d26a3 arch/x86_64/kernel/machine_kexec.c and
//   torvalds/linux@f7f24758ac98 arch/x86_64/kernel/relocate_kernel.S (2.6.16)
//
// %r8 (host_mem_enc_active from 4.15) is left as the caller had it: a stricter check than a zero,
// and harmless (a non-zero value only adds a wbinvd). GDTR/IDTR bases are phys_to_virt(0), which is 0
// in this world's one-to-one kernel mapping. The data selectors are __KERNEL_DS already.

import type { LinkOptions, LinkedObject, RelObject } from '../../runner/object/index.ts';
import {
  AdapterError,
  RFLAGS_IF,
  imageQword,
  imageRange,
  k2pCall,
  objectSymbol,
  qwords,
  stageSymbol,
  type Adapter,
  type CallerSetup,
  type StageContext,
} from '../adapter.ts';

const KEXEC_CONTROL_CODE_MAX_SIZE = 2048n;

const TEXT_LAYOUT = {
  name: 'Linux vmlinux .text (relocate_kernel copied from its kernel-text address)',
  rules: [{ sections: ['.text'] }],
  rest: 'drop' as const,
};

function linkAt(anchor: string) {
  return (_obj: RelObject, ctx: Pick<StageContext, 'stage' | 'symbols'>): LinkOptions => ({
    base: stageSymbol(ctx, 'control_page', 'linux-legacy', 'where machine_kexec() copies the code'),
    anchor,
    layout: TEXT_LAYOUT,
  });
}

/** The state machine_kexec() leaves before the call: interrupts off, GDT and IDT zapped. */
function zapped(ctx: StageContext): Record<string, bigint> {
  return {
    rflags: (ctx.state.rflags ?? 2n) & ~RFLAGS_IF,
    'gdtr.base': 0n,
    'gdtr.limit': 0n,
    'idtr.base': 0n,
    'idtr.limit': 0n,
  };
}

export const linuxLegacy: Adapter = {
  id: 'linux-legacy',
  title: 'Linux relocate_kernel with page_list[] (2.6.27 to 6.13)',
  stage: 'k2p',
  recognisedBy: ['relocate_kernel'],
  excludedBy: ['kexec_pa_table_page', 'relocate_new_kernel'],
  without: {
    variants: ['la57', 'cet'],
    why: "the kernels of this family before 4.14 predate 5-level paging and those before 5.18 CET (as the spec's 2.6 models, without=la57,cet)",
  },
  sources: [
    'torvalds/linux@084d1283986a/arch/x86/kernel/machine_kexec_64.c',
    'torvalds/linux@0401bbf56da5/arch/x86/kernel/relocate_kernel_64.S',
    'kernelorg-mirror/linux_kernel_git_kees_linux@12a842683d4d/arch/x86/include/asm/kexec.h',
  ],
  link: linkAt('relocate_kernel'),
  prepare(_obj: RelObject, linked: LinkedObject, ctx: StageContext): CallerSetup {
    const call = k2pCall(ctx, 'linux-legacy');
    const start = objectSymbol(linked, 'relocate_kernel', 'linux-legacy', 'the copied function');
    const end = start + KEXEC_CONTROL_CODE_MAX_SIZE;
    const available = linked.base + BigInt(linked.bytes.length);
    // memcpy(control_page, relocate_kernel, KEXEC_CONTROL_CODE_MAX_SIZE): bytes past the object read
    // as whatever follows it in the kernel image; the fixture pads to 2048 as the kernel's file does.
    const code = new Uint8Array(Number(KEXEC_CONTROL_CODE_MAX_SIZE));
    code.set(imageRange(linked, start, end < available ? end : available, 'relocate_kernel'));
    if (call.swapPage === undefined)
      throw new AdapterError('the k2p world defines no swap_page, which page_list[PA_SWAP_PAGE] needs');
    // page_list[] lives in machine_kexec()'s frame, just above the return address of the call.
    const rsp = ctx.state.rsp ?? 0n;
    const pageList = (rsp - 0x40n) & ~0xfn;
    return {
      entry: call.controlPage,
      state: {
        rdi: call.head,
        rsi: pageList,
        rdx: call.entry,
        rcx: call.flags & 1n, // preserve_context
        rsp: pageList - 8n,
        ...zapped(ctx),
      },
      memory: [
        {
          addr: call.controlPage,
          bytes: code,
          what: 'relocate_kernel: 2048 bytes copied into the control page',
        },
        {
          addr: pageList,
          bytes: qwords(call.controlPage, call.controlPage, call.pageTable, call.swapPage),
          what: 'page_list[]: PA_CONTROL_PAGE, VA_CONTROL_PAGE, PA_TABLE_PAGE, PA_SWAP_PAGE',
        },
      ],
    };
  },
};

export const linux2616: Adapter = {
  id: 'linux-2.6.16',
  title: 'Linux 2.6.16 relocate_new_kernel (page table in %rcx)',
  stage: 'k2p',
  recognisedBy: ['relocate_new_kernel', 'relocate_new_kernel_size'],
  without: {
    variants: ['la57', 'cet'],
    why: "2.6.16 predates 5-level paging (4.14) and CET (5.18), as the spec's 2.6 models (without=la57,cet)",
  },
  sources: [
    'torvalds/linux@00dd7b7d26a3/arch/x86_64/kernel/machine_kexec.c',
    'torvalds/linux@f7f24758ac98/arch/x86_64/kernel/relocate_kernel.S',
  ],
  link: linkAt('relocate_new_kernel'),
  prepare(_obj: RelObject, linked: LinkedObject, ctx: StageContext): CallerSetup {
    const call = k2pCall(ctx, 'linux-2.6.16');
    const start = objectSymbol(linked, 'relocate_new_kernel', 'linux-2.6.16', 'the copied function');
    const sizeAt = objectSymbol(linked, 'relocate_new_kernel_size', 'linux-2.6.16', 'how much is copied');
    const size = imageQword(linked, sizeAt, 'relocate_new_kernel_size');
    const current = (ctx.state.cr3 ?? 0n) & ~0xfffn;
    return {
      entry: call.controlPage,
      state: {
        rdi: call.head,
        rsi: call.controlPage,
        rdx: call.entry,
        rcx: call.pageTable,
        ...zapped(ctx),
      },
      memory: [
        {
          addr: call.controlPage,
          bytes: imageRange(linked, start, start + size, 'relocate_new_kernel_size bytes'),
          what: 'relocate_new_kernel copied into the control code buffer',
        },
        {
          addr: current,
          bytes: ctx.read(call.pageTable, 2048),
          what: 'low half of the current top-level page table replaced by the identity table',
        },
      ],
    };
  },
};
