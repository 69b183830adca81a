// Arithmetic with exact flags. Every function has the same shape: operands as (lo, hi) halves and a
// width in bits, the result's low half returned and its high half left in m.rh, RFLAGS updated.
// One helper (szp) computes ZF/SF/PF from a result; each operation only adds what is special (CF, OF, AF).
// Hot operations (add/sub/logic) work on numbers; the rarer ones (shifts, rotates, mul/div) use BigInt.

import { Fault, DE } from './fault.ts';
import { AF, ARITH, CF, type Machine, OF, PF, SF, ZF, mask, toBig } from './machine.ts';

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i;
  let n = 0;
  while (b) {
    n += b & 1;
    b >>= 1;
  }
  PARITY[i] = n % 2 === 0 ? PF : 0;
}

/** ZF, SF and PF of a result (lo already masked to the width; hi is 0 below 64 bits). */
export function szp(lo: number, hi: number, w: number): number {
  let f = PARITY[lo & 0xff];
  if (w === 64) {
    if ((lo | hi) === 0) f |= ZF;
    if (hi & 0x80000000) f |= SF;
  } else {
    if (lo === 0) f |= ZF;
    if ((lo >>> (w - 1)) & 1) f |= SF;
  }
  return f;
}

function setArith(m: Machine, f: number): void {
  m.flags = (m.flags & ~ARITH) | f;
}

/** a + b + cin. */
export function add(
  m: Machine,
  aL: number,
  aH: number,
  bL: number,
  bH: number,
  cin: number,
  w: number,
): number {
  let rl: number;
  let f: number;
  if (w === 64) {
    const l = aL + bL + cin;
    rl = l >>> 0;
    const h = aH + bH + (l > 0xffffffff ? 1 : 0);
    const rh = h >>> 0;
    m.rh = rh;
    f = szp(rl, rh, 64) | (h > 0xffffffff ? CF : 0) | (((aH ^ rh) & (bH ^ rh)) < 0 ? OF : 0);
  } else {
    const r = aL + bL + cin;
    const mk = mask(w);
    rl = w === 32 ? r >>> 0 : r & mk;
    m.rh = 0;
    f = szp(rl, 0, w) | (r > mk ? CF : 0) | ((((aL ^ rl) & (bL ^ rl)) >>> (w - 1)) & 1 ? OF : 0);
  }
  setArith(m, f | ((aL ^ bL ^ rl) & AF));
  return rl;
}

/** a - b - cin (also cmp and neg). */
export function sub(
  m: Machine,
  aL: number,
  aH: number,
  bL: number,
  bH: number,
  cin: number,
  w: number,
): number {
  let rl: number;
  let f: number;
  if (w === 64) {
    const l = aL - bL - cin;
    rl = l >>> 0;
    const h = aH - bH - (l < 0 ? 1 : 0);
    const rh = h >>> 0;
    m.rh = rh;
    f = szp(rl, rh, 64) | (h < 0 ? CF : 0) | (((aH ^ bH) & (aH ^ rh)) < 0 ? OF : 0);
  } else {
    const r = aL - bL - cin;
    rl = w === 32 ? r >>> 0 : r & mask(w);
    m.rh = 0;
    f = szp(rl, 0, w) | (r < 0 ? CF : 0) | ((((aL ^ bL) & (aL ^ rl)) >>> (w - 1)) & 1 ? OF : 0);
  }
  setArith(m, f | ((aL ^ bL ^ rl) & AF));
  return rl;
}

/** Flags of and/or/xor/test: CF=OF=0, AF undefined (the run loop applies the undefined rule). */
export function logicFlags(m: Machine, rl: number, rh: number, w: number): void {
  setArith(m, szp(rl, rh, w));
}

/** inc/dec: like add/sub of 1 but CF keeps its value. */
export function incdec(m: Machine, aL: number, aH: number, w: number, dec: boolean): number {
  const cf = m.flags & CF;
  const r = dec ? sub(m, aL, aH, 1, 0, 0, w) : add(m, aL, aH, 1, 0, 0, w);
  m.flags = (m.flags & ~CF) | cf;
  return r;
}

// ---------------------------------------------------------------- BigInt helpers

function big(lo: number, hi: number, w: number): bigint {
  return w === 64 ? toBig(lo, hi) : BigInt(lo >>> 0) & BigInt(mask(w));
}

function unbig(m: Machine, v: bigint, w: number): number {
  const u = BigInt.asUintN(w, v);
  m.rh = w === 64 ? Number(u >> 32n) : 0;
  return Number(u & 0xffffffffn);
}

function signedBig(lo: number, hi: number, w: number): bigint {
  return BigInt.asIntN(w, big(lo, hi, w));
}

export type ShiftOp = 'shl' | 'sal' | 'shr' | 'sar' | 'rol' | 'ror' | 'rcl' | 'rcr';

/**
 * Shifts and rotates. A masked count of 0 changes nothing, not even flags (m.fw/m.fu are cleared so
 * the run loop leaves the undefined-flag set alone). OF is defined only for a count of 1; for larger
 * counts it is marked undefined (and set to 0 by the run loop's rule). Shifts leave AF undefined.
 */
export function shift(m: Machine, op: ShiftOp, aL: number, aH: number, count: number, w: number): number {
  const W = BigInt(w);
  const cnt = count & (w === 64 ? 0x3f : 0x1f);
  const a = big(aL, aH, w);
  const msb = (v: bigint) => Number((v >> (W - 1n)) & 1n);
  if (cnt === 0) {
    m.fw = 0;
    m.fu = 0;
    return unbig(m, a, w);
  }
  let r: bigint;
  let cf: number;
  let of = 0;
  let arith = true; // shifts set SZP; rotates do not touch them
  switch (op) {
    case 'shl':
    case 'sal': {
      const full = a << BigInt(cnt);
      r = BigInt.asUintN(w, full);
      cf = cnt <= w ? Number((full >> W) & 1n) : 0;
      of = msb(r) ^ cf;
      break;
    }
    case 'shr':
      r = a >> BigInt(cnt);
      cf = cnt <= w ? Number((a >> BigInt(cnt - 1)) & 1n) : 0;
      of = msb(a);
      break;
    case 'sar': {
      const s = BigInt.asIntN(w, a);
      r = BigInt.asUintN(w, s >> BigInt(cnt));
      cf = Number((s >> BigInt(Math.min(cnt - 1, w - 1))) & 1n);
      of = 0;
      break;
    }
    case 'rol': {
      const c = BigInt(cnt % w);
      r = BigInt.asUintN(w, (a << c) | (a >> (W - c)));
      cf = Number(r & 1n);
      of = msb(r) ^ cf;
      arith = false;
      break;
    }
    case 'ror': {
      const c = BigInt(cnt % w);
      r = BigInt.asUintN(w, (a >> c) | (a << (W - c)));
      cf = msb(r);
      of = msb(r) ^ Number((r >> (W - 2n)) & 1n);
      arith = false;
      break;
    }
    case 'rcl':
    case 'rcr': {
      const c = cnt % (w + 1);
      const cin = BigInt(m.flags & CF);
      if (op === 'rcr') of = msb(a) ^ Number(cin);
      // Rotate the (w+1)-bit value CF:a.
      const v = (cin << W) | a;
      const N = W + 1n;
      const C = BigInt(c);
      const rot =
        op === 'rcl'
          ? BigInt.asUintN(w + 1, (v << C) | (v >> (N - C)))
          : BigInt.asUintN(w + 1, (v >> C) | (v << (N - C)));
      r = BigInt.asUintN(w, rot);
      cf = Number((rot >> W) & 1n);
      if (op === 'rcl') of = msb(r) ^ cf;
      arith = false;
      break;
    }
  }
  const rl = unbig(m, r, w);
  let f = m.flags & ~(CF | OF);
  f |= cf ? CF : 0;
  f |= of ? OF : 0;
  if (arith) f = (f & ~(ZF | SF | PF | AF)) | szp(rl, m.rh, w);
  m.flags = f;
  m.fw = arith ? ARITH : CF | OF;
  m.fu = (arith ? AF : 0) | (cnt === 1 ? 0 : OF);
  return rl;
}

/** shld/shrd: dest shifted with bits from src. */
export function shiftDouble(
  m: Machine,
  left: boolean,
  dL: number,
  dH: number,
  sL: number,
  sH: number,
  count: number,
  w: number,
): number {
  const cnt = count & (w === 64 ? 0x3f : 0x1f);
  const W = BigInt(w);
  const d = big(dL, dH, w);
  if (cnt === 0) {
    m.fw = 0;
    m.fu = 0;
    return unbig(m, d, w);
  }
  const s = big(sL, sH, w);
  const C = BigInt(cnt);
  let r: bigint;
  let cf: number;
  if (left) {
    const v = (d << W) | s;
    r = BigInt.asUintN(w, (v << C) >> W);
    cf = Number((d >> (W - C)) & 1n);
  } else {
    const v = (s << W) | d;
    r = BigInt.asUintN(w, v >> C);
    cf = Number((d >> (C - 1n)) & 1n);
  }
  const rl = unbig(m, r, w);
  const of = Number((r >> (W - 1n)) & 1n) ^ Number((d >> (W - 1n)) & 1n);
  m.flags = (m.flags & ~ARITH) | szp(rl, m.rh, w) | (cf ? CF : 0) | (of ? OF : 0);
  m.fu = AF | (cnt === 1 ? 0 : OF) | (cnt > w ? ARITH : 0);
  return rl;
}

/**
 * One-operand mul/imul: rDX:rAX (or AH:AL) = rAX * src. CF=OF=1 when the high half is significant.
 * Returns [low, high] as bigints of width w.
 */
export function mulWide(m: Machine, a: bigint, b: bigint, w: number, signed: boolean): [bigint, bigint] {
  const W = BigInt(w);
  const x = signed ? BigInt.asIntN(w, a) : a;
  const y = signed ? BigInt.asIntN(w, b) : b;
  const p = x * y;
  const lo = BigInt.asUintN(w, p);
  const hi = BigInt.asUintN(w, p >> W);
  const significant = signed ? p !== BigInt.asIntN(w, lo) : hi !== 0n;
  m.flags = (m.flags & ~(CF | OF)) | (significant ? CF | OF : 0);
  return [lo, hi];
}

/** Two/three-operand imul: truncated product, CF=OF when it does not fit. */
export function imulTrunc(m: Machine, aL: number, aH: number, bL: number, bH: number, w: number): number {
  const p = signedBig(aL, aH, w) * signedBig(bL, bH, w);
  const r = BigInt.asIntN(w, p);
  m.flags = (m.flags & ~(CF | OF)) | (r !== p ? CF | OF : 0);
  return unbig(m, r, w);
}

/** div/idiv of the double-width dividend hi:lo by the divisor; #DE on zero or an overflowing quotient. */
export function divide(
  hi: bigint,
  lo: bigint,
  divisor: bigint,
  w: number,
  signed: boolean,
): [bigint, bigint] {
  const W = BigInt(w);
  if (BigInt.asUintN(w, divisor) === 0n) throw new Fault(DE, undefined, 'divide by zero');
  if (!signed) {
    const n = (BigInt.asUintN(w, hi) << W) | BigInt.asUintN(w, lo);
    const d = BigInt.asUintN(w, divisor);
    const q = n / d;
    if (q >> W !== 0n) throw new Fault(DE, undefined, 'quotient too large');
    return [q, n % d];
  }
  const n = BigInt.asIntN(2 * w, (BigInt.asUintN(w, hi) << W) | BigInt.asUintN(w, lo));
  const d = BigInt.asIntN(w, divisor);
  const q = n / d; // BigInt division truncates toward zero, as idiv does
  if (q !== BigInt.asIntN(w, q)) throw new Fault(DE, undefined, 'quotient too large');
  return [BigInt.asUintN(w, q), BigInt.asUintN(w, n % d)];
}

export { big, unbig };
