// Per-step trace: which state items an instruction changed (names as in src/x86/items.ts), kept in a
// bounded buffer. Only used when RunOptions.trace is set.
//
// Cost matters: a traced run is the first seed of every example, and an example may run for tens of
// millions of steps. So the state before a step is captured into preallocated typed arrays (no Map,
// no BigInt per item), items are compared as numbers, and BigInts are built only for what changed.
// The buffer keeps the first and the last `keep / 2` steps and counts the ones left out between them,
// the shape the site's trace viewer shows ("... N steps left out of this long run ...").

import type { TraceStep } from '../types.ts';
import { GPR_NAMES, type Machine, SEG_NAMES, toBig } from './machine.ts';

const SEG_ITEMS = SEG_NAMES.map((n) => [`${n}.selector`, `${n}.base`, `${n}.limit`, `${n}.attributes`]);

/** The state items of a Machine as they were before a step, and what the step changed. */
export class StepDiff {
  private readonly lo = new Uint32Array(16);
  private readonly hi = new Uint32Array(16);
  private flags = 0;
  private cr0 = 0n;
  private cr2 = 0n;
  private cr3 = 0n;
  private cr4 = 0n;
  private efer = 0n;
  /** DR0-DR3, DR6, DR7. */
  private readonly dr: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n];
  /** MSRs as flat [number, value] pairs, in the Map's order (a handful at most). */
  private msr: (number | bigint)[] = [];
  /** selector, limit, attributes per segment (numbers); bases separately (bigint). */
  private readonly seg = new Float64Array(SEG_NAMES.length * 3);
  private readonly segBase: bigint[] = SEG_NAMES.map(() => 0n);
  /** ldtr.selector, tr.selector, gdtr.limit, idtr.limit. */
  private readonly small = new Float64Array(4);
  private gdtrBase = 0n;
  private idtrBase = 0n;

  /** Remember the state before a step. */
  capture(m: Machine): void {
    this.lo.set(m.lo);
    this.hi.set(m.hi);
    this.flags = m.flags >>> 0;
    this.cr0 = m.cr0;
    this.cr2 = m.cr2;
    this.cr3 = m.cr3;
    this.cr4 = m.cr4;
    this.efer = m.efer;
    for (let n = 0; n < 4; n++) this.dr[n] = m.dr[n]!;
    this.dr[4] = m.dr6;
    this.dr[5] = m.dr7;
    if (m.msr.size || this.msr.length) {
      this.msr = [];
      for (const [n, v] of m.msr) this.msr.push(n, v);
    }
    for (let i = 0; i < SEG_NAMES.length; i++) {
      const g = m.seg[i]!;
      this.seg[i * 3] = g.selector;
      this.seg[i * 3 + 1] = g.limit >>> 0;
      this.seg[i * 3 + 2] = g.attributes;
      this.segBase[i] = g.base;
    }
    this.small[0] = m.ldtr.selector;
    this.small[1] = m.tr.selector;
    this.small[2] = m.gdtr.limit;
    this.small[3] = m.idtr.limit;
    this.gdtrBase = m.gdtr.base;
    this.idtrBase = m.idtr.base;
  }

  /** The items whose value differs from the captured state, with their new values. */
  changes(m: Machine): Record<string, bigint> {
    const out: Record<string, bigint> = {};
    for (let i = 0; i < 16; i++)
      if (m.lo[i] !== this.lo[i] || m.hi[i] !== this.hi[i]) out[GPR_NAMES[i]!] = toBig(m.lo[i]!, m.hi[i]!);
    if (m.flags >>> 0 !== this.flags) out.rflags = BigInt(m.flags >>> 0);
    if (m.cr0 !== this.cr0) out.cr0 = m.cr0;
    if (m.cr2 !== this.cr2) out.cr2 = m.cr2;
    if (m.cr3 !== this.cr3) out.cr3 = m.cr3;
    if (m.cr4 !== this.cr4) out.cr4 = m.cr4;
    if (m.efer !== this.efer) out.efer = m.efer;
    for (let n = 0; n < 4; n++) if (m.dr[n] !== this.dr[n]) out[`dr${n}`] = m.dr[n]!;
    if (m.dr6 !== this.dr[4]) out.dr6 = m.dr6;
    if (m.dr7 !== this.dr[5]) out.dr7 = m.dr7;
    if (m.msr.size) {
      for (const [n, v] of m.msr) {
        const j = this.msr.indexOf(n);
        if (j < 0 || this.msr[j + 1] !== v) out[`msr.0x${n.toString(16)}`] = v;
      }
    }
    for (let i = 0; i < SEG_NAMES.length; i++) {
      const g = m.seg[i]!;
      const names = SEG_ITEMS[i]!;
      if (g.selector !== this.seg[i * 3]) out[names[0]!] = BigInt(g.selector);
      if (g.base !== this.segBase[i]) out[names[1]!] = g.base;
      if (g.limit >>> 0 !== this.seg[i * 3 + 1]) out[names[2]!] = BigInt(g.limit >>> 0);
      if (g.attributes !== this.seg[i * 3 + 2]) out[names[3]!] = BigInt(g.attributes);
    }
    if (m.ldtr.selector !== this.small[0]) out['ldtr.selector'] = BigInt(m.ldtr.selector);
    if (m.tr.selector !== this.small[1]) out['tr.selector'] = BigInt(m.tr.selector);
    if (m.gdtr.base !== this.gdtrBase) out['gdtr.base'] = m.gdtr.base;
    if (m.gdtr.limit !== this.small[2]) out['gdtr.limit'] = BigInt(m.gdtr.limit);
    if (m.idtr.base !== this.idtrBase) out['idtr.base'] = m.idtr.base;
    if (m.idtr.limit !== this.small[3]) out['idtr.limit'] = BigInt(m.idtr.limit);
    return out;
  }
}

/**
 * The first `keep / 2` steps and the last `keep / 2` (a ring), and how many fell between them.
 * Memory stays bounded however long the run: a copy loop or a run into zero-filled memory can take
 * millions of steps.
 */
export class TraceBuffer {
  private readonly head: TraceStep[] = [];
  private readonly ring: TraceStep[] = [];
  private next = 0;
  private total = 0;
  private readonly half: number;

  constructor(keep: number) {
    this.half = Math.max(1, Math.floor(keep / 2));
  }

  /** Whether step number `n` (0-based) is one to record when the last half starts at `from`. */
  wants(n: number, from: number): boolean {
    return n < this.half || n >= from;
  }

  /** A step that is not recorded (known to fall between the halves). */
  skip(): void {
    this.total++;
  }

  push(step: TraceStep): void {
    this.total++;
    if (this.head.length < this.half) {
      this.head.push(step);
      return;
    }
    if (this.ring.length < this.half) this.ring.push(step);
    else this.ring[this.next] = step;
    this.next = (this.next + 1) % this.half;
  }

  /** Steps left out between the kept first and last halves. */
  get omitted(): number {
    return this.total - this.head.length - this.ring.length;
  }

  /** The kept steps in order: the first half, then the last half. */
  steps(): TraceStep[] {
    const tail =
      this.ring.length < this.half
        ? this.ring
        : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return [...this.head, ...tail];
  }
}
