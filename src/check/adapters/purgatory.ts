// Purgatories, for the purgatory-to-kernel stage. Both loaders place a relocatable purgatory the same
// way: every allocated section with contents in section-header order (each aligned), then the NOBITS
// sections; the entry is purgatory_start. Both then fill `entry64_regs`, which entry64 loads before
// jumping to the kernel: read it back, set rbx = 0, rsi = the zero page, rip = the kernel's 64-bit
// entry (load address + 0x200) and rsp = stack_end, write it again. The two blocks order the same
// fields differently (see the p2k chapter), which is why each loader has its own adapter.
//
// Verified against (read, not copied):
// - horms/kexec-tools@0c7eda010fe8 kexec/kexec-elf-rel.c (elf_rel_load: section placement, entry;
//   elf_rel_set_symbol refuses a symbol whose st_size differs)
// - horms/kexec-tools@030065eef1ef kexec/arch/x86_64/kexec-bzImage64.c (entry64_regs, cmdline_end)
// - kexec-tools kexec/arch/x86_64/kexec-x86_64.h, struct entry64_regs (rax rbx rcx rdx rsi rdi rsp
//   rbp r8-r15 rip)
// - torvalds/linux@00c010e130e5 kernel/kexec_file.c (kexec_purgatory_setup_kbuf/_sechdrs: the same
//   placement; image->start from purgatory_start)
// - torvalds/linux@03738dd159db arch/x86/kernel/kexec-bzimage64.c (entry64_regs) and
//   torvalds/linux@0410c6121529 arch/x86/include/asm/kexec.h (struct kexec_entry64_regs: rax rcx rdx
//   rbx rsp rbp rsi rdi r8-r15 rip)
//
// Not done: the SHA-256 region list and digest both loaders also set (the fixtures carry no C part
// that checks them), and kexec-tools' crash-dump variables (backup_start ...), which are for kdump.

import type { LinkOptions, LinkedObject, RelObject } from '../../runner/object/index.ts';
import {
  AdapterError,
  imageRange,
  objectSymbol,
  stageSymbol,
  symbolSize,
  type Adapter,
  type CallerSetup,
  type MemoryWrite,
  type StageContext,
} from '../adapter.ts';

const LOADER_LAYOUT = {
  name: 'purgatory loader (sections in order, NOBITS last)',
  rules: [
    { sections: ['*'], kind: 'progbits' as const },
    { sections: ['*'], kind: 'nobits' as const },
  ],
  rest: 'drop' as const,
};

const REGS_SIZE = 0x88;

/** Field order of each loader's entry64_regs (8 bytes each). */
const KEXEC_TOOLS_ORDER = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rsp', 'rbp'];
const IN_KERNEL_ORDER = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'];
const fieldOffset = (order: string[], name: string) =>
  name === 'rip'
    ? 0x80
    : /^r(\d+)$/.test(name)
      ? 0x40 + 8 * (Number(name.slice(1)) - 8)
      : 8 * order.indexOf(name);

function link(_obj: RelObject, ctx: Pick<StageContext, 'stage' | 'symbols'>): LinkOptions {
  const base = ctx.symbols.code;
  if (base === undefined)
    throw new AdapterError(`the ${ctx.stage} world has no code address for the purgatory`);
  return { base, layout: LOADER_LAYOUT };
}

/** get, modify, set: the block as the object initialised it, with the four fields the loaders set. */
function regsWrite(
  obj: RelObject,
  linked: LinkedObject,
  ctx: StageContext,
  order: string[],
  id: string,
): MemoryWrite {
  const at = objectSymbol(linked, 'entry64_regs', id, 'the register block entry64 loads');
  const size = symbolSize(obj, 'entry64_regs');
  if (size !== undefined && size !== BigInt(REGS_SIZE))
    throw new AdapterError(
      `entry64_regs has size ${size}; the loader writes ${REGS_SIZE} bytes and refuses any other size`,
    );
  const block = imageRange(linked, at, at + BigInt(REGS_SIZE), 'entry64_regs');
  const v = new DataView(block.buffer);
  const set = (name: string, value: bigint) => v.setBigUint64(fieldOffset(order, name), value, true);
  set('rbx', 0n); // the bootstrap processor
  set('rsi', stageSymbol(ctx, 'boot_params', id, 'the zero page the kernel gets in %rsi'));
  set('rip', stageSymbol(ctx, 'kernel_entry', id, "the kernel's 64-bit entry point"));
  set('rsp', objectSymbol(linked, 'stack_end', id, 'the purgatory stack the loader points rsp at'));
  return {
    addr: at,
    bytes: block,
    what: 'entry64_regs: rbx = 0, rsi = boot_params, rip = kernel_entry, rsp = stack_end',
  };
}

/** The whole image where the loader put it (its NOBITS part as zeros, as the loader clears it). */
const placed = (linked: LinkedObject): MemoryWrite => ({
  addr: linked.base,
  bytes: linked.bytes,
  what: 'the purgatory, sections placed by the loader',
});

const entry = (linked: LinkedObject, id: string) =>
  objectSymbol(linked, 'purgatory_start', id, 'the purgatory entry point');

export const kexecToolsPurgatory: Adapter = {
  id: 'kexec-tools',
  title: 'kexec-tools purgatory (x86_64, bzImage64 loader)',
  stage: 'p2k',
  recognisedBy: ['purgatory_start', 'entry64_regs'],
  excludedBy: ['purgatory_sha256_digest'],
  sources: [
    'horms/kexec-tools@0c7eda010fe8/kexec/kexec-elf-rel.c',
    'horms/kexec-tools@030065eef1ef/kexec/arch/x86_64/kexec-bzImage64.c',
  ],
  link,
  prepare(obj: RelObject, linked: LinkedObject, ctx: StageContext): CallerSetup {
    const memory = [placed(linked), regsWrite(obj, linked, ctx, KEXEC_TOOLS_ORDER, 'kexec-tools')];
    const cmdlineEnd = linked.symbols.cmdline_end;
    if (cmdlineEnd !== undefined) {
      // setup_base + kern16_size_needed + command_line_len - 1: the command line's terminating NUL.
      const cmdline = stageSymbol(ctx, 'cmdline', 'kexec-tools', 'the command line cmdline_end points into');
      const text = ctx.read(cmdline, 4096);
      const nul = text.indexOf(0);
      const end = cmdline + BigInt(nul < 0 ? 4095 : nul);
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, end, true);
      memory.push({ addr: cmdlineEnd, bytes: b, what: 'cmdline_end = the last byte of the command line' });
    }
    return { entry: entry(linked, 'kexec-tools'), state: {}, memory };
  },
};

export const linuxPurgatory: Adapter = {
  id: 'linux-purgatory',
  title: 'Linux in-kernel purgatory (kexec_file_load)',
  stage: 'p2k',
  recognisedBy: ['purgatory_start', 'entry64_regs', 'purgatory_sha256_digest'],
  sources: [
    'torvalds/linux@00c010e130e5/kernel/kexec_file.c',
    'torvalds/linux@03738dd159db/arch/x86/kernel/kexec-bzimage64.c',
    'torvalds/linux@0410c6121529/arch/x86/include/asm/kexec.h',
  ],
  link,
  prepare(obj: RelObject, linked: LinkedObject, ctx: StageContext): CallerSetup {
    return {
      entry: entry(linked, 'linux-purgatory'),
      state: {},
      memory: [placed(linked), regsWrite(obj, linked, ctx, IN_KERNEL_ORDER, 'linux-purgatory')],
    };
  },
};
