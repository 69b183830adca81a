// The boundary of the runner: what a world is, what an engine returns.
// Every engine (interp, unicorn, kvm) takes a World and returns a RunResult of exactly this shape,
// so callers (the spec harness, the CLI, the differential tests) never know which engine ran.
// All 64-bit quantities are bigint; nothing here knows about Markdown.

import type { CpuState } from '../x86/registers.ts';
import type { PhysicalMemory } from './memory.ts';

export interface RamRegion {
  base: bigint;
  size: bigint;
}

/** One answer of the CPUID instruction; `subleaf` undefined matches every subleaf. */
export interface CpuidEntry {
  leaf: number;
  subleaf?: number;
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

/** Everything an engine needs to start a run. Memory contents are physical. */
export interface World {
  /** The RAM that exists. An access outside it is an error naming the address, never a zero. */
  ram: RamRegion[];
  /** Initial contents; RAM not covered here reads as zero. */
  image: { addr: bigint; bytes: Uint8Array }[];
  state: CpuState;
  /** Names the world defines (entry, control_page, boot_params ...), for checks and for `until`. */
  symbols: Record<string, bigint>;
  /** Value returned by `in` (default 0xff per byte). */
  portInValue?: number;
  /** CPUID answers; unlisted leaves return zeros. */
  cpuid?: CpuidEntry[];
}

export interface RunOptions {
  /** Stop before executing the instruction at any of these linear addresses. */
  until?: bigint[];
  /**
   * Stop before executing the first instruction whose linear address lies in one of these ranges
   * ([start, end)): "execution enters this region". Reported as an 'until' stop at that address.
   */
  untilRanges?: { start: bigint; end: bigint }[];
  /** Instruction budget; default DEFAULT_MAX_STEPS. */
  maxSteps?: number;
  /** Record a per-step trace (interp only; other engines may ignore it). */
  trace?: boolean;
  /**
   * Trace rows kept (default DEFAULT_TRACE_KEEP): the first and the last half of them; the steps in
   * between are counted in RunResult.traceOmitted, so a long run's trace stays bounded.
   */
  traceKeep?: number;
  /**
   * Called every PROGRESS_STEPS instructions with the count so far, for progress on long runs
   * (interp; other engines may ignore it). Runs inside the engine's loop: keep it cheap. `replay` is
   * true while a traced run goes again to record its trace (see the interpreter's runSync).
   */
  onProgress?: (steps: number, replay: boolean) => void;
}

export const DEFAULT_MAX_STEPS = 10_000_000;
export const DEFAULT_TRACE_KEEP = 4000;
export const PROGRESS_STEPS = 1 << 20;

export type StopReason =
  | 'until' // reached a stop address
  | 'hlt' // executed hlt; rip is after it
  | 'fault' // an exception delivered through a usable guest IDT was not handled before the stop
  | 'triple-fault' // an exception with no usable IDT (reports the original vector)
  | 'budget' // instruction budget exhausted
  | 'unsupported' // the engine does not model this instruction (interp) or cannot run this case
  | 'memory' // an access outside the world's RAM
  | 'engine-limit'; // the engine cannot represent what happened (e.g. KVM internal error on #BP)

export interface Stop {
  reason: StopReason;
  /** RIP where the run stopped (for faults: the faulting instruction). */
  rip: bigint;
  vector?: number;
  errorCode?: number;
  /** For 'unsupported': the mnemonic that is not modelled. */
  mnemonic?: string;
  /** For 'memory': the physical or linear address that is outside RAM. */
  address?: bigint;
  /** One line for humans: what happened, with the address. */
  message: string;
}

export interface PortEvent {
  dir: 'in' | 'out';
  port: number;
  size: 1 | 2 | 4;
  value: number;
}

/** One executed instruction in a trace: what it was and what it changed. */
export interface TraceStep {
  rip: bigint;
  /** The instruction in GAS (AT&T) syntax, as iced-x86's formatter prints it. */
  text: string;
  /** State items written by this step, with their new values (e.g. rax, rflags, cr0, cs.selector). */
  changed: Record<string, bigint>;
  /** Memory written by this step (linear address, size in bytes, value). */
  mem?: { addr: bigint; size: number; value: bigint }[];
}

export interface RunResult {
  engine: EngineName;
  stop: Stop;
  state: CpuState;
  /** Physical memory at the end of the run. */
  memory: PhysicalMemory;
  /** Instructions executed, where the engine can count them. */
  steps?: number;
  /** RFLAGS bits whose final value the SDM leaves undefined (set by the last writer of each flag). */
  undefinedFlags: bigint;
  ports: PortEvent[];
  /** Bytes written to the serial port 0x3f8, as text. */
  serial: string;
  /** Side effects with no state (wbinvd, invlpg ...), in order, e.g. "wbinvd@0x100010". */
  events: string[];
  trace?: TraceStep[];
  /** Steps left out of the middle of `trace` (it holds the first and the last half of the kept rows). */
  traceOmitted?: number;
}

export type EngineName = 'interp' | 'unicorn' | 'kvm';

export interface Engine {
  readonly name: EngineName;
  run(world: World, options?: RunOptions): Promise<RunResult>;
}

/** Whether an engine can run here; when not, one line saying what is missing and how to get it. */
export type EngineAvailability = { ok: true } | { ok: false; reason: string; install: string };
