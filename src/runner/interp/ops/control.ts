// Control transfer: jmp/jcc/call/ret/loop, push/pop, enter/leave, software interrupts.

import { BP, DB, Fault, Halt, UD } from '../fault.ts';
import { type Insn, OTHER, type OpFn } from '../insn.ts';
import { Machine, OF, RSP } from '../machine.ts';
import { farCall, farJmp, loadDataSeg } from './system.ts';
import { Register } from 'iced-x86';

const RCX = 1;
const RBP = 5;

/** The target of an indirect near branch: a register or memory operand of the branch's width. */
function indirectTarget(m: Machine, i: Insn): number {
  const lo = m.read(i.o[0]);
  return i.o[0].w === 64 ? Machine.signed(lo, m.rh) : lo;
}

const jmp: OpFn = (m, i) => {
  if (i.far) return farJmp(m, i);
  m.jump(i.o[0].k === OTHER ? i.target : indirectTarget(m, i));
};

const call: OpFn = (m, i) => {
  if (i.far) return farCall(m, i);
  const target = i.o[0].k === OTHER ? i.target : indirectTarget(m, i);
  m.jump(target);
  const size = Math.abs(i.spInc);
  const next = i.next;
  m.push(size, next >>> 0, size === 8 ? Math.floor(next / 4294967296) >>> 0 : 0);
};

const ret: OpFn = (m, i) => {
  const size = i.osz;
  const lo = m.rd(m.stackAddr(0), size);
  const target = size === 8 ? Machine.signed(lo, m.rh) : lo;
  m.jump(target);
  const imm = i.o.length > 0 ? i.o[0].il & 0xffff : 0;
  m.adjustSp(size + imm);
};

export function jcc(m: Machine, i: Insn): void {
  if (m.cond(i.cc)) m.jump(i.target);
}

/** The count register of loop/jrcxz (RCX, ECX or CX), in bits. */
function countWidth(i: Insn): number {
  return i.osz * 8;
}

function loopOp(kind: 'loop' | 'loope' | 'loopne'): OpFn {
  return (m, i) => {
    const w = countWidth(i);
    let lo = m.getReg(RCX, w, false);
    let hi = m.rh;
    if (w === 64) {
      if (lo === 0) {
        lo = 0xffffffff;
        hi = (hi - 1) >>> 0;
      } else lo -= 1;
    } else lo = (lo - 1) & (w === 32 ? 0xffffffff : 0xffff);
    lo >>>= 0;
    // A 32-bit count register write in 64-bit mode zero-extends (ECX loop), like any 32-bit write.
    m.setReg(RCX, w, false, lo, hi);
    const nonzero = (lo | (w === 64 ? hi : 0)) !== 0;
    const zf = (m.flags & 0x40) !== 0;
    if (nonzero && (kind === 'loop' || (kind === 'loope' ? zf : !zf))) m.jump(i.target);
  };
}

const jrcxz: OpFn = (m, i) => {
  const w = countWidth(i);
  const lo = m.getReg(RCX, w, false);
  if ((lo | (w === 64 ? m.rh : 0)) === 0) m.jump(i.target);
};

const push: OpFn = (m, i) => {
  const size = Math.abs(i.spInc);
  const o = i.o[0];
  if (o.k === OTHER && o.r >= Register.ES && o.r <= Register.GS) {
    m.push(size, m.seg[o.r - Register.ES].selector, 0);
    return;
  }
  const lo = m.read(o);
  m.push(size, lo, size === 8 ? m.rh : 0);
};

const pop: OpFn = (m, i) => {
  const size = Math.abs(i.spInc);
  const o = i.o[0];
  const addr = m.stackAddr(0);
  const lo = m.rd(addr, size);
  const hi = m.rh;
  if (o.k === OTHER && o.r >= Register.ES && o.r <= Register.GS) {
    loadDataSeg(m, o.r - Register.ES, lo & 0xffff);
    m.adjustSp(size);
    return;
  }
  // pop into an RSP-relative memory operand uses RSP after the increment (SDM, POP).
  m.adjustSp(size);
  if (o.k === 0 && o.r === RSP && o.w === 64) {
    m.write(o, lo, hi);
    return;
  }
  try {
    m.write(o, lo, hi);
  } catch (e) {
    m.adjustSp(-size);
    throw e;
  }
};

const enter: OpFn = (m, i) => {
  const size = i.o[0].il & 0xffff;
  const level = i.o[1].il & 0x1f;
  if (level !== 0)
    throw new Halt('unsupported', `enter with nesting level ${level} is not modelled`, { mnemonic: 'enter' });
  const opw = i.osz;
  const bp = m.getReg(RBP, opw * 8, false);
  m.push(opw, bp, m.rh);
  // The frame pointer is RSP after pushing RBP, at the stack's width (not the operand size).
  const sb = m.stackBits;
  const spLo = m.getReg(RSP, sb, false);
  m.setReg(RBP, sb, false, spLo, m.rh);
  m.adjustSp(-size);
};

const leave: OpFn = (m, i) => {
  const size = i.osz;
  const sb = m.stackBits;
  m.setReg(RSP, sb, false, m.getReg(RBP, sb, false), m.rh);
  const lo = m.pop(size);
  m.setReg(RBP, size * 8, false, lo, m.rh);
};

export const CONTROL_OPS: Record<string, OpFn> = {
  jmp,
  call,
  ret,
  loop: loopOp('loop'),
  loope: loopOp('loope'),
  loopne: loopOp('loopne'),
  jrcxz,
  jecxz: jrcxz,
  jcxz: jrcxz,
  push,
  pop,
  enter,
  leave,
  int3: () => {
    throw new Fault(BP, undefined, 'int3', 'software');
  },
  int1: () => {
    throw new Fault(DB, undefined, 'int1', 'trap');
  },
  int: (m, i) => {
    throw new Fault(i.o[0].il & 0xff, undefined, `int $0x${(i.o[0].il & 0xff).toString(16)}`, 'software');
  },
  into: (m) => {
    if (m.flags & OF) throw new Fault(4, undefined, 'into with OF=1', 'software');
  },
  ud0: () => {
    throw new Fault(UD, undefined, 'ud0');
  },
  ud1: () => {
    throw new Fault(UD, undefined, 'ud1');
  },
  ud2: () => {
    throw new Fault(UD, undefined, 'ud2');
  },
};
