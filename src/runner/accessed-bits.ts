// The descriptor accessed bit (SDM vol. 3, 3.4.5.1): a CPU sets bit 0 of a descriptor's type when it
// loads a selector for it into a segment register, with a write through the descriptor's linear
// address (which sets Accessed and Dirty in the page walk like any other write). Some engines skip that
// write on some paths (unicorn on far transfers, a KVM host on iretq). This module tells whether two
// final memories differ in exactly those writes — nothing else — so the engines' lists of known
// differences can explain such a case with evidence instead of hiding every memory difference.

import { differingBytes, SparseMemory, type PhysicalMemory } from './memory.ts';
import { translate } from './paging.ts';
import { hex } from '../x86/hex.ts';
import { GPRS, type CpuState, type DescriptorTableRegister } from '../x86/registers.ts';

export interface MemoryRun {
  state: CpuState;
  memory: PhysicalMemory;
}

/** The descriptor whose type byte (byte 5) is at physical `phys`, in one of the tables, and its linear address. */
function descriptorAt(
  run: MemoryRun,
  tables: DescriptorTableRegister[],
  phys: bigint,
): { linear: bigint; table: bigint } | undefined {
  for (const t of tables) {
    for (let off = 0; off + 7 <= t.limit; off += 8) {
      const linear = t.base + BigInt(off) + 5n;
      try {
        const r = translate(run.memory, run.state, linear);
        if (r.ok && r.phys === phys) return { linear: linear - 5n, table: t.base };
      } catch {
        break; // a table outside RAM
      }
    }
  }
  return undefined;
}

/**
 * Evidence (one line) that `other` ends as `reference` does (RIP, GPRs) and that its memory differs only
 * by accessed bits the reference set in descriptors of the GDT (the world's, or either run's final one)
 * and the A/D bits those writes set in the page walk; undefined when anything else differs, or nothing.
 */
export function missingAccessedBits(
  gdtr: DescriptorTableRegister,
  reference: MemoryRun,
  other: MemoryRun,
): string | undefined {
  const { state: a } = reference;
  const { state: b } = other;
  if (a.rip !== b.rip || GPRS.some((r) => a.gpr[r] !== b.gpr[r])) return undefined;
  const diff = differingBytes(reference.memory, other.memory, 4097);
  if (!diff.length || diff.length > 4096) return undefined;
  const tables = [gdtr, reference.state.gdtr, other.state.gdtr];
  const replay = new SparseMemory(other.memory.regions);
  for (const [p, page] of other.memory.pages()) replay.write(p, page);
  const found: string[] = [];
  for (const phys of diff) {
    const [r] = reference.memory.read(phys, 1);
    const [o] = other.memory.read(phys, 1);
    // A present code/data descriptor's type byte whose only difference is A, set in the reference.
    if (r !== (o! | 1) || (r! & 0x90) !== 0x90) continue;
    const d = descriptorAt(reference, tables, phys);
    if (!d) continue;
    try {
      const t = translate(replay, reference.state, d.linear + 5n, { write: true, update: true });
      if (!t.ok) continue;
      replay.write(t.phys, Uint8Array.of(r!));
    } catch {
      continue;
    }
    found.push(`${hex(d.linear)} (type 0x${o!.toString(16)}, the reference 0x${r!.toString(16)})`);
  }
  if (!found.length || differingBytes(reference.memory, replay, 1).length) return undefined;
  return `the accessed bit is clear in the descriptor${found.length > 1 ? 's' : ''} at ${found.join(', ')}; nothing else in memory differs`;
}
