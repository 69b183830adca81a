// Integer operations: data movement, ALU, multiply/divide, bit tests, conversions, flag instructions.

import {
  add,
  big,
  divide,
  imulTrunc,
  incdec,
  logicFlags,
  mulWide,
  shift,
  shiftDouble,
  type ShiftOp,
  sub,
  unbig,
} from '../alu.ts';
import { IMM, type Insn, MEM, OTHER, type OpFn } from '../insn.ts';
import { AF, CF, DF, IF, type Machine, PF, SF, ZF, mask } from '../machine.ts';
import { movSystem } from './system.ts';

type Alu = (m: Machine, aL: number, aH: number, bL: number, bH: number, w: number) => number;

/** dest = fn(dest, src); `store` false for cmp/test. */
function binary(fn: Alu, store = true): OpFn {
  return (m, i) => {
    const d = i.o[0];
    const aL = m.read(d);
    const aH = m.rh;
    const bL = m.read(i.o[1]);
    const bH = m.rh;
    const r = fn(m, aL, aH, bL, bH, i.w);
    if (store) m.write(d, r, m.rh);
  };
}

const andF: Alu = (m, aL, aH, bL, bH, w) => {
  const rl = (aL & bL) >>> 0;
  const rh = (aH & bH) >>> 0;
  logicFlags(m, rl, rh, w);
  m.rh = rh;
  return rl;
};
const orF: Alu = (m, aL, aH, bL, bH, w) => {
  const rl = (aL | bL) >>> 0;
  const rh = (aH | bH) >>> 0;
  logicFlags(m, rl, rh, w);
  m.rh = rh;
  return rl;
};
const xorF: Alu = (m, aL, aH, bL, bH, w) => {
  const rl = (aL ^ bL) >>> 0;
  const rh = (aH ^ bH) >>> 0;
  logicFlags(m, rl, rh, w);
  m.rh = rh;
  return rl;
};
const addF: Alu = (m, aL, aH, bL, bH, w) => add(m, aL, aH, bL, bH, 0, w);
const adcF: Alu = (m, aL, aH, bL, bH, w) => add(m, aL, aH, bL, bH, m.flags & CF, w);
const subF: Alu = (m, aL, aH, bL, bH, w) => sub(m, aL, aH, bL, bH, 0, w);
const sbbF: Alu = (m, aL, aH, bL, bH, w) => sub(m, aL, aH, bL, bH, m.flags & CF, w);

function unary(fn: (m: Machine, aL: number, aH: number, w: number) => number): OpFn {
  return (m, i) => {
    const d = i.o[0];
    const aL = m.read(d);
    const r = fn(m, aL, m.rh, i.w);
    m.write(d, r, m.rh);
  };
}

/** Sign-extend a value of width `from` to `to` bits: returns lo, high half in m.rh. */
function sext(m: Machine, v: number, from: number, to: number): number {
  let lo: number;
  let neg: boolean;
  if (from === 64) return v;
  if (from === 32) {
    lo = v >>> 0;
    neg = (v & 0x80000000) !== 0;
  } else {
    neg = ((v >>> (from - 1)) & 1) === 1;
    lo = neg ? (v | ~mask(from)) >>> 0 : v;
  }
  m.rh = to === 64 && neg ? 0xffffffff : 0;
  return to < 32 ? lo & mask(to) : lo;
}

function shiftOp(op: ShiftOp): OpFn {
  return (m, i) => {
    const d = i.o[0];
    const aL = m.read(d);
    const aH = m.rh;
    const count = i.o.length > 1 ? m.read(i.o[1]) & 0xff : 1;
    const r = shift(m, op, aL, aH, count, i.w);
    // A 32-bit register destination is written (zero-extended) even for a count of 0.
    if (m.fw !== 0 || (i.w === 32 && d.k !== MEM)) m.write(d, r, m.rh);
  };
}

function shiftDoubleOp(left: boolean): OpFn {
  return (m, i) => {
    const d = i.o[0];
    const dL = m.read(d);
    const dH = m.rh;
    const sL = m.read(i.o[1]);
    const sH = m.rh;
    const count = m.read(i.o[2]) & 0xff;
    const r = shiftDouble(m, left, dL, dH, sL, sH, count, i.w);
    if (m.fw !== 0 || (i.w === 32 && d.k !== MEM)) m.write(d, r, m.rh);
  };
}

const RAX = 0;
const RDX = 2;

/** The accumulator pair for mul/div of width w: [AL, AH] for 8 bits, else [rAX, rDX]. */
function accWide(m: Machine, w: number): [bigint, bigint] {
  if (w === 8) {
    const ax = m.lo[RAX] & 0xffff;
    return [BigInt(ax & 0xff), BigInt(ax >>> 8)];
  }
  const a = big(m.getReg(RAX, w, false), m.rh, w);
  const d = big(m.getReg(RDX, w, false), m.rh, w);
  return [a, d];
}

function setAccWide(m: Machine, w: number, lo: bigint, hi: bigint): void {
  if (w === 8) {
    m.setReg(RAX, 16, false, Number(lo) | (Number(hi) << 8), 0);
    return;
  }
  const l = unbig(m, lo, w);
  m.setReg(RAX, w, false, l, m.rh);
  const h = unbig(m, hi, w);
  m.setReg(RDX, w, false, h, m.rh);
}

function mulOp(signed: boolean): OpFn {
  return (m, i) => {
    if (signed && i.o.length > 1) {
      // Two- and three-operand imul: dest = src1 * src2 truncated.
      const a = i.o.length === 3 ? i.o[1] : i.o[0];
      const b = i.o.length === 3 ? i.o[2] : i.o[1];
      const aL = m.read(a);
      const aH = m.rh;
      const bL = m.read(b);
      const bH = m.rh;
      const r = imulTrunc(m, aL, aH, bL, bH, i.w);
      m.write(i.o[0], r, m.rh);
      return;
    }
    const w = i.w;
    const s = big(m.read(i.o[0]), m.rh, w);
    const [a] = accWide(m, w);
    const [lo, hi] = mulWide(m, a, s, w, signed);
    setAccWide(m, w, lo, hi);
  };
}

function divOp(signed: boolean): OpFn {
  return (m, i) => {
    const w = i.w;
    const s = big(m.read(i.o[0]), m.rh, w);
    const [a, d] = accWide(m, w);
    const [q, r] = divide(d, a, s, w, signed);
    setAccWide(m, w, q, r);
  };
}

/** bt/bts/btr/btc: a register bit offset may reach outside a memory operand (bit strings). */
function btOp(kind: 'bt' | 'bts' | 'btr' | 'btc'): OpFn {
  return (m, i) => {
    const d = i.o[0];
    const w = i.w;
    const srcIsImm = i.o[1].k === IMM;
    let bitL = m.read(i.o[1]);
    const bitH = m.rh;
    let addr = 0;
    if (d.k === MEM) {
      addr = m.ea(d);
      if (!srcIsImm) {
        const off = BigInt.asIntN(w, big(bitL, bitH, w));
        const bytes = (off >> BigInt(Math.log2(w))) * BigInt(w / 8);
        addr += Number(bytes);
        bitL = Number(BigInt.asUintN(8, off)) & (w - 1);
      } else bitL &= w - 1;
    } else bitL &= w - 1;
    const size = w / 8;
    let vL: number;
    let vH: number;
    if (d.k === MEM) {
      if (kind !== 'bt') m.writable(addr, size);
      vL = m.rd(addr, size);
      vH = m.rh;
    } else {
      vL = m.read(d);
      vH = m.rh;
    }
    const inHi = bitL >= 32;
    const b = inHi ? bitL - 32 : bitL;
    const word = inHi ? vH : vL;
    const set = (word >>> b) & 1;
    m.flags = (m.flags & ~CF) | set;
    if (kind === 'bt') return;
    const bitMask = (1 << b) >>> 0;
    const nw = (kind === 'bts' ? word | bitMask : kind === 'btr' ? word & ~bitMask : word ^ bitMask) >>> 0;
    const nL = inHi ? vL : nw;
    const nH = inHi ? nw : vH;
    if (d.k === MEM) m.wr(addr, size, nL, nH);
    else m.write(d, nL, nH);
  };
}

function bitScan(reverse: boolean): OpFn {
  return (m, i) => {
    const v = big(m.read(i.o[1]), m.rh, i.w);
    if (v === 0n) {
      // Source zero: ZF=1 and the destination keeps its value (the SDM leaves it undefined).
      m.flags |= ZF;
      return;
    }
    const s = v.toString(2);
    const index = reverse ? s.length - 1 : s.length - 1 - s.lastIndexOf('1');
    m.flags &= ~ZF;
    m.write(i.o[0], index, 0);
  };
}

const mov: OpFn = (m, i) => {
  if (i.o[0].k === OTHER || i.o[1].k === OTHER) return movSystem(m, i);
  m.write(i.o[0], m.read(i.o[1]), m.rh);
};

function cmovcc(m: Machine, i: Insn): void {
  const v = m.read(i.o[1]);
  const vh = m.rh;
  // A 32-bit cmov zero-extends its destination even when the condition is false.
  if (m.cond(i.cc)) m.write(i.o[0], v, vh);
  else if (i.w === 32) m.write(i.o[0], m.read(i.o[0]), 0);
}

function setcc(m: Machine, i: Insn): void {
  m.write(i.o[0], m.cond(i.cc) ? 1 : 0, 0);
}

export const INT_OPS: Record<string, OpFn> = {
  mov,
  movabs: mov,
  movzx: (m, i) => {
    const v = m.read(i.o[1]);
    m.write(i.o[0], v, 0);
  },
  movsx: (m, i) => {
    const v = m.read(i.o[1]);
    const lo = sext(m, v, i.o[1].w, i.w);
    m.write(i.o[0], lo, m.rh);
  },
  movsxd: (m, i) => {
    const v = m.read(i.o[1]);
    const lo = sext(m, v, i.o[1].w, i.w);
    m.write(i.o[0], lo, m.rh);
  },
  lea: (m, i) => {
    const lo = m.offset(i.o[1]);
    const hi = m.rh;
    m.write(i.o[0], i.w < 32 ? lo & mask(i.w) : lo, i.w === 64 ? hi : 0);
  },
  xchg: (m, i) => {
    const [a, b] = i.o[0].k === MEM ? [i.o[0], i.o[1]] : [i.o[1], i.o[0]];
    const aL = m.read(a);
    const aH = m.rh;
    const bL = m.read(b);
    const bH = m.rh;
    if (a.k === MEM) m.writable(m.ea(a), a.w >> 3);
    m.write(a, bL, bH);
    m.write(b, aL, aH);
  },
  add: binary(addF),
  adc: binary(adcF),
  sub: binary(subF),
  sbb: binary(sbbF),
  cmp: binary(subF, false),
  and: binary(andF),
  or: binary(orF),
  xor: binary(xorF),
  test: binary(andF, false),
  inc: unary((m, aL, aH, w) => incdec(m, aL, aH, w, false)),
  dec: unary((m, aL, aH, w) => incdec(m, aL, aH, w, true)),
  neg: unary((m, aL, aH, w) => sub(m, 0, 0, aL, aH, 0, w)),
  not: unary((m, aL, aH, w) => {
    m.rh = w === 64 ? ~aH >>> 0 : 0;
    return w === 64 || w === 32 ? ~aL >>> 0 : ~aL & mask(w);
  }),
  shl: shiftOp('shl'),
  sal: shiftOp('sal'),
  shr: shiftOp('shr'),
  sar: shiftOp('sar'),
  rol: shiftOp('rol'),
  ror: shiftOp('ror'),
  rcl: shiftOp('rcl'),
  rcr: shiftOp('rcr'),
  shld: shiftDoubleOp(true),
  shrd: shiftDoubleOp(false),
  mul: mulOp(false),
  imul: mulOp(true),
  div: divOp(false),
  idiv: divOp(true),
  bt: btOp('bt'),
  bts: btOp('bts'),
  btr: btOp('btr'),
  btc: btOp('btc'),
  bsf: bitScan(false),
  bsr: bitScan(true),
  bswap: (m, i) => {
    const v = big(m.read(i.o[0]), m.rh, i.w);
    let r = 0n;
    for (let k = 0; k < i.w / 8; k++) r = (r << 8n) | ((v >> BigInt(8 * k)) & 0xffn);
    const lo = unbig(m, r, i.w);
    m.write(i.o[0], lo, m.rh);
  },
  xadd: (m, i) => {
    const aL = m.read(i.o[0]);
    const aH = m.rh;
    const bL = m.read(i.o[1]);
    const bH = m.rh;
    const r = add(m, aL, aH, bL, bH, 0, i.w);
    const rh = m.rh;
    // SRC <- DEST, then DEST <- sum: with one register for both, the sum wins.
    m.write(i.o[1], aL, aH);
    m.write(i.o[0], r, rh);
  },
  cmpxchg: (m, i) => {
    const dL = m.read(i.o[0]);
    const dH = m.rh;
    const accL = m.getReg(RAX, i.w, false);
    const accH = m.rh;
    sub(m, accL, accH, dL, dH, 0, i.w);
    if (m.flags & ZF) {
      const sL = m.read(i.o[1]);
      m.write(i.o[0], sL, m.rh);
    } else {
      // The destination is written back unchanged (a locked RMW cycle), then the accumulator loaded.
      if (i.o[0].k === MEM) m.write(i.o[0], dL, dH);
      m.setReg(RAX, i.w, false, dL, dH);
    }
  },
  cbw: (m) => m.setReg(RAX, 16, false, sext(m, m.lo[RAX] & 0xff, 8, 16), 0),
  cwde: (m) => m.setReg(RAX, 32, false, sext(m, m.lo[RAX] & 0xffff, 16, 32), 0),
  cdqe: (m) => {
    const lo = sext(m, m.lo[RAX], 32, 64);
    m.setReg(RAX, 64, false, lo, m.rh);
  },
  cwd: (m) => m.setReg(RDX, 16, false, m.lo[RAX] & 0x8000 ? 0xffff : 0, 0),
  cdq: (m) => m.setReg(RDX, 32, false, m.lo[RAX] & 0x80000000 ? 0xffffffff : 0, 0),
  cqo: (m) => {
    const v = m.hi[RAX] & 0x80000000 ? 0xffffffff : 0;
    m.setReg(RDX, 64, false, v, v);
  },
  clc: (m) => void (m.flags &= ~CF),
  stc: (m) => void (m.flags |= CF),
  cmc: (m) => void (m.flags ^= CF),
  cld: (m) => void (m.flags &= ~DF),
  std: (m) => void (m.flags |= DF),
  cli: (m) => void (m.flags &= ~IF),
  sti: (m) => void (m.flags |= IF),
  sahf: (m) => {
    const ah = (m.lo[RAX] >>> 8) & 0xff;
    const bits = SF | ZF | AF | PF | CF;
    m.flags = (m.flags & ~bits) | (ah & bits);
  },
  lahf: (m) => {
    const v = (m.flags & (SF | ZF | AF | PF | CF)) | 2;
    m.setReg(RAX, 8, true, v, 0);
  },
  // AL = [seg:rBX + AL]: AL zero-extended, the sum wrapped at the address size.
  xlatb: (m, i) => {
    const o = i.o[0];
    let lo = m.offset(o) + (m.lo[RAX] & 0xff);
    let hi = m.rh;
    if (o.asz === 64) {
      if (lo >= 4294967296) hi = (hi + 1) >>> 0;
      lo >>>= 0;
    } else lo = o.asz === 32 ? lo >>> 0 : lo & 0xffff;
    m.setReg(RAX, 8, false, m.rd(m.linear(o.seg, lo, hi, o.asz), 1), 0);
  },
  nop: () => {},
  pause: () => {},
  lfence: () => {},
  mfence: () => {},
  sfence: () => {},
  endbr64: () => {},
  endbr32: () => {},
  prefetcht0: () => {},
  prefetcht1: () => {},
  prefetcht2: () => {},
  prefetchnta: () => {},
};

export const CC_OPS = { cmovcc, setcc };
