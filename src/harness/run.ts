// Running one example: build the world once per seed, run it on the engine up to the stage's stop
// point (trace on for the first seed), evaluate every checked assertion of every clause of the stage,
// and run the leak check: what each assertion read must be identical across seeds. A difference fails
// the clause, names the item and the seeds, and (by rebuilding a world with one garbage input taken
// from the other seed) names the input it came from.

import type { TraceRow } from '../model/types.ts';
import type { Clause, Example } from '../model/types.ts';
import { evaluate, parseAssertion } from '../model/expect/index.ts';
import type { EvalResult, ParsedAssertion } from '../model/expect/index.ts';
import { SparseMemory } from '../runner/memory.ts';
import type { PhysicalMemory } from '../runner/memory.ts';
import { getEngine } from '../runner/engines.ts';
import { hex, stateItems } from '../runner/state-items.ts';
import type { Engine, EngineName, RunOptions, RunResult, TraceStep, World } from '../runner/types.ts';
import { cloneWorld } from '../runner/world.ts';
import type { AssembledCode } from './assembly.ts';
import { worldOf } from './lang.ts';
import type { StageGiven } from './lang.ts';

/** The outcome of one example, free of Markdown positions (so it can be cached across edits). */
export interface Outcome {
  /** How a run must end: 'until' when the stage has a stop point, else 'hlt'. */
  expectedStop: 'until' | 'hlt';
  stop: { reason: string; rip: string; message: string; vector?: number; asmLine?: number };
  steps?: number;
  final: Record<string, string>;
  trace: TraceRow[];
  traceOmitted?: number;
  serial?: string;
  seeds: number[];
  /** By clause ID; assertions by index among the clause's checked assertions. */
  clauses: Record<string, { held: boolean; assertions: AssertionOutcome[] }>;
}

export interface AssertionOutcome {
  held: boolean;
  actual?: string;
  expected?: string;
  message?: string;
  /** The seed the shown values come from. */
  seed?: number;
}

/** Rows kept from a trace: the first and the last TRACE_KEEP/2 (a copy loop can run for 100k steps). */
export const TRACE_KEEP = 4000;

interface SeedRun {
  seed: number;
  world: World;
  initialMemory: PhysicalMemory;
  result: RunResult;
  until?: bigint[];
}

/** Build the world of one seed (optionally with single inputs from other seeds) and run it. */
async function runSeed(
  engine: Engine,
  input: RunExampleInput,
  seed: number,
  trace: boolean,
  seedOf?: Record<string, number>,
): Promise<SeedRun> {
  const { world, until } = worldOf(input.given, input.code, input.snippets, seed, seedOf);
  const initialMemory = memoryOf(world);
  const options: RunOptions = { trace };
  if (until) options.until = until;
  if (input.given.maxSteps !== undefined) options.maxSteps = input.given.maxSteps;
  const result = await engine.run(cloneWorld(world), options);
  return until ? { seed, world, initialMemory, result, until } : { seed, world, initialMemory, result };
}

export interface RunExampleInput {
  engine: EngineName;
  given: StageGiven;
  clauses: Clause[];
  example: Example;
  code: AssembledCode;
  /** The stage's assembled `memory: - asm:` snippets, in order. */
  snippets: { bytes: Uint8Array }[];
}

export async function runExample(input: RunExampleInput): Promise<Outcome> {
  const { given, code } = input;
  const engine = await getEngine(input.engine);
  const runs: SeedRun[] = [];
  for (const [i, seed] of given.seeds.entries()) {
    runs.push(await runSeed(engine, input, seed, i === 0));
  }
  const first = runs[0]!;
  const stop = first.result.stop;
  const expectedStop = first.until ? 'until' : 'hlt';
  const outcome: Outcome = {
    expectedStop,
    stop: { reason: stop.reason, rip: hex(stop.rip), message: stop.message },
    final: hexItems(stateItems(first.result.state)),
    trace: [],
    seeds: given.seeds,
    clauses: {},
  };
  if (stop.vector !== undefined) outcome.stop.vector = stop.vector;
  const line = code.lines.get(stop.rip);
  // Relative to the fence line, so the cached outcome survives the block moving in the file.
  if (line !== undefined) outcome.stop.asmLine = line - input.example.place.line;
  if (first.result.steps !== undefined) outcome.steps = first.result.steps;
  if (first.result.serial) outcome.serial = first.result.serial;
  const steps = first.result.trace ?? [];
  if (steps.length > TRACE_KEEP) {
    const half = TRACE_KEEP / 2;
    outcome.trace = [...steps.slice(0, half), ...steps.slice(-half)].map(traceRow);
    outcome.traceOmitted = steps.length - TRACE_KEEP;
  } else outcome.trace = steps.map(traceRow);

  // A run that did not reach the stop point fails every clause, with the reason (per seed, the first).
  const stopped = runs.find((r) => r.result.stop.reason !== expectedStop);
  for (const clause of input.clauses) {
    const checked = clause.assertions.filter((a) => a.kind === 'check');
    if (!checked.length) continue; // nothing to check: no verdict (coverage reports it as unchecked)
    if (stopped) {
      const s = stopped.result.stop;
      outcome.clauses[clause.id] = {
        held: false,
        assertions: checked.map(() => ({
          held: false,
          message: `the run stopped by ${s.reason} at ${hex(s.rip)} (seed ${stopped.seed}): ${s.message}`,
          seed: stopped.seed,
        })),
      };
      continue;
    }
    const results: AssertionOutcome[] = [];
    for (const a of checked) {
      const parsed = parseAssertion(a.source, { allowCodeLabels: true });
      if (!parsed.ok || !parsed.assertion) {
        results.push({ held: false, message: parsed.ok ? 'empty assertion' : parsed.error.message });
        continue;
      }
      results.push(await checkAcrossSeeds(parsed.assertion, runs, input));
    }
    outcome.clauses[clause.id] = { held: results.every((r) => r.held), assertions: results };
  }
  return outcome;
}

function evalIn(a: ParsedAssertion, r: SeedRun): EvalResult {
  return evaluate(a, {
    final: r.result,
    initial: { state: r.world.state, memory: r.initialMemory },
    symbols: r.world.symbols,
  });
}

/** One assertion under every seed, plus the leak check on what it read. */
async function checkAcrossSeeds(
  a: ParsedAssertion,
  runs: SeedRun[],
  input: RunExampleInput,
): Promise<AssertionOutcome> {
  const evals = runs.map((r) => evalIn(a, r));
  const failed = evals.findIndex((e) => !e.held);
  if (failed >= 0) {
    const e = evals[failed]!;
    const out: AssertionOutcome = { held: false, seed: runs[failed]!.seed };
    if (e.actual !== undefined) out.actual = e.actual;
    if (e.expected !== undefined) out.expected = e.expected;
    if (e.message) out.message = e.message;
    return out;
  }
  const ok: AssertionOutcome = { held: true, seed: runs[0]!.seed };
  if (evals[0]!.actual !== undefined) ok.actual = evals[0]!.actual;
  if (evals[0]!.expected !== undefined) ok.expected = evals[0]!.expected;
  // Lines that compare with the initial state follow the inputs by design; the rest must not.
  if (evals[0]!.relative) return ok;
  for (const name of Object.keys(evals[0]!.reads)) {
    const values = evals.map((e) => e.reads[name]);
    const j = values.findIndex((v) => v !== values[0]);
    if (j < 0) continue;
    const source = await attribute(a, name, runs[0]!, runs[j]!, input);
    return {
      held: false,
      seed: runs[j]!.seed,
      actual: `${name} = ${fmt(values[0])} (seed ${runs[0]!.seed}), ${fmt(values[j])} (seed ${runs[j]!.seed})`,
      message:
        `leak: ${name} differs across seeds (seed ${runs[0]!.seed}: ${fmt(values[0])}, seed ${runs[j]!.seed}: ${fmt(values[j])})` +
        (source ? `; it comes from the garbage input ${source}` : '; no single garbage input explains it'),
    };
  }
  return ok;
}

const fmt = (v: bigint | undefined) => (v === undefined ? 'not read' : hex(v));

/**
 * Which garbage input does `name` follow? Rebuild seed A's world with one input drawn from seed B at a
 * time (given.ts seeds every input by its own name, so exactly that input changes) until the value moves.
 */
async function attribute(
  a: ParsedAssertion,
  name: string,
  A: SeedRun,
  B: SeedRun,
  input: RunExampleInput,
): Promise<string | undefined> {
  const base = evalIn(a, A).reads[name];
  const engine = await getEngine(input.engine);
  for (const g of input.given.inputs) {
    const r = await runSeed(engine, input, A.seed, false, { [g]: B.seed });
    if (r.result.stop.reason !== A.result.stop.reason) return g;
    if (evalIn(a, r).reads[name] !== base) return g;
  }
  return undefined;
}

/** The world's initial physical memory (image chunks applied in order). */
export function memoryOf(world: World): PhysicalMemory {
  const m = new SparseMemory(world.ram);
  for (const c of world.image) m.write(c.addr, c.bytes);
  return m;
}

function hexItems(items: Record<string, bigint>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(items)) out[k] = hex(v);
  return out;
}

function traceRow(s: TraceStep): TraceRow {
  const changed: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.changed)) changed[k] = hex(v);
  const row: TraceRow = { rip: hex(s.rip), text: s.text, changed };
  if (s.mem?.length) row.mem = s.mem.map((m) => ({ addr: hex(m.addr), size: m.size, value: hex(m.value) }));
  return row;
}
