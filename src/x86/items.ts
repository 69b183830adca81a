// State items: the flat names every consumer uses for a CpuState (expect checks, `given` state keys,
// trace `changed` keys, the site's final-state tables, `kexec-contract run --set` and `--json`):
// rax..r15, rip, rflags, cr0, cr2, cr3, cr4, efer, dr0-dr3, dr6, dr7, msr.0x<hex>, <seg>.selector|base|limit|attributes
// for cs ds es fs gs ss ldtr tr, gdtr.base|limit, idtr.base|limit. One parser reads them all.

import { hex } from './hex.ts';
import { MSR_EFER } from './msr.ts';
import {
  DEBUG_REGISTERS,
  DESCRIPTOR_TABLES,
  GPRS,
  PLAIN_REGISTERS,
  SEGMENT_CACHE_FIELDS,
  SEGMENT_NAMES,
  SEGMENT_REGISTERS,
  type CpuState,
  type DescriptorTable,
  type Gpr,
  type PlainRegister,
  type SegmentCacheField,
  type SegmentName,
  type SegmentRegister,
} from './registers.ts';

export type StateItem =
  | { kind: 'gpr'; name: Gpr }
  | { kind: 'register'; name: PlainRegister }
  /** An MSR other than EFER (EFER is the `efer` register item). */
  | { kind: 'msr'; index: bigint }
  | { kind: 'segment'; segment: SegmentName; field: SegmentCacheField }
  | { kind: 'table'; table: DescriptorTable; field: 'base' | 'limit' };

/** One line listing the forms, for "not a state item" messages. */
export const STATE_ITEM_EXAMPLES =
  'rax..r15, rip, rflags, cr0, cr2, cr3, cr4, efer, msr.0xNNN, cs.selector, gdtr.base ...';

const MSR_ITEM = /^msr\.(0x[0-9a-f]+|[0-9]+)$/;
const MSR_ITEM_OR_COLON = /^msr[.:](0x[0-9a-f]+|[0-9]+)$/;

export interface ParseItemOptions {
  /** A bare segment register (`cs`) names its selector (`given` state keys allow it). */
  bareSegment?: boolean;
  /** `msr:0xNNN` as well as `msr.0xNNN` (`--set` spells it so). */
  msrColon?: boolean;
}

/** Read a state item name (exact case), or undefined when it is not one. */
export function parseStateItem(name: string, options: ParseItemOptions = {}): StateItem | undefined {
  if (includes(GPRS, name)) return { kind: 'gpr', name };
  if (includes(PLAIN_REGISTERS, name)) return { kind: 'register', name };
  if (options.bareSegment && includes(SEGMENT_REGISTERS, name))
    return { kind: 'segment', segment: name, field: 'selector' };
  const msr = (options.msrColon ? MSR_ITEM_OR_COLON : MSR_ITEM).exec(name);
  if (msr) {
    const index = BigInt(msr[1]!);
    return index === BigInt(MSR_EFER) ? { kind: 'register', name: 'efer' } : { kind: 'msr', index };
  }
  const dot = name.indexOf('.');
  if (dot < 0) return undefined;
  const head = name.slice(0, dot);
  const field = name.slice(dot + 1);
  if (includes(SEGMENT_NAMES, head) && includes(SEGMENT_CACHE_FIELDS, field))
    return { kind: 'segment', segment: head, field };
  if (includes(DESCRIPTOR_TABLES, head) && (field === 'base' || field === 'limit'))
    return { kind: 'table', table: head, field };
  return undefined;
}

/** The canonical name of an item (`msr.0xc0000080` is `efer`, `cs` is `cs.selector`). */
export function stateItemName(item: StateItem): string {
  switch (item.kind) {
    case 'gpr':
    case 'register':
      return item.name;
    case 'msr':
      return `msr.${hex(item.index)}`;
    case 'segment':
      return `${item.segment}.${item.field}`;
    case 'table':
      return `${item.table}.${item.field}`;
  }
}

/** The canonical name of an item written as `name`, or undefined when it is not one. */
export function canonicalItemName(name: string, options: ParseItemOptions = {}): string | undefined {
  const item = parseStateItem(name, options);
  return item && stateItemName(item);
}

/** Every item of the state by name, in a fixed order (MSRs by number). */
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
  for (const r of DEBUG_REGISTERS) items[r] = state[r];
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
 * Writes one state item by name (any case; also `msr:0x<hex>`, as `--set` spells it). Returns false
 * for an unknown name. Values are truncated to the item's width (64 bits, or 16/32 for selectors/limits).
 */
export function setStateItem(state: CpuState, name: string, value: bigint): boolean {
  const item = parseStateItem(name.toLowerCase(), { msrColon: true });
  if (!item) return false;
  writeStateItem(state, item, value);
  return true;
}

/** Writes one parsed state item (see setStateItem for the widths). */
export function writeStateItem(state: CpuState, item: StateItem, value: bigint): void {
  const v64 = BigInt.asUintN(64, value);
  switch (item.kind) {
    case 'gpr':
      state.gpr[item.name] = v64;
      return;
    case 'register':
      state[item.name] = v64;
      return;
    case 'msr':
      state.msr.set(Number(item.index), v64);
      return;
    case 'table':
      if (item.field === 'base') state[item.table].base = v64;
      else state[item.table].limit = Number(value & 0xffffffffn);
      return;
    case 'segment': {
      const s = item.segment;
      const target = s === 'ldtr' || s === 'tr' ? state[s] : state.seg[s as SegmentRegister];
      if (item.field === 'base') target.base = v64;
      else if (item.field === 'selector') target.selector = Number(value & 0xffffn);
      else if (item.field === 'limit') target.limit = Number(value & 0xffffffffn);
      else target.attributes = Number(value & 0xffffffffn);
      return;
    }
  }
}

function includes<T extends string>(list: readonly T[], s: string): s is T {
  return (list as readonly string[]).includes(s);
}
