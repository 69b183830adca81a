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
 * given its own address. Keyed by bitness, text or not, and the 15 bytes the decoder saw. Each entry
 * is a private copy: a step that is not cached borrows it (its address set in place, no allocation).
 */
const byBytes = new Map<string, Insn>();
const MAX_BY_BYTES = 4096;

export function positionFreeKey(bits: number, withText: boolean, bytes: Uint8Array): string {
  let k = bits === 64 ? (withText ? 'T' : 't') : `${bits}${withText ? 'T' : 't'}`;
  for (let i = 0; i < bytes.length; i++) k += String.fromCharCode(bytes[i]!);
  return k;
}

export function rememberPositionFree(key: string, insn: Insn, resolve: (i: Insn) => Insn['exec']): void {
  if (byBytes.size >= MAX_BY_BYTES) byBytes.clear();
  const own: Insn = { ...insn };
  // An operation may close over its instruction (unsupported names its address): resolve it again.
  own.exec = resolve(own);
  byBytes.set(key, own);
}

/**
 * The instruction these bytes decode to, placed at linear `lin` / RIP `rip`, when known: a new object
 * when `keep` (it goes into the page cache), else the shared entry, valid until the next fetch.
 */
export function positionFree(
  key: string,
  lin: number,
  rip: number,
  bits: number,
  keep: boolean,
  resolve: (i: Insn) => Insn['exec'],
): Insn | undefined {
  const known = byBytes.get(key);
  if (!known) return undefined;
  const next = rip + known.len;
  // Where IP wraps (16- and 32-bit code), decode normally.
  if (bits === 16 ? next > 0xffff : bits === 32 ? next > 0xffffffff : false) return undefined;
  if (!keep) {
    known.ip = lin;
    known.next = next;
    return known;
  }
  const insn: Insn = { ...known, ip: lin, next };
  insn.exec = resolve(insn);
  return insn;
}
