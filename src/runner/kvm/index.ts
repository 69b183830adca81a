// The KVM engine: the world runs on the real CPU through /dev/kvm, driven by ioctls from Node (koffi
// over libc). Ground truth for system-level behaviour: faults on CR/EFER writes, popfq, iretq/lretq.
//
// - Guest RAM is anonymous host memory (one memory slot per RAM region); an access outside it is an
//   MMIO exit, reported as a 'memory' stop.
// - The guest gets the host's CPUID (KVM_GET_SUPPORTED_CPUID -> KVM_SET_CPUID2), with the world's own
//   cpuid entries laid over it; without the host's entries paging features such as NX fault.
// - `until` addresses are reached by planting a `hlt` byte at each one's physical address (translated
//   with the world's initial paging); a HLT exit right after such a byte is reported as 'until' at that
//   address, and the original byte is put back in the result memory. Code that reads its own bytes at
//   an until address, or remaps it, sees the difference: docs/guides/engines.md says so. An until
//   range is filled with hlt bytes the same way, page by page, and its bytes are put back as well.
// - KVM cannot count instructions: `steps` is undefined, and the budget becomes a wall-clock limit
//   enforced by a per-thread POSIX timer whose signal makes KVM_RUN return EINTR.
// - KVM_EXIT_SHUTDOWN is a triple fault (the vector is not reported); FAIL_ENTRY and INTERNAL_ERROR are
//   'engine-limit' stops. Hosts that differ from the SDM (an internal error on #BP, ...) are listed
//   with probes in host.ts.

import { existsSync } from 'node:fs';
import koffi from 'koffi';
import { SparseMemory, PAGE_SIZE } from '../memory.ts';
import { PortLog } from '../ports.ts';
import { translate } from '../paging.ts';
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
  BREAKPOINT_REGISTERS,
  GPRS,
  SEGMENT_REGISTERS,
  type CpuState,
  type DebugRegister,
  type Segment,
} from '../../x86/registers.ts';
import {
  EXIT,
  EXIT_IO_IN,
  KVM_API_VERSION,
  RUN_EXIT_UNION,
  ioctls,
  kvm_cpuid_entry2,
  kvm_debugregs,
  kvm_dtable,
  kvm_regs,
  kvm_run_head,
  kvm_segment,
  kvm_sregs,
  kvm_userspace_memory_region,
  off,
  sizes,
} from './abi.ts';
import {
  HostMemory,
  MAP_SHARED,
  O_CLOEXEC,
  O_RDWR,
  PROT_READ,
  PROT_WRITE,
  loadLibc,
  type Libc,
} from '../native/libc.ts';
import { hex } from '../../x86/hex.ts';
import { cloneState } from '../world.ts';
import { wallClockMs } from './budget.ts';
import { WallClockTimer } from './timer.ts';

export const KVM_DEVICE = '/dev/kvm';
export const KVM_INSTALL =
  'run on a Linux host with hardware virtualization (kvm_intel or kvm_amd loaded) and read/write access to /dev/kvm (group kvm, or root)';

export function kvmAvailability(): Promise<EngineAvailability> {
  return Promise.resolve(checkKvm());
}

function checkKvm(): EngineAvailability {
  if (!existsSync(KVM_DEVICE))
    return { ok: false, reason: `kvm: ${KVM_DEVICE} not present`, install: KVM_INSTALL };
  const libc = loadLibc();
  if (libc instanceof Error)
    return { ok: false, reason: `kvm: libc could not be loaded (${libc.message})`, install: KVM_INSTALL };
  const fd = libc.open(KVM_DEVICE, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return {
      ok: false,
      reason: `kvm: ${KVM_DEVICE} cannot be opened (errno ${libc.errno()})`,
      install: KVM_INSTALL,
    };
  try {
    const v = libc.ioctlInt(fd, ioctls.KVM_GET_API_VERSION, 0);
    if (v !== KVM_API_VERSION)
      return {
        ok: false,
        reason: `kvm: API version ${v}, expected ${KVM_API_VERSION}`,
        install: KVM_INSTALL,
      };
    return { ok: true };
  } finally {
    libc.close(fd);
  }
}

export const kvmEngine: Engine = {
  name: 'kvm',
  async run(world: World, options: RunOptions = {}): Promise<RunResult> {
    const a = checkKvm();
    if (!a.ok) throw new Error(`${a.reason}; ${a.install}`);
    const libc = loadLibc() as Libc;
    return new KvmRun(libc, world, options).run();
  },
};

const HLT = 0xf4;
const EINTR = 4;
const EINVAL = 22;

/** KVM refused the world's initial state (KVM_SET_SREGS EINVAL). */
class StateRefused extends Error {
  override name = 'StateRefused';
}
const E2BIG = 7;
const TSS_ADDR = 0xfffb_d000;
/** KVM_INTERNAL_ERROR_* suberrors (linux/kvm.h). */
const INTERNAL_ERROR_NAMES: Record<number, string> = {
  1: 'emulation failure',
  2: 'exception while delivering an exception',
  3: 'event delivery',
  4: 'unexpected exit reason',
};

class KvmRun {
  private kvm = -1;
  private vm = -1;
  private vcpu = -1;
  private runPtr: unknown = null;
  private runSize = 0;
  private runView!: DataView;
  private readonly ram: { base: bigint; host: HostMemory }[] = [];
  /** Physical address -> original byte, for each planted hlt; linear until address by physical. */
  private readonly planted = new Map<bigint, { byte: number; linear: bigint }>();
  /** Until ranges: each page-sized piece filled with hlt, with its original bytes. */
  private readonly plantedRanges: { linear: bigint; phys: bigint; bytes: Uint8Array; range: string }[] = [];
  private readonly io: PortLog;
  private readonly events: string[] = [];
  private readonly wallMs: number;

  constructor(
    private readonly libc: Libc,
    private readonly world: World,
    private readonly options: RunOptions,
  ) {
    this.wallMs = wallClockMs(options.maxSteps ?? DEFAULT_MAX_STEPS);
    this.io = new PortLog(world.portInValue);
  }

  run(): RunResult {
    try {
      try {
        this.setUp();
      } catch (e) {
        // A state this host's KVM does not accept (a CR4 bit its CPU lacks): the run never started.
        if (e instanceof StateRefused) return this.refused(e.message);
        throw e;
      }
      const stop = this.loop();
      return this.result(stop);
    } finally {
      this.tearDown();
    }
  }

  // ---- setup -------------------------------------------------------------------------------

  private setUp(): void {
    const { libc } = this;
    this.kvm = this.sys(libc.open(KVM_DEVICE, O_RDWR | O_CLOEXEC), `open ${KVM_DEVICE}`);
    this.vm = this.sys(libc.ioctlInt(this.kvm, ioctls.KVM_CREATE_VM, 0), 'KVM_CREATE_VM');
    // Intel needs a 3-page TSS area for real-mode emulation (AMD ignores it); keep it out of RAM.
    const tss = BigInt(TSS_ADDR);
    if (!this.world.ram.some((r) => tss < r.base + r.size && r.base < tss + 0x3000n))
      libc.ioctlInt(this.vm, ioctls.KVM_SET_TSS_ADDR, TSS_ADDR);
    this.mapRam();
    this.plantUntil();
    this.vcpu = this.sys(libc.ioctlInt(this.vm, ioctls.KVM_CREATE_VCPU, 0), 'KVM_CREATE_VCPU');
    this.runSize = this.sys(
      libc.ioctlInt(this.kvm, ioctls.KVM_GET_VCPU_MMAP_SIZE, 0),
      'KVM_GET_VCPU_MMAP_SIZE',
    );
    this.runPtr = libc.mmap(null, this.runSize, PROT_READ | PROT_WRITE, MAP_SHARED, this.vcpu, 0);
    if (this.runPtr === null || koffi.address(this.runPtr) === 0xffff_ffff_ffff_ffffn)
      throw new Error(`kvm: mmap of kvm_run failed (errno ${libc.errno()})`);
    this.runView = new DataView(koffi.view(this.runPtr, this.runSize));
    this.setCpuid();
    this.setSregs(this.world.state);
    this.setRegs(this.world.state);
    this.setDebugRegs(this.world.state);
    this.setMsrs(this.world.state.msr);
  }

  private mapRam(): void {
    const region = new DataView(new ArrayBuffer(sizes.memoryRegion));
    const R = kvm_userspace_memory_region;
    this.world.ram.forEach((r, slot) => {
      if (r.base % BigInt(PAGE_SIZE) !== 0n || r.size % BigInt(PAGE_SIZE) !== 0n)
        throw new Error(
          `kvm: RAM region 0x${r.base.toString(16)}+0x${r.size.toString(16)} is not page-aligned`,
        );
      const host = HostMemory.alloc(this.libc, Number(r.size));
      this.ram.push({ base: r.base, host });
      region.setUint32(off(R, 'slot'), slot, true);
      region.setUint32(off(R, 'flags'), 0, true);
      region.setBigUint64(off(R, 'guest_phys_addr'), r.base, true);
      region.setBigUint64(off(R, 'memory_size'), r.size, true);
      region.setBigUint64(off(R, 'userspace_addr'), koffi.address(host.ptr), true);
      this.sys(
        this.libc.ioctlPtr(this.vm, ioctls.KVM_SET_USER_MEMORY_REGION, new Uint8Array(region.buffer)),
        `KVM_SET_USER_MEMORY_REGION slot ${slot}`,
      );
    });
    for (const { addr, bytes } of this.world.image) this.writePhys(addr, bytes);
  }

  private plantUntil(): void {
    const s = this.world.state;
    const mem = new SparseMemory(this.world.ram);
    for (const { addr, bytes } of this.world.image) mem.write(addr, bytes);
    for (const linear of this.options.until ?? []) {
      let phys: bigint | undefined;
      try {
        const t = translate(mem, s, linear, { exec: true });
        phys = t.ok ? t.phys : undefined;
      } catch {
        phys = undefined; // page tables outside RAM: reported below like an unmapped address
      }
      const cur = phys === undefined ? undefined : this.readPhys(phys, 1)?.[0];
      if (phys === undefined || cur === undefined) {
        this.events.push(`until 0x${linear.toString(16)} is not mapped to RAM at the start; no hlt planted`);
        continue;
      }
      if (!this.planted.has(phys)) this.planted.set(phys, { byte: cur, linear });
      this.writePhys(phys, Uint8Array.of(HLT));
    }
    // A range is filled with hlt page by page (each piece translated on its own): the first
    // instruction fetched inside it exits, and rip - 1 says where it entered.
    for (const r of this.options.untilRanges ?? []) {
      const range = `0x${r.start.toString(16)}-0x${r.end.toString(16)}`;
      for (let linear = r.start; linear < r.end;) {
        const next = (linear | 0xfffn) + 1n < r.end ? (linear | 0xfffn) + 1n : r.end;
        let phys: bigint | undefined;
        try {
          const t = translate(mem, s, linear, { exec: true });
          phys = t.ok ? t.phys : undefined;
        } catch {
          phys = undefined;
        }
        const bytes = phys === undefined ? undefined : this.readPhys(phys, Number(next - linear));
        if (phys === undefined || bytes === undefined)
          this.events.push(
            `until range ${range}: 0x${linear.toString(16)} is not mapped to RAM at the start; no hlt planted there`,
          );
        else {
          this.plantedRanges.push({ linear, phys, bytes, range });
          this.writePhys(phys, new Uint8Array(bytes.length).fill(HLT));
        }
        linear = next;
      }
    }
  }

  private setCpuid(): void {
    let n = 128;
    let buf: Uint8Array;
    for (;;) {
      buf = new Uint8Array(sizes.cpuid2 + n * sizes.cpuidEntry2);
      new DataView(buf.buffer).setUint32(0, n, true);
      const r = this.libc.ioctlPtr(this.kvm, ioctls.KVM_GET_SUPPORTED_CPUID, buf);
      if (r >= 0) break;
      if (this.libc.errno() !== E2BIG || n >= 4096) this.sys(r, 'KVM_GET_SUPPORTED_CPUID');
      n *= 2;
    }
    const d = new DataView(buf.buffer);
    const E = kvm_cpuid_entry2;
    let nent = d.getUint32(0, true);
    const entryAt = (i: number): number => sizes.cpuid2 + i * sizes.cpuidEntry2;
    for (const c of this.world.cpuid ?? []) {
      let i = 0;
      for (; i < nent; i++) {
        const o = entryAt(i);
        if (
          d.getUint32(o + off(E, 'function'), true) === c.leaf &&
          (c.subleaf === undefined || d.getUint32(o + off(E, 'index'), true) === c.subleaf)
        )
          break;
      }
      if (i === nent) {
        if (nent >= n) continue;
        nent++;
        d.setUint32(entryAt(i) + off(E, 'function'), c.leaf, true);
        d.setUint32(entryAt(i) + off(E, 'index'), c.subleaf ?? 0, true);
        d.setUint32(entryAt(i) + off(E, 'flags'), c.subleaf === undefined ? 0 : 1, true); // KVM_CPUID_FLAG_SIGNIFCANT_INDEX
      }
      const o = entryAt(i);
      d.setUint32(o + off(E, 'eax'), c.eax >>> 0, true);
      d.setUint32(o + off(E, 'ebx'), c.ebx >>> 0, true);
      d.setUint32(o + off(E, 'ecx'), c.ecx >>> 0, true);
      d.setUint32(o + off(E, 'edx'), c.edx >>> 0, true);
    }
    d.setUint32(0, nent, true);
    this.sys(
      this.libc.ioctlPtr(this.vcpu, ioctls.KVM_SET_CPUID2, buf.subarray(0, entryAt(nent))),
      'KVM_SET_CPUID2',
    );
  }

  private setSregs(s: CpuState): void {
    const buf = new Uint8Array(sizes.sregs);
    this.sys(this.libc.ioctlPtr(this.vcpu, ioctls.KVM_GET_SREGS, buf), 'KVM_GET_SREGS');
    const d = new DataView(buf.buffer);
    const S = kvm_sregs;
    for (const name of SEGMENT_REGISTERS) writeSegment(d, off(S, name), s.seg[name]);
    writeSegment(d, off(S, 'ldt'), s.ldtr);
    // VMX refuses to enter a guest whose TR is unusable; an unusable TR becomes a minimal busy TSS
    // (it is only consulted on privilege changes and IST delivery, which the world does not use).
    const tr =
      s.tr.attributes & 0x10000 ? { selector: s.tr.selector, base: 0n, limit: 0x67, attributes: 0x8b } : s.tr;
    writeSegment(d, off(S, 'tr'), tr);
    for (const [name, t] of [
      ['gdt', s.gdtr],
      ['idt', s.idtr],
    ] as const) {
      d.setBigUint64(off(S, name) + off(kvm_dtable, 'base'), t.base, true);
      d.setUint16(off(S, name) + off(kvm_dtable, 'limit'), t.limit, true);
    }
    d.setBigUint64(off(S, 'cr0'), s.cr0, true);
    d.setBigUint64(off(S, 'cr2'), s.cr2, true);
    d.setBigUint64(off(S, 'cr3'), s.cr3, true);
    d.setBigUint64(off(S, 'cr4'), s.cr4, true);
    d.setBigUint64(off(S, 'cr8'), 0n, true);
    d.setBigUint64(off(S, 'efer'), s.efer, true);
    for (let i = 0; i < 4; i++) d.setBigUint64(off(S, 'interrupt_bitmap') + 8 * i, 0n, true);
    const r = this.libc.ioctlPtr(this.vcpu, ioctls.KVM_SET_SREGS, buf);
    if (r < 0 && this.libc.errno() === EINVAL)
      throw new StateRefused(
        `KVM_SET_SREGS refused the initial state (EINVAL): CR0 ${hex(s.cr0)}, CR4 ${hex(s.cr4)}, EFER ${hex(s.efer)}`,
      );
    this.sys(r, 'KVM_SET_SREGS');
  }

  /** DR0-DR3, DR6 and DR7 through KVM_SET_DEBUGREGS (KVM_CAP_DEBUGREGS, in every kernel since 2.6.35). */
  private setDebugRegs(s: CpuState): void {
    const buf = new Uint8Array(sizes.debugregs);
    const d = new DataView(buf.buffer);
    BREAKPOINT_REGISTERS.forEach((r, i) => d.setBigUint64(off(kvm_debugregs, 'db') + 8 * i, s[r], true));
    d.setBigUint64(off(kvm_debugregs, 'dr6'), s.dr6, true);
    d.setBigUint64(off(kvm_debugregs, 'dr7'), s.dr7, true);
    this.sys(this.libc.ioctlPtr(this.vcpu, ioctls.KVM_SET_DEBUGREGS, buf), 'KVM_SET_DEBUGREGS');
  }

  private readDebugRegs(): Pick<CpuState, DebugRegister> {
    const buf = new Uint8Array(sizes.debugregs);
    this.sys(this.libc.ioctlPtr(this.vcpu, ioctls.KVM_GET_DEBUGREGS, buf), 'KVM_GET_DEBUGREGS');
    const d = new DataView(buf.buffer);
    const db = (i: number) => d.getBigUint64(off(kvm_debugregs, 'db') + 8 * i, true);
    return {
      dr0: db(0),
      dr1: db(1),
      dr2: db(2),
      dr3: db(3),
      dr6: d.getBigUint64(off(kvm_debugregs, 'dr6'), true),
      dr7: d.getBigUint64(off(kvm_debugregs, 'dr7'), true),
    };
  }

  private setRegs(s: CpuState): void {
    const buf = new Uint8Array(sizes.regs);
    const d = new DataView(buf.buffer);
    for (const r of GPRS) d.setBigUint64(off(kvm_regs, r), s.gpr[r], true);
    d.setBigUint64(off(kvm_regs, 'rip'), s.rip, true);
    d.setBigUint64(off(kvm_regs, 'rflags'), s.rflags | 2n, true);
    this.sys(this.libc.ioctlPtr(this.vcpu, ioctls.KVM_SET_REGS, buf), 'KVM_SET_REGS');
  }

  private setMsrs(msrs: Map<number, bigint>): void {
    if (msrs.size === 0) return;
    const buf = msrBuffer([...msrs.entries()]);
    const n = this.libc.ioctlPtr(this.vcpu, ioctls.KVM_SET_MSRS, buf);
    if (n !== msrs.size) throw new Error(`kvm: KVM_SET_MSRS set ${n} of ${msrs.size} MSRs`);
  }

  // ---- the run loop ------------------------------------------------------------------------

  private loop(): Stop {
    const timer = new WallClockTimer(this.libc, 100);
    const start = performance.now();
    try {
      for (;;) {
        const r = this.libc.ioctlInt(this.vcpu, ioctls.KVM_RUN, 0);
        if (r < 0) {
          const errno = this.libc.errno();
          if (errno === EINTR) {
            if (performance.now() - start > this.wallMs) {
              const rip = this.readRip();
              return {
                reason: 'budget',
                rip,
                message: `wall-clock limit of ${Math.round(this.wallMs)} ms reached at 0x${rip.toString(16)} (kvm cannot count instructions)`,
              };
            }
            continue;
          }
          return this.limit(`KVM_RUN failed with errno ${errno}`);
        }
        const stop = this.exit(this.runView.getUint32(off(kvm_run_head, 'exit_reason'), true));
        if (stop) return stop;
      }
    } finally {
      timer.stop();
    }
  }

  /** Handles one exit; a Stop ends the run. */
  private exit(reason: number): Stop | undefined {
    const u = RUN_EXIT_UNION;
    const v = this.runView;
    switch (reason) {
      case EXIT.HLT: {
        const rip = this.readRip();
        const at = this.untilAt(rip - 1n);
        if (at !== undefined) {
          this.writeRip(at);
          return { reason: 'until', rip: at, message: `reached until address 0x${at.toString(16)}` };
        }
        const piece = this.plantedRanges.find(
          (p) => rip - 1n >= p.linear && rip - 1n < p.linear + BigInt(p.bytes.length),
        );
        if (piece) {
          this.writeRip(rip - 1n);
          return {
            reason: 'until',
            rip: rip - 1n,
            message: `entered ${piece.range} at 0x${(rip - 1n).toString(16)}`,
          };
        }
        return { reason: 'hlt', rip, message: `hlt at 0x${(rip - 1n).toString(16)}` };
      }
      case EXIT.IO: {
        const dir = v.getUint8(u);
        const size = v.getUint8(u + 1) as 1 | 2 | 4;
        const port = v.getUint16(u + 2, true);
        const count = v.getUint32(u + 4, true);
        const dataOff = Number(v.getBigUint64(u + 8, true));
        for (let i = 0; i < count; i++) {
          const at = dataOff + i * size;
          if (dir === EXIT_IO_IN) {
            setSized(v, at, size, this.io.in(port, size));
          } else {
            this.io.out(port, size, getSized(v, at, size));
          }
        }
        return undefined;
      }
      case EXIT.MMIO: {
        const address = v.getBigUint64(u, true);
        const write = v.getUint8(u + 8 + 8 + 4) !== 0;
        const rip = this.readRip();
        return {
          reason: 'memory',
          rip,
          address,
          message: `${write ? 'write' : 'read'} at 0x${address.toString(16)} outside the world's RAM`,
        };
      }
      case EXIT.SHUTDOWN: {
        const rip = this.readRip();
        return {
          reason: 'triple-fault',
          rip,
          message: `triple fault (KVM shutdown exit) near 0x${rip.toString(16)}; KVM does not report the vector`,
        };
      }
      case EXIT.FAIL_ENTRY:
        return this.limit(
          `KVM could not enter the guest (hardware entry failure reason 0x${v.getBigUint64(u, true).toString(16)})`,
        );
      case EXIT.INTERNAL_ERROR: {
        const sub = v.getUint32(u, true);
        const name = INTERNAL_ERROR_NAMES[sub];
        return this.limit(`KVM internal error (suberror ${sub}${name ? `: ${name}` : ''})`);
      }
      case EXIT.INTR:
        return undefined;
      default:
        return this.limit(`unexpected KVM exit reason ${reason}`);
    }
  }

  private untilAt(linear: bigint): bigint | undefined {
    // The vCPU stopped after a planted hlt if rip-1 is the linear address of one.
    for (const p of this.planted.values()) if (p.linear === linear) return p.linear;
    return undefined;
  }

  private limit(message: string): Stop {
    return { reason: 'engine-limit', rip: this.readRip(), message };
  }

  // ---- results -----------------------------------------------------------------------------

  /** The result of a run KVM refused to start: the world's own state, and the RAM as loaded. */
  private refused(message: string): RunResult {
    return {
      engine: 'kvm',
      stop: { reason: 'engine-limit', rip: this.world.state.rip, message },
      state: cloneState(this.world.state),
      memory: this.readMemory(),
      undefinedFlags: 0n,
      ports: [],
      serial: '',
      events: this.events,
    };
  }

  private result(stop: Stop): RunResult {
    return {
      engine: 'kvm',
      stop,
      state: this.readState(),
      memory: this.readMemory(),
      undefinedFlags: 0n,
      ports: this.io.events,
      serial: this.io.serial,
      events: this.events,
    };
  }

  private readState(): CpuState {
    const rb = new Uint8Array(sizes.regs);
    this.sys(this.libc.ioctlPtr(this.vcpu, ioctls.KVM_GET_REGS, rb), 'KVM_GET_REGS');
    const r = new DataView(rb.buffer);
    const sb = new Uint8Array(sizes.sregs);
    this.sys(this.libc.ioctlPtr(this.vcpu, ioctls.KVM_GET_SREGS, sb), 'KVM_GET_SREGS');
    const s = new DataView(sb.buffer);
    const S = kvm_sregs;
    const gpr = Object.fromEntries(
      GPRS.map((g) => [g, r.getBigUint64(off(kvm_regs, g), true)]),
    ) as CpuState['gpr'];
    const seg = Object.fromEntries(
      SEGMENT_REGISTERS.map((n) => [n, readSegment(s, off(S, n))]),
    ) as CpuState['seg'];
    const msr = new Map<number, bigint>();
    const wanted = [...this.world.state.msr.keys()].filter((n) => n !== MSR_EFER);
    if (wanted.length) {
      const buf = msrBuffer(wanted.map((n) => [n, 0n]));
      const got = this.libc.ioctlPtr(this.vcpu, ioctls.KVM_GET_MSRS, buf);
      const d = new DataView(buf.buffer);
      for (let i = 0; i < Math.max(0, got); i++)
        msr.set(d.getUint32(8 + 16 * i, true), d.getBigUint64(8 + 16 * i + 8, true));
    }
    const trOrig = this.world.state.tr;
    const tr = readSegment(s, off(S, 'tr'));
    return {
      gpr,
      rip: r.getBigUint64(off(kvm_regs, 'rip'), true),
      rflags: r.getBigUint64(off(kvm_regs, 'rflags'), true),
      cr0: s.getBigUint64(off(S, 'cr0'), true),
      cr2: s.getBigUint64(off(S, 'cr2'), true),
      cr3: s.getBigUint64(off(S, 'cr3'), true),
      cr4: s.getBigUint64(off(S, 'cr4'), true),
      efer: s.getBigUint64(off(S, 'efer'), true),
      ...this.readDebugRegs(),
      msr,
      seg,
      ldtr: readSegment(s, off(S, 'ldt')),
      // The minimal TSS given for an unusable TR is ours, not the world's.
      tr: trOrig.attributes & 0x10000 && tr.selector === trOrig.selector ? { ...trOrig } : tr,
      gdtr: { base: s.getBigUint64(off(S, 'gdt'), true), limit: s.getUint16(off(S, 'gdt') + 8, true) },
      idtr: { base: s.getBigUint64(off(S, 'idt'), true), limit: s.getUint16(off(S, 'idt') + 8, true) },
    };
  }

  private readMemory(): SparseMemory {
    const mem = new SparseMemory(this.world.ram);
    for (const p of this.plantedRanges) this.writePhys(p.phys, p.bytes);
    for (const [phys, { byte }] of this.planted) this.writePhys(phys, Uint8Array.of(byte));
    const zero = Buffer.alloc(PAGE_SIZE);
    for (const { base, host } of this.ram) {
      for (const p of host.touchedPages()) {
        const page = host.bytes.subarray(p, p + PAGE_SIZE);
        if (!Buffer.from(page.buffer, page.byteOffset, PAGE_SIZE).equals(zero))
          mem.write(base + BigInt(p), page);
      }
    }
    for (const { addr, bytes } of this.world.image)
      for (let a = addr & ~0xfffn; a < addr + BigInt(bytes.length); a += 0x1000n)
        if (!mem.page(a, false)) mem.page(a, true); // image pages exist even when all zero
    return mem;
  }

  private readRip(): bigint {
    const rb = new Uint8Array(sizes.regs);
    if (this.libc.ioctlPtr(this.vcpu, ioctls.KVM_GET_REGS, rb) < 0) return 0n;
    return new DataView(rb.buffer).getBigUint64(off(kvm_regs, 'rip'), true);
  }

  private writeRip(rip: bigint): void {
    const rb = new Uint8Array(sizes.regs);
    this.sys(this.libc.ioctlPtr(this.vcpu, ioctls.KVM_GET_REGS, rb), 'KVM_GET_REGS');
    new DataView(rb.buffer).setBigUint64(off(kvm_regs, 'rip'), rip, true);
    this.sys(this.libc.ioctlPtr(this.vcpu, ioctls.KVM_SET_REGS, rb), 'KVM_SET_REGS');
  }

  // ---- guest memory ------------------------------------------------------------------------

  private hostAt(phys: bigint): { host: HostMemory; off: number } | undefined {
    const r = this.ram.find((x) => phys >= x.base && phys < x.base + BigInt(x.host.size));
    return r && { host: r.host, off: Number(phys - r.base) };
  }

  private writePhys(addr: bigint, bytes: Uint8Array): void {
    for (let done = 0; done < bytes.length;) {
      const h = this.hostAt(addr + BigInt(done));
      if (!h)
        throw new Error(
          `kvm: image byte at 0x${(addr + BigInt(done)).toString(16)} is outside the world's RAM`,
        );
      const n = Math.min(bytes.length - done, h.host.size - h.off);
      h.host.bytes.set(bytes.subarray(done, done + n), h.off);
      done += n;
    }
  }

  private readPhys(addr: bigint, len: number): Uint8Array | undefined {
    const h = this.hostAt(addr);
    if (!h || h.off + len > h.host.size) return undefined;
    return h.host.bytes.slice(h.off, h.off + len);
  }

  private sys(r: number, what: string): number {
    if (r < 0) throw new Error(`kvm: ${what} failed (errno ${this.libc.errno()})`);
    return r;
  }

  private tearDown(): void {
    if (this.runPtr !== null) this.libc.munmap(this.runPtr, this.runSize);
    for (const fd of [this.vcpu, this.vm, this.kvm]) if (fd >= 0) this.libc.close(fd);
    for (const r of this.ram) r.host.free();
  }
}

/** VMX-style attributes (types.ts) -> struct kvm_segment. */
export function writeSegment(d: DataView, at: number, s: Segment): void {
  const K = kvm_segment;
  const a = s.attributes;
  d.setBigUint64(at + off(K, 'base'), s.base, true);
  d.setUint32(at + off(K, 'limit'), s.limit >>> 0, true);
  d.setUint16(at + off(K, 'selector'), s.selector, true);
  d.setUint8(at + off(K, 'type'), a & 0xf);
  d.setUint8(at + off(K, 's'), (a >> 4) & 1);
  d.setUint8(at + off(K, 'dpl'), (a >> 5) & 3);
  d.setUint8(at + off(K, 'present'), (a >> 7) & 1);
  d.setUint8(at + off(K, 'avl'), (a >> 12) & 1);
  d.setUint8(at + off(K, 'l'), (a >> 13) & 1);
  d.setUint8(at + off(K, 'db'), (a >> 14) & 1);
  d.setUint8(at + off(K, 'g'), (a >> 15) & 1);
  d.setUint8(at + off(K, 'unusable'), (a >> 16) & 1);
  d.setUint8(at + off(K, 'padding'), 0);
}

/** struct kvm_segment -> VMX-style attributes. */
export function readSegment(d: DataView, at: number): Segment {
  const K = kvm_segment;
  const b = (f: string): number => d.getUint8(at + off(K, f));
  const attributes =
    (b('type') & 0xf) |
    ((b('s') & 1) << 4) |
    ((b('dpl') & 3) << 5) |
    ((b('present') & 1) << 7) |
    ((b('avl') & 1) << 12) |
    ((b('l') & 1) << 13) |
    ((b('db') & 1) << 14) |
    ((b('g') & 1) << 15) |
    ((b('unusable') & 1) << 16);
  return {
    selector: d.getUint16(at + off(K, 'selector'), true),
    base: d.getBigUint64(at + off(K, 'base'), true),
    limit: d.getUint32(at + off(K, 'limit'), true),
    attributes,
  };
}

/** A struct kvm_msrs with its entries. */
export function msrBuffer(entries: [number, bigint][]): Uint8Array {
  const buf = new Uint8Array(sizes.msrs + entries.length * sizes.msrEntry);
  const d = new DataView(buf.buffer);
  d.setUint32(0, entries.length, true);
  entries.forEach(([index, value], i) => {
    d.setUint32(sizes.msrs + i * sizes.msrEntry, index, true);
    d.setBigUint64(sizes.msrs + i * sizes.msrEntry + 8, value, true);
  });
  return buf;
}

function getSized(v: DataView, at: number, size: number): number {
  return size === 1 ? v.getUint8(at) : size === 2 ? v.getUint16(at, true) : v.getUint32(at, true);
}

function setSized(v: DataView, at: number, size: number, value: number): void {
  if (size === 1) v.setUint8(at, value);
  else if (size === 2) v.setUint16(at, value, true);
  else v.setUint32(at, value >>> 0, true);
}
