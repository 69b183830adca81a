// The baseline world: the machine a standalone run (and every spec stage, before its `given` changes)
// starts from. 64 MiB of RAM, 64-bit mode with paging on, an identity map of the first 1 GiB, a flat
// GDT, no IDT, and the CPUID of a plausible x86-64 CPU. The README documents it as tables; keep them in
// step.

import type { CpuidEntry, World } from './types.ts';
import type { CpuState, Segment } from '../x86/registers.ts';
import { GPRS } from '../x86/registers.ts';
import { DEBUG_REGISTERS_AT_RESET } from '../x86/bits.ts';

export const BASELINE = {
  ramSize: 64n << 20n,
  pml4: 0x1000n,
  gdt: 0x4000n,
  gdtLimit: 0x1f,
  identitySize: 1n << 30n,
  code: 0x100000n,
  rsp: 0x80000n,
  codeSelector: 0x10,
  dataSelector: 0x18,
  /** 64-bit code: base 0, limit 4 GiB, P, DPL 0, execute/read, L=1, G=1. */
  codeDescriptor: 0x00af9a000000ffffn,
  /** Data: base 0, limit 4 GiB, P, DPL 0, read/write, D/B=1, G=1. */
  dataDescriptor: 0x00cf92000000ffffn,
  cr0: 0x80050033n, // PG | AM | WP | NE | ET | MP | PE
  cr3: 0x1000n,
  cr4: 0x20n, // PAE
  efer: 0x500n, // LME | LMA (long mode active; SCE and NXE off)
  rflags: 0x2n, // only the always-one bit
} as const;

/**
 * The baseline CPU as CPUID describes it: one row per value it reports (leaf, register, bits). A
 * plausible x86-64 processor that claims what every engine can stand behind: what a 64-bit Linux kernel
 * requires before it runs (FPU MSR PAE CX8 PGE FXSR CMOV SSE SSE2 and LM: torvalds/linux@0401bbf5
 * arch/x86/include/asm/required-features.h), what the paging model implements (PSE, PGE, NX, 52-bit
 * physical and 48-bit linear addresses), SYSCALL (EFER.SCE is writable) and LAHF/SAHF in 64-bit mode.
 * Left out on purpose: 1 GiB pages (not every CPU has them), LA57, APIC, TSC, XSAVE/AVX. Claimed
 * features whose instructions the interpreter does not model (x87, SSE, cmpxchg8b, fxsave) stop a run
 * as `unsupported` there. Any leaf not listed reads as zeros. The README's baseline world section
 * carries the same table (test/world.test.ts keeps them in step).
 */
export const BASELINE_CPUID_TABLE: readonly {
  leaf: number;
  reg: 'eax' | 'ebx' | 'ecx' | 'edx';
  /** The low bit and the number of bits of the field. */
  bit: number;
  width: number;
  value: number;
  name: string;
}[] = [
  { leaf: 0, reg: 'eax', bit: 0, width: 32, value: 0x1, name: 'highest basic leaf' },
  { leaf: 0, reg: 'ebx', bit: 0, width: 32, value: 0x756e6547, name: 'vendor "Genu"' },
  { leaf: 0, reg: 'edx', bit: 0, width: 32, value: 0x49656e69, name: 'vendor "ineI"' },
  { leaf: 0, reg: 'ecx', bit: 0, width: 32, value: 0x6c65746e, name: 'vendor "ntel"' },
  { leaf: 1, reg: 'eax', bit: 0, width: 32, value: 0x6f6, name: 'family 6, model 15, stepping 6' },
  { leaf: 1, reg: 'ebx', bit: 8, width: 8, value: 8, name: 'CLFLUSH line size (8 x 8 = 64 bytes)' },
  { leaf: 1, reg: 'ebx', bit: 16, width: 8, value: 1, name: 'logical processors per package' },
  { leaf: 1, reg: 'edx', bit: 0, width: 1, value: 1, name: 'FPU' },
  { leaf: 1, reg: 'edx', bit: 3, width: 1, value: 1, name: 'PSE' },
  { leaf: 1, reg: 'edx', bit: 5, width: 1, value: 1, name: 'MSR' },
  { leaf: 1, reg: 'edx', bit: 6, width: 1, value: 1, name: 'PAE' },
  { leaf: 1, reg: 'edx', bit: 8, width: 1, value: 1, name: 'CX8' },
  { leaf: 1, reg: 'edx', bit: 13, width: 1, value: 1, name: 'PGE' },
  { leaf: 1, reg: 'edx', bit: 15, width: 1, value: 1, name: 'CMOV' },
  { leaf: 1, reg: 'edx', bit: 19, width: 1, value: 1, name: 'CLFSH' },
  { leaf: 1, reg: 'edx', bit: 24, width: 1, value: 1, name: 'FXSR' },
  { leaf: 1, reg: 'edx', bit: 25, width: 1, value: 1, name: 'SSE' },
  { leaf: 1, reg: 'edx', bit: 26, width: 1, value: 1, name: 'SSE2' },
  { leaf: 0x80000000, reg: 'eax', bit: 0, width: 32, value: 0x80000008, name: 'highest extended leaf' },
  { leaf: 0x80000001, reg: 'ecx', bit: 0, width: 1, value: 1, name: 'LAHF/SAHF in 64-bit mode' },
  { leaf: 0x80000001, reg: 'edx', bit: 11, width: 1, value: 1, name: 'SYSCALL' },
  { leaf: 0x80000001, reg: 'edx', bit: 20, width: 1, value: 1, name: 'NX' },
  { leaf: 0x80000001, reg: 'edx', bit: 29, width: 1, value: 1, name: 'LM' },
  { leaf: 0x80000008, reg: 'eax', bit: 0, width: 8, value: 52, name: 'physical address bits (52)' },
  { leaf: 0x80000008, reg: 'eax', bit: 8, width: 8, value: 48, name: 'linear address bits (48)' },
];

/** BASELINE_CPUID_TABLE as the CPUID entries a world carries (one per leaf, registers assembled). */
export function baselineCpuid(): CpuidEntry[] {
  const byLeaf = new Map<number, CpuidEntry>();
  for (const row of BASELINE_CPUID_TABLE) {
    let e = byLeaf.get(row.leaf);
    if (!e) byLeaf.set(row.leaf, (e = { leaf: row.leaf, eax: 0, ebx: 0, ecx: 0, edx: 0 }));
    e[row.reg] = (e[row.reg] | (row.value * 2 ** row.bit)) >>> 0;
  }
  return [...byLeaf.values()];
}

/**
 * CPUID feature flags behind CR4 bits a caller may run with: a CPU that lets software set the CR4 bit
 * reports the feature (SDM vol. 2A, CPUID leaf 1 ECX and leaf 7 subleaf 0). OSXSAVE (leaf 1 ECX bit 27)
 * mirrors CR4.OSXSAVE. CET has two feature flags (shadow stacks, indirect-branch tracking); either
 * allows the bit.
 */
const CR4_FEATURES: readonly { cr4Bit: number; leaf: 1 | 7; reg: 'ebx' | 'ecx' | 'edx'; bits: number[] }[] = [
  { cr4Bit: 11, leaf: 7, reg: 'ecx', bits: [2] }, // UMIP
  { cr4Bit: 12, leaf: 7, reg: 'ecx', bits: [16] }, // LA57
  { cr4Bit: 16, leaf: 7, reg: 'ebx', bits: [0] }, // FSGSBASE
  { cr4Bit: 17, leaf: 1, reg: 'ecx', bits: [17] }, // PCID
  { cr4Bit: 18, leaf: 1, reg: 'ecx', bits: [26, 27] }, // XSAVE, OSXSAVE
  { cr4Bit: 20, leaf: 7, reg: 'ebx', bits: [7] }, // SMEP
  { cr4Bit: 21, leaf: 7, reg: 'ebx', bits: [20] }, // SMAP
  { cr4Bit: 22, leaf: 7, reg: 'ecx', bits: [3] }, // PKU
  { cr4Bit: 23, leaf: 7, reg: 'ecx', bits: [7] }, // CET_SS
];

/**
 * `cpuid` with the feature flags of every CR4 bit set in `cr4` (CR4_FEATURES); raises the highest basic
 * leaf to 7 when a leaf-7 flag is added. The entries are copied, never changed in place.
 */
export function claimCr4Features(cpuid: readonly CpuidEntry[], cr4: bigint): CpuidEntry[] {
  const out = cpuid.map((e) => ({ ...e }));
  const entry = (leaf: number): CpuidEntry => {
    let e = out.find((x) => x.leaf === leaf && (x.subleaf ?? 0) === 0);
    if (!e)
      out.push(
        (e =
          leaf === 7
            ? { leaf, subleaf: 0, eax: 0, ebx: 0, ecx: 0, edx: 0 }
            : { leaf, eax: 0, ebx: 0, ecx: 0, edx: 0 }),
      );
    return e;
  };
  for (const f of CR4_FEATURES) {
    if (((cr4 >> BigInt(f.cr4Bit)) & 1n) === 0n) continue;
    const e = entry(f.leaf);
    for (const b of f.bits) e[f.reg] = (e[f.reg] | (1 << b)) >>> 0;
    if (f.leaf === 7) {
      const max = entry(0);
      if (max.eax < 7) max.eax = 7;
    }
  }
  return out;
}

/** Page-table entry bits used by the helpers. */
export const PTE_P = 0x1n;
export const PTE_RW = 0x2n;
export const PTE_PS = 0x80n;
const PAGE_2M = 1n << 21n;

/** Segment attributes (VMX access-rights layout, see types.ts) of a null/unusable segment. */
export const UNUSABLE = 0x10000;

/**
 * The hidden-cache fields a descriptor gives, exactly as written in the table: base, byte-granular limit
 * (G scales it by 4 KiB), and the attribute bits 40-47 and 52-55 moved to the VMX layout.
 */
export function decodeDescriptor(desc: bigint): Omit<Segment, 'selector'> {
  const lo = Number(desc & 0xffffffffn);
  const hi = Number((desc >> 32n) & 0xffffffffn);
  const base = BigInt((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) & 0xffffffffn;
  const rawLimit = (lo & 0xffff) | (hi & 0x000f0000);
  const g = (hi >>> 23) & 1;
  const limit = g ? ((rawLimit << 12) | 0xfff) >>> 0 : rawLimit;
  const attributes = ((hi >>> 8) & 0xff) | ((hi >>> 8) & 0xf000);
  return { base, limit, attributes };
}

/**
 * The segment register a CPU holds after loading `selector` from `desc`: the decoded descriptor with the
 * accessed bit set (a CPU sets it on load; VMX, hence KVM, rejects usable segments without it).
 * A null selector (index 0) gives an unusable segment.
 */
export function loadedSegment(selector: number, desc: bigint): Segment {
  if ((selector & ~3) === 0) return { selector, base: 0n, limit: 0, attributes: UNUSABLE };
  const d = decodeDescriptor(desc);
  const isSystem = (d.attributes & 0x10) === 0;
  return { selector, ...d, attributes: isSystem ? d.attributes : d.attributes | 1 };
}

/** The inverse of decodeDescriptor, for building GDTs in tests and worlds (base/limit up to 32 bits). */
export function encodeDescriptor(seg: Omit<Segment, 'selector'>): bigint {
  const g = (seg.attributes >>> 15) & 1;
  const limit = g ? seg.limit >>> 12 : seg.limit;
  const base = seg.base & 0xffffffffn;
  const lo = BigInt(((Number(base & 0xffffn) << 16) | (limit & 0xffff)) >>> 0);
  const hi =
    ((base >> 16n) & 0xffn) |
    (BigInt(seg.attributes & 0xff) << 8n) |
    BigInt(limit & 0xf0000) |
    (BigInt(seg.attributes & 0xf000) << 8n) |
    (base & 0xff000000n);
  return (hi << 32n) | lo;
}

/**
 * Page tables identity-mapping [0, size) with 2 MiB pages, laid out from `pml4`: the PML4 at `pml4`, one
 * PDPT after it, then one page directory per GiB. 1 GiB pages are not used: not every CPU has them.
 * Returns the tables as image chunks (load them, and point CR3 at `pml4`).
 */
export function identityMap(options: { pml4: bigint; size: bigint; pdeFlags?: bigint }): World['image'] {
  const { pml4, size } = options;
  const pdeFlags = options.pdeFlags ?? PTE_P | PTE_RW | PTE_PS;
  if (size <= 0n || size % PAGE_2M !== 0n)
    throw new RangeError(`identity map size 0x${size.toString(16)} is not a multiple of 2 MiB`);
  if (size > 512n << 30n) throw new RangeError('identity map larger than 512 GiB needs more than one PDPT');
  if (pml4 & 0xfffn) throw new RangeError(`page table address 0x${pml4.toString(16)} is not 4 KiB aligned`);
  const pdpt = pml4 + 0x1000n;
  const gibs = Number((size + (1n << 30n) - 1n) >> 30n);
  const tables = new Uint8Array((2 + gibs) * 4096);
  const view = new DataView(tables.buffer);
  view.setBigUint64(0, pdpt | PTE_P | PTE_RW, true);
  for (let g = 0; g < gibs; g++) {
    const pd = pdpt + 0x1000n * BigInt(1 + g);
    view.setBigUint64(0x1000 + 8 * g, pd | PTE_P | PTE_RW, true);
  }
  const pages = Number(size / PAGE_2M);
  for (let i = 0; i < pages; i++) view.setBigUint64(0x2000 + 8 * i, (BigInt(i) * PAGE_2M) | pdeFlags, true);
  return [{ addr: pml4, bytes: tables }];
}

/** The GDT as bytes: one little-endian qword per descriptor. */
export function gdtBytes(descriptors: bigint[]): Uint8Array {
  const bytes = new Uint8Array(descriptors.length * 8);
  const view = new DataView(bytes.buffer);
  descriptors.forEach((d, i) => view.setBigUint64(i * 8, d, true));
  return bytes;
}

export function baselineState(): CpuState {
  const cs = loadedSegment(BASELINE.codeSelector, BASELINE.codeDescriptor);
  const data = () => loadedSegment(BASELINE.dataSelector, BASELINE.dataDescriptor);
  const gpr = Object.fromEntries(GPRS.map((r) => [r, 0n])) as CpuState['gpr'];
  gpr.rsp = BASELINE.rsp;
  return {
    gpr,
    rip: BASELINE.code,
    rflags: BASELINE.rflags,
    cr0: BASELINE.cr0,
    cr2: 0n,
    cr3: BASELINE.cr3,
    cr4: BASELINE.cr4,
    ...DEBUG_REGISTERS_AT_RESET,
    efer: BASELINE.efer,
    msr: new Map(),
    seg: { cs, ds: data(), es: data(), fs: data(), gs: data(), ss: data() },
    ldtr: { selector: 0, base: 0n, limit: 0, attributes: UNUSABLE },
    // No TSS is ever used (no privilege changes, no IST), but 64-bit mode requires a usable TR of type
    // 11 (busy 64-bit TSS) for VM entry, so the cache says so.
    tr: { selector: 0, base: 0n, limit: 0xffff, attributes: 0x8b },
    gdtr: { base: BASELINE.gdt, limit: BASELINE.gdtLimit },
    idtr: { base: 0n, limit: 0 },
  };
}

/** The documented baseline world, with no code loaded yet (RIP = 0x100000). */
export function baselineWorld(): World {
  return {
    ram: [{ base: 0n, size: BASELINE.ramSize }],
    image: [
      ...identityMap({ pml4: BASELINE.pml4, size: BASELINE.identitySize }),
      { addr: BASELINE.gdt, bytes: gdtBytes([0n, 0n, BASELINE.codeDescriptor, BASELINE.dataDescriptor]) },
    ],
    state: baselineState(),
    symbols: {},
    cpuid: baselineCpuid(),
  };
}

/**
 * Adds code to a world at `base` and points RIP at its entry: `_start` when the symbols define it, else
 * the base. The symbols join the world's (for `until` and checks). Image chunks apply in order, so code
 * loaded later wins over earlier contents.
 */
export function loadCode(
  world: World,
  bytes: Uint8Array,
  base: bigint,
  symbols: Record<string, bigint> = {},
): World {
  world.image.push({ addr: base, bytes });
  Object.assign(world.symbols, symbols);
  world.state.rip = symbols._start ?? base;
  return world;
}

export function cloneState(s: CpuState): CpuState {
  const seg = (x: Segment): Segment => ({ ...x });
  return {
    ...s,
    gpr: { ...s.gpr },
    msr: new Map(s.msr),
    seg: {
      cs: seg(s.seg.cs),
      ds: seg(s.seg.ds),
      es: seg(s.seg.es),
      fs: seg(s.seg.fs),
      gs: seg(s.seg.gs),
      ss: seg(s.seg.ss),
    },
    ldtr: seg(s.ldtr),
    tr: seg(s.tr),
    gdtr: { ...s.gdtr },
    idtr: { ...s.idtr },
  };
}

/** A deep copy: running or editing the copy never touches the original. */
export function cloneWorld(w: World): World {
  return {
    ...w,
    ram: w.ram.map((r) => ({ ...r })),
    image: w.image.map((c) => ({ addr: c.addr, bytes: c.bytes.slice() })),
    state: cloneState(w.state),
    symbols: { ...w.symbols },
    cpuid: w.cpuid?.map((e) => ({ ...e })),
  };
}
