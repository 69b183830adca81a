// String instructions (movs, stos, lods, cmps, scas) with rep/repe/repne, DF and the address size.
// A rep movs/stos with DF=0 runs as bulk page-by-page copies when nothing can fault in the chunk and no
// decoded code or page table lives in the destination page; otherwise element by element, so a fault
// leaves RSI/RDI/RCX at the element that faulted (as the CPU does). The count is the full 64-bit RCX
// (ECX, CX for smaller address sizes), kept exact in two halves. Each iteration is one step of the
// instruction budget, so a huge count stops at the budget (or faults where memory ends).

import { sub } from '../alu.ts';
import type { Insn, OpFn } from '../insn.ts';
import { DF, ES, type Machine, ZF } from '../machine.ts';
import { PAGE_SIZE } from '../../memory.ts';

const RAX = 0;
const RCX = 1;
const RSI = 6;
const RDI = 7;

type Kind = 'movs' | 'stos' | 'lods' | 'cmps' | 'scas';

function regLinear(m: Machine, seg: number, r: number, asz: number): number {
  const lo = m.getReg(r, asz, false);
  return m.linear(seg, lo, m.rh, asz);
}

function advance(m: Machine, r: number, asz: number, delta: number): void {
  if (asz === 64) {
    const l = m.lo[r] + delta;
    const c = Math.floor(l / 4294967296);
    m.lo[r] = l;
    m.hi[r] = m.hi[r] + c;
  } else if (asz === 32) m.setReg(r, 32, false, (m.lo[r] + delta) >>> 0, 0);
  else m.setReg(r, 16, false, (m.lo[r] + delta) & 0xffff, 0);
}

/** Count register halves after `k` more iterations: the 64-bit count stays exact (no doubles). */
function setCount(m: Machine, asz: number, lo: number, hi: number): void {
  if (asz === 64) m.setReg(RCX, 64, false, lo >>> 0, hi >>> 0);
  else m.setReg(RCX, asz, false, lo >>> 0, 0);
}

function element(m: Machine, i: Insn, kind: Kind, size: number): void {
  const asz = i.asz;
  const step = m.flags & DF ? -size : size;
  switch (kind) {
    case 'movs': {
      const v = m.rd(regLinear(m, i.sseg, RSI, asz), size);
      const vh = m.rh; // read before regLinear, which reuses rh
      m.wr(regLinear(m, ES, RDI, asz), size, v, vh);
      advance(m, RSI, asz, step);
      advance(m, RDI, asz, step);
      return;
    }
    case 'stos': {
      const v = m.getReg(RAX, size * 8, false);
      const vh = m.rh;
      m.wr(regLinear(m, ES, RDI, asz), size, v, vh);
      advance(m, RDI, asz, step);
      return;
    }
    case 'lods': {
      const v = m.rd(regLinear(m, i.sseg, RSI, asz), size);
      m.setReg(RAX, size * 8, false, v, m.rh);
      advance(m, RSI, asz, step);
      return;
    }
    case 'cmps': {
      const a = m.rd(regLinear(m, i.sseg, RSI, asz), size);
      const ah = m.rh;
      const b = m.rd(regLinear(m, ES, RDI, asz), size);
      sub(m, a, ah, b, m.rh, 0, size * 8);
      advance(m, RSI, asz, step);
      advance(m, RDI, asz, step);
      return;
    }
    case 'scas': {
      const a = m.getReg(RAX, size * 8, false);
      const ah = m.rh;
      const b = m.rd(regLinear(m, ES, RDI, asz), size);
      sub(m, a, ah, b, m.rh, 0, size * 8);
      advance(m, RDI, asz, step);
    }
  }
}

/**
 * Up to `n` elements of rep movs/stos in one go within the current source and destination pages.
 * Returns how many were done (0: use the element path).
 */
function bulk(m: Machine, i: Insn, kind: Kind, size: number, n: number): number {
  const asz = i.asz;
  const dst = regLinear(m, ES, RDI, asz);
  const dOff = dst - Math.floor(dst / PAGE_SIZE) * PAGE_SIZE;
  let k = Math.min(n, Math.floor((PAGE_SIZE - dOff) / size));
  let srcView: Uint8Array | undefined;
  if (kind === 'movs') {
    const src = regLinear(m, i.sseg, RSI, asz);
    const sOff = src - Math.floor(src / PAGE_SIZE) * PAGE_SIZE;
    k = Math.min(k, Math.floor((PAGE_SIZE - sOff) / size));
    if (k <= 0) return 0;
    const s = m.bulkReadPage(src);
    srcView = new Uint8Array(s.dv.buffer, s.dv.byteOffset + s.off, k * size);
  }
  if (k <= 0) return 0;
  const d = m.bulkWritePage(dst);
  if (!d) return 0;
  const dstView = new Uint8Array(d.dv.buffer, d.dv.byteOffset + d.off, k * size);
  if (srcView) {
    // Overlap with the destination ahead of the source: element order matters, not memmove.
    if (
      srcView.buffer === dstView.buffer &&
      dstView.byteOffset > srcView.byteOffset &&
      dstView.byteOffset < srcView.byteOffset + k * size
    )
      return 0;
    dstView.set(srcView);
    advance(m, RSI, asz, k * size);
  } else {
    const v = m.getReg(RAX, size * 8, false);
    const hi = m.rh;
    const pattern = new Uint8Array(size);
    const dv = new DataView(pattern.buffer);
    if (size === 8) {
      dv.setUint32(0, v, true);
      dv.setUint32(4, hi, true);
    } else if (size === 4) dv.setUint32(0, v, true);
    else if (size === 2) dv.setUint16(0, v, true);
    else dv.setUint8(0, v);
    if (size === 1 || pattern.every((b) => b === pattern[0])) dstView.fill(pattern[0]);
    else for (let j = 0; j < k; j++) dstView.set(pattern, j * size);
  }
  advance(m, RDI, asz, k * size);
  return k;
}

/** The most iterations one step runs, whatever the budget (keeps the count arithmetic in 32 bits). */
const MAX_ITERATIONS = 2 ** 31;

/**
 * A string instruction. With a rep prefix it runs at most `m.budgetLeft` iterations (each iteration is
 * one step of the budget, as the CPU may take an interrupt between any two): when the count is not
 * exhausted by then, RIP stays on the instruction with RCX/RSI/RDI where they got to, which is the
 * architectural state of an interrupted rep, and the run loop stops on the budget there.
 */
export function stringOp(kind: Kind, size: number): OpFn {
  return (m, i) => {
    if (!i.rep) {
      element(m, i, kind, size);
      return;
    }
    const asz = i.asz;
    const conditional = kind === 'cmps' || kind === 'scas';
    let lo = m.getReg(RCX, asz, false);
    let hi = asz === 64 ? m.rh : 0;
    // With RCX=0 nothing executes: cmps/scas leave every flag (and its undefined mark) as it was.
    if (lo === 0 && hi === 0) {
      m.fw = 0;
      m.fu = 0;
      return;
    }
    const canBulk = (kind === 'movs' || kind === 'stos') && !(m.flags & DF) && !m.trace;
    const limit = Math.max(1, Math.min(m.budgetLeft, MAX_ITERATIONS));
    let done = 0;
    let stopped = false;
    while ((lo !== 0 || hi !== 0) && done < limit) {
      const want = hi !== 0 ? limit - done : Math.min(lo, limit - done);
      let k = canBulk ? bulk(m, i, kind, size, want) : 0;
      if (k === 0) {
        element(m, i, kind, size);
        k = 1;
      }
      done += k;
      lo -= k;
      if (lo < 0) {
        lo += 4294967296;
        hi -= 1;
      }
      setCount(m, asz, lo, hi);
      if (conditional) {
        const zf = (m.flags & ZF) !== 0;
        if (i.rep === 1 ? !zf : zf) {
          stopped = true;
          break;
        }
      }
    }
    m.extraSteps = done - 1;
    if (!stopped && (lo !== 0 || hi !== 0)) m.nextRip = m.rip;
  };
}

export const STRING_OPS: Record<string, OpFn> = {};
for (const [suffix, size] of [
  ['b', 1],
  ['w', 2],
  ['d', 4],
  ['q', 8],
] as const) {
  for (const kind of ['movs', 'stos', 'lods', 'cmps', 'scas'] as const)
    STRING_OPS[kind + suffix] = stringOp(kind, size);
}
