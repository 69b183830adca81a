// Linear -> physical translation: the IA-32e page walk (SDM vol. 3, 4.5).
// 4-level walk from CR3, 5-level when CR4.LA57. With CR0.PG=0 the linear address is the physical one.
// A failed walk returns the #PF error code (bit 0 P: protection violation rather than not-present,
// bit 1 W/R, bit 2 U/S, bit 3 RSVD, bit 4 I/D); the caller sets CR2 and raises the fault.
// Accessed and dirty flags (SDM vol. 3, 4.8): a walk made for a real access (`Access.update`) sets A in
// every entry it used, at every level, and D in the entry that maps the page when the access is a write.
// Only a successful walk sets them: a walk that ends in #PF leaves every entry as it was, which is what
// the CPU under KVM does (test/paging.test.ts and the system corpus case `ad-bits-fault-leaves-entries`).
// Other callers (checks, the KVM engine's address lookups) translate without touching memory.
// 32-bit paging (PG=1 with PAE=0) and legacy PAE paging are not modelled here: those modes are never
// used by the kexec paths (protected mode there always runs with paging off), and a walk in them
// reports a reserved-bit #PF rather than guessing.

import type { PhysicalMemory } from './memory.ts';
import { CR0_PG, CR0_WP, CR4_LA57, CR4_PAE, EFER_NXE } from '../x86/bits.ts';
import {
  PF_I,
  PF_P,
  PF_RSVD,
  PF_U,
  PF_W,
  PTE_A,
  PTE_ADDR_MASK as ADDR_MASK,
  PTE_D,
  PTE_NX,
  PTE_P,
  PTE_PS,
  PTE_RW,
  PTE_US,
} from '../x86/paging.ts';
import type { CpuState } from '../x86/registers.ts';

export interface Access {
  write?: boolean;
  exec?: boolean;
  user?: boolean;
  /** The processor's own access: set the accessed (and, for a write, dirty) flags on success. */
  update?: boolean;
}

export type Translation = { ok: true; phys: bigint } | { ok: false; errorCode: number };

/**
 * Translate one linear address. Memory outside RAM while walking throws MemoryError (from `mem`),
 * which the caller reports as a 'memory' stop naming the table entry's address.
 */
export function translate(
  mem: PhysicalMemory,
  cpu: Pick<CpuState, 'cr0' | 'cr3' | 'cr4' | 'efer'>,
  linear: bigint,
  access: Access = {},
): Translation {
  if ((cpu.cr0 & CR0_PG) === 0n) return { ok: true, phys: linear };
  const write = access.write === true;
  const exec = access.exec === true;
  const user = access.user === true;
  const baseCode = (write ? PF_W : 0) | (user ? PF_U : 0) | (exec && (cpu.efer & EFER_NXE) !== 0n ? PF_I : 0);
  if ((cpu.cr4 & CR4_PAE) === 0n) return { ok: false, errorCode: baseCode | PF_RSVD | PF_P };
  const levels = (cpu.cr4 & CR4_LA57) !== 0n ? 5 : 4;
  const nxe = (cpu.efer & EFER_NXE) !== 0n;
  let table = cpu.cr3 & ADDR_MASK;
  let rw = true;
  let us = true;
  let nx = false;
  const used: { addr: bigint; entry: bigint }[] = [];
  for (let level = levels; level >= 1; level--) {
    const shift = 12n + 9n * BigInt(level - 1);
    const index = (linear >> shift) & 0x1ffn;
    const addr = table + index * 8n;
    const entry = mem.readU64(addr);
    used.push({ addr, entry });
    if ((entry & PTE_P) === 0n) return { ok: false, errorCode: baseCode };
    if (!nxe && (entry & PTE_NX) !== 0n) return { ok: false, errorCode: baseCode | PF_RSVD | PF_P };
    rw &&= (entry & PTE_RW) !== 0n;
    us &&= (entry & PTE_US) !== 0n;
    nx ||= (entry & PTE_NX) !== 0n;
    const large = (entry & PTE_PS) !== 0n;
    if (large && level > 3) return { ok: false, errorCode: baseCode | PF_RSVD | PF_P };
    if (level === 1 || large) {
      const pageMask = (1n << shift) - 1n;
      // A large page's frame must be aligned to its size; bit 12 is PAT in the entry, not address.
      const frame = entry & ADDR_MASK & ~pageMask;
      if (large && (entry & ADDR_MASK & pageMask & ~0x1000n) !== 0n)
        return { ok: false, errorCode: baseCode | PF_RSVD | PF_P };
      // Supervisor writes honour R/W only with CR0.WP; user accesses always do.
      if (write && !rw && (user || (cpu.cr0 & CR0_WP) !== 0n))
        return { ok: false, errorCode: baseCode | PF_P };
      if (user && !us) return { ok: false, errorCode: baseCode | PF_P };
      if (exec && nxe && nx) return { ok: false, errorCode: baseCode | PF_P };
      if (access.update === true) setAccessedDirty(mem, used, write);
      return { ok: true, phys: frame | (linear & pageMask) };
    }
    table = entry & ADDR_MASK;
  }
  throw new Error('unreachable: page walk ended without a leaf');
}

/** Sets A in every entry of a successful walk and D in its last (the one mapping the page) for a write. */
function setAccessedDirty(
  mem: PhysicalMemory,
  used: { addr: bigint; entry: bigint }[],
  write: boolean,
): void {
  used.forEach(({ addr, entry }, k) => {
    const want = entry | PTE_A | (write && k === used.length - 1 ? PTE_D : 0n);
    if (want !== entry) mem.writeU64(addr, want);
  });
}

/** Whether a linear address is canonical for the paging depth (48 or 57 bits). */
export function isCanonical(linear: bigint, la57: boolean): boolean {
  const bits = la57 ? 57n : 48n;
  const top = linear >> (bits - 1n);
  return top === 0n || top === (1n << (65n - bits)) - 1n;
}
