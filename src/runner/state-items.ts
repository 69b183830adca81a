// State items: the flat names every consumer uses for a CpuState (expect checks, trace `changed` keys,
// the site's final-state tables, `kexec-contract run --json`).

import type { CpuState, DescriptorTableRegister, Segment, StopReason } from './types.ts';
import { GPRS, SEGMENT_REGISTERS } from './types.ts';

/** "0x..." lower-case hex, no padding; negative inputs are taken as 64-bit two's complement. */
export function hex(v: bigint | number): string {
  return `0x${BigInt.asUintN(64, BigInt(v)).toString(16)}`;
}

/**
 * Every item of the state by name: rax..r15, rip, rflags, cr0, cr2, cr3, cr4, efer, msr.0x<hex>,
 * <seg>.selector|base|limit|attributes for cs ds es fs gs ss, ldtr.selector, tr.selector,
 * gdtr.base, gdtr.limit, idtr.base, idtr.limit.
 */
export function stateItems(state: CpuState): Record<string, bigint> {
  const items: Record<string, bigint> = {};
  for (const r of GPRS) items[r] = state.gpr[r];
  items.rip = state.rip;
  items.rflags = state.rflags;
  items.cr0 = state.cr0;
  items.cr2 = state.cr2;
  items.cr3 = state.cr3;
  items.cr4 = state.cr4;
  items.efer = state.efer;
  for (const [n, v] of [...state.msr].sort((a, b) => a[0] - b[0])) items[`msr.${hex(n)}`] = v;
  for (const s of SEGMENT_REGISTERS) {
    const seg = state.seg[s];
    items[`${s}.selector`] = BigInt(seg.selector);
    items[`${s}.base`] = seg.base;
    items[`${s}.limit`] = BigInt(seg.limit);
    items[`${s}.attributes`] = BigInt(seg.attributes);
  }
  items['ldtr.selector'] = BigInt(state.ldtr.selector);
  items['tr.selector'] = BigInt(state.tr.selector);
  items['gdtr.base'] = state.gdtr.base;
  items['gdtr.limit'] = BigInt(state.gdtr.limit);
  items['idtr.base'] = state.idtr.base;
  items['idtr.limit'] = BigInt(state.idtr.limit);
  return items;
}

/**
 * Writes one state item by its stateItems name (also `msr:0x<hex>`, as `--set` spells it). Returns false
 * for an unknown name. Values are truncated to the item's width (64 bits, or 16/32 for selectors/limits).
 */
export function setStateItem(state: CpuState, name: string, value: bigint): boolean {
  const v64 = BigInt.asUintN(64, value);
  const n = name.toLowerCase();
  if ((GPRS as readonly string[]).includes(n)) {
    state.gpr[n as (typeof GPRS)[number]] = v64;
    return true;
  }
  switch (n) {
    case 'rip':
    case 'rflags':
    case 'cr0':
    case 'cr2':
    case 'cr3':
    case 'cr4':
    case 'efer':
      state[n] = v64;
      return true;
  }
  const msr = /^msr[.:](0x[0-9a-f]+|\d+)$/.exec(n);
  if (msr) {
    const index = Number(BigInt(msr[1]!));
    if (index === 0xc0000080) state.efer = v64;
    else state.msr.set(index, v64);
    return true;
  }
  const item = /^(cs|ds|es|fs|gs|ss|ldtr|tr|gdtr|idtr)\.(selector|base|limit|attributes)$/.exec(n);
  if (!item) return false;
  const [, reg, field] = item as unknown as [string, string, keyof Segment];
  const target: Partial<Segment> =
    reg === 'gdtr' || reg === 'idtr'
      ? state[reg]
      : reg === 'ldtr' || reg === 'tr'
        ? state[reg]
        : state.seg[reg as (typeof SEGMENT_REGISTERS)[number]];
  if (!(field in target)) return false;
  if (field === 'base') target.base = v64;
  else if (field === 'selector') target.selector = Number(value & 0xffffn);
  else if (field === 'limit') target.limit = Number(value & 0xffffffffn);
  else target.attributes = Number(value & 0xffffffffn);
  return true;
}

/** The shape of `kexec-contract run --json`. */
export interface StateJson {
  stop: { reason: StopReason; vector?: number; errorCode?: number; rip: string; message?: string };
  regs: Record<string, string>;
  cr: { cr0: string; cr2: string; cr3: string; cr4: string };
  efer: string;
  msr: Record<string, string>;
  segments: Record<string, { selector: string; base: string; limit: string; attributes: string }>;
  ldtr: { selector: string };
  tr: { selector: string };
  gdtr: { base: string; limit: string };
  idtr: { base: string; limit: string };
  steps?: number;
  undefinedFlags: string;
  serial: string;
}

/** The `--json` object of `kexec-contract run`: 64-bit values as "0x..." strings. */
export function stateToJson(result: {
  stop: { reason: StopReason; vector?: number; errorCode?: number; rip: bigint; message?: string };
  state: CpuState;
  steps?: number;
  undefinedFlags: bigint;
  serial: string;
}): StateJson {
  const { state } = result;
  const regs: Record<string, string> = {};
  for (const r of GPRS) regs[r] = hex(state.gpr[r]);
  regs.rip = hex(state.rip);
  regs.rflags = hex(state.rflags);
  const seg = (s: Segment) => ({
    selector: hex(s.selector),
    base: hex(s.base),
    limit: hex(s.limit),
    attributes: hex(s.attributes),
  });
  const table = (t: DescriptorTableRegister) => ({ base: hex(t.base), limit: hex(t.limit) });
  const stop: StateJson['stop'] = { reason: result.stop.reason, rip: hex(result.stop.rip) };
  if (result.stop.vector !== undefined) stop.vector = result.stop.vector;
  if (result.stop.errorCode !== undefined) stop.errorCode = result.stop.errorCode;
  if (result.stop.message !== undefined) stop.message = result.stop.message;
  return {
    stop,
    regs,
    cr: { cr0: hex(state.cr0), cr2: hex(state.cr2), cr3: hex(state.cr3), cr4: hex(state.cr4) },
    efer: hex(state.efer),
    msr: Object.fromEntries([...state.msr].sort((a, b) => a[0] - b[0]).map(([n, v]) => [hex(n), hex(v)])),
    segments: Object.fromEntries(SEGMENT_REGISTERS.map((s) => [s, seg(state.seg[s])])),
    ldtr: { selector: hex(state.ldtr.selector) },
    tr: { selector: hex(state.tr.selector) },
    gdtr: table(state.gdtr),
    idtr: table(state.idtr),
    ...(result.steps !== undefined ? { steps: result.steps } : {}),
    undefinedFlags: hex(result.undefinedFlags),
    serial: result.serial,
  };
}
