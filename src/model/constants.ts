// The one table of named constants of the `expect` and `given` languages: every register bit mask
// (CR0_PG ...) and MSR number (MSR_EFER ...) from src/x86, plus page sizes, page-table entry bits and
// Linux's kexec and selector values (include/linux/kexec.h, arch/x86/include/asm/segment.h, v6.18).

import { BIT_REGISTERS, REGISTER_BITS, fieldMask, type BitRegister } from '../x86/bits.ts';
import { MSRS } from '../x86/msr.ts';
import { PTE_BITS } from '../x86/paging.ts';

export interface NamedConstant {
  value: bigint;
  doc: string;
}

/** Prefix of a bit's constant name: CR0_PG, CR4_PAE, EFER_LME, RFLAGS_IF, CR3_PCD. */
const PREFIX: Record<BitRegister, string> = {
  cr0: 'CR0',
  cr3: 'CR3',
  cr4: 'CR4',
  efer: 'EFER',
  rflags: 'RFLAGS',
  dr6: 'DR6',
  dr7: 'DR7',
};

const OTHER_CONSTANTS: Record<string, NamedConstant> = {
  PAGE_SIZE: { value: 0x1000n, doc: 'a 4 KiB page' },
  PAGE_MASK: { value: 0xffff_ffff_ffff_f000n, doc: "Linux's PAGE_MASK: ~(PAGE_SIZE - 1)" },
  LARGE_PAGE_SIZE: { value: 0x20_0000n, doc: 'a 2 MiB page' },
  HUGE_PAGE_SIZE: { value: 0x4000_0000n, doc: 'a 1 GiB page' },

  // Page-table entry bits (SDM vol. 3A, 4.5, tables 4-15..4-20).
  ...PTE_BITS,

  // Indirection list entry flags (include/linux/kexec.h); the page address is `entry & PAGE_MASK`.
  IND_DESTINATION: { value: 1n, doc: 'kexec list entry: the following sources go to this page' },
  IND_INDIRECTION: { value: 2n, doc: 'kexec list entry: the list continues at this page' },
  IND_DONE: { value: 4n, doc: 'kexec list entry: end of the list' },
  IND_SOURCE: { value: 8n, doc: 'kexec list entry: copy this page to the current destination' },
  IND_ZERO: { value: 0x10n, doc: "kexec list entry: zero the destination page (Xen's extension)" },

  // relocate_kernel() flags word in %rcx (Linux ~6.18+).
  RELOC_KERNEL_PRESERVE_CONTEXT: { value: 1n, doc: 'relocate_kernel flags: kexec jump (preserve context)' },
  RELOC_KERNEL_CACHE_INCOHERENT: { value: 2n, doc: 'relocate_kernel flags: flush caches (wbinvd)' },

  // Linux x86-64 GDT selectors (arch/x86/include/asm/segment.h); __BOOT_* from the boot protocol.
  BOOT_CS: { value: 0x10n, doc: '__BOOT_CS: the boot protocol code selector' },
  BOOT_DS: { value: 0x18n, doc: '__BOOT_DS: the boot protocol data selector' },
  KERNEL32_CS: { value: 0x08n, doc: '__KERNEL32_CS: 32-bit kernel code' },
  KERNEL_CS: { value: 0x10n, doc: '__KERNEL_CS: 64-bit kernel code' },
  KERNEL_DS: { value: 0x18n, doc: '__KERNEL_DS: kernel data' },
  USER32_CS: { value: 0x23n, doc: '__USER32_CS: 32-bit user code' },
  USER_DS: { value: 0x2bn, doc: '__USER_DS: user data' },
  USER_CS: { value: 0x33n, doc: '__USER_CS: 64-bit user code' },

  // Architectural MSR numbers (SDM vol. 4).
  ...Object.fromEntries(
    Object.entries(MSRS).map(([name, m]) => [name, { value: BigInt(m.index), doc: m.doc }]),
  ),

  MULTIBOOT2_BOOTLOADER_MAGIC: { value: 0x36d7_6289n, doc: 'Multiboot2: %eax on entry' },
};

function buildConstants(): Record<string, NamedConstant> {
  const out: Record<string, NamedConstant> = {};
  for (const reg of BIT_REGISTERS) {
    for (const f of REGISTER_BITS[reg]) {
      out[`${PREFIX[reg]}_${f.name}`] = { value: fieldMask(f), doc: `${reg}.${f.name}: ${f.doc}` };
    }
  }
  for (const [name, c] of Object.entries(OTHER_CONSTANTS)) {
    if (name in out) throw new Error(`constant ${name} is defined twice`);
    out[name] = c;
  }
  return out;
}

/** Every named constant: the register bit masks (CR0_PG ...) and the values above. */
export const CONSTANTS: Readonly<Record<string, NamedConstant>> = buildConstants();

/** A constant's value by exact name, or undefined. */
export function constantValue(name: string): bigint | undefined {
  return Object.hasOwn(CONSTANTS, name) ? CONSTANTS[name]!.value : undefined;
}
