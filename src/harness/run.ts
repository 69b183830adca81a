// Running one example (or, through runWorlds, any world a caller builds: an object under
// `kexec-contract check`): build the world once per seed, run it on the engine up to the stage's stop
// point (trace on for the first seed), evaluate every checked assertion of every clause of the stage,
// and run the leak check: what each assertion read must be identical across seeds. A difference fails
// the clause, names the item and the seeds, and (by rebuilding a world with one garbage input taken
// from the other seed) names the input it came from.
//
// A seed that does not reach the stop point ends the example: the others would only repeat the
// failure (a budget of 10M steps under 4 seeds is 40M steps to learn nothing more).
// On an engine other than the reference (differences.ts), a verdict the reference does not share is
// checked against the engine's list of known differences and, when one explains it, reported as not
// comparable instead of failed.

import type { TraceRow } from '../model/types.ts';
import type { SpecClause } from '../markdown/model.ts';
import type { Example } from '../model/types.ts';
import { evaluate } from '../model/expect/index.ts';
import type { EvalResult, ParsedAssertion } from '../model/expect/index.ts';
import { SparseMemory } from '../runner/memory.ts';
import type { PhysicalMemory } from '../runner/memory.ts';
import { getEngine } from '../runner/engines.ts';
import { hex } from '../x86/hex.ts';
import { stateItems } from '../x86/items.ts';
import { DEFAULT_TRACE_KEEP } from '../runner/types.ts';
import type { Engine, EngineName, RunOptions, RunResult, TraceStep, World } from '../runner/types.ts';
import { cloneWorld } from '../runner/world.ts';
import type { AssembledCode } from './assembly.ts';
import { differencesOf, notComparableText, REFERENCE_ENGINE } from './differences.ts';
import { worldOf, type StageGiven } from './stage.ts';
import type { VariantSpec } from '../model/given.ts';
import { PASS_THROUGH } from './plan.ts';

/** The outcome of one example, free of Markdown positions (so it can be cached across edits). */
export interface Outcome {
  /** How a run must end: 'until' when the stage has a stop point, else 'hlt'. */
  expectedStop: 'until' | 'hlt';
  stop: { reason: string; rip: string; message: string; vector?: number; asmLine?: number };
  steps?: number;
  final: Record<string, string>;
  /** The traced seed's state at entry, the same items as `final` (the trace shows values from it). */
  initial: Record<string, string>;
  trace: TraceRow[];
  traceOmitted?: number;
  serial?: string;
  seeds: number[];
  /** By clause ID; assertions by index among the clause's checked assertions. */
  clauses: Record<string, ClauseOutcome>;
  /** The engine did not reach the stop point, the reference did, and a known difference says why. */
  notComparable?: string;
  /** The caller-state variants it ran under, when the stage has more than one (the first is shown). */
  variants?: string[];
  /**
   * Variants (not the default) this engine could not run where the reference did, with the known
   * difference that says why. Their verdicts count only where the reference fails a clause under them
   * (that clause is then not comparable); elsewhere the reference holds, and so the combined verdict
   * is the other variants'.
   */
  variantsNotComparable?: Record<string, string>;
  /** Variants (not the default) whose run did not reach the stop point: how it ended, by name. */
  variantsMissed?: Record<string, string>;
  /** The reference's verdicts under this run's variant, where the engine's run as a whole was not comparable. */
  referenceHeld?: Record<string, boolean>;
}

export interface ClauseOutcome {
  held: boolean;
  assertions: AssertionOutcome[];
  /** The engine and the reference disagree here, and a known difference of the engine says why. */
  notComparable?: string;
  /** Where it failed: the caller-state variant the assertions come from (stages with variants). */
  variant?: string;
  /** Every variant it failed under, in order (stages with variants; what exercised.ts reads). */
  failedUnder?: string[];
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
export const TRACE_KEEP = DEFAULT_TRACE_KEEP;

/** Where a long run is, for progress reports. */
export interface SeedProgress {
  seed: number;
  /** 1-based position of the seed among the example's seeds. */
  index: number;
  seeds: number;
  steps: number;
  maxSteps?: number;
  /** The traced seed's second pass, which records the trace (see the interpreter's runSync). */
  replay?: boolean;
}

/** An example that cannot run at all (its code does not fit the world): one line, placed at the example. */
export class ExampleError extends Error {
  override name = 'ExampleError';
}

export interface SeedRun {
  seed: number;
  world: World;
  initialMemory: PhysicalMemory;
  result: RunResult;
  until?: bigint[];
}

/**
 * What runs: the world of one seed under one caller-state variant, built afresh for every run, and
 * its stop points. `seedOf` varies single garbage inputs (leak attribution). An example's is its code
 * in the stage's world; an object under `kexec-contract check` brings its own (the caller adapter's
 * part on top of the stage's).
 */
export type WorldOf = (
  seed: number,
  seedOf: Record<string, number> | undefined,
  variant: VariantSpec,
) => { world: World; until?: bigint[]; untilRanges?: { start: bigint; end: bigint }[] };

/** Runs of a stage's world judged against its clauses: an example's, or an object's under check. */
export interface RunInput {
  engine: EngineName;
  given: StageGiven;
  clauses: SpecClause[];
  /** Clause IDs the code is meant to fail (a counterexample's violates=; none for an object). */
  violates: string[];
  worldOf: WorldOf;
  /** Which of the stage's caller-state variants to run under (default: every one). */
  variants?: VariantSpec[];
  /** Called as a seed starts (steps 0) and every PROGRESS_STEPS steps of a long run. */
  onProgress?: (p: SeedProgress) => void;
}

/** Build the world of one seed under a variant (optionally with single inputs from other seeds) and run it. */
async function runSeed(
  engine: Engine,
  input: RunInput,
  seed: number,
  trace: boolean,
  variant: VariantSpec,
  seedOf?: Record<string, number>,
  onProgress?: RunOptions['onProgress'],
): Promise<SeedRun> {
  const { world, until, untilRanges } = input.worldOf(seed, seedOf, variant);
  const initialMemory = memoryOf(world);
  const options: RunOptions = { trace, traceKeep: TRACE_KEEP };
  if (until) options.until = until;
  if (untilRanges) options.untilRanges = untilRanges;
  if (input.given.maxSteps !== undefined) options.maxSteps = input.given.maxSteps;
  if (onProgress) options.onProgress = onProgress;
  const result = await engine.run(cloneWorld(world), options);
  const stops = until ?? (untilRanges && []);
  return stops
    ? { seed, world, initialMemory, result, until: stops }
    : { seed, world, initialMemory, result };
}

/** The code must lie in the world's RAM (a `.fill` of millions of bytes does not). */
function checkCodeFits(world: World, input: RunExampleInput): void {
  const base = input.given.codeBase;
  const size = input.code.bytes.length;
  const end = base + BigInt(size);
  if (world.ram.some((r) => base >= r.base && end <= r.base + r.size)) return;
  const ram = world.ram.map((r) => `${hex(r.base)}-${hex(r.base + r.size)}`).join(', ');
  throw new ExampleError(`its code (${size} bytes at ${hex(base)}) does not fit in the world's RAM (${ram})`);
}

export interface RunExampleInput {
  engine: EngineName;
  given: StageGiven;
  clauses: SpecClause[];
  example: Example;
  code: AssembledCode;
  /** The stage's assembled `memory: - asm:` snippets, in order. */
  snippets: { bytes: Uint8Array }[];
  /** Called as a seed starts (steps 0) and every PROGRESS_STEPS steps of a long run. */
  onProgress?: (p: SeedProgress) => void;
}

/** An example: its code in the stage's world, under the variants it runs in (`without=`, `only:`). */
export async function runExample(input: RunExampleInput): Promise<Outcome> {
  const { given, code, snippets, example } = input;
  const skipped = example.without ?? [];
  const everywhere = example.name === PASS_THROUGH;
  const variants = given.spec.variants.filter(
    (v) => everywhere || (!skipped.includes(v.name) && (!v.only || v.only.names.includes(example.name))),
  );
  const { outcome, runs } = await runWorlds({
    engine: input.engine,
    given,
    clauses: input.clauses,
    violates: example.violates,
    variants,
    worldOf: (seed, seedOf, variant) => {
      const w = worldOf(given, code, snippets, seed, seedOf, variant);
      checkCodeFits(w.world, input);
      return w;
    },
    ...(input.onProgress ? { onProgress: input.onProgress } : {}),
  });
  const line = code.lines.get(runs[0]!.result.stop.rip);
  // Relative to the fence line, so the cached outcome survives the block moving in the file.
  if (line !== undefined) outcome.stop.asmLine = line - example.place.line;
  return outcome;
}

/**
 * Every variant's and seed's run, the verdicts of every checked clause (leak check included; a clause
 * holds only under every variant) and, on an engine other than the reference, the comparison with it.
 * Returns the first variant's runs too, for callers that map addresses to their own sources, and the
 * stop of each other variant whose run missed the stop point (`outcome.variantsMissed`, as data).
 */
export async function runWorlds(
  input: RunInput,
): Promise<{ outcome: Outcome; runs: SeedRun[]; missed: { variant: string; stop: Outcome['stop'] }[] }> {
  const engine = await getEngine(input.engine);
  const all = input.given.spec.variants;
  const variants = input.variants ?? all;
  const parts: { variant: VariantSpec; outcome: Outcome; runs: SeedRun[] }[] = [];
  for (const [i, variant] of variants.entries())
    parts.push({ variant, ...(await runVariant(engine, input, variant, i === 0)) });
  const { outcome, runs } = parts[0]!;
  if (all.length > 1) {
    outcome.variants = variants.map((v) => v.name);
    combineVariants(outcome, parts);
  }
  delete outcome.referenceHeld;
  const missed = parts
    .filter((p) => outcome.variantsMissed?.[p.variant.name] !== undefined)
    .map((p) => ({ variant: p.variant.name, stop: p.outcome.stop }));
  return { outcome, runs, missed };
}

/**
 * A clause holds for an example only if it holds under every variant. Where it fails, the verdict is
 * the first failing variant's, which it names; where a variant's verdict is not comparable on this
 * engine, so is the combined one (saying under which variant). The default's run (stop, trace, final
 * state) stays the one shown.
 */
function combineVariants(outcome: Outcome, parts: { variant: VariantSpec; outcome: Outcome }[]): void {
  for (const { variant, outcome: o } of parts.slice(1)) {
    if (o.notComparable) (outcome.variantsNotComparable ??= {})[variant.name] = o.notComparable;
    else if (o.stop.reason !== o.expectedStop)
      (outcome.variantsMissed ??= {})[variant.name] = `${o.stop.reason} at ${o.stop.rip}: ${o.stop.message}`;
  }
  for (const [id, combined] of Object.entries(outcome.clauses)) {
    const failedUnder = parts
      .filter(({ outcome: o }) => o.clauses[id] && !o.clauses[id].held && !o.notComparable)
      .map(({ variant }) => variant.name);
    if (failedUnder.length) combined.failedUnder = failedUnder;
    if (!combined.held) combined.variant = parts[0]!.variant.name;
    for (const { variant, outcome: o } of parts.slice(1)) {
      const c = o.clauses[id];
      if (!c || o.notComparable) continue;
      if (c.notComparable && !combined.notComparable)
        combined.notComparable = `under variant ${variant.name}: ${c.notComparable}`;
      if (!c.held && combined.held) {
        combined.held = false;
        combined.assertions = c.assertions;
        combined.variant = variant.name;
      }
    }
    // A variant the engine never ran matters only where the reference fails the clause under it and
    // every variant the engine did run holds it: then the engine cannot give the combined verdict.
    for (const { variant, outcome: o } of parts.slice(1))
      if (o.notComparable && o.referenceHeld?.[id] === false && combined.held && !combined.notComparable)
        combined.notComparable = `under variant ${variant.name}: ${o.notComparable}`;
  }
}

/** One example under one caller-state variant: every seed, the verdicts, the reference comparison. */
async function runVariant(
  engine: Engine,
  input: RunInput,
  variant: VariantSpec,
  traced: boolean,
): Promise<{ outcome: Outcome; runs: SeedRun[] }> {
  const { given } = input;
  const runs = await runSeeds(engine, input, variant, traced);
  const first = runs[0]!;
  const expectedStop = first.until ? 'until' : 'hlt';
  const stop = first.result.stop;
  const outcome: Outcome = {
    expectedStop,
    stop: { reason: stop.reason, rip: hex(stop.rip), message: stop.message },
    final: hexItems(stateItems(first.result.state)),
    initial: hexItems(stateItems(first.world.state)),
    trace: (first.result.trace ?? []).map(traceRow),
    seeds: given.seeds,
    clauses: await verdicts(engine, runs, input, expectedStop, variant),
  };
  if (stop.vector !== undefined) outcome.stop.vector = stop.vector;
  if (first.result.steps !== undefined) outcome.steps = first.result.steps;
  if (first.result.traceOmitted) outcome.traceOmitted = first.result.traceOmitted;
  if (first.result.serial) outcome.serial = first.result.serial;
  await compareWithReference(outcome, runs, input, expectedStop, variant);
  return { outcome, runs };
}

/** Every seed in order, the first traced when `traced`; a seed that misses the stop point ends the run. */
async function runSeeds(
  engine: Engine,
  input: RunInput,
  variant: VariantSpec,
  traced: boolean,
): Promise<SeedRun[]> {
  const seeds = input.given.seeds;
  const runs: SeedRun[] = [];
  for (const [i, seed] of seeds.entries()) {
    const report = input.onProgress;
    const progress: SeedProgress = { seed, index: i + 1, seeds: seeds.length, steps: 0 };
    if (input.given.maxSteps !== undefined) progress.maxSteps = input.given.maxSteps;
    report?.(progress);
    const onProgress =
      report &&
      ((steps: number, replay: boolean) => report({ ...progress, steps, ...(replay && { replay }) }));
    const r = await runSeed(engine, input, seed, traced && i === 0, variant, undefined, onProgress);
    runs.push(r);
    if (r.result.stop.reason !== (r.until ? 'until' : 'hlt')) break;
  }
  return runs;
}

/** Every checked clause of the stage under the runs (a run that missed the stop point fails them all). */
async function verdicts(
  engine: Engine,
  runs: SeedRun[],
  input: RunInput,
  expectedStop: string,
  variant: VariantSpec,
): Promise<Record<string, ClauseOutcome>> {
  const out: Record<string, ClauseOutcome> = {};
  const stopped = runs.find((r) => r.result.stop.reason !== expectedStop);
  const notRun = input.given.seeds.filter((s) => !runs.some((r) => r.seed === s));
  for (const clause of input.clauses) {
    const checked = clause.assertions.filter((a) => a.kind === 'check');
    if (!checked.length) continue; // nothing to check: no verdict (coverage reports it as unchecked)
    if (stopped) {
      const s = stopped.result.stop;
      const seeds = `seed ${stopped.seed}${notRun.length ? `; not run under ${plural('seed', notRun)}` : ''}`;
      out[clause.id] = {
        held: false,
        assertions: checked.map(() => ({
          held: false,
          message: `the run stopped by ${s.reason} at ${hex(s.rip)} (${seeds}): ${s.message}`,
          seed: stopped.seed,
        })),
      };
      continue;
    }
    const results: AssertionOutcome[] = [];
    for (const a of checked) results.push(await checkAcrossSeeds(a.parsed, runs, input, engine, variant));
    out[clause.id] = { held: results.every((r) => r.held), assertions: results };
  }
  return out;
}

const plural = (word: string, list: number[]) => `${word}${list.length === 1 ? '' : 's'} ${list.join(', ')}`;

/**
 * On an engine with a list of known differences, where its verdict is not as the example demands:
 * run the reference on the same seeds, and mark each verdict the two disagree on "not comparable"
 * when the list explains it (the run as a whole when only the reference reached the stop point).
 */
async function compareWithReference(
  outcome: Outcome,
  runs: SeedRun[],
  input: RunInput,
  expectedStop: string,
  variant: VariantSpec,
): Promise<void> {
  if (input.engine === REFERENCE_ENGINE) return;
  const expected = (id: string) => !input.violates.includes(id);
  const reached = outcome.stop.reason === expectedStop;
  const wrong = Object.entries(outcome.clauses).filter(([id, c]) => c.held !== expected(id));
  if (reached && wrong.length === 0) return;
  const classify = await differencesOf(input.engine);
  if (!classify) return;
  const reference = await getEngine(REFERENCE_ENGINE);
  const refRuns: SeedRun[] = [];
  for (const r of runs) refRuns.push(await runSeed(reference, input, r.seed, false, variant));
  let explained: string | undefined;
  for (const [i, r] of runs.entries()) {
    const d = classify({ world: r.world, result: r.result, reference: refRuns[i]!.result });
    if (d) {
      explained = notComparableText(d);
      break;
    }
  }
  if (!explained) return;
  const refClauses = await verdicts(reference, refRuns, input, expectedStop, variant);
  const refReached = refRuns.every((r) => r.result.stop.reason === expectedStop);
  if (!reached && refReached) {
    outcome.notComparable = explained;
    outcome.referenceHeld = Object.fromEntries(Object.entries(refClauses).map(([id, c]) => [id, c.held]));
    for (const c of Object.values(outcome.clauses)) c.notComparable = explained;
    return;
  }
  for (const [id, c] of wrong)
    if (refClauses[id] && refClauses[id].held !== c.held) c.notComparable = explained;
}

/** One assertion in one seed's run: the one evaluation every verdict comes from. */
export function evalIn(a: ParsedAssertion, r: SeedRun): EvalResult {
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
  input: RunInput,
  engine: Engine,
  variant: VariantSpec,
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
    const source = await attribute(a, name, runs[0]!, runs[j]!, input, engine, variant);
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
  input: RunInput,
  engine: Engine,
  variant: VariantSpec,
): Promise<string | undefined> {
  const base = evalIn(a, A).reads[name];
  for (const g of input.given.inputs) {
    const r = await runSeed(engine, input, A.seed, false, variant, { [g]: B.seed });
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

/** A trace step as results carry it: values in hex. */
export function traceRow(s: TraceStep): TraceRow {
  const changed: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.changed)) changed[k] = hex(v);
  const row: TraceRow = { rip: hex(s.rip), text: s.text, changed };
  if (s.mem?.length) row.mem = s.mem.map((m) => ({ addr: hex(m.addr), size: m.size, value: hex(m.value) }));
  return row;
}
