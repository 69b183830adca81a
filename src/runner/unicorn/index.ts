// The Unicorn engine: QEMU's x86-64 CPU (libunicorn2 2.0.1) behind the common Engine interface.
// A fresh uc instance per run (a reused instance ignores later instruction counts). Unicorn starts in
// a state no CPU can be in (CR0=0x11, CR4=0, EFER=0x500, no GDT), so `establish` walks it to the
// world's state the way software would; what unicorn cannot represent is listed in gaps.ts.

import { Decoder, DecoderOptions, Instruction, Mnemonic } from 'iced-x86';
import koffi from 'koffi';
import type { TypeObject } from 'koffi';
import { SparseMemory, PAGE_SIZE } from '../memory.ts';
import { PortLog } from '../ports.ts';
import { translate } from '../paging.ts';
import { CR4_DE, CR4_PAE, EFER_LMA } from '../../x86/bits.ts';
import { hex } from '../../x86/hex.ts';
import { MSR_EFER } from '../../x86/msr.ts';
import {
  DEFAULT_MAX_STEPS,
  type Engine,
  type EngineAvailability,
  type RunOptions,
  type RunResult,
  type Stop,
  type World,
} from '../types.ts';
import {
  DEBUG_REGISTERS,
  GPRS,
  GPRS_BY_ENCODING,
  SEGMENT_REGISTERS,
  type CpuState,
  type Segment,
  type SegmentRegister,
} from '../../x86/registers.ts';
import { decodeDescriptor, encodeDescriptor, nullSegment, ATTR_UNUSABLE } from './descriptors.ts';
import { HostMemory, loadLibc, type Libc } from '../native/libc.ts';
import { LIBRARY, loadUnicorn, type UnicornLib } from './ffi.ts';
import {
  MMR,
  MSR_STRUCT,
  UC_ARCH_X86,
  UC_DR,
  UC_ERR,
  UC_GPR,
  UC_HOOK,
  UC_MODE_64,
  UC_PROT_ALL,
  UC_REG,
  UC_SEG,
  UC_X86_INS,
} from './regs.ts';

export const UNICORN_INSTALL = 'sudo apt-get install -y libunicorn2';

export function unicornAvailability(): Promise<EngineAvailability> {
  const lib = loadUnicorn();
  if (lib instanceof Error) {
    return Promise.resolve({
      ok: false,
      reason: `unicorn: ${LIBRARY} could not be loaded (${lib.message.split('\n')[0]})`,
      install: UNICORN_INSTALL,
    });
  }
  const v = lib.uc_version(null, null);
  if (v >>> 24 !== 2) {
    return Promise.resolve({
      ok: false,
      reason: `unicorn: ${LIBRARY} reports version ${(v >>> 24).toString()}.${((v >>> 16) & 0xff).toString()}, need 2.x`,
      install: UNICORN_INSTALL,
    });
  }
  return Promise.resolve({ ok: true });
}

export const unicornEngine: Engine = {
  name: 'unicorn',
  async run(world: World, options: RunOptions = {}): Promise<RunResult> {
    const lib = loadUnicorn();
    if (lib instanceof Error) {
      const a = await unicornAvailability();
      throw new Error(a.ok ? lib.message : `${a.reason}; install with: ${a.install}`);
    }
    const libc = loadLibc();
    if (libc instanceof Error) throw new Error(`unicorn: libc could not be loaded: ${libc.message}`);
    return new UnicornRun(lib, libc, world, options).run();
  },
};

/** UC_CTL_WRITE(UC_CTL_UC_USE_EXITS, 1): our hooks decide where a run stops. */
const UC_CTL_USE_EXITS_WRITE = 0x4400_0004;
/** Fault-class vectors: the instruction did not complete (traps: #DB data, #BP, #OF complete). */
const TRAPS = new Set([3, 4]);

/** Where the scratch GDT used to load segment caches goes, if that range is not RAM. */
const SCRATCH_CANDIDATES = [0xffe0_0000n, 0x7fe0_0000n, 0x3fe0_0000n, 0x1fe0_0000n];
/** Scratch layout: a GDT of 8192 descriptors (any selector fits), then PML4, PDPT, PD, stub code. */
const GDT_SIZE = 0x10000;
const SCRATCH_SIZE = GDT_SIZE + 0x4000;
/** The last GDT slot holds the stub's 32-bit code segment (flat, execute/read). */
const STUB_CS = 0xfff8;
const STUB_CODE32 = 0x00cf9b000000ffffn;
/** 32-bit: mov %cr0,%eax; and $0x7fffffff,%eax; mov %eax,%cr0 */
// A count, not 0: an engine that ran once with count 0 ignores the count of its next run.
const STUB_INSNS = 3;
const STUB_LEAVE_LONG_MODE = Uint8Array.of(0x0f, 0x20, 0xc0, 0x25, 0xff, 0xff, 0xff, 0x7f, 0x0f, 0x22, 0xc0);
const ZERO_PAGE = Buffer.alloc(PAGE_SIZE);

class UnicornRun {
  private uc: unknown;
  private readonly callbacks: bigint[] = [];
  private readonly until: Set<bigint>;
  private readonly untilRanges: { start: bigint; end: bigint }[];
  private readonly maxSteps: number;
  private lastBlock: { address: bigint; size: number } | undefined;
  private stop: Stop | undefined;
  private unmapped: { type: number; address: bigint } | undefined;
  private readonly io: PortLog;
  private readonly notes: string[] = [];
  /** Host memory backing each RAM region; must stay referenced until uc_close. */
  private readonly ram: { base: bigint; host: HostMemory }[] = [];

  constructor(
    private readonly lib: UnicornLib,
    private readonly libc: Libc,
    private readonly world: World,
    options: RunOptions,
  ) {
    this.until = new Set(options.until ?? []);
    this.untilRanges = options.untilRanges ?? [];
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.io = new PortLog(world.portInValue);
  }

  run(): RunResult {
    const out: unknown[] = [null];
    this.check(this.lib.uc_open(UC_ARCH_X86, UC_MODE_64, out), 'uc_open');
    this.uc = out[0];
    try {
      this.mapWorld();
      const limit = this.establish(this.world.state);
      if (limit) return this.result(limit);
      // uc_emu_start's count 0 means "no limit": a zero budget ends before the first instruction.
      if (this.maxSteps <= 0)
        return this.result({
          reason: 'budget',
          rip: this.world.state.rip,
          message: 'instruction budget of 0',
        });
      this.addHooks();
      // With exits enabled (and none listed) uc_emu_start has no `until` to look up; a lookup of a
      // non-canonical `until` page-faults inside unicorn and leaves CR2 clobbered after the run.
      this.check(
        this.lib.uc_ctl(this.uc, UC_CTL_USE_EXITS_WRITE, 'int', 1) as number,
        'uc_ctl(UC_CTL_UC_USE_EXITS)',
      );
      const err = this.lib.uc_emu_start(this.uc, this.world.state.rip, 0n, 0n, this.maxSteps);
      return this.result(this.classify(err));
    } finally {
      this.lib.uc_close(this.uc);
      for (const r of this.ram) r.host.free();
      for (const cb of this.callbacks) koffi.unregister(cb);
    }
  }

  // ---- setup -------------------------------------------------------------------------------

  /**
   * RAM is host memory we own (uc_mem_map_ptr): the image is copied in directly and the final contents
   * are read without going through uc_mem_read, which costs ~4 ms per MiB.
   */
  private mapWorld(): void {
    for (const r of this.world.ram) {
      if (r.base % BigInt(PAGE_SIZE) !== 0n || r.size % BigInt(PAGE_SIZE) !== 0n)
        throw new Error(
          `unicorn: RAM region 0x${r.base.toString(16)}+0x${r.size.toString(16)} is not page-aligned`,
        );
      const host = HostMemory.alloc(this.libc, Number(r.size));
      this.ram.push({ base: r.base, host });
      this.check(
        this.lib.uc_mem_map_ptr(this.uc, r.base, host.size, UC_PROT_ALL, host.ptr),
        `uc_mem_map 0x${r.base.toString(16)}`,
      );
    }
    const mem = new SparseMemory(this.world.ram);
    for (const { addr, bytes } of this.world.image) {
      if (!mem.contains(addr, bytes.length))
        throw new Error(
          `unicorn: image at 0x${addr.toString(16)} (${bytes.length} bytes) is outside the world's RAM`,
        );
      for (let done = 0; done < bytes.length;) {
        const a = addr + BigInt(done);
        const r = this.ram.find((x) => a >= x.base && a < x.base + BigInt(x.host.size))!;
        const off = Number(a - r.base);
        const n = Math.min(bytes.length - done, r.host.size - off);
        r.host.bytes.set(bytes.subarray(done, done + n), off);
        done += n;
      }
    }
  }

  /**
   * Walk unicorn from its start state to `s`: a scratch GDT (outside the world's RAM, unmapped again
   * before the run) holds every segment's cache at its selector's slot, because unicorn loads segment
   * registers only from a descriptor table. Leave long mode first when the world is not in it, set EFER,
   * load the selectors while paging is off (linear = physical), then CR4 (PAE) before CR3 before CR0
   * (PG): unicorn drops a CR0.PG write while CR4.PAE=0 in long mode. A Stop when unicorn cannot.
   */
  private establish(s: CpuState): Stop | undefined {
    if ((s.cr0 & 1n) === 0n)
      return this.limitStop(s.rip, 'unicorn engine cannot start in real mode (CR0.PE=0)');
    const scratch = this.scratchBase();
    if (scratch === undefined) return this.limitStop(s.rip, 'no free physical range for the scratch GDT');
    this.check(this.lib.uc_mem_map(this.uc, scratch, SCRATCH_SIZE, UC_PROT_ALL), 'scratch GDT');
    const gdt = new Uint8Array(GDT_SIZE);
    const view = new DataView(gdt.buffer);
    for (const name of SEGMENT_REGISTERS) {
      const seg = s.seg[name];
      if (seg.attributes & ATTR_UNUSABLE || seg.selector < 4) continue;
      // Unicorn's selector load refuses execute-only code; the readable bit does not change execution.
      const d = encodeDescriptor(name === 'cs' ? { ...seg, attributes: seg.attributes | 2 } : seg);
      view.setBigUint64(seg.selector & 0xfff8, d, true);
    }
    view.setBigUint64(STUB_CS, STUB_CODE32, true);
    this.lib.uc_mem_write(this.uc, scratch, gdt, gdt.length);
    this.writeMmr(UC_REG.gdtr, scratch, GDT_SIZE - 1);
    if ((s.efer & EFER_LMA) === 0n) {
      const err = this.leaveLongMode(scratch);
      if (err) return this.limitStop(s.rip, err);
      this.writeReg(UC_REG.cr0, 0x11n);
    }
    this.writeMsr(MSR_EFER, s.efer);
    // CS first (it sets CPL and the code size), then SS, then the data segments.
    for (const name of ['cs', 'ss', 'ds', 'es', 'fs', 'gs'] as const) {
      const seg = s.seg[name];
      const sel = seg.attributes & ATTR_UNUSABLE ? seg.selector & 3 : seg.selector;
      const err = this.lib.uc_reg_write(this.uc, UC_SEG[name], u64(BigInt(sel)));
      if (err !== UC_ERR.OK)
        return this.limitStop(
          s.rip,
          `unicorn refused ${name}=0x${sel.toString(16)}: ${this.lib.uc_strerror(err)}`,
        );
    }
    this.check(this.lib.uc_mem_unmap(this.uc, scratch, SCRATCH_SIZE), 'unmap scratch GDT');
    if ((s.efer & EFER_LMA) !== 0n) {
      this.writeMsr(0xc000_0100, s.seg.fs.base); // FS.base / GS.base beyond 32 bits
      this.writeMsr(0xc000_0101, s.seg.gs.base);
    }
    this.writeReg(UC_REG.cr4, s.cr4);
    this.writeReg(UC_REG.cr3, s.cr3);
    this.writeReg(UC_REG.cr0, s.cr0);
    this.writeReg(UC_REG.cr2, s.cr2);
    for (const r of DEBUG_REGISTERS) this.writeReg(UC_DR[r], s[r]);
    this.writeMmr(UC_REG.gdtr, s.gdtr.base, s.gdtr.limit);
    this.writeMmr(UC_REG.idtr, s.idtr.base, s.idtr.limit);
    for (const [msr, value] of s.msr) this.writeMsr(msr, value);
    for (const r of GPRS) this.writeReg(UC_GPR[r], s.gpr[r]);
    this.writeReg(UC_REG.rflags, s.rflags);
    this.writeReg(UC_REG.rip, s.rip);
    return undefined;
  }

  /**
   * Unicorn's register writes cannot clear EFER.LMA (its CR0 write skips the long-mode exit and its EFER
   * write keeps LMA), so leave long mode the way software does: page tables mapping the scratch range,
   * CR0.PG on, a 32-bit code segment, then three instructions of guest code that clear CR0.PG.
   */
  private leaveLongMode(scratch: bigint): string | undefined {
    const pt = scratch + BigInt(GDT_SIZE);
    const tables = new DataView(new ArrayBuffer(0x4000));
    tables.setBigUint64(0, (pt + 0x1000n) | 3n, true); // PML4[0] -> PDPT
    tables.setBigUint64(0x1000 + 8 * Number((scratch >> 30n) & 511n), (pt + 0x2000n) | 3n, true);
    tables.setBigUint64(0x2000 + 8 * Number((scratch >> 21n) & 511n), (scratch & ~0x1f_ffffn) | 0x83n, true);
    new Uint8Array(tables.buffer).set(STUB_LEAVE_LONG_MODE, 0x3000);
    this.lib.uc_mem_write(this.uc, pt, new Uint8Array(tables.buffer), 0x4000);
    this.writeReg(UC_REG.cr4, CR4_PAE);
    this.writeReg(UC_REG.cr3, pt);
    this.writeReg(UC_REG.cr0, 0x8000_0011n);
    this.writeReg(UC_SEG.cs, BigInt(STUB_CS));
    // Stop with uc_emu_start's own `until` at the stub's end: ending it with hlt would leave the vCPU
    // halted, and the real run then idles for seconds before it starts.
    const err = this.lib.uc_emu_start(
      this.uc,
      pt + 0x3000n,
      pt + 0x3000n + BigInt(STUB_LEAVE_LONG_MODE.length),
      0n,
      STUB_INSNS,
    );
    const efer = this.readMsr(MSR_EFER);
    if (err !== UC_ERR.OK || (efer & EFER_LMA) !== 0n)
      return `unicorn could not leave long mode (${this.lib.uc_strerror(err)}, EFER=0x${efer.toString(16)})`;
    return undefined;
  }

  private scratchBase(): bigint | undefined {
    const mem = new SparseMemory(this.world.ram);
    return SCRATCH_CANDIDATES.find(
      (a) =>
        !this.world.ram.some((r) => a < r.base + r.size && r.base < a + BigInt(SCRATCH_SIZE)) &&
        !mem.contains(a, 1),
    );
  }

  private addHooks(): void {
    const { protos } = this.lib;
    // Until addresses: a code hook on each one only (unicorn instruments just those instructions).
    for (const address of this.until) {
      this.hook(
        UC_HOOK.CODE,
        protos.code,
        () => {
          if (this.stop) return;
          this.stop = { reason: 'until', rip: address, message: `reached until address ${hex(address)}` };
          this.lib.uc_emu_stop(this.uc);
        },
        address,
        address,
      );
    }
    // Unicorn 2.0.1 crashes the process (SIGSEGV) when a guest move to a debug register leaves DR7
    // arming a breakpoint (its breakpoint insertion, found by test/unicorn-gaps.test.ts): when the
    // world holds such a move (bytes 0f 23), every instruction is checked and the run stops before it.
    if (this.world.image.some((i) => hasMovToDr(i.bytes))) {
      this.hook(
        UC_HOOK.CODE,
        protos.code,
        (_uc: unknown, addr: number | bigint) => {
          if (this.stop) return;
          const why = this.armingDebugMove(BigInt(addr));
          if (!why) return;
          this.stop = this.limitStop(BigInt(addr), why);
          this.lib.uc_emu_stop(this.uc);
        },
        1n,
        0n,
      );
    }
    // Until ranges: one code hook over each; the first instruction inside stops the run.
    for (const r of this.untilRanges) {
      if (r.end <= r.start) continue;
      this.hook(
        UC_HOOK.CODE,
        protos.code,
        (_uc: unknown, addr: number | bigint) => {
          if (this.stop) return;
          const address = BigInt(addr);
          this.stop = {
            reason: 'until',
            rip: address,
            message: `entered ${hex(r.start)}-${hex(r.end)} at ${hex(address)}`,
          };
          this.lib.uc_emu_stop(this.uc);
        },
        r.start,
        r.end - 1n,
      );
    }
    // The last block entered: after `hlt` (which ends a block) RIP is that block's end.
    this.hook(
      UC_HOOK.BLOCK,
      protos.code,
      (_uc: unknown, addr: number | bigint, size: number) => {
        this.lastBlock = { address: BigInt(addr), size };
      },
      1n,
      0n,
    );
    this.hook(UC_HOOK.INTR, protos.intr, (_uc: unknown, intno: number) => {
      if (this.stop) return;
      let rip = this.readReg(UC_REG.rip);
      // A trap (int3, int $3, into) leaves RIP after the instruction; report it at the instruction, as
      // the interpreter does for every exception that ends a run (RIP is rewritten after the run).
      if (TRAPS.has(intno)) rip -= this.byteAt(rip - 2n) === 0xcd && this.byteAt(rip - 1n) === 3 ? 2n : 1n;
      this.stop = this.exceptionStop(intno, rip);
      this.lib.uc_emu_stop(this.uc);
    });
    this.hook(
      UC_HOOK.MEM_UNMAPPED,
      protos.eventMem,
      (_uc: unknown, type: number, address: number | bigint) => {
        this.unmapped ??= { type, address: BigInt(address) };
        return false;
      },
      1n,
      0n,
    );
    this.hook(
      UC_HOOK.INSN,
      protos.insnIn,
      (_uc: unknown, port: number, size: number) => {
        return this.io.in(port, size as 1 | 2 | 4);
      },
      1n,
      0n,
      UC_X86_INS.IN,
    );
    this.hook(
      UC_HOOK.INSN,
      protos.insnOut,
      (_uc: unknown, port: number, size: number, value: number) => {
        const v = size === 4 ? value >>> 0 : value & ((1 << (8 * size)) - 1);
        this.io.out(port, size as 1 | 2 | 4, v);
      },
      1n,
      0n,
      UC_X86_INS.OUT,
    );
    this.hook(
      UC_HOOK.INSN,
      protos.insnCpuid,
      () => {
        const leaf = Number(this.readReg(UC_GPR.rax) & 0xffffffffn);
        const sub = Number(this.readReg(UC_GPR.rcx) & 0xffffffffn);
        const e = this.world.cpuid?.find(
          (c) => c.leaf === leaf && (c.subleaf === undefined || c.subleaf === sub),
        );
        this.writeReg(UC_GPR.rax, BigInt((e?.eax ?? 0) >>> 0));
        this.writeReg(UC_GPR.rbx, BigInt((e?.ebx ?? 0) >>> 0));
        this.writeReg(UC_GPR.rcx, BigInt((e?.ecx ?? 0) >>> 0));
        this.writeReg(UC_GPR.rdx, BigInt((e?.edx ?? 0) >>> 0));
        return 1; // skip unicorn's own cpuid
      },
      1n,
      0n,
      UC_X86_INS.CPUID,
    );
  }

  private hook(
    type: number,
    proto: TypeObject,
    fn: (...args: never[]) => unknown,
    begin = 1n,
    end = 0n,
    insn?: number,
  ): void {
    const cb = koffi.register(fn as (...args: unknown[]) => unknown, koffi.pointer(proto));
    this.callbacks.push(cb);
    const hh = [0n];
    const extra = insn === undefined ? [] : ['int', insn];
    this.check(
      this.lib.uc_hook_add(this.uc, hh, type, cb, null, begin, end, ...extra) as number,
      `uc_hook_add ${type}`,
    );
  }

  // ---- results -----------------------------------------------------------------------------

  private classify(err: number): Stop {
    if (this.stop) return this.stop;
    const rip = this.readReg(UC_REG.rip);
    if (err === UC_ERR.INSN_INVALID) return this.exceptionStop(6, rip);
    if (err === UC_ERR.READ_UNMAPPED || err === UC_ERR.WRITE_UNMAPPED || err === UC_ERR.FETCH_UNMAPPED) {
      const address = this.unmapped?.address ?? rip;
      const kind = err === UC_ERR.READ_UNMAPPED ? 'read' : err === UC_ERR.WRITE_UNMAPPED ? 'write' : 'fetch';
      return {
        reason: 'memory',
        rip,
        address,
        message: `${kind} at ${hex(address)} outside the world's RAM`,
      };
    }
    if (err !== UC_ERR.OK)
      return this.limitStop(rip, `unicorn stopped with ${this.lib.uc_strerror(err)} at ${hex(rip)}`);
    // uc_emu_start returns OK with no reason both after `hlt` and when the count runs out: it was a
    // hlt when RIP is the end of the last block and that block's last instruction is one.
    if (this.endsInHlt(rip)) return { reason: 'hlt', rip, message: `hlt at ${hex(rip - 1n)}` };
    return {
      reason: 'budget',
      rip,
      message: `instruction budget of ${this.maxSteps} exhausted at ${hex(rip)}`,
    };
  }

  /**
   * When the instruction at `rip` is a move to DR0-DR5 or DR7 after which DR7 arms a breakpoint, why
   * unicorn cannot run it; else undefined.
   */
  private armingDebugMove(rip: bigint): string | undefined {
    const b = this.readBytes(rip, 4);
    if (!b) return undefined;
    const rex = b[0]! >= 0x40 && b[0]! <= 0x4f ? b[0]! : 0;
    const at = rex ? 1 : 0;
    if (b[at] !== 0x0f || b[at + 1] !== 0x23) return undefined;
    const modrm = b[at + 2]!;
    const n = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
    const source = GPRS_BY_ENCODING[(modrm & 7) | (rex & 1 ? 8 : 0)]!;
    const de = (this.readReg(UC_REG.cr4) & CR4_DE) !== 0n;
    const toDr7 = n === 7 || (n === 5 && !de);
    const dr7 = toDr7 ? this.readReg(UC_GPR[source]) : this.readReg(UC_DR.dr7);
    if (n > 7 || (n !== 7 && n !== 5 && n > 3) || (dr7 & 0xffn) === 0n) return undefined;
    return `a mov to dr${n} leaves DR7 0x${(dr7 & 0xffff_ffffn).toString(16)} arming a breakpoint, which crashes unicorn 2.0.1 (SIGSEGV): not run`;
  }

  private endsInHlt(rip: bigint): boolean {
    const b = this.lastBlock;
    if (!b || b.address + BigInt(b.size) !== rip || this.byteAt(rip - 1n) !== 0xf4) return false;
    const bytes = this.readLinear(b.address, b.size);
    if (!bytes) return true; // cannot re-read the block: the f4 at its end is the best evidence
    const efer = this.readMsr(MSR_EFER);
    const cs = this.segmentCacheNow('cs');
    const bits = (efer & EFER_LMA) !== 0n && cs.attributes & 0x2000 ? 64 : cs.attributes & 0x4000 ? 32 : 16;
    const d = new Decoder(bits, bytes, DecoderOptions.None);
    d.ip = b.address;
    let last = Mnemonic.INVALID;
    const insn = new Instruction();
    try {
      while (d.canDecode) {
        d.decodeOut(insn);
        last = insn.mnemonic;
      }
    } finally {
      insn.free();
      d.free();
    }
    return last === Mnemonic.Hlt;
  }

  private exceptionStop(vector: number, rip: bigint): Stop {
    const idtr = this.readMmr(UC_REG.idtr);
    const long = (this.readMsr(MSR_EFER) & EFER_LMA) !== 0n;
    const gate = long ? 16 : 8;
    const usable = idtr.limit >= vector * gate + gate - 1;
    return usable
      ? {
          reason: 'fault',
          rip,
          vector,
          message: `exception ${vector} at ${hex(rip)} (the guest IDT is not used by unicorn)`,
        }
      : {
          reason: 'triple-fault',
          rip,
          vector,
          message: `exception ${vector} at ${hex(rip)} with no usable IDT`,
        };
  }

  private limitStop(rip: bigint, message: string): Stop {
    return { reason: 'engine-limit', rip, message };
  }

  private result(stop: Stop): RunResult {
    if (stop.vector !== undefined) this.writeReg(UC_REG.rip, stop.rip);
    return {
      engine: 'unicorn',
      stop,
      state: this.readState(),
      memory: this.readMemory(),
      undefinedFlags: 0n,
      ports: this.io.events,
      serial: this.io.serial,
      events: this.notes,
    };
  }

  private readState(): CpuState {
    const gpr = Object.fromEntries(GPRS.map((r) => [r, this.readReg(UC_GPR[r])])) as CpuState['gpr'];
    const cr0 = this.readReg(UC_REG.cr0);
    const cr3 = this.readReg(UC_REG.cr3);
    const cr4 = this.readReg(UC_REG.cr4);
    const efer = this.readMsr(MSR_EFER);
    const mmr = this.readMmr(UC_REG.gdtr);
    const gdtr = { base: mmr.base, limit: mmr.limit };
    const idtr = this.readMmr(UC_REG.idtr);
    const seg = {} as Record<SegmentRegister, Segment>;
    for (const name of SEGMENT_REGISTERS) {
      const selector = Number(this.readReg(UC_SEG[name]) & 0xffffn);
      seg[name] = this.segmentCache(name, selector, { cr0, cr3, cr4, efer }, gdtr);
    }
    seg.fs = { ...seg.fs, base: this.readMsr(0xc000_0100) };
    seg.gs = { ...seg.gs, base: this.readMsr(0xc000_0101) };
    const msr = new Map<number, bigint>();
    for (const n of this.world.state.msr.keys()) msr.set(n, this.readMsr(n));
    return {
      gpr,
      rip: this.readReg(UC_REG.rip),
      rflags: this.readReg(UC_REG.rflags),
      cr0,
      cr2: this.readReg(UC_REG.cr2),
      cr3,
      cr4,
      efer,
      dr0: this.readReg(UC_DR.dr0),
      dr1: this.readReg(UC_DR.dr1),
      dr2: this.readReg(UC_DR.dr2),
      dr3: this.readReg(UC_DR.dr3),
      dr6: this.readReg(UC_DR.dr6),
      dr7: this.readReg(UC_DR.dr7),
      msr,
      seg,
      ldtr: { ...this.world.state.ldtr, selector: Number(this.readMmr(UC_REG.ldtr).selector) },
      tr: { ...this.world.state.tr, selector: Number(this.readMmr(UC_REG.tr).selector) },
      gdtr,
      idtr: { base: idtr.base, limit: idtr.limit },
    };
  }

  /**
   * Unicorn reports only selectors. An unchanged selector keeps the world's cache; a changed one gets
   * the cache its GDT entry describes now (what the load would have produced unless the GDT changed).
   */
  /** The current cache of one segment register (see segmentCache). */
  private segmentCacheNow(name: SegmentRegister): Segment {
    const cpu = this.controlRegs();
    const mmr = this.readMmr(UC_REG.gdtr);
    const selector = Number(this.readReg(UC_SEG[name]) & 0xffffn);
    return this.segmentCache(name, selector, cpu, { base: mmr.base, limit: mmr.limit });
  }

  private controlRegs(): Pick<CpuState, 'cr0' | 'cr3' | 'cr4' | 'efer'> {
    return {
      cr0: this.readReg(UC_REG.cr0),
      cr3: this.readReg(UC_REG.cr3),
      cr4: this.readReg(UC_REG.cr4),
      efer: this.readMsr(MSR_EFER),
    };
  }

  /** Bytes at a linear address through the current page tables (undefined if unmapped or split). */
  private readLinear(addr: bigint, len: number): Uint8Array | undefined {
    const t = translate(new UcPhys(this), this.controlRegs(), addr);
    if (!t.ok || (t.phys & 0xfffn) + BigInt(len) > 0x1000n) return undefined;
    return this.readBytes(t.phys, len);
  }

  private segmentCache(
    name: SegmentRegister,
    selector: number,
    cpu: Pick<CpuState, 'cr0' | 'cr3' | 'cr4' | 'efer'>,
    gdtr: { base: bigint; limit: number },
  ): Segment {
    const initial = this.world.state.seg[name];
    if (selector === initial.selector) return { ...initial };
    if (selector < 4 || selector & 4 || (selector | 7) > gdtr.limit) return nullSegment(selector);
    const linear = gdtr.base + BigInt(selector & 0xfff8);
    const t = translate(new UcPhys(this), cpu, linear);
    if (!t.ok) return nullSegment(selector);
    const b = this.readBytes(t.phys, 8);
    if (!b) return nullSegment(selector);
    return decodeDescriptor(selector, new DataView(b.buffer).getBigUint64(0, true));
  }

  /** Every RAM page that is not all zero, plus every page the image touched. */
  private readMemory(): SparseMemory {
    const mem = new SparseMemory(this.world.ram);
    const imagePages = new Set<bigint>();
    for (const { addr, bytes } of this.world.image)
      for (let p = addr & ~0xfffn; p < addr + BigInt(bytes.length); p += 0x1000n) imagePages.add(p);
    for (const { base, host } of this.ram) {
      for (const p of host.touchedPages()) {
        const addr = base + BigInt(p);
        const page = host.bytes.subarray(p, p + PAGE_SIZE);
        if (imagePages.has(addr) || !Buffer.from(page.buffer, page.byteOffset, PAGE_SIZE).equals(ZERO_PAGE))
          mem.write(addr, page);
      }
    }
    return mem;
  }

  // ---- register access ---------------------------------------------------------------------

  byteAt(addr: bigint): number | undefined {
    return this.readBytes(addr, 1)?.[0];
  }

  readBytes(addr: bigint, len: number): Uint8Array | undefined {
    const b = new Uint8Array(len);
    return this.lib.uc_mem_read(this.uc, addr, b, len) === UC_ERR.OK ? b : undefined;
  }

  private readReg(id: number): bigint {
    const b = new Uint8Array(8);
    this.check(this.lib.uc_reg_read(this.uc, id, b), `uc_reg_read ${id}`);
    return new DataView(b.buffer).getBigUint64(0, true);
  }

  private writeReg(id: number, v: bigint): void {
    this.check(this.lib.uc_reg_write(this.uc, id, u64(v)), `uc_reg_write ${id}`);
  }

  private readMsr(rid: number): bigint {
    const b = new Uint8Array(MSR_STRUCT.size);
    const d = new DataView(b.buffer);
    d.setUint32(MSR_STRUCT.rid, rid, true);
    this.check(this.lib.uc_reg_read(this.uc, UC_REG.msr, b), `rdmsr 0x${rid.toString(16)}`);
    return d.getBigUint64(MSR_STRUCT.value, true);
  }

  private writeMsr(rid: number, v: bigint): void {
    const b = new Uint8Array(MSR_STRUCT.size);
    const d = new DataView(b.buffer);
    d.setUint32(MSR_STRUCT.rid, rid, true);
    d.setBigUint64(MSR_STRUCT.value, BigInt.asUintN(64, v), true);
    this.check(this.lib.uc_reg_write(this.uc, UC_REG.msr, b), `wrmsr 0x${rid.toString(16)}`);
  }

  private readMmr(id: number): { base: bigint; limit: number; selector: number } {
    const b = new Uint8Array(MMR.size);
    this.check(this.lib.uc_reg_read(this.uc, id, b), `uc_reg_read ${id}`);
    const d = new DataView(b.buffer);
    return {
      selector: d.getUint16(MMR.selector, true),
      base: d.getBigUint64(MMR.base, true),
      limit: d.getUint32(MMR.limit, true),
    };
  }

  private writeMmr(id: number, base: bigint, limit: number): void {
    const b = new Uint8Array(MMR.size);
    const d = new DataView(b.buffer);
    d.setBigUint64(MMR.base, base, true);
    d.setUint32(MMR.limit, limit, true);
    this.check(this.lib.uc_reg_write(this.uc, id, b), `uc_reg_write ${id}`);
  }

  private check(err: number, what: string): void {
    if (err !== UC_ERR.OK) throw new Error(`unicorn: ${what} failed: ${this.lib.uc_strerror(err)}`);
  }
}

/** Physical reads straight from unicorn's RAM, for decoding the final GDT. */
class UcPhys extends SparseMemory {
  constructor(private readonly r: UnicornRun) {
    super([{ base: 0n, size: 1n << 52n }]);
  }
  override read(addr: bigint, len: number): Uint8Array {
    return this.r.readBytes(addr, len) ?? new Uint8Array(len);
  }
}

function u64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
  return b;
}

/** Whether `bytes` hold 0f 23 (the opcode of a move to a debug register) anywhere. */
function hasMovToDr(bytes: Uint8Array): boolean {
  for (let i = bytes.indexOf(0x0f); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(0x0f, i + 1))
    if (bytes[i + 1] === 0x23) return true;
  return false;
}
