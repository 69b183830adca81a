// Segment descriptors <-> the VMX-style attributes of types.ts `Segment`.
// Unicorn 2.0.1 can only load a segment register from a descriptor table (its register write takes a
// selector) and can only report the selector back, so the engine converts in both directions:
// world caches -> a scratch GDT before the run, final GDT entries -> caches after it.

import type { Segment } from '../../x86/registers.ts';

export const ATTR_UNUSABLE = 1 << 16;

/** An 8-byte code/data descriptor holding `seg`'s cache (base truncated to 32 bits). */
export function encodeDescriptor(seg: Segment): bigint {
  const a = seg.attributes;
  const g = (a & 0x8000) !== 0;
  const limit = g ? seg.limit >>> 12 : seg.limit & 0xfffff;
  const base = BigInt.asUintN(32, seg.base);
  let d = BigInt(limit & 0xffff) | ((base & 0xffffffn) << 16n);
  d |= BigInt(a & 0xff) << 40n; // type, S, DPL, P
  d |= BigInt((limit >>> 16) & 0xf) << 48n;
  d |= BigInt((a >>> 12) & 0xf) << 52n; // AVL, L, D/B, G
  d |= (base >> 24n) << 56n;
  return d;
}

/** The cache a segment load of `selector` from descriptor `d` produces. */
export function decodeDescriptor(selector: number, d: bigint): Segment {
  const lo = Number(d & 0xffffffffn);
  const hi = Number(d >> 32n);
  const attributes = (hi >>> 8) & 0xf0ff;
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  if (attributes & 0x8000) limit = ((limit << 12) | 0xfff) >>> 0;
  const base = BigInt((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) & 0xffffffffn;
  return { selector, base, limit, attributes };
}

export function nullSegment(selector = 0): Segment {
  return { selector, base: 0n, limit: 0, attributes: ATTR_UNUSABLE };
}
