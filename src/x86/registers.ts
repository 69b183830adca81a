// The x86-64 register file as every layer names it: general-purpose registers in encoding order,
// segment registers with their hidden caches, the descriptor-table registers, and the CPU state an
// engine starts from and ends in. All 64-bit quantities are bigint.

export const GPRS = [
  'rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rbp',
  'rsp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
] as const;
export type Gpr = (typeof GPRS)[number];

/** The GPRs in instruction-encoding order (ModRM/REX numbering: rax rcx rdx rbx rsp rbp rsi rdi ...). */
export const GPRS_BY_ENCODING = [
  'rax',
  'rcx',
  'rdx',
  'rbx',
  'rsp',
  'rbp',
  'rsi',
  'rdi',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
] as const satisfies readonly Gpr[];

export const SEGMENT_REGISTERS = ['cs', 'ds', 'es', 'fs', 'gs', 'ss'] as const;
export type SegmentRegister = (typeof SEGMENT_REGISTERS)[number];

/** The segment registers in encoding order (the sreg field of mov to/from Sreg: es cs ss ds fs gs). */
export const SEGMENTS_BY_ENCODING = [
  'es',
  'cs',
  'ss',
  'ds',
  'fs',
  'gs',
] as const satisfies readonly SegmentRegister[];

/** Segment-like registers: the six segment registers plus LDTR and TR (each a selector and a cache). */
export const SEGMENT_NAMES = [...SEGMENT_REGISTERS, 'ldtr', 'tr'] as const;
export type SegmentName = (typeof SEGMENT_NAMES)[number];

/** The fields of a segment cache as stored (see `Segment`). */
export const SEGMENT_CACHE_FIELDS = ['selector', 'base', 'limit', 'attributes'] as const;
export type SegmentCacheField = (typeof SEGMENT_CACHE_FIELDS)[number];

/**
 * The access-rights fields of a segment cache's `attributes` (VMX layout, see `Segment`): bit and width.
 * `unusable` is the VMX "segment unusable" bit, set for a null selector.
 */
export const ACCESS_RIGHTS = {
  type: { bit: 0, width: 4 },
  s: { bit: 4, width: 1 },
  dpl: { bit: 5, width: 2 },
  p: { bit: 7, width: 1 },
  avl: { bit: 12, width: 1 },
  l: { bit: 13, width: 1 },
  db: { bit: 14, width: 1 },
  g: { bit: 15, width: 1 },
  unusable: { bit: 16, width: 1 },
} as const;
export type AccessRightsField = keyof typeof ACCESS_RIGHTS;
export const ACCESS_RIGHTS_FIELDS = Object.keys(ACCESS_RIGHTS) as AccessRightsField[];

/** One access-rights field of a segment's `attributes`. */
export function accessRights(attributes: number, field: AccessRightsField): number {
  const f = ACCESS_RIGHTS[field];
  return (attributes >> f.bit) & ((1 << f.width) - 1);
}

export const DESCRIPTOR_TABLES = ['gdtr', 'idtr'] as const;
export type DescriptorTable = (typeof DESCRIPTOR_TABLES)[number];

/** Registers held as one 64-bit value in CpuState (besides the GPRs). */
export const PLAIN_REGISTERS = [
  'rip',
  'rflags',
  'cr0',
  'cr2',
  'cr3',
  'cr4',
  'efer',
  'dr0',
  'dr1',
  'dr2',
  'dr3',
  'dr6',
  'dr7',
] as const;
export type PlainRegister = (typeof PLAIN_REGISTERS)[number];

/**
 * A segment register with its hidden descriptor cache.
 * `attributes` uses the VMX "access rights" layout (the one KVM's segment cache maps onto):
 * bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G; bit 16 set = unusable (null selector).
 */
export interface Segment {
  selector: number;
  base: bigint;
  limit: number;
  attributes: number;
}

export interface DescriptorTableRegister {
  base: bigint;
  limit: number;
}

/** The architectural state an engine starts from and ends in. */
export interface CpuState {
  gpr: Record<Gpr, bigint>;
  rip: bigint;
  rflags: bigint;
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
  /** Debug registers: DR0-DR3 as written, DR6 and DR7 with their fixed bits as the CPU reads them. */
  dr0: bigint;
  dr1: bigint;
  dr2: bigint;
  dr3: bigint;
  dr6: bigint;
  dr7: bigint;
  /** Other MSRs by number (EFER lives in `efer`, not here). */
  msr: Map<number, bigint>;
  seg: Record<SegmentRegister, Segment>;
  ldtr: Segment;
  tr: Segment;
  gdtr: DescriptorTableRegister;
  idtr: DescriptorTableRegister;
}

/**
 * The debug registers the state holds: the four breakpoint addresses, the status register DR6 and the
 * control register DR7 (SDM vol. 3B, 19.2). DR4 and DR5 are not registers of their own: with CR4.DE
 * clear they are DR6 and DR7 under another number, with it set a move to or from them is #UD.
 */
export const DEBUG_REGISTERS = ['dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7'] as const;
export type DebugRegister = (typeof DEBUG_REGISTERS)[number];
/** The breakpoint-address registers (no named bits). */
export const BREAKPOINT_REGISTERS = ['dr0', 'dr1', 'dr2', 'dr3'] as const;
export type BreakpointRegister = (typeof BREAKPOINT_REGISTERS)[number];

/** The operating mode, derived from CR0.PE, EFER.LMA and CS.L (never stored). */
export type CpuMode = 'real' | 'protected' | 'compatibility' | '64-bit';
