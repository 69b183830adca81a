// The interpreter's machine: registers in a fast representation, system state, and the one memory
// path (linear address -> TLB / page walk -> physical page) every operand and fetch goes through.
//
// Representation (why): BigInt arithmetic costs tens of nanoseconds per operation, too slow for the
// instruction-rate goal, so 64-bit registers live as two uint32 halves (lo/hi Uint32Arrays) and RFLAGS
// as a number. A linear address is a plain number: in 64-bit mode it must be canonical, i.e. the
// sign-extension of 48 (or 57) bits, so its signed value fits a double exactly; outside long mode it is
// a 32-bit unsigned number. Control registers stay bigint (they change rarely). The CpuState in the
// RunResult is rebuilt from this at the end of the run.
//
// Simplifications (documented): CPL is always 0 (kexec runs in ring 0; user-mode accesses are not
// modelled); segment limits are not checked in protected/compatibility mode; a physical page is RAM
// only when all of its 4 KiB are inside one RAM region.

import { MemoryError, PAGE_SIZE, type PhysicalMemory, type SparseMemory } from '../memory.ts';
import { PortLog } from '../ports.ts';
import { translate } from '../paging.ts';
import { CR0_PG, CR4_LA57, EFER_LMA } from '../../x86/bits.ts';
import type { CpuidEntry } from '../types.ts';
import {
  GPRS_BY_ENCODING,
  SEGMENTS_BY_ENCODING,
  type CpuState,
  type DescriptorTableRegister,
  type Segment,
} from '../../x86/registers.ts';
import { CF, OF, PF, RF, SF, ZF } from '../../x86/bits.ts';
import { Fault, GP, PF as PF_VEC, SS as SS_VEC } from './fault.ts';
import type { Insn, Opnd } from './insn.ts';
import { IMM, MEM, REG } from './insn.ts';
import { CodeCache } from './icache.ts';

export { AF, ARITH, CF, DF, IF, OF, PF, RF, SF, TF, ZF } from '../../x86/bits.ts';

/** Segment register indices in x86 encoding order (the order iced's Register enum uses too). */
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;
/** Segment names by index, and GPR names by index (encoding order), as CpuState names them. */
export const SEG_NAMES = SEGMENTS_BY_ENCODING;
export const GPR_NAMES = GPRS_BY_ENCODING;
export const RSP = 4;

const TWO32 = 4294967296;
const ZERO_PAGE = new DataView(new ArrayBuffer(PAGE_SIZE));

export function mask(w: number): number {
  return w === 8 ? 0xff : w === 16 ? 0xffff : 0xffffffff;
}

export function toBig(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** A signed-number linear address (or RIP) as the unsigned 64-bit bigint the outside world uses. */
export function addrToBig(a: number): bigint {
  return BigInt.asUintN(64, BigInt(a));
}

interface WriteEntry {
  dv: DataView;
  pa: number;
  watched: boolean;
}

/** A memory write recorded for the trace. */
export interface MemWrite {
  addr: bigint;
  size: number;
  value: bigint;
}

export class Machine {
  readonly lo = new Uint32Array(16);
  readonly hi = new Uint32Array(16);
  /** RIP (an offset in CS; signed number). */
  rip = 0;
  flags = 2;
  cr0: bigint;
  cr2: bigint;
  cr3: bigint;
  cr4: bigint;
  efer: bigint;
  /** DR0-DR3, the breakpoint addresses. */
  readonly dr: bigint[];
  dr6: bigint;
  dr7: bigint;
  /** The instruction breakpoints DR7 arms (see ops/debug.ts), undefined when none is. */
  execBreakpoints: Map<number, number> | undefined;
  readonly msr: Map<number, bigint>;
  readonly seg: Segment[];
  readonly sbLo = new Uint32Array(6);
  readonly sbHi = new Uint32Array(6);
  ldtr: Segment;
  tr: Segment;
  gdtr: DescriptorTableRegister;
  idtr: DescriptorTableRegister;

  /** High half of the last value read or computed (the low half is the return value). */
  rh = 0;
  /** Code bitness (64, 32 or 16) and derived mode bits, recomputed by updateMode(). */
  bits = 64;
  long = true;
  paging = true;
  la57 = false;

  /** Per-step scratch: the current instruction, its next RIP, its memory operand's address. */
  insn!: Insn;
  nextRip = 0;
  eaValid = false;
  eaAddr = 0;
  /** Set by hlt: the run ends after this step. */
  halted = false;
  /** Steps the budget has left for the current instruction (rep iterations are steps: ops/string.ts). */
  budgetLeft = Infinity;
  /** Steps the current instruction used beyond its first (iterations of a rep string instruction). */
  extraSteps = 0;
  /** RF was just loaded by iret: it must survive the end of that iret (see endRf). */
  rfLoaded = false;
  /** Flags the current instruction writes / leaves undefined (from iced; ops may refine). */
  fw = 0;
  fu = 0;

  // Memory path.
  private readonly pages = new Map<number, DataView>();
  private readonly rtlb = new Map<number, DataView>();
  private readonly wtlb = new Map<number, WriteEntry>();
  private readonly xtlb = new Map<number, number>();
  private rVpn = NaN;
  private rDv: DataView = ZERO_PAGE;
  private wVpn = NaN;
  private wEnt: WriteEntry | undefined;
  /** Physical pages read by page walks: writing them flushes every translation. */
  private readonly ptPages = new Set<number>();
  /** Physical pages holding decoded code -> linear pages whose decode cache they back. */
  readonly codePages = new Map<number, Set<number>>();
  /** Decoded instructions per linear page. */
  readonly icache = new CodeCache();
  private readonly walkMem: PhysicalMemory;

  trace: MemWrite[] | undefined;
  /** World I/O (what `in` reads, port accesses, serial output) and the CPUID table. */
  io = new PortLog(undefined);
  cpuid: CpuidEntry[] = [];
  readonly events: string[] = [];
  /** Exceptions delivered through the IDT and not yet returned from with iret (see index.ts). */
  pending: { vector: number; errorCode?: number; rip: number }[] = [];

  constructor(
    readonly mem: SparseMemory,
    state: CpuState,
  ) {
    const g = state.gpr;
    GPR_NAMES.forEach((n, i) => {
      this.lo[i] = Number(g[n] & 0xffffffffn);
      this.hi[i] = Number((g[n] >> 32n) & 0xffffffffn);
    });
    this.flags = Number(state.rflags & 0xffffffffn);
    this.cr0 = state.cr0;
    this.cr2 = state.cr2;
    this.cr3 = state.cr3;
    this.cr4 = state.cr4;
    this.efer = state.efer;
    this.dr = [state.dr0, state.dr1, state.dr2, state.dr3];
    this.dr6 = state.dr6;
    this.dr7 = state.dr7;
    this.msr = new Map(state.msr);
    this.seg = SEG_NAMES.map((n) => ({ ...state.seg[n] }));
    this.seg.forEach((_, i) => this.syncSegBase(i));
    this.ldtr = { ...state.ldtr };
    this.tr = { ...state.tr };
    this.gdtr = { ...state.gdtr };
    this.idtr = { ...state.idtr };
    this.updateMode();
    const ptPages = this.ptPages;
    const onWalk = () => this.flushWriteTlb();
    this.walkMem = {
      regions: mem.regions,
      contains: (a, l) => mem.contains(a, l),
      read: (a, l) => mem.read(a, l),
      write: (a, b) => mem.write(a, b),
      readU64: (a) => {
        const n = Number(a);
        const pa = n - (n % PAGE_SIZE);
        if (!ptPages.has(pa)) {
          ptPages.add(pa);
          onWalk();
        }
        const dv = this.physPage(pa, false, n);
        return dv ? dv.getBigUint64(n - pa, true) : 0n;
      },
      // The walk's only writes set accessed/dirty flags. Translations stay valid (a CPU keeps its TLB
      // entries), so this skips the page-table flush of an ordinary write; decoded code on the page goes.
      writeU64: (a, v) => {
        const n = Number(a);
        const pa = n - (n % PAGE_SIZE);
        this.physPage(pa, true, n)!.setBigUint64(n - pa, v, true);
        this.dropCode(pa);
      },
      pages: () => mem.pages(),
    };
    // RIP is canonical-checked by the run loop before the first fetch.
    const r = BigInt.asIntN(64, state.rip);
    this.rip = Number(r);
  }

  // ---------------------------------------------------------------- mode and state

  /** Recompute the mode from CR0/EFER/CS; drops decoded code when the code bitness changes. */
  updateMode(): void {
    this.paging = (this.cr0 & CR0_PG) !== 0n;
    this.long = (this.efer & EFER_LMA) !== 0n;
    this.la57 = (this.cr4 & CR4_LA57) !== 0n;
    const attr = this.seg[CS].attributes;
    let bits: number;
    if ((this.cr0 & 1n) === 0n) bits = 16;
    else if (this.long && attr & 0x2000) bits = 64;
    else bits = attr & 0x4000 ? 32 : 16;
    if (bits !== this.bits) this.icache.clear();
    this.bits = bits;
  }

  /**
   * Called after an instruction completes with RF=1: the CPU clears RF at the end of every instruction
   * except the iret that loaded it (SDM vol. 3, 17.3.1.1), so RF=1 spares exactly one instruction.
   */
  endRf(): void {
    if (this.rfLoaded) this.rfLoaded = false;
    else this.flags &= ~RF;
  }

  /** CPU mode as the outside world names it. */
  get modeName(): 'real' | 'protected' | 'compatibility' | '64-bit' {
    if ((this.cr0 & 1n) === 0n) return 'real';
    if (!this.long) return 'protected';
    return this.bits === 64 ? '64-bit' : 'compatibility';
  }

  syncSegBase(i: number): void {
    const b = this.seg[i].base;
    this.sbLo[i] = Number(b & 0xffffffffn);
    this.sbHi[i] = Number((b >> 32n) & 0xffffffffn);
  }

  /** Forget every translation and every decoded instruction (CR0/CR3/CR4 writes, page-table writes). */
  flushTlb(): void {
    this.rtlb.clear();
    this.xtlb.clear();
    this.flushWriteTlb();
    this.rVpn = NaN;
    this.icache.clear();
    this.codePages.clear();
  }

  private flushWriteTlb(): void {
    this.wtlb.clear();
    this.wVpn = NaN;
    this.wEnt = undefined;
  }

  /** Drop one linear page's translations (invlpg). */
  invalidatePage(addr: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    this.rtlb.delete(vpn);
    this.wtlb.delete(vpn);
    this.xtlb.delete(vpn);
    this.rVpn = NaN;
    this.wVpn = NaN;
    this.icache.delete(vpn);
  }

  // ---------------------------------------------------------------- registers

  getReg(r: number, w: number, hb: boolean): number {
    switch (w) {
      case 64:
        this.rh = this.hi[r];
        return this.lo[r];
      case 32:
        this.rh = 0;
        return this.lo[r];
      case 16:
        this.rh = 0;
        return this.lo[r] & 0xffff;
      default:
        this.rh = 0;
        return hb ? (this.lo[r] >>> 8) & 0xff : this.lo[r] & 0xff;
    }
  }

  /** Write a register the way the architecture does: 32-bit writes zero-extend, 8/16-bit merge. */
  setReg(r: number, w: number, hb: boolean, vlo: number, vhi: number): void {
    switch (w) {
      case 64:
        this.lo[r] = vlo;
        this.hi[r] = vhi;
        return;
      case 32:
        this.lo[r] = vlo;
        this.hi[r] = 0;
        return;
      case 16:
        this.lo[r] = (this.lo[r] & 0xffff0000) | (vlo & 0xffff);
        return;
      default:
        if (hb) this.lo[r] = (this.lo[r] & 0xffff00ff) | ((vlo & 0xff) << 8);
        else this.lo[r] = (this.lo[r] & 0xffffff00) | (vlo & 0xff);
    }
  }

  // ---------------------------------------------------------------- operands

  /** Read an operand: returns the low 32 bits, the high 32 bits are left in `rh`. */
  read(o: Opnd): number {
    if (o.k === REG) return this.getReg(o.r, o.w, o.hb);
    if (o.k === IMM) {
      this.rh = o.ih;
      return o.il;
    }
    const a = this.ea(o);
    if (o.rmw) this.writable(a, o.w >> 3);
    return this.rd(a, o.w >> 3);
  }

  write(o: Opnd, vlo: number, vhi: number): void {
    if (o.k === REG) this.setReg(o.r, o.w, o.hb, vlo, vhi);
    else if (o.k === MEM) this.wr(this.ea(o), o.w >> 3, vlo, vhi);
    else throw new Error(`interp: write to an immediate operand at ${this.insn.mn}`);
  }

  /** The linear address of a memory operand (computed once per instruction). */
  ea(o: Opnd): number {
    if (this.eaValid) return this.eaAddr;
    const off = this.offset(o);
    this.eaAddr = this.linear(o.seg, off, this.rh, o.asz);
    this.eaValid = true;
    return this.eaAddr;
  }

  /** The effective address (offset in its segment) of a memory operand: low half returned, high in rh. */
  offset(o: Opnd): number {
    let lo = o.dl;
    let hi = o.dh;
    if (o.base >= 0) {
      lo += this.lo[o.base];
      hi += this.hi[o.base];
    }
    if (o.idx >= 0) {
      lo += this.lo[o.idx] * o.scale;
      hi += this.hi[o.idx] * o.scale;
    }
    if (o.asz === 64) {
      const c = Math.floor(lo / TWO32);
      this.rh = (hi + c) >>> 0;
      return lo >>> 0;
    }
    this.rh = 0;
    return o.asz === 32 ? lo >>> 0 : lo & 0xffff;
  }

  /**
   * Segment offset -> linear address. 64-bit addressing: FS/GS add their base, the result must be
   * canonical (#GP(0), or #SS(0) for stack accesses). Otherwise base + offset modulo 2^32.
   */
  linear(seg: number, lo: number, hi: number, asz: number): number {
    if (asz === 64 || this.bits === 64) {
      if (asz !== 64) hi = 0;
      if (seg >= FS) {
        const l = lo + this.sbLo[seg];
        hi = hi + this.sbHi[seg] + (l >= TWO32 ? 1 : 0);
        lo = l >>> 0;
      }
      const h = hi | 0;
      const top = this.la57 ? h >> 24 : h >> 15;
      if (top !== 0 && top !== -1)
        throw new Fault(seg === SS ? SS_VEC : GP, 0, `non-canonical address 0x${toBig(lo, hi).toString(16)}`);
      return h * TWO32 + lo;
    }
    return (this.sbLo[seg] + lo) >>> 0;
  }

  // ---------------------------------------------------------------- memory

  /** Translate a linear page (vpn) to a physical page address, raising #PF. kind 0 read, 1 write, 2 fetch. */
  private walk(vpn: number, addr: number, kind: number): number {
    if (!this.paging) return vpn * PAGE_SIZE;
    const lin = addrToBig(vpn * PAGE_SIZE);
    const r = translate(this.walkMem, this, lin, { write: kind === 1, exec: kind === 2, update: true });
    if (!r.ok) {
      this.cr2 = addrToBig(addr);
      throw new Fault(PF_VEC, r.errorCode, `page fault at 0x${this.cr2.toString(16)}`);
    }
    return Number(r.phys);
  }

  /** The backing page of a physical page address; undefined when never written (reads as zero). */
  private physPage(pa: number, create: boolean, addr: number): DataView | undefined {
    let dv = this.pages.get(pa);
    if (dv) return dv;
    const big = BigInt(pa);
    if (!this.mem.contains(big, PAGE_SIZE))
      throw new MemoryError(BigInt(pa + (addr - Math.floor(addr / PAGE_SIZE) * PAGE_SIZE)), 1);
    const u8 = this.mem.page(big, create);
    if (!u8) return undefined;
    dv = new DataView(u8.buffer, u8.byteOffset, PAGE_SIZE);
    this.pages.set(pa, dv);
    // A page that was read as zero before is now real: forget read translations to the zero page.
    this.rtlb.clear();
    this.rVpn = NaN;
    return dv;
  }

  private readPage(vpn: number, addr: number): DataView {
    if (vpn === this.rVpn) return this.rDv;
    let dv = this.rtlb.get(vpn);
    if (!dv) {
      const pa = this.walk(vpn, addr, 0);
      dv = this.physPage(pa, false, addr) ?? ZERO_PAGE;
      this.rtlb.set(vpn, dv);
    }
    this.rVpn = vpn;
    this.rDv = dv;
    return dv;
  }

  private writePage(vpn: number, addr: number): WriteEntry {
    if (vpn === this.wVpn) return this.wEnt!;
    let e = this.wtlb.get(vpn);
    if (!e) {
      const pa = this.walk(vpn, addr, 1);
      const dv = this.physPage(pa, true, addr)!;
      e = { dv, pa, watched: this.ptPages.has(pa) || this.codePages.has(pa) };
      this.wtlb.set(vpn, e);
    }
    this.wVpn = vpn;
    this.wEnt = e;
    return e;
  }

  /** Physical page address of a linear page for instruction fetch (registers the code page). */
  fetchPage(vpn: number, addr: number): number {
    let pa = this.xtlb.get(vpn);
    if (pa === undefined) {
      pa = this.walk(vpn, addr, 2);
      this.physPage(pa, false, addr);
      this.xtlb.set(vpn, pa);
    }
    return pa;
  }

  /** Note that decoded code for linear page `vpn` comes from physical page `pa`. */
  watchCode(pa: number, vpn: number): void {
    let s = this.codePages.get(pa);
    if (!s) {
      s = new Set();
      this.codePages.set(pa, s);
      this.flushWriteTlb();
    }
    s.add(vpn);
  }

  /** Bytes for the decoder: up to `n` bytes at a linear address, stopping early at a page that faults. */
  fetchBytes(addr: number, n: number): { bytes: Uint8Array; fault?: unknown; pas: number[] } {
    const out = new Uint8Array(n);
    const pas: number[] = [];
    let done = 0;
    while (done < n) {
      const a = addr + done;
      const vpn = Math.floor(a / PAGE_SIZE);
      const off = a - vpn * PAGE_SIZE;
      let pa: number;
      const cr2 = this.cr2;
      try {
        pa = this.fetchPage(vpn, a);
      } catch (e) {
        // The next page may not be needed by the instruction: keep the fault for the decoder to raise
        // only if the bytes before it are not a whole instruction (CR2 is set again then).
        if ((e instanceof Fault || e instanceof MemoryError) && done > 0) {
          this.cr2 = cr2;
          return { bytes: out.subarray(0, done), fault: e, pas };
        }
        throw e;
      }
      pas.push(pa);
      const k = Math.min(n - done, PAGE_SIZE - off);
      const dv = this.pages.get(pa);
      if (dv) out.set(new Uint8Array(dv.buffer, dv.byteOffset + off, k), done);
      done += k;
    }
    return { bytes: out, pas };
  }

  /**
   * Check (and translate) that [addr, addr+size) is writable, so a later write cannot fault. When the
   * second page faults, CR2 is its first byte: the first byte of the access that faults.
   */
  writable(addr: number, size: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    this.writePage(vpn, addr);
    const vpn2 = Math.floor((addr + size - 1) / PAGE_SIZE);
    if (vpn2 !== vpn) this.writePage(vpn2, vpn2 * PAGE_SIZE);
  }

  /** Read `size` (1, 2, 4, 8) bytes at a linear address: low 32 bits returned, high in rh. */
  rd(addr: number, size: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const off = addr - vpn * PAGE_SIZE;
    if (off + size > PAGE_SIZE) return this.rdSplit(addr, size);
    const dv = this.readPage(vpn, addr);
    switch (size) {
      case 1:
        this.rh = 0;
        return dv.getUint8(off);
      case 2:
        this.rh = 0;
        return dv.getUint16(off, true);
      case 4:
        this.rh = 0;
        return dv.getUint32(off, true);
      default:
        this.rh = dv.getUint32(off + 4, true);
        return dv.getUint32(off, true);
    }
  }

  private rdSplit(addr: number, size: number): number {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < size; i++) {
      const b = this.rd(addr + i, 1);
      if (i < 4) lo += b * 2 ** (8 * i);
      else hi += b * 2 ** (8 * (i - 4));
    }
    this.rh = hi;
    return lo;
  }

  /** Write `size` bytes at a linear address (low/high halves of the value). */
  wr(addr: number, size: number, lo: number, hi: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const off = addr - vpn * PAGE_SIZE;
    if (off + size > PAGE_SIZE) {
      this.writable(addr, size);
      for (let i = 0; i < size; i++) {
        const b = i < 4 ? (lo >>> (8 * i)) & 0xff : (hi >>> (8 * (i - 4))) & 0xff;
        this.wrByteNoTrace(addr + i, b);
      }
    } else {
      const e = this.writePage(vpn, addr);
      const dv = e.dv;
      switch (size) {
        case 1:
          dv.setUint8(off, lo);
          break;
        case 2:
          dv.setUint16(off, lo, true);
          break;
        case 4:
          dv.setUint32(off, lo, true);
          break;
        default:
          dv.setUint32(off, lo, true);
          dv.setUint32(off + 4, hi, true);
      }
      if (e.watched) this.physWritten(e.pa);
    }
    if (this.trace)
      this.trace.push({ addr: addrToBig(addr), size, value: size === 8 ? toBig(lo, hi) : BigInt(lo >>> 0) });
  }

  private wrByteNoTrace(addr: number, b: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const e = this.writePage(vpn, addr);
    e.dv.setUint8(addr - vpn * PAGE_SIZE, b);
    if (e.watched) this.physWritten(e.pa);
  }

  /** A watched physical page was written: drop decoded code from it, or every translation for a page table. */
  physWritten(pa: number): void {
    if (this.ptPages.has(pa)) {
      this.ptPages.clear();
      this.flushTlb();
      return;
    }
    this.dropCode(pa);
  }

  /** Forget instructions decoded from physical page `pa`. */
  private dropCode(pa: number): void {
    const vpns = this.codePages.get(pa);
    if (vpns) {
      for (const v of vpns) this.icache.delete(v);
      this.codePages.delete(pa);
      this.flushWriteTlb();
    }
  }

  /**
   * Bulk copy/fill support for rep string ops: the writable DataView and offset for a linear address,
   * or undefined when the fast path must not be used (watched page: code or page tables).
   */
  bulkWritePage(addr: number): { dv: DataView; off: number } | undefined {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const e = this.writePage(vpn, addr);
    if (e.watched) return undefined;
    return { dv: e.dv, off: addr - vpn * PAGE_SIZE };
  }

  bulkReadPage(addr: number): { dv: DataView; off: number } {
    const vpn = Math.floor(addr / PAGE_SIZE);
    return { dv: this.readPage(vpn, addr), off: addr - vpn * PAGE_SIZE };
  }

  // ---------------------------------------------------------------- stack

  /** Stack address size: 64 in 64-bit mode, else SS.B selects 32 or 16. */
  get stackBits(): number {
    if (this.bits === 64) return 64;
    return this.seg[SS].attributes & 0x4000 ? 32 : 16;
  }

  /** Linear address of RSP + delta (delta may be negative). */
  stackAddr(delta: number): number {
    const sb = this.stackBits;
    if (sb === 64) {
      const l = this.lo[RSP] + delta;
      const c = Math.floor(l / TWO32);
      return this.linear(SS, l >>> 0, (this.hi[RSP] + c) >>> 0, 64);
    }
    const off = sb === 32 ? (this.lo[RSP] + delta) >>> 0 : (this.lo[RSP] + delta) & 0xffff;
    return this.linear(SS, off, 0, sb);
  }

  /** RSP += delta with the stack's width. */
  adjustSp(delta: number): void {
    const sb = this.stackBits;
    if (sb === 64) {
      const l = this.lo[RSP] + delta;
      const c = Math.floor(l / TWO32);
      this.lo[RSP] = l;
      this.hi[RSP] = this.hi[RSP] + c;
    } else if (sb === 32) this.lo[RSP] = this.lo[RSP] + delta;
    else this.lo[RSP] = (this.lo[RSP] & 0xffff0000) | ((this.lo[RSP] + delta) & 0xffff);
  }

  push(size: number, lo: number, hi: number): void {
    const a = this.stackAddr(-size);
    this.wr(a, size, lo, hi);
    this.adjustSp(-size);
  }

  pop(size: number): number {
    const a = this.stackAddr(0);
    const v = this.rd(a, size);
    this.adjustSp(size);
    return v;
  }

  // ---------------------------------------------------------------- flags

  cond(cc: number): boolean {
    const f = this.flags;
    switch (cc) {
      case 1:
        return (f & OF) !== 0;
      case 2:
        return (f & OF) === 0;
      case 3:
        return (f & CF) !== 0;
      case 4:
        return (f & CF) === 0;
      case 5:
        return (f & ZF) !== 0;
      case 6:
        return (f & ZF) === 0;
      case 7:
        return (f & (CF | ZF)) !== 0;
      case 8:
        return (f & (CF | ZF)) === 0;
      case 9:
        return (f & SF) !== 0;
      case 10:
        return (f & SF) === 0;
      case 11:
        return (f & PF) !== 0;
      case 12:
        return (f & PF) === 0;
      case 13:
        return ((f & SF) !== 0) !== ((f & OF) !== 0);
      case 14:
        return ((f & SF) !== 0) === ((f & OF) !== 0);
      case 15:
        return (f & ZF) !== 0 || ((f & SF) !== 0) !== ((f & OF) !== 0);
      case 16:
        return (f & ZF) === 0 && ((f & SF) !== 0) === ((f & OF) !== 0);
      default:
        throw new Error(`interp: bad condition code ${cc}`);
    }
  }

  // ---------------------------------------------------------------- branches

  /** Set the next RIP to a branch target, checking canonicality in 64-bit mode (#GP at the branch). */
  jump(target: number): void {
    if (this.bits === 64) {
      const lim = this.la57 ? 2 ** 56 : 2 ** 47;
      if (target >= lim || target < -lim) throw new Fault(GP, 0, 'branch to a non-canonical address');
    } else if (this.bits === 32) target = target >>> 0;
    else target = target & 0xffff;
    this.nextRip = target;
  }

  /** A 64-bit value (lo, hi) as a signed number suitable for RIP; non-canonical values become out of range. */
  static signed(lo: number, hi: number): number {
    return (hi | 0) * TWO32 + lo;
  }

  // ---------------------------------------------------------------- export

  toState(): CpuState {
    const gpr = {} as CpuState['gpr'];
    GPR_NAMES.forEach((n, i) => (gpr[n] = toBig(this.lo[i], this.hi[i])));
    const seg = {} as CpuState['seg'];
    SEG_NAMES.forEach((n, i) => (seg[n] = { ...this.seg[i] }));
    return {
      gpr,
      rip: this.bits === 64 ? addrToBig(this.rip) : BigInt(this.rip >>> 0),
      rflags: BigInt(this.flags >>> 0),
      cr0: this.cr0,
      cr2: this.cr2,
      cr3: this.cr3,
      cr4: this.cr4,
      efer: this.efer,
      dr0: this.dr[0]!,
      dr1: this.dr[1]!,
      dr2: this.dr[2]!,
      dr3: this.dr[3]!,
      dr6: this.dr6,
      dr7: this.dr7,
      msr: new Map(this.msr),
      seg,
      ldtr: { ...this.ldtr },
      tr: { ...this.tr },
      gdtr: { ...this.gdtr },
      idtr: { ...this.idtr },
    };
  }
}
