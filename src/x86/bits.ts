// Named bits of the registers that have them (CR0, CR3, CR4, EFER, RFLAGS, DR6, DR7), as the SDM names them:
// the one table the expect language, every rendering of a value and the engines take bit masks from.
// Bit positions are the Intel SDM's (vol. 3A, 2.5 "Control registers", 2.2.1 "Extended feature enable
// register", vol. 1, 3.4.3 "EFLAGS", vol. 3B, 19.2 "Debug registers").

import { hex } from './hex.ts';

/** A named bit (or multi-bit field, e.g. RFLAGS.IOPL) of a register. */
export interface BitField {
  name: string;
  bit: number;
  /** Field width in bits; 1 unless stated. */
  width?: number;
  doc: string;
}

/** The registers whose bits have names, usable as `cr0.PG`, `efer.NXE`, `rflags.IF`. */
export const BIT_REGISTERS = ['cr0', 'cr3', 'cr4', 'efer', 'rflags', 'dr6', 'dr7'] as const;
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
  dr6: [
    b('B0', 0, 'breakpoint 0 condition detected'),
    b('B1', 1, 'breakpoint 1 condition detected'),
    b('B2', 2, 'breakpoint 2 condition detected'),
    b('B3', 3, 'breakpoint 3 condition detected'),
    b('BLD', 11, 'bus-lock detected (active low; reads 1 where not supported)'),
    b('BD', 13, 'debug-register access detected (DR7.GD)'),
    b('BS', 14, 'single step'),
    b('BT', 15, 'task switch'),
    b('RTM', 16, 'RTM debug (active low; reads 1 where not supported)'),
  ],
  dr7: [
    b('L0', 0, 'breakpoint 0 enabled locally'),
    b('G0', 1, 'breakpoint 0 enabled globally'),
    b('L1', 2, 'breakpoint 1 enabled locally'),
    b('G1', 3, 'breakpoint 1 enabled globally'),
    b('L2', 4, 'breakpoint 2 enabled locally'),
    b('G2', 5, 'breakpoint 2 enabled globally'),
    b('L3', 6, 'breakpoint 3 enabled locally'),
    b('G3', 7, 'breakpoint 3 enabled globally'),
    b('LE', 8, 'local exact breakpoint'),
    b('GE', 9, 'global exact breakpoint'),
    b('RTM', 11, 'advanced debugging of RTM regions'),
    b('GD', 13, 'general detect: #DB before any move to or from a debug register'),
    b('RW0', 16, 'breakpoint 0 condition (0 execute, 1 write, 2 I/O, 3 read/write)', 2),
    b('LEN0', 18, 'breakpoint 0 length (0 one byte, 1 two, 3 four, 2 eight)', 2),
    b('RW1', 20, 'breakpoint 1 condition', 2),
    b('LEN1', 22, 'breakpoint 1 length', 2),
    b('RW2', 24, 'breakpoint 2 condition', 2),
    b('LEN2', 26, 'breakpoint 2 length', 2),
    b('RW3', 28, 'breakpoint 3 condition', 2),
    b('LEN3', 30, 'breakpoint 3 length', 2),
  ],
};

/**
 * Bits that always read as 1 and that a value's description leaves out: RFLAGS bit 1, DR6 bits 4-10 and
 * 17-31, DR7 bit 10 (SDM vol. 3B, figure 19-1). DR6's BLD and RTM read 1 too on a CPU without bus-lock
 * detection or RTM, but they have names and are shown.
 */
export const FIXED_ONES: Partial<Record<BitRegister, bigint>> = {
  rflags: 2n,
  dr6: 0xfffe_07f0n,
  dr7: 0x400n,
};

/** DR6 as a CPU without bus-lock detection or RTM reads it after reset: every bit 1 but B0-B3, BD, BS, BT. */
export const DR6_INIT = 0xffff_0ff0n;
/** DR7 after reset: only its fixed bit 10. */
export const DR7_INIT = 0x400n;
/** The debug registers after reset: no breakpoint addresses, DR6 and DR7 at their reset values. */
export const DEBUG_REGISTERS_AT_RESET = {
  dr0: 0n,
  dr1: 0n,
  dr2: 0n,
  dr3: 0n,
  dr6: DR6_INIT,
  dr7: DR7_INIT,
} as const;
/** DR6 bits software can change (B0-B3, BD, BS, BT); the rest of bits 31:0 read as DR6_INIT has them. */
export const DR6_WRITABLE = 0xe00fn;
/** DR7 bits software can change, besides RTM (bit 11, writable only where RTM is supported). */
export const DR7_WRITABLE = 0xffff_23ffn;

/** The mask of a bit field. */
export function fieldMask(f: BitField): bigint {
  return ((1n << BigInt(f.width ?? 1)) - 1n) << BigInt(f.bit);
}

/** A bit of a register by name (exact, case-sensitive), or undefined. */
export function findBit(reg: BitRegister, name: string): BitField | undefined {
  return REGISTER_BITS[reg].find((f) => f.name === name);
}

const maskOf = (reg: BitRegister, name: string): bigint => fieldMask(findBit(reg, name)!);
const flagOf = (name: string): number => Number(maskOf('rflags', name));

// The masks the engines and the paging model use, taken from the table above.
export const CR0_PE = maskOf('cr0', 'PE');
export const CR0_MP = maskOf('cr0', 'MP');
export const CR0_EM = maskOf('cr0', 'EM');
export const CR0_TS = maskOf('cr0', 'TS');
export const CR0_ET = maskOf('cr0', 'ET');
export const CR0_NE = maskOf('cr0', 'NE');
export const CR0_WP = maskOf('cr0', 'WP');
export const CR0_AM = maskOf('cr0', 'AM');
export const CR0_NW = maskOf('cr0', 'NW');
export const CR0_CD = maskOf('cr0', 'CD');
export const CR0_PG = maskOf('cr0', 'PG');
export const CR4_DE = maskOf('cr4', 'DE');
export const CR4_PAE = maskOf('cr4', 'PAE');
export const CR4_LA57 = maskOf('cr4', 'LA57');
export const CR4_PCIDE = maskOf('cr4', 'PCIDE');
export const CR4_CET = maskOf('cr4', 'CET');
export const DR6_BD = maskOf('dr6', 'BD');
export const DR7_GD = maskOf('dr7', 'GD');
export const EFER_SCE = maskOf('efer', 'SCE');
export const EFER_LME = maskOf('efer', 'LME');
export const EFER_LMA = maskOf('efer', 'LMA');
export const EFER_NXE = maskOf('efer', 'NXE');

// RFLAGS bits as numbers (they all lie in the low 32 bits; the interpreter keeps flags as a number).
export const CF = flagOf('CF');
export const PF = flagOf('PF');
export const AF = flagOf('AF');
export const ZF = flagOf('ZF');
export const SF = flagOf('SF');
export const TF = flagOf('TF');
export const IF = flagOf('IF');
export const DF = flagOf('DF');
export const OF = flagOf('OF');
export const RF = flagOf('RF');
export const AC = flagOf('AC');
/** The arithmetic status flags. */
export const ARITH = CF | PF | AF | ZF | SF | OF;

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
  let rest = BigInt.asUintN(64, value) & ~(FIXED_ONES[reg] ?? 0n);
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
