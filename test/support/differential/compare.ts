// Comparing two engines' results on one case: the first differing item, named the way state items
// are named (rax .. r15, rip, rflags.CF ...), with both values.
//
// Two rules about what "the same" means (docs/guides/engines.md, "What is compared"):
// - Stops are compared by reason and RIP, never by message wording. An engine that cannot see
//   exception delivery (kvm) reports how a guest handler's run ended ('hlt', 'budget') where the
//   interpreter, which saw the delivery, reports 'fault': those are the same end. The delivered vector
//   is compared where both engines report one.
// - After a triple fault (shutdown on both engines) the SDM defines no register state. What the
//   faulting instruction started from is compared; what the failed delivery attempts leave behind is
//   not: RFLAGS.RF (a fault sets RF in the RFLAGS image it pushes; kvm reports that image) and CR2 (a
//   #PF met while pushing a frame for the original exception, or not, depending on how far the
//   implementation's delivery got).
// - Memory is compared byte for byte over all of RAM (firstMemoryDifference), after the state: the
//   interpreter models what a CPU writes besides the program's own stores (Accessed/Dirty bits in
//   every level of a walk, the descriptor accessed bit, RF in pushed frames). A case must leave no
//   undefined flag in an RFLAGS image it pushes (pushfq, an exception frame): those images are memory.

import { differingBytes, type PhysicalMemory } from '../../../src/runner/memory.ts';
import type { RunResult, Stop, StopReason } from '../../../src/runner/types.ts';
import { hex } from '../../../src/x86/hex.ts';
import { GPRS } from '../../../src/x86/registers.ts';

export interface Difference {
  item: string;
  a: string;
  b: string;
}

export const FLAG_BITS: [string, number][] = [
  ['CF', 0],
  ['PF', 2],
  ['AF', 4],
  ['ZF', 6],
  ['SF', 7],
  ['TF', 8],
  ['IF', 9],
  ['DF', 10],
  ['OF', 11],
  ['IOPL', 12],
  ['NT', 14],
  ['RF', 16],
  ['VM', 17],
  ['AC', 18],
  ['ID', 21],
];

export const RFLAGS_RF = 1n << 16n;

/** Items not compared after a triple fault on both sides (see the rule at the top). */
export const NOT_COMPARED_AFTER_SHUTDOWN = ['rflags.RF', 'cr2'] as const;

/** How a run ended that every engine can observe: a delivered-but-unhandled fault ends as its handler did. */
const END_AFTER_DELIVERY: ReadonlySet<StopReason> = new Set(['hlt', 'budget']);

/** Whether two stop reasons describe the same end of a run (the 'fault' rule at the top). */
export function sameStopReason(a: StopReason, b: StopReason): boolean {
  if (a === b) return true;
  return (a === 'fault' && END_AFTER_DELIVERY.has(b)) || (b === 'fault' && END_AFTER_DELIVERY.has(a));
}

/** The stop items that differ: reason (by the rule above), then the vector where both know it. */
export function stopDifference(a: Stop, b: Stop): Difference | undefined {
  if (!sameStopReason(a.reason, b.reason))
    return { item: 'stop', a: `${a.reason} (${a.message})`, b: `${b.reason} (${b.message})` };
  if (a.vector !== undefined && b.vector !== undefined && a.vector !== b.vector)
    return { item: 'stop.vector', a: String(a.vector), b: String(b.vector) };
  return undefined;
}

/**
 * The first difference between `a` and `b` on what the differential tests compare: the stop (reason
 * and vector, stopDifference), RIP, every GPR, and RFLAGS outside `undefinedFlags`. Undefined when
 * they agree.
 */
export function firstDifference(a: RunResult, b: RunResult, undefinedFlags: bigint): Difference | undefined {
  const stop = stopDifference(a.stop, b.stop);
  if (stop) return stop;
  if (a.state.rip !== b.state.rip) return { item: 'rip', a: hex(a.state.rip), b: hex(b.state.rip) };
  for (const r of GPRS)
    if (a.state.gpr[r] !== b.state.gpr[r]) return { item: r, a: hex(a.state.gpr[r]), b: hex(b.state.gpr[r]) };
  const fa = a.state.rflags & ~undefinedFlags;
  const fb = b.state.rflags & ~undefinedFlags;
  if (fa !== fb) {
    for (const [name, bit] of FLAG_BITS) {
      const width = name === 'IOPL' ? 3n : 1n;
      const va = (fa >> BigInt(bit)) & width;
      const vb = (fb >> BigInt(bit)) & width;
      if (va !== vb)
        return {
          item: `rflags.${name}`,
          a: `${va} (rflags ${hex(a.state.rflags)})`,
          b: `${vb} (rflags ${hex(b.state.rflags)})`,
        };
    }
    return { item: 'rflags', a: hex(a.state.rflags), b: hex(b.state.rflags) };
  }
  return undefined;
}

/** Names of the flags in a mask, for reports ("AF OF"). */
export function flagNames(mask: bigint): string {
  return FLAG_BITS.filter(([, bit]) => (mask >> BigInt(bit)) & 1n)
    .map(([n]) => n)
    .join(' ');
}

/** Both runs ended in a triple fault: the shutdown rule at the top applies. */
export function bothShutDown(a: RunResult, b: RunResult): boolean {
  return a.stop.reason === 'triple-fault' && b.stop.reason === 'triple-fault';
}

/**
 * The first difference on everything a system-level case can change: the common items above, then
 * CR0/CR2/CR3/CR4/EFER, DR0-DR3/DR6/DR7, segment selectors (and, with `caches`, their hidden parts), GDTR, IDTR and the
 * port I/O events. A vector or error code one engine does not report (KVM's triple fault) is skipped;
 * after a triple fault on both sides RFLAGS.RF and CR2 are not compared.
 */
export function firstSystemDifference(
  a: RunResult,
  b: RunResult,
  undefinedFlags: bigint,
  opts: { caches: boolean },
): Difference | undefined {
  const shutdown = bothShutDown(a, b);
  const rest = firstDifference(a, b, shutdown ? undefinedFlags | RFLAGS_RF : undefinedFlags);
  if (rest) return rest;
  for (const k of ['cr0', 'cr2', 'cr3', 'cr4', 'efer', 'dr0', 'dr1', 'dr2', 'dr3', 'dr6', 'dr7'] as const)
    if (!(shutdown && k === 'cr2') && a.state[k] !== b.state[k])
      return { item: k, a: hex(a.state[k]), b: hex(b.state[k]) };
  for (const s of ['cs', 'ds', 'es', 'fs', 'gs', 'ss'] as const) {
    const x = a.state.seg[s];
    const y = b.state.seg[s];
    if (x.selector !== y.selector)
      return { item: `${s}.selector`, a: hex(BigInt(x.selector)), b: hex(BigInt(y.selector)) };
    if (!opts.caches || x.attributes & 0x10000 || y.attributes & 0x10000) continue;
    if (x.base !== y.base) return { item: `${s}.base`, a: hex(x.base), b: hex(y.base) };
    // Accessed (bit 0) is set by loads on some paths and not others; it changes nothing.
    if ((x.attributes | 1) !== (y.attributes | 1))
      return { item: `${s}.attributes`, a: hex(BigInt(x.attributes)), b: hex(BigInt(y.attributes)) };
  }
  for (const t of ['gdtr', 'idtr'] as const) {
    if (a.state[t].base !== b.state[t].base)
      return { item: `${t}.base`, a: hex(a.state[t].base), b: hex(b.state[t].base) };
    if (a.state[t].limit !== b.state[t].limit)
      return { item: `${t}.limit`, a: hex(BigInt(a.state[t].limit)), b: hex(BigInt(b.state[t].limit)) };
  }
  const pa = JSON.stringify(a.ports);
  const pb = JSON.stringify(b.ports);
  if (pa !== pb) return { item: 'ports', a: pa, b: pb };
  return undefined;
}

/**
 * The first run of differing bytes between two final memories (all of RAM), with both engines' bytes
 * of that run (up to 16) and how many bytes differ in all. Undefined when they are the same.
 */
export function firstMemoryDifference(a: PhysicalMemory, b: PhysicalMemory): Difference | undefined {
  const diff = differingBytes(a, b);
  if (diff.length === 0) return undefined;
  const start = diff[0]!;
  let n = 1;
  while (n < 16 && diff[n] === start + BigInt(n)) n++;
  const end = start + BigInt(n - 1);
  const bytes = (m: PhysicalMemory) =>
    [...m.read(start, n)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  const range = n === 1 ? hex(start) : `${hex(start)}..${hex(end)}`;
  const total =
    diff.length === n ? '' : ` (${diff.length} bytes differ in all, the last at ${hex(diff.at(-1)!)})`;
  return { item: `memory ${range}${total}`, a: bytes(a), b: bytes(b) };
}
