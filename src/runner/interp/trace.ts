// Per-step trace: which state items an instruction changed (names as in state-items.ts).
// We snapshot the items before the step and diff after; only used when RunOptions.trace is set.

import { GPR_NAMES, type Machine, SEG_NAMES, toBig } from './machine.ts';

export type Snapshot = Map<string, bigint>;

export function snapshot(m: Machine): Snapshot {
  const s: Snapshot = new Map();
  GPR_NAMES.forEach((n, i) => s.set(n, toBig(m.lo[i], m.hi[i])));
  s.set('rflags', BigInt(m.flags >>> 0));
  s.set('cr0', m.cr0);
  s.set('cr2', m.cr2);
  s.set('cr3', m.cr3);
  s.set('cr4', m.cr4);
  s.set('efer', m.efer);
  for (const [n, v] of m.msr) s.set(`msr.0x${n.toString(16)}`, v);
  SEG_NAMES.forEach((n, i) => {
    const g = m.seg[i];
    s.set(`${n}.selector`, BigInt(g.selector));
    s.set(`${n}.base`, g.base);
    s.set(`${n}.limit`, BigInt(g.limit >>> 0));
    s.set(`${n}.attributes`, BigInt(g.attributes));
  });
  s.set('ldtr.selector', BigInt(m.ldtr.selector));
  s.set('tr.selector', BigInt(m.tr.selector));
  s.set('gdtr.base', m.gdtr.base);
  s.set('gdtr.limit', BigInt(m.gdtr.limit));
  s.set('idtr.base', m.idtr.base);
  s.set('idtr.limit', BigInt(m.idtr.limit));
  return s;
}

export function diff(before: Snapshot, after: Snapshot): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [k, v] of after) if (before.get(k) !== v) out[k] = v;
  return out;
}
