// Bounds on decoded code. A run that leaves its code (a jump into zero-filled RAM, an empty file)
// executes `00 00` (add %al,(%rax)) at every address until the budget: millions of distinct
// instruction addresses. Without bounds each got its own decoded object in the per-page cache (GBs of
// heap) and its own iced-x86 decode (about 100 s for a 10M-step budget).

import type { Insn } from './insn.ts';

/** Pages of decoded code kept per run: 512 KiB of code, far more than any example executes. */
export const MAX_CODE_PAGES = 128;

/** Decoded instructions per linear page, at most `maxPages` pages (the oldest page goes first). */
export class CodeCache extends Map<number, (Insn | undefined)[]> {
  constructor(readonly maxPages = MAX_CODE_PAGES) {
    super();
  }

  override set(vpn: number, page: (Insn | undefined)[]): this {
    if (this.size >= this.maxPages && !this.has(vpn)) this.delete(this.keys().next().value!);
    return super.set(vpn, page);
  }
}

/**
 * Decoded instructions by their bytes, for instructions whose decoding does not depend on where they
 * are (no branch target, no RIP-relative operand): the same bytes anywhere decode to one instruction,
 * given its own address. Looked up by bitness, text or not, and the 15 bytes the decoder saw (a
 * numeric hash, then the bytes compared). Each entry is a private copy: a step that is not cached
 * borrows it (its address set in place, no allocation).
 */
interface Known {
  tag: number;
  bytes: Uint8Array;
  insn: Insn;
}
const byBytes = new Map<number, Known[]>();
const MAX_BY_BYTES = 4096;

const tagOf = (bits: number, withText: boolean) => bits * 2 + (withText ? 1 : 0);

function hashOf(tag: number, bytes: Uint8Array): number {
  let h = 0x811c9dc5 ^ tag;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

function find(tag: number, bytes: Uint8Array): Known | undefined {
  const list = byBytes.get(hashOf(tag, bytes));
  if (!list) return undefined;
  next: for (const k of list) {
    if (k.tag !== tag || k.bytes.length !== bytes.length) continue;
    for (let i = 0; i < bytes.length; i++) if (k.bytes[i] !== bytes[i]) continue next;
    return k;
  }
  return undefined;
}

export function rememberPositionFree(bits: number, withText: boolean, bytes: Uint8Array, insn: Insn): void {
  const tag = tagOf(bits, withText);
  if (find(tag, bytes)) return;
  if (byBytes.size >= MAX_BY_BYTES) byBytes.clear();
  const own: Insn = { ...insn };
  const h = hashOf(tag, bytes);
  const list = byBytes.get(h);
  const entry = { tag, bytes: bytes.slice(), insn: own };
  if (list) list.push(entry);
  else byBytes.set(h, [entry]);
}

/**
 * The instruction these bytes decode to, placed at linear `lin` / RIP `rip`, when known: a new object
 * when `keep` (it goes into the page cache), else the shared entry, valid until the next fetch.
 */
export function positionFree(
  bits: number,
  withText: boolean,
  bytes: Uint8Array,
  lin: number,
  rip: number,
  keep: boolean,
): Insn | undefined {
  const known = find(tagOf(bits, withText), bytes)?.insn;
  if (!known) return undefined;
  const next = rip + known.len;
  // Where IP wraps (16- and 32-bit code), decode normally.
  if (bits === 16 ? next > 0xffff : bits === 32 ? next > 0xffffffff : false) return undefined;
  if (!keep) {
    known.ip = lin;
    known.next = next;
    return known;
  }
  return { ...known, ip: lin, next };
}
