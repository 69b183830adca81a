// The TypeScript interpreter engine: fetch (cached decode) -> operation table -> flags -> next RIP,
// with exceptions delivered through the guest IDT.
//
// Stop reasons as this engine uses them:
// - 'fault': an exception WAS delivered through a usable IDT, and the run then ended (hlt or budget)
//   without the handler returning with iret. The stop carries that exception's vector, error code and
//   faulting RIP (the first one still pending); `rip` in the state is where execution actually was.
// - 'triple-fault': the exception could not be delivered (IDT limit, gate type/present, handler
//   segment, stack), nor could #DF be; the stop reports the ORIGINAL vector, error code and RIP.
//
// Not modelled (each stops the run as 'unsupported' naming what is missing, never a guess): real mode,
// paging without long mode (32-bit and legacy PAE paging), LDT selectors, IST/TSS stack switches and
// privilege changes (everything runs at CPL 0), virtual-8086 mode, x87/SSE/AVX, ins/outs, and any
// mnemonic missing from the operation table (ops/index.ts). Segment limits are not checked and there
// are no asynchronous interrupts. Steps are instructions, and each iteration of a rep string
// instruction is one step (as Unicorn counts them); the budget can stop a rep between iterations.
//
// Undefined flags: every RFLAGS bit that iced's instruction info reports as undefined for the executed
// instruction is set to 0 (the one documented value) and recorded in undefinedFlags until an
// instruction writes it again. Shifts/rotates refine this by count (count 0 touches nothing; OF is
// defined only for a count of 1).

import { MemoryError, SparseMemory } from '../memory.ts';
import { PortLog } from '../ports.ts';
import {
  DEFAULT_MAX_STEPS,
  DEFAULT_TRACE_KEEP,
  type Engine,
  PROGRESS_STEPS,
  type RunOptions,
  type RunResult,
  type Stop,
  type TraceStep,
  type World,
} from '../types.ts';
import { fetchInsn } from './decode.ts';
import { raise } from './deliver.ts';
import { Fault, Halt, VECTOR_NAMES } from './fault.ts';
import { ARITH, CS, Machine, RF, addrToBig } from './machine.ts';
import { StepDiff, TraceBuffer } from './trace.ts';
import { execBreakpoints } from './ops/debug.ts';
import { hex } from '../../x86/hex.ts';

function vectorText(v: number, code?: number): string {
  const n = VECTOR_NAMES[v] ?? `vector ${v}`;
  return code === undefined ? n : `${n}(${hex(code)})`;
}

function linearRip(m: Machine): number {
  return m.bits === 64 ? m.rip : (m.sbLo[CS] + m.rip) >>> 0;
}

/**
 * Run a world. With `trace`, the run goes twice: once untraced to learn how many steps it takes, then
 * again recording only the steps the trace keeps (the first and the last traceKeep/2). Runs are
 * deterministic (a world holds every input), and recording a step costs several times executing it,
 * so a traced run of millions of steps costs about two untraced ones instead of millions of diffs.
 */
export function runSync(world: World, options: RunOptions = {}): RunResult {
  if (options.trace !== true) return execute(world, options);
  const keep = Math.max(2, options.traceKeep ?? DEFAULT_TRACE_KEEP);
  const length = execute(world, { ...options, trace: false }).steps;
  const recordFrom = length > keep ? length - Math.floor(keep / 2) : 0;
  const report = options.onProgress;
  const replay: RunOptions = { ...options, traceKeep: keep };
  if (report) replay.onProgress = (steps) => report(steps, true);
  return execute(world, replay, recordFrom);
}

/** One run; when tracing, steps from `recordFrom` on (and the first traceKeep/2) are recorded. */
function execute(world: World, options: RunOptions, recordFrom = 0): RunResult & { steps: number } {
  const mem = new SparseMemory(world.ram);
  const tracing = options.trace === true;
  const trace = tracing ? new TraceBuffer(options.traceKeep ?? DEFAULT_TRACE_KEEP) : undefined;
  const stepDiff = tracing ? new StepDiff() : undefined;
  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  // One comparison per step covers both the budget and the progress callback.
  const onProgress = options.onProgress;
  const nextCheck = () => (onProgress ? Math.min(maxSteps, steps + PROGRESS_STEPS) : maxSteps);
  const until = new Set((options.until ?? []).map((a) => Number(BigInt.asIntN(64, a))));
  const ranges = (options.untilRanges ?? []).map((r) => ({ start: Number(r.start), end: Number(r.end) }));
  const inRange = (lin: number) => ranges.some((r) => lin >= r.start && lin < r.end);
  const hasUntil = until.size > 0 || ranges.length > 0;
  let steps = 0;
  let check = nextCheck();
  let undef = 0;
  let stop: Stop | undefined;
  const m = new Machine(mem, world.state);
  m.io = new PortLog(world.portInValue);
  m.cpuid = world.cpuid ?? [];
  m.execBreakpoints = execBreakpoints(m);
  try {
    for (const img of world.image) mem.write(img.addr, img.bytes);
  } catch (e) {
    if (!(e instanceof MemoryError)) throw e;
    stop = { reason: 'memory', rip: world.state.rip, address: e.address, message: `image: ${e.message}` };
  }
  // The interpreter writes pages directly and tracks its own code pages; anything else that writes
  // through SparseMemory during the run reaches the same invalidation.
  mem.onWrite = (pa) => m.physWritten(Number(pa));
  if (!stop && m.modeName === 'real')
    stop = { reason: 'unsupported', rip: world.state.rip, message: 'real mode is not modelled' };

  while (!stop) {
    let rip = m.rip;
    let next = rip;
    try {
      const lim = m.la57 ? 2 ** 56 : 2 ** 47;
      if (m.bits === 64 && (m.rip >= lim || m.rip < -lim)) throw new Fault(13, 0, 'non-canonical RIP');
      for (;;) {
        rip = m.rip;
        if (steps >= check) {
          if (steps >= maxSteps) {
            stop = {
              reason: 'budget',
              rip: addrToBig(rip),
              message: `instruction budget of ${maxSteps} exhausted at ${hex(rip)}`,
            };
            break;
          }
          onProgress!(steps, false);
          check = nextCheck();
        }
        const lin = linearRip(m);
        if (hasUntil && (until.has(lin) || inRange(lin))) {
          stop = { reason: 'until', rip: addrToBig(rip), message: `reached ${hex(lin)}` };
          break;
        }
        if (m.execBreakpoints?.has(lin) && !(m.flags & RF)) {
          const n = m.execBreakpoints.get(lin)!;
          stop = {
            reason: 'unsupported',
            rip: addrToBig(rip),
            message: `DR7 arms instruction breakpoint ${n} at ${hex(lin)}, reached here: the #DB it raises is not modelled`,
          };
          break;
        }
        const insn = fetchInsn(m, lin, rip, tracing);
        next = insn.next;
        m.insn = insn;
        m.budgetLeft = maxSteps - steps;
        m.eaValid = false;
        m.nextRip = next;
        m.fw = insn.fw;
        m.fu = insn.fu;
        if (trace && !trace.wants(steps, recordFrom)) {
          trace.skip();
          insn.exec(m, insn);
          m.rip = m.nextRip;
          if (m.fu) m.flags &= ~(m.fu & ARITH);
        } else if (trace) {
          stepDiff!.capture(m);
          m.trace = [];
          insn.exec(m, insn);
          m.rip = m.nextRip;
          if (m.fu) m.flags &= ~(m.fu & ARITH);
          const changed = stepDiff!.changes(m);
          if (m.rip !== next) changed.rip = addrToBig(m.rip);
          const step: TraceStep = { rip: addrToBig(rip), text: insn.text, changed };
          if (m.trace.length) step.mem = m.trace;
          trace.push(step);
          m.trace = undefined;
        } else {
          insn.exec(m, insn);
          m.rip = m.nextRip;
          if (m.fu) m.flags &= ~(m.fu & ARITH);
        }
        if (m.fw) undef = (undef & ~m.fw) | m.fu;
        if (m.flags & RF) m.endRf();
        steps += 1 + m.extraSteps;
        m.extraSteps = 0;
        if (m.halted) {
          stop = { reason: 'hlt', rip: addrToBig(m.rip), message: `hlt at ${hex(rip)}` };
          break;
        }
      }
    } catch (e) {
      if (m.trace) m.trace = undefined;
      if (e instanceof Fault) {
        const r = raise(m, e, rip, next);
        if (!r.ok) {
          stop = {
            reason: 'triple-fault',
            rip: addrToBig(rip),
            vector: e.vector,
            errorCode: e.errorCode,
            message: `triple fault: ${vectorText(e.vector, e.errorCode)} at ${hex(rip)} (${e.why}) could not be delivered: ${r.message}`,
          };
        }
      } else if (e instanceof Halt) {
        stop = { reason: e.reason, rip: addrToBig(m.rip), message: e.message, ...e.extra };
      } else if (e instanceof MemoryError) {
        stop = {
          reason: 'memory',
          rip: addrToBig(rip),
          address: e.address,
          message: `at ${hex(rip)}: ${e.message}`,
        };
      } else {
        // A bug in the interpreter, not a guest event: say where it happened.
        const what = m.insn ? ` (${m.insn.mn})` : '';
        throw new Error(`interp: internal error at ${hex(rip)}${what}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
  }

  // An exception handled by the guest but never returned from: report it as the reason of the stop.
  if ((stop.reason === 'hlt' || stop.reason === 'budget') && m.pending.length > 0) {
    const p = m.pending[0];
    stop = {
      reason: 'fault',
      rip: addrToBig(p.rip),
      vector: p.vector,
      errorCode: p.errorCode,
      message: `${vectorText(p.vector, p.errorCode)} at ${hex(p.rip)} was delivered to the guest's handler, which did not return (${stop.message})`,
    };
  }

  mem.onWrite = undefined;
  return {
    engine: 'interp',
    stop,
    state: m.toState(),
    memory: mem,
    steps,
    undefinedFlags: BigInt(undef & ARITH),
    ports: m.io.events,
    serial: m.io.serial,
    events: m.events,
    ...(trace ? { trace: trace.steps(), ...(trace.omitted ? { traceOmitted: trace.omitted } : {}) } : {}),
  };
}

export const interpEngine: Engine = {
  name: 'interp',
  async run(world: World, options?: RunOptions): Promise<RunResult> {
    return runSync(world, options);
  },
};
