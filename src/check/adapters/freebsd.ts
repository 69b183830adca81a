// FreeBSD's amd64 kexec. kexec_load_md() copies kexec_do_reboot_size bytes from kexec_do_reboot into
// the first machine-dependent page after the staged image (md_image), and copies the whole
// struct kexec_image into that copy at kexec_saved_image's offset. kexec_reboot_md() disables
// interrupts and calls kexec_do_reboot_trampoline(VM_PAGE_TO_PHYS(first_md_page), md_image): the
// trampoline loads the new page table (its root is that physical page), clears CR4.PGE and jumps to
// the copy, which copies each staged segment and enters the image with `pushq entry; ret`.
//
// FreeBSD stages segments, not a Linux indirection list, so the adapter turns the world's list into
// segments (one per run of contiguous destination and source pages), as the staging would have.
//
// Verified against (read, not copied):
// - freebsd/freebsd-src@43148bc49042 sys/amd64/amd64/kexec_support.c (kexec_load_md, kexec_reboot_md)
// - freebsd/freebsd-src@0dcfecbf4757 sys/amd64/amd64/kexec_tramp.S (what the trampoline reads)
// - freebsd/freebsd-src@bc0f7b939c59 sys/sys/kexec.h (struct kexec_segment_stage and kexec_image;
//   the assym offsets KEXEC_SEGMENT_MAP/TARGET/SIZE, KEXEC_STAGED_SEGMENT_SIZE and KEXEC_ENTRY are
//   these structs' LP64 layout)
//
// The trampoline runs from the copy here (the world maps everything one to one); FreeBSD runs the
// kernel-text original, which is the same bytes at an address its new page table maps too.

import type { LinkOptions, LinkedObject, RelObject } from '../../runner/object/index.ts';
import {
  AdapterError,
  RFLAGS_IF,
  imageQword,
  imageRange,
  k2pCall,
  objectSymbol,
  stageSymbol,
  type Adapter,
  type CallerSetup,
  type StageContext,
} from '../adapter.ts';

const KEXEC_SEGMENT_MAX = 16;
/** struct kexec_segment_stage: first_page, map_buf, target, size, pindex (8 bytes each). */
const STAGE_SIZE = 40;
const SEG_MAP = 8;
const SEG_TARGET = 16;
const SEG_SIZE = 24;
/** struct kexec_image: segments[16], then entry, map_obj, map_addr, map_size, first_md_page, md_image. */
const IMAGE_ENTRY = KEXEC_SEGMENT_MAX * STAGE_SIZE;
const IMAGE_MD_IMAGE = IMAGE_ENTRY + 5 * 8;
const IMAGE_SIZE = IMAGE_ENTRY + 6 * 8;

const PAGE = 0x1000n;

interface Segment {
  target: bigint;
  source: bigint;
  size: bigint;
}

/** Walks a Linux indirection list (IND_DESTINATION 1, IND_INDIRECTION 2, IND_DONE 4, IND_SOURCE 8). */
export function segmentsOfList(head: bigint, readQword: (a: bigint) => bigint, limit = 1 << 16): Segment[] {
  const out: Segment[] = [];
  let dest = 0n;
  let next: bigint | undefined;
  let entry = head;
  for (let n = 0; n < limit; n++) {
    const addr = entry & ~0xfffn;
    if (entry & 1n) dest = addr;
    else if (entry & 2n) next = addr;
    else if (entry & 4n) return out;
    else if (entry & 8n) {
      const last = out[out.length - 1];
      if (last && last.target + last.size === dest && last.source + last.size === addr) last.size += PAGE;
      else out.push({ target: dest, source: addr, size: PAGE });
      dest += PAGE;
    }
    if (next === undefined)
      throw new AdapterError('the indirection list does not start with an IND_INDIRECTION entry');
    entry = readQword(next);
    next += 8n;
  }
  throw new AdapterError(`the indirection list has no IND_DONE within ${limit} entries`);
}

export const freebsd: Adapter = {
  id: 'freebsd',
  title: 'FreeBSD kexec_do_reboot (amd64)',
  stage: 'k2p',
  recognisedBy: ['kexec_do_reboot', 'kexec_do_reboot_trampoline', 'kexec_saved_image'],
  sources: [
    'freebsd/freebsd-src@43148bc49042/sys/amd64/amd64/kexec_support.c',
    'freebsd/freebsd-src@0dcfecbf4757/sys/amd64/amd64/kexec_tramp.S',
    'freebsd/freebsd-src@bc0f7b939c59/sys/sys/kexec.h',
  ],
  link(_obj: RelObject, ctx: Pick<StageContext, 'stage' | 'symbols'>): LinkOptions {
    return {
      base: stageSymbol(ctx, 'control_page', 'freebsd', 'the machine-dependent page the code is copied into'),
      anchor: 'kexec_do_reboot',
      layout: { name: 'FreeBSD kernel .text', rules: [{ sections: ['.text'] }], rest: 'drop' },
    };
  },
  prepare(_obj: RelObject, linked: LinkedObject, ctx: StageContext): CallerSetup {
    const call = k2pCall(ctx, 'freebsd');
    const start = objectSymbol(linked, 'kexec_do_reboot', 'freebsd', 'the copied function');
    const sizeAt = objectSymbol(linked, 'kexec_do_reboot_size', 'freebsd', 'how much kexec_load_md() copies');
    const size = imageQword(linked, sizeAt, 'kexec_do_reboot_size');
    const tramp = objectSymbol(
      linked,
      'kexec_do_reboot_trampoline',
      'freebsd',
      'what kexec_reboot_md() calls',
    );
    const saved = objectSymbol(linked, 'kexec_saved_image', 'freebsd', 'where the image is copied');
    if (tramp < start || tramp >= start + size)
      throw new AdapterError(
        'kexec_do_reboot_trampoline lies outside the copied range; this adapter runs it from the copy',
      );
    if (saved < start || saved + BigInt(IMAGE_SIZE) > start + size)
      throw new AdapterError(
        'kexec_saved_image (struct kexec_image, 688 bytes) does not fit inside the copied range',
      );

    const readQword = (a: bigint) => new DataView(ctx.read(a, 8).buffer).getBigUint64(0, true);
    const segments = segmentsOfList(call.head, readQword);
    if (segments.length > KEXEC_SEGMENT_MAX)
      throw new AdapterError(
        `the indirection list makes ${segments.length} segments; FreeBSD stages at most ${KEXEC_SEGMENT_MAX}`,
      );
    const image = new Uint8Array(IMAGE_SIZE);
    const v = new DataView(image.buffer);
    segments.forEach((s, i) => {
      v.setBigUint64(i * STAGE_SIZE + SEG_MAP, s.source, true); // map_buf: mapped one to one here
      v.setBigUint64(i * STAGE_SIZE + SEG_TARGET, s.target, true);
      v.setBigUint64(i * STAGE_SIZE + SEG_SIZE, s.size, true);
    });
    v.setBigUint64(IMAGE_ENTRY, call.entry, true);
    v.setBigUint64(IMAGE_MD_IMAGE, start, true);

    return {
      entry: tramp,
      state: {
        rdi: call.pageTable, // the root page of the kexec page table
        rsi: start, // md_image
        rflags: (ctx.state.rflags ?? 2n) & ~RFLAGS_IF,
      },
      memory: [
        {
          addr: start,
          bytes: imageRange(linked, start, start + size, 'kexec_do_reboot_size bytes'),
          what: 'kexec_do_reboot copied into the md page',
        },
        { addr: saved, bytes: image, what: `struct kexec_image with ${segments.length} segments` },
      ],
    };
  },
};

/** For tests and reports: the offsets this adapter assumes. */
export const FREEBSD_LAYOUT = { STAGE_SIZE, SEG_MAP, SEG_TARGET, SEG_SIZE, IMAGE_ENTRY, IMAGE_SIZE };
