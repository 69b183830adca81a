// The one table of named constants and register bit names used by the `expect` and `given` languages
// and by every rendering of a value (test failures, the site, the CLI).
// Bit positions are the Intel SDM's (vol. 3A, 2.5 "Control registers", 2.2.1 "Extended feature enable
// register", vol. 1, 3.4.3 "EFLAGS"); kexec and selector values are Linux's
// (include/linux/kexec.h, arch/x86/include/asm/segment.h, v6.18).

/** A named bit (or multi-bit field, e.g. RFLAGS.IOPL) of a register. */
export interface BitField {
  name: string;
  bit: number;
  /** Field width in bits; 1 unless stated. */
  width?: number;
  doc: string;
}

/** The registers whose bits have names, usable as `cr0.PG`, `efer.NXE`, `rflags.IF`. */
export const BIT_REGISTERS = ['cr0', 'cr3', 'cr4', 'efer', 'rflags'] as const;
export type BitRegister = (typeof BIT_REGISTERS)[number];

const b = (name: string, bit: number, doc: string, width?: number): BitField =>
  width === undefined ? { name, bit, doc } : { name, bit, doc, width };

export const REGISTER_BITS: Record<BitRegister, readonly BitField[]> = {
  cr0: [
    b('PE', 0, 'protection enable'),
    b('MP', 1, 'monitor coprocessor'),
    b('EM', 2, 'x87 emulation'),
    b('TS', 3, 'task switched'),
    b('ET', 4, 'extension type (always 1)'),
    b('NE', 5, 'numeric error reporting'),
    b('WP', 16, 'supervisor write protect'),
    b('AM', 18, 'alignment mask'),
    b('NW', 29, 'not write-through'),
    b('CD', 30, 'cache disable'),
    b('PG', 31, 'paging'),
  ],
  cr3: [b('PWT', 3, 'page-level write-through'), b('PCD', 4, 'page-level cache disable')],
  cr4: [
    b('VME', 0, 'virtual-8086 mode extensions'),
    b('PVI', 1, 'protected-mode virtual interrupts'),
    b('TSD', 2, 'time stamp disable'),
    b('DE', 3, 'debugging extensions'),
    b('PSE', 4, 'page size extensions'),
    b('PAE', 5, 'physical address extension'),
    b('MCE', 6, 'machine-check enable'),
    b('PGE', 7, 'global pages'),
    b('PCE', 8, 'performance counter enable'),
    b('OSFXSR', 9, 'OS supports FXSAVE/FXRSTOR'),
    b('OSXMMEXCPT', 10, 'OS supports unmasked SIMD exceptions'),
    b('UMIP', 11, 'user-mode instruction prevention'),
    b('LA57', 12, '57-bit linear addresses (5-level paging)'),
    b('VMXE', 13, 'VMX enable'),
    b('SMXE', 14, 'SMX enable'),
    b('FSGSBASE', 16, 'RDFSBASE/WRFSBASE instructions'),
    b('PCIDE', 17, 'process-context identifiers'),
    b('OSXSAVE', 18, 'XSAVE and extended states'),
    b('KL', 19, 'Key Locker'),
    b('SMEP', 20, 'supervisor-mode execution prevention'),
    b('SMAP', 21, 'supervisor-mode access prevention'),
    b('PKE', 22, 'protection keys for user pages'),
    b('CET', 23, 'control-flow enforcement'),
    b('PKS', 24, 'protection keys for supervisor pages'),
    b('UINTR', 25, 'user interrupts'),
    b('LASS', 27, 'linear address space separation'),
    b('LAM_SUP', 28, 'linear address masking for supervisor pointers'),
    b('FRED', 32, 'flexible return and event delivery'),
  ],
  efer: [
    b('SCE', 0, 'SYSCALL enable'),
    b('LME', 8, 'long mode enable'),
    b('LMA', 10, 'long mode active'),
    b('NXE', 11, 'no-execute enable'),
    b('SVME', 12, 'SVM enable (AMD)'),
    b('LMSLE', 13, 'long mode segment limit enable (AMD)'),
    b('FFXSR', 14, 'fast FXSAVE/FXRSTOR (AMD)'),
    b('TCE', 15, 'translation cache extension (AMD)'),
    b('AUTOIBRS', 21, 'automatic IBRS (AMD)'),
  ],
  rflags: [
    b('CF', 0, 'carry'),
    b('PF', 2, 'parity'),
    b('AF', 4, 'auxiliary carry'),
    b('ZF', 6, 'zero'),
    b('SF', 7, 'sign'),
    b('TF', 8, 'trap'),
    b('IF', 9, 'interrupt enable'),
    b('DF', 10, 'direction'),
    b('OF', 11, 'overflow'),
    b('IOPL', 12, 'I/O privilege level (2 bits)', 2),
    b('NT', 14, 'nested task'),
    b('RF', 16, 'resume'),
    b('VM', 17, 'virtual-8086 mode'),
    b('AC', 18, 'alignment check / access control'),
    b('VIF', 19, 'virtual interrupt flag'),
    b('VIP', 20, 'virtual interrupt pending'),
    b('ID', 21, 'CPUID available'),
  ],
};

/** The mask of a bit field. */
export function fieldMask(f: BitField): bigint {
  return ((1n << BigInt(f.width ?? 1)) - 1n) << BigInt(f.bit);
}

/** A bit of a register by name (exact, case-sensitive), or undefined. */
export function findBit(reg: BitRegister, name: string): BitField | undefined {
  return REGISTER_BITS[reg].find((f) => f.name === name);
}

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
};

const OTHER_CONSTANTS: Record<string, NamedConstant> = {
  PAGE_SIZE: { value: 0x1000n, doc: 'a 4 KiB page' },
  PAGE_MASK: { value: 0xffff_ffff_ffff_f000n, doc: "Linux's PAGE_MASK: ~(PAGE_SIZE - 1)" },
  LARGE_PAGE_SIZE: { value: 0x20_0000n, doc: 'a 2 MiB page' },
  HUGE_PAGE_SIZE: { value: 0x4000_0000n, doc: 'a 1 GiB page' },

  // Page-table entry bits (SDM vol. 3A, 4.5, tables 4-15..4-20).
  PTE_P: { value: 1n << 0n, doc: 'page-table entry: present' },
  PTE_RW: { value: 1n << 1n, doc: 'page-table entry: writable' },
  PTE_US: { value: 1n << 2n, doc: 'page-table entry: user' },
  PTE_PWT: { value: 1n << 3n, doc: 'page-table entry: write-through' },
  PTE_PCD: { value: 1n << 4n, doc: 'page-table entry: cache disable' },
  PTE_A: { value: 1n << 5n, doc: 'page-table entry: accessed' },
  PTE_D: { value: 1n << 6n, doc: 'page-table entry: dirty' },
  PTE_PS: { value: 1n << 7n, doc: 'page-table entry: large page (PDE/PDPTE)' },
  PTE_G: { value: 1n << 8n, doc: 'page-table entry: global' },
  PTE_NX: { value: 1n << 63n, doc: 'page-table entry: no-execute' },

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
  MSR_EFER: { value: 0xc000_0080n, doc: 'IA32_EFER' },
  MSR_STAR: { value: 0xc000_0081n, doc: 'IA32_STAR' },
  MSR_LSTAR: { value: 0xc000_0082n, doc: 'IA32_LSTAR' },
  MSR_CSTAR: { value: 0xc000_0083n, doc: 'IA32_CSTAR' },
  MSR_SYSCALL_MASK: { value: 0xc000_0084n, doc: 'IA32_FMASK' },
  MSR_FS_BASE: { value: 0xc000_0100n, doc: 'IA32_FS_BASE' },
  MSR_GS_BASE: { value: 0xc000_0101n, doc: 'IA32_GS_BASE' },
  MSR_KERNEL_GS_BASE: { value: 0xc000_0102n, doc: 'IA32_KERNEL_GS_BASE' },
  MSR_APIC_BASE: { value: 0x1bn, doc: 'IA32_APIC_BASE' },
  MSR_MISC_ENABLE: { value: 0x1a0n, doc: 'IA32_MISC_ENABLE' },
  MSR_PAT: { value: 0x277n, doc: 'IA32_PAT' },
  MSR_U_CET: { value: 0x6a0n, doc: 'IA32_U_CET' },
  MSR_S_CET: { value: 0x6a2n, doc: 'IA32_S_CET' },

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

/** "0x..." in lower-case hex. */
export function hex(v: bigint): string {
  return `0x${BigInt.asUintN(64, v).toString(16)}`;
}

/**
 * A value as people read it: registers with named bits get the set bits' names, highest first
 * ("0x80000033 (PG|ET|MP|PE)"); unnamed set bits show as `bitN`; RFLAGS' always-one bit 1 is left out
 * and IOPL shows as `IOPL=n`. Everything else is plain hex. `item` is a canonical item name
 * ("cr0", "initial.rflags", "rax" ...).
 */
export function describe(item: string, value: bigint): string {
  const name = item.startsWith('initial.') ? item.slice('initial.'.length) : item;
  const h = hex(value);
  if (!(BIT_REGISTERS as readonly string[]).includes(name) || name === 'cr3') return h;
  const reg = name as BitRegister;
  let rest = BigInt.asUintN(64, value);
  if (reg === 'rflags') rest &= ~2n;
  const parts: { bit: number; label: string }[] = [];
  for (const f of REGISTER_BITS[reg]) {
    const v = (rest & fieldMask(f)) >> BigInt(f.bit);
    if (v !== 0n) parts.push({ bit: f.bit, label: (f.width ?? 1) > 1 ? `${f.name}=${v}` : f.name });
    rest &= ~fieldMask(f);
  }
  for (let bit = 0; bit < 64; bit++) if ((rest >> BigInt(bit)) & 1n) parts.push({ bit, label: `bit${bit}` });
  parts.sort((x, y) => y.bit - x.bit);
  return parts.length ? `${h} (${parts.map((p) => p.label).join('|')})` : h;
}
