// System instructions: control registers, MSRs, descriptor tables, segment loads, far transfers,
// ports, cpuid. Fault rules follow the Intel SDM (vol. 2 instruction pages, vol. 3 ch. 2, 5, 9);
// each `gp(...)` names the rule it enforces.

import { Register } from 'iced-x86';
import {
  CR0_CD,
  CR0_ET,
  CR0_NW,
  CR0_PG,
  CR0_WP,
  CR4_CET,
  CR4_LA57,
  CR4_PAE,
  CR4_PCIDE,
  EFER_LMA,
  EFER_LME,
} from '../../../x86/bits.ts';
import {
  MSR_EFER as EFER,
  MSR_FS_BASE as FS_BASE,
  MSR_GS_BASE as GS_BASE,
  MSR_KERNEL_GS_BASE as KERNEL_GS_BASE,
} from '../../../x86/msr.ts';
import { Fault, Halt, NP, SS as SS_VEC, UD, gp } from '../fault.ts';
import { IMM, type Insn, MEM, OTHER, type OpFn } from '../insn.ts';
import { isDebugRegister, movDebug } from './debug.ts';
import { CS, DS, ES, FS, GS, type Machine, RF, SEG_NAMES, SS, addrToBig, toBig } from '../machine.ts';

/** EFER bits a write may set: SCE, LME, LMA (ignored), NXE. */
const EFER_WRITABLE = 0xd01n;
/** CR0 bits the architecture defines: PE MP EM TS ET NE (0-5), WP (16), AM (18), NW CD PG (29-31). */
const CR0_DEFINED = 0xe005003fn;
/** CR4 bits we accept (SDM vol. 3, 2.5): everything defined up to UINTR (25) except bit 15, plus LASS (27). */
const CR4_DEFINED = 0x3ff7fffn | (1n << 27n);
const UNUSABLE = 0x10000;

/** An 8-byte segment descriptor, decoded. */
interface Desc {
  lo: number;
  hi: number;
  addr: number;
  base: bigint;
  limit: number;
  attributes: number;
}

function selErr(sel: number): number {
  return sel & 0xfffc;
}

/** Read the GDT descriptor for a selector (LDT selectors are not modelled: #GP). */
export function readDesc(m: Machine, sel: number): Desc {
  if (sel & 4) throw gp(`selector 0x${sel.toString(16)} refers to the LDT (not modelled)`, selErr(sel));
  const index = sel & 0xfff8;
  if (index + 7 > m.gdtr.limit)
    throw gp(`selector 0x${sel.toString(16)} is beyond the GDT limit`, selErr(sel));
  const addr = gdtAddr(m, index);
  const lo = m.rd(addr, 4);
  const hi = m.rd(addr + 4, 4);
  const base = BigInt(((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0);
  let limit = (lo & 0xffff) | (hi & 0xf0000);
  if (hi & 0x800000) limit = (limit * 4096 + 0xfff) >>> 0;
  return { lo, hi, addr, base, limit, attributes: (hi >>> 8) & 0xf0ff };
}

function gdtAddr(m: Machine, off: number): number {
  const b = m.gdtr.base + BigInt(off);
  return m.long ? Number(BigInt.asIntN(64, b)) : Number(b & 0xffffffffn);
}

/** Set the accessed bit in memory and in the cached attributes, as the CPU does on a load. */
function markAccessed(m: Machine, d: Desc): void {
  if (d.attributes & 1) return;
  m.wr(d.addr + 4, 4, (d.hi | 0x100) >>> 0, 0);
  d.attributes |= 1;
}

function commit(m: Machine, s: number, sel: number, d: Desc | undefined): void {
  m.seg[s] = d
    ? { selector: sel, base: d.base, limit: d.limit, attributes: d.attributes }
    : { selector: sel, base: 0n, limit: 0, attributes: UNUSABLE };
  m.syncSegBase(s);
  if (s === CS) m.updateMode();
}

const present = (d: Desc) => (d.attributes & 0x80) !== 0;
const isSystem = (d: Desc) => (d.attributes & 0x10) === 0;
const isCode = (d: Desc) => (d.attributes & 0x8) !== 0;
const dpl = (d: Desc) => (d.attributes >> 5) & 3;
/** The current privilege level (CS.RPL; always 0 in the worlds we run). */
export const cpl = (m: Machine) => m.seg[CS].selector & 3;

/** mov/pop to DS, ES, FS, GS or SS (SDM vol. 2, MOV — Move to segment register). */
export function loadDataSeg(m: Machine, s: number, sel: number): void {
  const rpl = sel & 3;
  const c = cpl(m);
  if ((sel & 0xfffc) === 0) {
    if (s !== SS) return commit(m, s, sel, undefined);
    // A null SS is allowed only in 64-bit mode at CPL < 3 with RPL = CPL.
    if (m.bits === 64 && c !== 3 && rpl === c) return commit(m, s, sel, undefined);
    throw gp('null selector loaded into SS');
  }
  const d = readDesc(m, sel);
  if (s === SS) {
    if (rpl !== c) throw gp('SS selector RPL differs from CPL', selErr(sel));
    if (isSystem(d) || isCode(d) || (d.attributes & 2) === 0)
      throw gp('SS needs a writable data segment', selErr(sel));
    if (dpl(d) !== c) throw gp('SS descriptor DPL differs from CPL', selErr(sel));
    if (!present(d)) throw new Fault(SS_VEC, selErr(sel), 'SS descriptor not present');
  } else {
    if (isSystem(d) || (isCode(d) && (d.attributes & 2) === 0))
      throw gp(`${SEG_NAMES[s]} needs a data or readable code segment`, selErr(sel));
    const conforming = isCode(d) && (d.attributes & 4) !== 0;
    if (!conforming && (rpl > dpl(d) || c > dpl(d))) throw gp('segment DPL below RPL/CPL', selErr(sel));
    if (!present(d)) throw new Fault(NP, selErr(sel), `${SEG_NAMES[s]} descriptor not present`);
  }
  markAccessed(m, d);
  commit(m, s, sel, d);
}

/** Checks for a code segment loaded by a far jmp/call/ret/iret (same privilege only). */
function checkCode(m: Machine, sel: number, isReturn: boolean): Desc {
  if ((sel & 0xfffc) === 0) throw gp('null CS selector');
  const d = readDesc(m, sel);
  const c = cpl(m);
  if (isSystem(d) || !isCode(d))
    throw gp('CS selector is not a code segment (call gates are not modelled)', selErr(sel));
  if (isReturn && (sel & 3) !== c)
    throw new Halt('unsupported', `return to another privilege level (RPL ${sel & 3}) is not modelled`);
  if (d.attributes & 4) {
    if (dpl(d) > c) throw gp('conforming code DPL above CPL', selErr(sel));
  } else if ((sel & 3) > c || dpl(d) !== c)
    throw gp('non-conforming code DPL/RPL differ from CPL', selErr(sel));
  if (!present(d)) throw new Fault(NP, selErr(sel), 'code segment not present');
  if (m.long && d.attributes & 0x2000 && d.attributes & 0x4000)
    throw gp('code segment with both L and D set', selErr(sel));
  return d;
}

function loadCode(m: Machine, sel: number, d: Desc, offset: number): void {
  markAccessed(m, d);
  commit(m, CS, (sel & 0xfffc) | cpl(m), d);
  m.jump(offset);
}

/** Operand size in bytes of a far transfer: what the Code says (Retfq 8, Jmp_m1632 4 ...), else the operand's. */
function farSize(i: Insn): number {
  return i.osz || (m64(i) ? 8 : 4);
}

function m64(i: Insn): boolean {
  return i.w === 64;
}

/** Read a far pointer m16:16/32/64 (offset first, then the selector). */
function farPointer(m: Machine, i: Insn, size: number): { sel: number; off: number } {
  const a = m.ea(i.o[0]);
  const lo = m.rd(a, size);
  const hi = m.rh;
  const sel = m.rd(a + size, 2);
  return { sel, off: size === 8 ? Machine64(lo, hi) : lo };
}

function Machine64(lo: number, hi: number): number {
  return (hi | 0) * 4294967296 + lo;
}

export const farJmp: OpFn = (m, i) => {
  let sel: number;
  let off: number;
  if (i.o[0].k === MEM) ({ sel, off } = farPointer(m, i, farSize(i)));
  else {
    sel = i.farSel;
    off = i.farOff;
  }
  const d = checkCode(m, sel, false);
  loadCode(m, sel, d, off);
};

export const farCall: OpFn = (m, i) => {
  const size = farSize(i);
  let sel: number;
  let off: number;
  if (i.o[0].k === MEM) ({ sel, off } = farPointer(m, i, size));
  else {
    sel = i.farSel;
    off = i.farOff;
  }
  const d = checkCode(m, sel, false);
  const oldCs = m.seg[CS].selector;
  // Push with the caller's stack, before CS changes: CS then the return offset.
  const a1 = m.stackAddr(-size);
  const a2 = m.stackAddr(-2 * size);
  m.writable(a1, size);
  m.writable(a2, size);
  m.wr(a1, size, oldCs, 0);
  const ret = i.next;
  m.wr(a2, size, ret >>> 0, size === 8 ? Math.floor(ret / 4294967296) >>> 0 : 0);
  m.adjustSp(-2 * size);
  loadCode(m, sel, d, off);
};

export const farRet: OpFn = (m, i) => {
  const size = farSize(i);
  const lo = m.rd(m.stackAddr(0), size);
  const hi = m.rh;
  const sel = m.rd(m.stackAddr(size), 2);
  const imm = i.o.length > 0 && i.o[0].k === IMM ? i.o[0].il & 0xffff : 0;
  const d = checkCode(m, sel, true);
  m.adjustSp(2 * size + imm);
  loadCode(m, sel, d, size === 8 ? Machine64(lo, hi) : lo);
};

/** RFLAGS bits iret/popf may change at CPL 0 (VM, VIF, VIP, RF handled separately). */
const FLAGS_MODIFIABLE = 0x247fd5;

export const iret: OpFn = (m, i) => {
  // NT=1 asks for a return from a nested task: no tasks in IA-32e mode, so #GP(0) (SDM vol. 2, IRET).
  if (m.flags & 0x4000) {
    if (m.long) throw gp('iret with RFLAGS.NT=1 in IA-32e mode');
    throw new Halt('unsupported', 'iret with RFLAGS.NT=1 (a return to a nested task) is not modelled', {
      mnemonic: i.mn,
    });
  }
  const size = farSize(i);
  const rd = (k: number) => {
    const lo = m.rd(m.stackAddr(k * size), size);
    return [lo, m.rh] as const;
  };
  const [ripLo, ripHi] = rd(0);
  const [csSel] = rd(1);
  const [fl] = rd(2);
  const d = checkCode(m, csSel & 0xffff, true);
  const to64 = m.long && (d.attributes & 0x2000) !== 0;
  if (!m.long && fl & 0x20000) throw new Halt('unsupported', 'iret to virtual-8086 mode is not modelled');
  // In 64-bit mode iret always pops SS:RSP; from compatibility/protected mode only on a return to 64-bit.
  const popStack = m.bits === 64 || to64;
  let ss: { sel: number; rspLo: number; rspHi: number } | undefined;
  if (popStack) {
    const [rspLo, rspHi] = rd(3);
    const [ssSel] = rd(4);
    ss = { sel: ssSel & 0xffff, rspLo, rspHi: size === 8 ? rspHi : 0 };
  }
  const newFlags = (fl & (FLAGS_MODIFIABLE | 0x10000 | 0x180000)) | 2;
  loadCode(m, csSel & 0xffff, d, size === 8 ? Machine64(ripLo, ripHi) : ripLo);
  if (ss) {
    loadDataSeg(m, SS, ss.sel);
    m.lo[4] = ss.rspLo;
    m.hi[4] = ss.rspHi;
  } else m.adjustSp(3 * size);
  m.flags = size === 2 ? (m.flags & 0xffff0000) | (newFlags & 0xffff) : newFlags;
  // RF from the frame holds for the next instruction (see Machine.endRf).
  m.rfLoaded = (m.flags & RF) !== 0;
  m.pending.pop();
};

/** popf/popfd/popfq at CPL 0: VM, VIF, VIP keep their values, RF is cleared. */
export const popf: OpFn = (m, i) => {
  const size = Math.abs(i.spInc);
  const v = m.pop(size);
  const keep = m.flags & (0x20000 | 0x80000 | 0x100000);
  if (size === 2) m.flags = (m.flags & 0xffff0000 & ~0x10000) | (v & FLAGS_MODIFIABLE & 0xffff) | 2;
  else m.flags = keep | (v & FLAGS_MODIFIABLE) | 2;
};

export const pushf: OpFn = (m, i) => {
  const size = Math.abs(i.spInc);
  m.push(size, m.flags & ~0x30000 & (size === 2 ? 0xffff : 0xffffffff), 0);
};

// ---------------------------------------------------------------- control registers

function crIndex(reg: number): number {
  switch (reg) {
    case Register.CR0:
      return 0;
    case Register.CR2:
      return 2;
    case Register.CR3:
      return 3;
    case Register.CR4:
      return 4;
    default:
      return -1;
  }
}

export function writeCr0(m: Machine, v: bigint): void {
  if (v >> 32n !== 0n) throw gp('CR0 bits 63:32 set');
  // Reserved bits of CR0[31:0] are ignored: they keep their value (SDM vol. 3, 2.5). ET is fixed at 1.
  const nv = (v & CR0_DEFINED) | (m.cr0 & ~CR0_DEFINED) | CR0_ET;
  const pg = (nv & CR0_PG) !== 0n;
  if (pg && (nv & 1n) === 0n) throw gp('CR0.PG set without CR0.PE');
  if (nv & CR0_NW && !(nv & CR0_CD)) throw gp('CR0.NW set without CR0.CD');
  // SDM vol. 2B, MOV to/from control registers: #GP(0) on clearing CR0.WP while CR4.CET = 1.
  if (!(nv & CR0_WP) && m.cr4 & CR4_CET) throw gp('clearing CR0.WP while CR4.CET is set');
  const wasPg = (m.cr0 & CR0_PG) !== 0n;
  let efer = m.efer;
  if (!pg && wasPg && m.long) {
    if (m.bits === 64) throw gp('clearing CR0.PG in 64-bit mode');
    efer &= ~EFER_LMA;
  }
  if (pg && !wasPg && efer & EFER_LME) {
    if (!(m.cr4 & CR4_PAE)) throw gp('CR0.PG with EFER.LME=1 and CR4.PAE=0');
    if (m.seg[CS].attributes & 0x2000) throw gp('CR0.PG with EFER.LME=1 while CS.L=1');
    efer |= EFER_LMA;
  }
  if (pg && !(efer & EFER_LME))
    throw new Halt('unsupported', 'paging without long mode (32-bit or PAE paging) is not modelled', {
      mnemonic: 'mov',
    });
  m.cr0 = nv;
  m.efer = efer;
  m.flushTlb();
  m.updateMode();
}

export function writeCr4(m: Machine, v: bigint): void {
  if (v & ~CR4_DEFINED) throw gp('CR4 reserved bit set');
  if (m.long && !(v & CR4_PAE)) throw gp('clearing CR4.PAE in IA-32e mode');
  if (v & CR4_CET && !(m.cr0 & CR0_WP)) throw gp('setting CR4.CET while CR0.WP is clear');
  if (m.long && (v & CR4_LA57) !== (m.cr4 & CR4_LA57)) throw gp('changing CR4.LA57 in IA-32e mode');
  if (v & CR4_PCIDE && !(m.cr4 & CR4_PCIDE) && (!m.long || (m.cr3 & 0xfffn) !== 0n))
    throw gp('setting CR4.PCIDE outside IA-32e mode or with CR3[11:0] != 0');
  m.cr4 = v;
  m.flushTlb();
  m.updateMode();
}

export function writeCr3(m: Machine, v: bigint): void {
  const pcide = (m.cr4 & CR4_PCIDE) !== 0n;
  const checked = pcide ? v & ~(1n << 63n) : v;
  if (m.long && checked >> 52n !== 0n) throw gp('CR3 reserved bits 63:52 set');
  m.cr3 = pcide ? checked : m.long ? v : v & 0xffffffffn;
  m.flushTlb();
}

/** mov involving a segment or control register. */
export const movSystem: OpFn = (m, i) => {
  const [d, s] = i.o;
  if (d.k === OTHER && d.r >= Register.ES && d.r <= Register.GS) {
    const idx = d.r - Register.ES;
    if (idx === CS) throw new Fault(UD, undefined, 'mov to CS');
    const sel = m.read(s) & 0xffff;
    loadDataSeg(m, idx, sel);
    return;
  }
  if (s.k === OTHER && s.r >= Register.ES && s.r <= Register.GS) {
    const sel = m.seg[s.r - Register.ES].selector;
    m.write(d, sel, 0);
    return;
  }
  if ((d.k === OTHER && isDebugRegister(d.r)) || (s.k === OTHER && isDebugRegister(s.r)))
    return movDebug(m, i);
  const width = m.bits === 64 ? 64 : 32;
  if (d.k === OTHER) {
    const n = crIndex(d.r);
    if (n < 0)
      throw new Halt('unsupported', `mov to ${Register[d.r].toLowerCase()} is not modelled`, {
        mnemonic: 'mov',
      });
    const lo = m.getReg(s.r, width, false);
    const v = toBig(lo, m.rh);
    if (n === 0) writeCr0(m, v);
    else if (n === 2) m.cr2 = v;
    else if (n === 3) writeCr3(m, v);
    else writeCr4(m, v);
    return;
  }
  const n = crIndex(s.r);
  if (n < 0)
    throw new Halt('unsupported', `mov from ${Register[s.r].toLowerCase()} is not modelled`, {
      mnemonic: 'mov',
    });
  const v = n === 0 ? m.cr0 : n === 2 ? m.cr2 : n === 3 ? m.cr3 : m.cr4;
  m.setReg(d.r, width, false, Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn));
};

/** smsw: CR0's low 16 bits to memory; a register gets CR0 at its width (what CPUs since the P6 do). */
export const smsw: OpFn = (m, i) => {
  const o = i.o[0];
  const v = o.k === MEM ? m.cr0 & 0xffffn : m.cr0;
  m.write(o, Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn));
};

/** lmsw: loads PE, MP, EM, TS from the low 4 bits of the operand; it can set PE but never clear it. */
export const lmsw: OpFn = (m, i) => {
  const src = BigInt(m.read(i.o[0]) & 0xf);
  writeCr0(m, (m.cr0 & ~0xen) | src);
};

/** lss/lfs/lgs/lds/les: a far pointer (offset at the operand size, then the selector) into seg:reg. */
function loadFarPointer(s: number): OpFn {
  return (m, i) => {
    const [d, src] = i.o;
    const a = m.ea(src);
    const size = d.w >> 3;
    const lo = m.rd(a, size);
    const hi = m.rh;
    const sel = m.rd(a + size, 2);
    // The segment is loaded first: when it faults the register keeps its value.
    loadDataSeg(m, s, sel);
    m.setReg(d.r, d.w, false, lo, hi);
  };
}

// ---------------------------------------------------------------- MSRs

function canonical(m: Machine, v: bigint): boolean {
  const bits = m.la57 ? 57 : 48;
  const s = BigInt.asIntN(bits, v);
  return BigInt.asUintN(64, s) === v;
}

export const rdmsr: OpFn = (m) => {
  const n = m.lo[1];
  let v: bigint | undefined;
  if (n === EFER) v = m.efer;
  else if (n === FS_BASE) v = m.seg[FS].base;
  else if (n === GS_BASE) v = m.seg[GS].base;
  else v = m.msr.get(n);
  if (v === undefined) throw gp(`rdmsr of MSR 0x${n.toString(16)}, which the world does not define`);
  m.setReg(0, 32, false, Number(v & 0xffffffffn), 0);
  m.setReg(2, 32, false, Number((v >> 32n) & 0xffffffffn), 0);
};

export const wrmsr: OpFn = (m) => {
  const n = m.lo[1];
  const v = toBig(m.lo[0], m.lo[2]);
  if (n === EFER) {
    if (v & ~EFER_WRITABLE) throw gp('EFER reserved bit set');
    if (m.cr0 & CR0_PG && (v & EFER_LME) !== (m.efer & EFER_LME))
      throw gp('changing EFER.LME while paging is on');
    // LMA is read-only: the written value is ignored.
    m.efer = (v & ~EFER_LMA) | (m.efer & EFER_LMA);
    m.flushTlb();
    return;
  }
  if (n === FS_BASE || n === GS_BASE || n === KERNEL_GS_BASE) {
    if (!canonical(m, v)) throw gp('non-canonical segment base MSR value');
    if (n === KERNEL_GS_BASE) m.msr.set(n, v);
    else {
      const s = n === FS_BASE ? FS : GS;
      m.seg[s] = { ...m.seg[s], base: v };
      m.syncSegBase(s);
    }
    return;
  }
  m.msr.set(n, v);
};

export const swapgs: OpFn = (m) => {
  if (m.bits !== 64) throw new Fault(UD, undefined, 'swapgs outside 64-bit mode');
  const k = m.msr.get(KERNEL_GS_BASE) ?? 0n;
  m.msr.set(KERNEL_GS_BASE, m.seg[GS].base);
  m.seg[GS] = { ...m.seg[GS], base: k };
  m.syncSegBase(GS);
};

// ---------------------------------------------------------------- descriptor tables

/** lgdt/lidt: 2-byte limit then an 8-byte base in 64-bit mode (4 bytes, 24 bits with a 16-bit operand, otherwise). */
function loadTable(which: 'gdtr' | 'idtr'): OpFn {
  return (m, i) => {
    if (i.o[0].k !== MEM) throw new Fault(UD, undefined, `${i.mn} needs a memory operand`);
    const a = m.ea(i.o[0]);
    const limit = m.rd(a, 2);
    let base: bigint;
    if (m.bits === 64) {
      const lo = m.rd(a + 2, 8);
      base = toBig(lo, m.rh);
      if (!canonical(m, base)) throw gp(`${i.mn} with a non-canonical base`);
    } else {
      const lo = m.rd(a + 2, 4);
      base = BigInt(i.osz === 2 ? lo & 0xffffff : lo >>> 0);
    }
    m[which] = { base, limit };
  };
}

function storeTable(which: 'gdtr' | 'idtr'): OpFn {
  return (m, i) => {
    const a = m.ea(i.o[0]);
    const t = m[which];
    m.writable(a, m.bits === 64 ? 10 : 6);
    m.wr(a, 2, t.limit, 0);
    const b = t.base;
    if (m.bits === 64) m.wr(a + 2, 8, Number(b & 0xffffffffn), Number((b >> 32n) & 0xffffffffn));
    else m.wr(a + 2, 4, Number(b & 0xffffffffn), 0);
  };
}

// ---------------------------------------------------------------- ports, cpuid, misc

function dataOperand(i: Insn, n: number): { size: 1 | 2 | 4; port: number } {
  return { size: (i.o[n].w >> 3) as 1 | 2 | 4, port: 1 - n };
}

export const inOp: OpFn = (m, i) => {
  const { size } = dataOperand(i, 0);
  const port = m.read(i.o[1]) & 0xffff;
  m.write(i.o[0], m.io.in(port, size), 0);
};

export const outOp: OpFn = (m, i) => {
  const { size } = dataOperand(i, 1);
  const port = m.read(i.o[0]) & 0xffff;
  m.io.out(port, size, m.read(i.o[1]));
};

export const cpuid: OpFn = (m) => {
  const leaf = m.lo[0];
  const sub = m.lo[1];
  const e = m.cpuid.find(
    (c) => c.leaf >>> 0 === leaf && (c.subleaf === undefined || c.subleaf >>> 0 === sub),
  );
  m.setReg(0, 32, false, e?.eax ?? 0, 0);
  m.setReg(3, 32, false, e?.ebx ?? 0, 0);
  m.setReg(1, 32, false, e?.ecx ?? 0, 0);
  m.setReg(2, 32, false, e?.edx ?? 0, 0);
};

function event(name: string): OpFn {
  return (m, i) => {
    m.events.push(`${name}@0x${addrToBig(i.ip).toString(16)}`);
  };
}

export const SYSTEM_OPS: Record<string, OpFn> = {
  lgdt: loadTable('gdtr'),
  lidt: loadTable('idtr'),
  sgdt: storeTable('gdtr'),
  sidt: storeTable('idtr'),
  sldt: (m, i) => m.write(i.o[0], m.ldtr.selector, 0),
  str: (m, i) => m.write(i.o[0], m.tr.selector, 0),
  rdmsr,
  wrmsr,
  clts: (m) => {
    m.cr0 &= ~8n;
  },
  swapgs,
  cpuid,
  in: inOp,
  out: outOp,
  wbinvd: event('wbinvd'),
  invd: event('invd'),
  clflush: () => {},
  invlpg: (m, i) => {
    const a = m.ea(i.o[0]);
    m.invalidatePage(a);
    m.events.push(`invlpg@0x${addrToBig(i.ip).toString(16)}`);
  },
  hlt: (m) => {
    // The step completes (RIP moves past hlt); the run loop stops after it.
    m.halted = true;
  },
  pushf: pushf,
  pushfd: pushf,
  pushfq: pushf,
  popf: popf,
  popfd: popf,
  popfq: popf,
  iret,
  iretd: iret,
  iretq: iret,
  retf: farRet,
  smsw,
  lmsw,
  lss: loadFarPointer(SS),
  lfs: loadFarPointer(FS),
  lgs: loadFarPointer(GS),
  lds: loadFarPointer(DS),
  les: loadFarPointer(ES),
};
