// Exception delivery through the guest IDT (SDM vol. 3, 6.12-6.15) and the double/triple fault rules.
// IA-32e mode: 16-byte interrupt/trap gates; the frame SS, RSP, RFLAGS, CS, RIP [, error code] is always
// pushed, on RSP aligned down to 16. Legacy protected mode: 8-byte 32-bit gates, EFLAGS, CS, EIP [, error
// code] on the current stack. Only same-privilege delivery is modelled (CPL 0 handlers, no IST/TSS).

import { DF, Fault, GP, Halt, NP, hasErrorCode } from './fault.ts';
import { CS, type Machine, RF, SS } from './machine.ts';
import { cpl, readDesc } from './ops/system.ts';

const TWO32 = 4294967296;

function idtAddr(m: Machine, off: number): number {
  const b = m.idtr.base + BigInt(off);
  return m.long ? Number(BigInt.asIntN(64, b)) : Number(b & 0xffffffffn);
}

/** Error code for a fault caused by the IDT entry of `vector` (IDT bit set; EXT as given). */
function idtError(vector: number, ext: number): number {
  return vector * 8 + 2 + ext;
}

/** How one delivery goes: EXT for the error code of a fault it raises, RF for the pushed RFLAGS image. */
export interface DeliveryKind {
  /** 1 unless the event is a software interrupt (int n, int3, into): SDM vol. 3, 6.13. */
  ext: number;
  /** Push RFLAGS with RF=1: every fault-class exception (SDM vol. 3, 6.13 and 17.3.1.1). */
  rf: boolean;
}

/**
 * Deliver one exception. Throws a Fault when delivery itself faults (the caller applies the
 * double-fault rules). `returnRip` is what the frame records (the faulting or the next instruction).
 */
export function deliver(
  m: Machine,
  vector: number,
  errorCode: number | undefined,
  returnRip: number,
  kind: DeliveryKind = { ext: 1, rf: true },
): void {
  const ext = kind.ext;
  if ((m.cr0 & 1n) === 0n) throw new Halt('unsupported', 'exception delivery in real mode is not modelled');
  const gateSize = m.long ? 16 : 8;
  const off = vector * gateSize;
  if (off + gateSize - 1 > m.idtr.limit)
    throw new Fault(GP, idtError(vector, ext), `IDT limit too small for vector ${vector}`);
  const a = idtAddr(m, off);
  const w0 = m.rd(a, 4);
  const w1 = m.rd(a + 4, 4);
  const type = (w1 >>> 8) & 0x1f;
  const gateOk = m.long ? type === 0xe || type === 0xf : type === 0xe || type === 0xf;
  if (!gateOk)
    throw new Fault(GP, idtError(vector, ext), `IDT entry ${vector} is not an interrupt/trap gate`);
  if (!(w1 & 0x8000)) throw new Fault(NP, idtError(vector, ext), `IDT entry ${vector} is not present`);
  const sel = w0 >>> 16;
  let target = ((w1 & 0xffff0000) >>> 0) + (w0 & 0xffff);
  if (m.long) {
    if (w1 & 7) throw new Halt('unsupported', `IDT entry ${vector} uses an IST stack (not modelled)`);
    const hi = m.rd(a + 8, 4);
    target = (hi | 0) * TWO32 + target;
  }
  const d = readDesc(m, sel);
  if ((sel & 0xfffc) === 0 || !(d.attributes & 0x8) || !(d.attributes & 0x10))
    throw new Fault(GP, (sel & 0xfffc) + ext, `IDT entry ${vector} selector is not a code segment`);
  if (!(d.attributes & 0x80)) throw new Fault(NP, (sel & 0xfffc) + ext, 'handler code segment not present');
  if (((d.attributes >> 5) & 3) !== cpl(m))
    throw new Halt('unsupported', 'exception delivery with a privilege change is not modelled');
  if (m.long && !(d.attributes & 0x2000))
    throw new Fault(GP, (sel & 0xfffc) + ext, 'IA-32e handler must be 64-bit code');
  const withCode = errorCode !== undefined && hasErrorCode(vector);
  const oldCs = m.seg[CS].selector;
  const oldFlags = kind.rf ? m.flags | RF : m.flags;
  if (m.long) {
    // 64-bit frame on RSP aligned down to 16 bytes.
    const rspLo = m.lo[4];
    const rspHi = m.hi[4];
    const rsp = (rspHi | 0) * TWO32 + rspLo;
    const top = rsp - (((rspLo % 16) + 16) % 16);
    const items: [number, number][] = [
      [m.seg[SS].selector, 0],
      [rspLo, rspHi],
      [oldFlags, 0],
      [oldCs, 0],
      [returnRip >>> 0, Math.floor(returnRip / TWO32) >>> 0],
    ];
    if (withCode) items.push([errorCode >>> 0, 0]);
    const base = top - items.length * 8;
    const at = (k: number) => {
      const v = base + (items.length - 1 - k) * 8;
      const lo = v >>> 0;
      return m.linear(SS, lo, Math.floor(v / TWO32) >>> 0, 64);
    };
    items.forEach((_, k) => m.writable(at(k), 8));
    items.forEach(([lo, hi], k) => m.wr(at(k), 8, lo, hi));
    m.seg[CS] = {
      selector: (sel & 0xfffc) | cpl(m),
      base: d.base,
      limit: d.limit,
      attributes: d.attributes | 1,
    };
    m.syncSegBase(CS);
    m.updateMode();
    m.lo[4] = base >>> 0;
    m.hi[4] = Math.floor(base / TWO32) >>> 0;
  } else {
    const items = [oldFlags, oldCs, returnRip >>> 0];
    if (withCode) items.push(errorCode >>> 0);
    const addrs = items.map((_, k) => m.stackAddr(-(k + 1) * 4));
    addrs.forEach((x) => m.writable(x, 4));
    items.forEach((v, k) => m.wr(addrs[k], 4, v, 0));
    m.adjustSp(-items.length * 4);
    m.seg[CS] = {
      selector: (sel & 0xfffc) | cpl(m),
      base: d.base,
      limit: d.limit,
      attributes: d.attributes | 1,
    };
    m.syncSegBase(CS);
    m.updateMode();
  }
  // Interrupt gates clear IF; both clear TF, NT, RF (and VM).
  m.flags &= ~(0x100 | 0x4000 | RF | 0x20000 | (type === 0xe ? 0x200 : 0));
  m.rfLoaded = false;
  m.rip = m.bits === 64 ? target : target >>> 0;
}

const CONTRIBUTORY = new Set([0, 10, 11, 12, 13]);

export type Delivery = { ok: true } | { ok: false; message: string };

/**
 * Deliver `f` raised by the instruction at `rip`, applying the SDM's double-fault table to faults
 * raised during delivery; a fault while delivering #DF is a triple fault.
 */
export function raise(m: Machine, f: Fault, rip: number, next: number): Delivery {
  let cur = f;
  for (let guard = 0; guard < 8; guard++) {
    try {
      const first = cur === f;
      deliver(m, cur.vector, cur.errorCode, first && f.trap ? next : rip, {
        ext: first && f.kind === 'software' ? 0 : 1,
        rf: cur.kind === 'fault',
      });
      // The exception the handler now runs for: a fault raised while delivering `f`, or #DF, replaces it.
      m.pending.push({ vector: cur.vector, errorCode: cur.errorCode, rip });
      return { ok: true };
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      if (cur.vector === DF) return { ok: false, message: `${e.name} while delivering #DF (${e.why})` };
      const first = cur.vector;
      const second = e.vector;
      const contributory = CONTRIBUTORY.has(second);
      if ((CONTRIBUTORY.has(first) && contributory) || (first === 14 && (contributory || second === 14)))
        cur = new Fault(DF, 0, `double fault: ${e.why}`);
      else cur = e; // a benign first exception: the second is delivered normally
    }
  }
  return { ok: false, message: 'exception delivery did not converge' };
}
