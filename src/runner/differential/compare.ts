// Comparing two engines' results on one case: the first differing item, named the way state items
// are named (rax .. r15, rip, rflags.CF ...), with both values.

import { GPRS, type RunResult } from '../types.ts';

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

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * The first difference between `a` and `b` on what the differential tests compare: the stop (reason
 * and vector), RIP, every GPR, and RFLAGS outside `undefinedFlags`. Undefined when they agree.
 */
export function firstDifference(a: RunResult, b: RunResult, undefinedFlags: bigint): Difference | undefined {
  if (a.stop.reason !== b.stop.reason) return { item: 'stop', a: a.stop.message, b: b.stop.message };
  if (a.stop.vector !== b.stop.vector)
    return { item: 'stop.vector', a: String(a.stop.vector), b: String(b.stop.vector) };
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

/**
 * The first difference on everything a system-level case can change: the common items above, then
 * CR0/CR2/CR3/CR4/EFER, segment selectors (and, with `caches`, their hidden parts), GDTR, IDTR and the
 * port I/O events. A vector or error code one engine does not report (KVM's triple fault) is skipped.
 */
export function firstSystemDifference(
  a: RunResult,
  b: RunResult,
  undefinedFlags: bigint,
  opts: { caches: boolean },
): Difference | undefined {
  if (a.stop.reason !== b.stop.reason) return { item: 'stop', a: a.stop.message, b: b.stop.message };
  if (a.stop.vector !== undefined && b.stop.vector !== undefined && a.stop.vector !== b.stop.vector)
    return { item: 'stop.vector', a: String(a.stop.vector), b: String(b.stop.vector) };
  const rest = firstDifference({ ...a, stop: b.stop }, b, undefinedFlags);
  if (rest) return rest;
  for (const k of ['cr0', 'cr2', 'cr3', 'cr4', 'efer'] as const)
    if (a.state[k] !== b.state[k]) return { item: k, a: hex(a.state[k]), b: hex(b.state[k]) };
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
