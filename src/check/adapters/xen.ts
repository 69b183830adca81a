// Xen's kexec_reloc. The linker script gathers .text.kexec (page aligned in the object) and ends it
// with kexec_reloc_end; machine_kexec_load() copies kexec_reloc .. kexec_reloc_end (older trees: a
// kexec_reloc_size the object stores) into the control code page and maps that page at kexec_reloc's
// own virtual address in the kexec page table; machine_kexec() disables interrupts and calls
// kexec_reloc(code page maddr, page table maddr, image->head, entry maddr, flags). Xen's head is the
// machine address of the first indirection page, not a tagged entry.
//
// Verified against (read, not copied):
// - xen-project/xen@5a82d5cf352d xen/arch/x86/machine_kexec.c (machine_kexec_load, machine_kexec)
// - xen-project/xen@373d93cfce4d xen/arch/x86/x86_64/kexec_reloc.S (argument registers, .text.kexec)
// - xen-project/xen@09e53bf43099 xen/common/kimage.c (image->head = page_to_maddr(entry_page))
// - the xen.lds.S hunk that adds `kexec_reloc_end = .;` after *(.text.kexec) (Andrew Cooper's 2022
//   patch "x86/kexec: Use kexec_reloc_end", as posted to xen-devel)
//
// The world's identity table stands for Xen's kexec page table, which maps the code page at the
// address Xen calls it from; here that address is the copy's, one to one.

import { CR4_CET } from '../../x86/bits.ts';
import type { LinkOptions, LinkedObject, RelObject } from '../../runner/object/index.ts';
import {
  RFLAGS_IF,
  imageRange,
  k2pCall,
  objectSymbol,
  stageSymbol,
  type Adapter,
  type CallerSetup,
  type StageContext,
} from '../adapter.ts';

const LAYOUT = {
  name: 'Xen xen.lds.S .text.kexec',
  rules: [
    {
      sections: ['.text.kexec.kexec_reloc', '.text.kexec.*', '.text.kexec'],
      end: 'kexec_reloc_end',
    },
  ],
  rest: 'drop' as const,
};

export const xen: Adapter = {
  id: 'xen',
  title: 'Xen kexec_reloc',
  stage: 'k2p',
  recognisedBy: ['kexec_reloc'],
  without: {
    variants: ['la57'],
    why: "Xen runs its hypervisor with 4-level paging (as the spec's Xen model, without=la57)",
  },
  sources: [
    'xen-project/xen@5a82d5cf352d/xen/arch/x86/machine_kexec.c',
    'xen-project/xen@373d93cfce4d/xen/arch/x86/x86_64/kexec_reloc.S',
    'xen-project/xen@09e53bf43099/xen/common/kimage.c',
  ],
  link(_obj: RelObject, ctx: Pick<StageContext, 'stage' | 'symbols'>): LinkOptions {
    return {
      base: stageSymbol(ctx, 'control_page', 'xen', 'the control code page kexec_reloc is copied into'),
      anchor: 'kexec_reloc',
      layout: LAYOUT,
    };
  },
  prepare(_obj: RelObject, linked: LinkedObject, ctx: StageContext): CallerSetup {
    const call = k2pCall(ctx, 'xen');
    const start = objectSymbol(linked, 'kexec_reloc', 'xen', 'the copied function');
    // Older trees store the size in the object (`kexec_reloc_size: .long . - kexec_reloc`) and
    // machine_kexec_load() copies that many bytes; newer ones use the linker's kexec_reloc_end.
    const sizeAt = linked.symbols.kexec_reloc_size;
    const end =
      sizeAt !== undefined
        ? start +
          BigInt(
            new DataView(imageRange(linked, sizeAt, sizeAt + 4n, 'kexec_reloc_size').buffer).getUint32(
              0,
              true,
            ),
          )
        : objectSymbol(linked, 'kexec_reloc_end', 'xen', 'end of the copied range');
    return {
      entry: start,
      state: {
        rdi: call.controlPage,
        rsi: call.pageTable,
        rdx: call.head & ~0xfffn,
        rcx: call.entry,
        r8: 0n, // reloc_flags: a 64-bit image, so no KEXEC_RELOC_FLAG_COMPAT
        rflags: (ctx.state.rflags ?? 2n) & ~RFLAGS_IF,
        // machine_kexec() turns CET off before the jump (the "Disable CET" step), so kexec_reloc can
        // clear CR0.WP; with CET on that write is a #GP.
        cr4: (ctx.state.cr4 ?? 0n) & ~CR4_CET,
      },
      memory: [
        {
          addr: call.controlPage,
          bytes: imageRange(linked, start, end, 'kexec_reloc .. kexec_reloc_end'),
          what: 'kexec_reloc copied into the control code page',
        },
      ],
    };
  },
};
