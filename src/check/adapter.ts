// What a caller adapter is: the per-implementation knowledge `kexec-contract check` needs to run a real
// relocation trampoline or purgatory in a stage's world. An adapter recognises an object by the symbols
// it defines, says how the implementation lays the object out (its linker script or loader), and does
// what the C caller does before the jump: where the code is copied, the variables it fills in, the
// register arguments, and the state the C code sets up (interrupts off, GDTR emptied ...). It returns
// plain data; the world, the clauses and the run stay the stage's.

import type { LinkOptions, LinkedObject, RelObject } from '../runner/object/index.ts';

/** What an adapter sees of the stage world, as built for one seed before the caller's part. */
export interface StageContext {
  /** The stage id: 'k2p', 'pcx', 'p2k'. */
  stage: string;
  /** The given's symbols (control_page, entry, pgt, boot_params ...) and `code`. */
  symbols: Record<string, bigint>;
  /** The world's state items (rdi, rsp, rflags, cr3, gdtr.base ...) before the caller's changes. */
  state: Record<string, bigint>;
  /** The world's initial physical memory (zeros where nothing was written). */
  read(addr: bigint, size: number): Uint8Array;
}

/** One block of memory the caller writes before the jump (the code copy, a variable, a table). */
export interface MemoryWrite {
  addr: bigint;
  bytes: Uint8Array;
  /** What it is, for reports: "relocate_kernel copied into the control page", "kexec_pa_table_page". */
  what: string;
}

/** Everything the C caller does before the jump, as data. Memory writes apply after the given's. */
export interface CallerSetup {
  /** The address the caller jumps to or calls. */
  entry: bigint;
  /** State items (stateItems names) the caller sets: argument registers, rflags, gdtr.limit ... */
  state: Record<string, bigint>;
  memory: MemoryWrite[];
}

export interface Adapter {
  /** What `--impl` takes: 'linux', 'linux-legacy', 'xen' ... */
  id: string;
  title: string;
  /** The stage whose world the implementation's code runs in. */
  stage: string;
  /** Every one of these must be defined (global) for the object to be recognised. */
  recognisedBy: string[];
  /** Defining any of these rules the adapter out (another family's marker). */
  excludedBy?: string[];
  /** The upstream sources the adapter follows, as repo@commit/path. */
  sources: string[];
  /** Caller-state variants of the stage the implementation never runs in (its kernels predate them). */
  without?: { variants: string[]; why: string };
  /** How to place and resolve the object (the layout, where it goes, what the caller supplies). */
  link(obj: RelObject, ctx: Pick<StageContext, 'stage' | 'symbols'>): LinkOptions;
  /** The caller's part for one world. Throws AdapterError when the world lacks what it needs. */
  prepare(obj: RelObject, linked: LinkedObject, ctx: StageContext): CallerSetup;
}

export class AdapterError extends Error {
  override name = 'AdapterError';
}

/** A symbol of the stage world the adapter needs, or an AdapterError naming it. */
export function stageSymbol(
  ctx: Pick<StageContext, 'stage' | 'symbols'>,
  name: string,
  adapter: string,
  why: string,
): bigint {
  const v = ctx.symbols[name];
  if (v === undefined)
    throw new AdapterError(
      `the ${ctx.stage} world defines no symbol '${name}', which the ${adapter} adapter needs (${why})`,
    );
  return v;
}

/** A symbol the linked object defines, or an AdapterError naming it. */
export function objectSymbol(linked: LinkedObject, name: string, adapter: string, why: string): bigint {
  const v = linked.symbols[name];
  if (v === undefined)
    throw new AdapterError(
      `${linked.file} does not define ${name}, which the ${adapter} adapter needs (${why})`,
    );
  return v;
}

/** Little-endian qwords as bytes. */
export function qwords(...values: bigint[]): Uint8Array {
  const b = new Uint8Array(8 * values.length);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigUint64(8 * i, BigInt.asUintN(64, x), true));
  return b;
}

/** The linked bytes from `from` (inclusive) to `to` (exclusive), checked to lie in the image. */
export function imageRange(linked: LinkedObject, from: bigint, to: bigint, what: string): Uint8Array {
  const start = from - linked.base;
  const end = to - linked.base;
  if (start < 0n || end < start || end > BigInt(linked.bytes.length))
    throw new AdapterError(
      `${what}: 0x${from.toString(16)}..0x${to.toString(16)} is not inside the linked image ` +
        `(0x${linked.base.toString(16)}..0x${(linked.base + BigInt(linked.bytes.length)).toString(16)})`,
    );
  return linked.bytes.slice(Number(start), Number(end));
}

/** A qword of the linked image at a symbol (e.g. a size the object stores for its caller). */
export function imageQword(linked: LinkedObject, addr: bigint, what: string): bigint {
  const b = imageRange(linked, addr, addr + 8n, what);
  return new DataView(b.buffer).getBigUint64(0, true);
}

/** The size an object symbol declares (st_size), when it declares one. */
export function symbolSize(obj: RelObject, name: string): bigint | undefined {
  const s = obj.symbols.find((x) => x.name === name && x.shndx !== 0);
  return s && s.size > 0n ? s.size : undefined;
}

export const RFLAGS_IF = 1n << 9n;

/**
 * The k2p world's call, in the form the spec's given writes it (Linux's from about 6.18): the
 * indirection list head in %rdi (a tagged entry), the control page, the entry point, the flags word,
 * the identity page table and the swap page. Adapters translate this into their own convention.
 */
export interface K2pCall {
  head: bigint;
  controlPage: bigint;
  entry: bigint;
  flags: bigint;
  pageTable: bigint;
  swapPage?: bigint;
}

export function k2pCall(ctx: StageContext, adapter: string): K2pCall {
  const need = (name: string, why: string) => stageSymbol(ctx, name, adapter, why);
  const call: K2pCall = {
    head: ctx.state.rdi ?? 0n,
    controlPage: need('control_page', 'where the relocation code is copied'),
    entry: need('entry', 'the image entry point'),
    flags: ctx.state.rcx ?? 0n,
    pageTable: need('pgt', 'the identity page table the caller prepared'),
  };
  if (ctx.symbols.swap_page !== undefined) call.swapPage = ctx.symbols.swap_page;
  return call;
}
