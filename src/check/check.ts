// `kexec-contract check` as data: a relocatable object run in its stage's world through its caller
// adapter, every clause of the stage judged by the harness (leak check and reference comparison
// included), and each failure placed at the user's own source line: the instruction that last wrote
// what the failing line read, or, when the code never wrote it, the one that handed over control. A
// run that misses the stop point is one fault, reported once; its clauses are "not run".

import { clauseCitation } from '../model/cite.ts';
import type { VariantSpec } from '../model/given.ts';
import type { CodeLocation, ObjectCheck, ObjectVerdict, TraceRow } from '../model/types.ts';
import type { SpecClause, SpecModel } from '../markdown/model.ts';
import {
  evalIn,
  runWorlds,
  traceRow,
  TRACE_KEEP,
  type Outcome,
  type SeedRun,
  type WorldOf,
} from '../harness/run.ts';
import { prepareGiven, type StageGiven } from '../harness/stage.ts';
import { getEngine } from '../runner/engines.ts';
import { nearestLine, type LinkedObject, type RelObject } from '../runner/object/index.ts';
import type { EngineName } from '../runner/types.ts';
import { cloneWorld } from '../runner/world.ts';
import { BIT_REGISTERS, fieldMask, findBit, type BitRegister } from '../x86/bits.ts';
import { hex } from '../x86/hex.ts';
import { stateItems } from '../x86/items.ts';
import { AdapterError } from './adapter.ts';
import { pickAdapter } from './adapters/index.ts';
import { assembleSnippets, objectWorld, planObject, type ObjectPlan } from './run.ts';

export interface CheckInput {
  object: RelObject;
  /** The spec the stage and its clauses come from. */
  spec: SpecModel;
  /** The spec version a clause is cited at (`ID@version`): its newest release with the same content, else the working copy's. */
  versionOf: (clause: SpecClause) => string;
  engine: EngineName;
  /** Adapter id (`--impl`); found by the object's symbols when absent. */
  impl?: string;
  /** Stage id (`--stage`); the adapter's own when absent. */
  stage?: string;
}

/** Picks the adapter and stage, runs the object and judges every clause of the stage. */
export async function checkObject(input: CheckInput): Promise<ObjectCheck> {
  const { object, spec } = input;
  const adapter = pickAdapter(object, {
    ...(input.impl !== undefined ? { impl: input.impl } : {}),
    ...(input.stage !== undefined ? { stage: input.stage } : {}),
  });
  const stageId = input.stage ?? (adapter.stage === '*' ? undefined : adapter.stage);
  if (stageId === undefined)
    throw new AdapterError(`--impl ${adapter.id} runs in any stage: name one with --stage`);
  const stage = spec.index.stages.get(stageId);
  if (!stage)
    throw new AdapterError(
      `the spec has no stage '${stageId}' (it has ${[...spec.index.stages.keys()].join(', ')})`,
    );
  const prepared = prepareGiven(stage);
  if (!prepared.ok)
    throw new AdapterError(
      `${stage.place.file}:${stage.place.line}: the ${stageId} stage's given does not parse: ` +
        prepared.errors.map((e) => e.message).join('; '),
    );
  const given = prepared.given;
  const clauses = spec.files.flatMap((f) => f.clauses).filter((c) => c.stage === stageId);
  const plan = planObject(object, given.spec, stageId, adapter);
  const snippets = await assembleSnippets(given.spec);
  let setup: ReturnType<typeof objectWorld>['setup'] | undefined;
  const worldOf = (seed: number, seedOf?: Record<string, number>, variant?: VariantSpec) => {
    const { setup: s, ...w } = objectWorld(plan, given.spec, snippets, seed, {
      ...(seedOf && { seedOf }),
      ...(variant && { variant }),
    });
    setup ??= s;
    return w;
  };
  // Every caller-state variant of the stage, as for the spec's examples, except those written for
  // named examples only (`only:`, e.g. a Xen indirection list): an object is none of them.
  // An adapter may leave out variants its implementation never runs in (a 2.6 kernel never enables
  // LA57 or CET), as an example does with without=; the report says which and why.
  const skipped = adapter.without?.variants ?? [];
  const variants = given.spec.variants.filter((v) => !v.only && !skipped.includes(v.name));
  const { outcome, runs, missed } = await runWorlds({
    engine: input.engine,
    given,
    clauses,
    violates: [],
    variants,
    worldOf,
  });

  const reached = outcome.stop.reason === outcome.expectedStop;
  const allHeld = Object.values(outcome.clauses).every((c) => c.held || c.notComparable);
  // Only the interpreter traces; where the engine cannot and a place must be found, it replays seed 1.
  let trace = outcome.trace;
  let traceOmitted = outcome.traceOmitted;
  let traceEngine: string | undefined;
  if (!trace.length && (!reached || !allHeld) && input.engine !== 'interp') {
    const replay = await traceOnInterp(given, worldOf, runs[0]!.seed);
    trace = replay.trace;
    traceOmitted = replay.traceOmitted;
    traceEngine = 'interp';
  }
  const locate = locator(plan.linked, trace);
  const entry = locate(setup!.entry);

  const out: ObjectCheck = {
    file: object.file,
    impl: {
      id: adapter.id,
      title: adapter.title,
      chosenBy: input.impl !== undefined ? 'option' : 'symbols',
      sources: adapter.sources,
    },
    stage: { id: stageId, title: stage.title, place: stage.place },
    engine: input.engine,
    seeds: given.seeds,
    lineInfo: plan.linked.lines.size > 0,
    entry,
    setup: {
      state: Object.fromEntries(Object.entries(setup!.state).map(([k, v]) => [k, hex(v)])),
      memory: setup!.memory.map((m) => ({ addr: hex(m.addr), size: m.bytes.length, what: m.what })),
    },
    stop:
      outcome.stop.vector === undefined
        ? stopOf(outcome)
        : { ...stopOf(outcome), vector: outcome.stop.vector },
    final: outcome.final,
    trace,
    verdicts: [],
    ok: false,
  };
  if (outcome.steps !== undefined) out.steps = outcome.steps;
  if (traceOmitted) out.traceOmitted = traceOmitted;
  if (traceEngine) out.traceEngine = traceEngine;
  if (outcome.notComparable) out.notComparable = outcome.notComparable;
  if (!reached && !outcome.notComparable) out.fault = { ...out.stop, at: locate(BigInt(outcome.stop.rip)) };
  // The default variant reached the stop point but another did not: that fault, reported once too.
  const first = reached ? missed[0] : undefined;
  if (first)
    out.fault = {
      ...stopOf({ stop: first.stop }),
      message: `under caller-state variant ${first.variant}: ${first.stop.message}`,
      variant: first.variant,
      at: locate(BigInt(first.stop.rip)),
    };
  if (outcome.variants && outcome.variants.length > 1) out.variants = outcome.variants;
  const notRunVariants = given.spec.variants.filter((v) => !v.only && skipped.includes(v.name));
  if (notRunVariants.length)
    out.variantsSkipped = Object.fromEntries(notRunVariants.map((v) => [v.name, adapter.without!.why]));

  // Where a clause failed under another caller-state variant than the default, its place comes from
  // that variant's run, replayed on the interpreter with a trace (the default's says nothing of it).
  const defaultVariant = outcome.variants?.[0];
  const seed = runs[0]!.seed;
  const traced = new Map<string | undefined, Traced>([
    [defaultVariant, { trace, locate, initial: stateItems(runs[0]!.world.state) }],
  ]);
  for (const c of Object.values(outcome.clauses)) {
    const v = c.held ? undefined : c.variant;
    if (v === undefined || traced.has(v) || outcome.variantsMissed?.[v] !== undefined) continue;
    const spec = given.spec.variants.find((x) => x.name === v)!;
    const replay = await traceOnInterp(given, (n) => worldOf(n, undefined, spec), seed);
    const initial = stateItems(worldOf(seed, undefined, spec).world.state);
    traced.set(v, { trace: replay.trace, locate: locator(plan.linked, replay.trace), initial });
  }
  for (const clause of clauses)
    out.verdicts.push(
      verdictOf(
        clause,
        outcome,
        runs,
        input.versionOf(clause),
        (v) => traced.get(v) ?? traced.get(defaultVariant)!,
      ),
    );
  // A run that verified nothing (every checked clause not comparable on this engine) is not a pass:
  // a green check must rest on at least one clause that could have failed.
  out.ok =
    (reached || Boolean(outcome.notComparable)) &&
    out.verdicts.every((v) => v.status !== 'failed' && v.status !== 'not-run') &&
    out.verdicts.some((v) => v.status === 'held');
  return out;
}

function stopOf(o: Pick<Outcome, 'stop'>): ObjectCheck['stop'] {
  return { reason: o.stop.reason, rip: o.stop.rip, message: o.stop.message };
}

/** One clause's verdict, with the user's instruction for a failure. */
function verdictOf(
  clause: SpecClause,
  outcome: Outcome,
  runs: SeedRun[],
  version: string,
  tracedUnder: (variant: string | undefined) => Traced,
): ObjectVerdict {
  const base = {
    clause: clause.id,
    citation: clauseCitation(clause.id, version),
    level: clause.level,
    place: clause.place,
  };
  const checked = clause.assertions.filter((a) => a.kind === 'check');
  const result = outcome.clauses[clause.id];
  if (!checked.length || !result) {
    const reason =
      clause.unchecked ??
      (clause.assertions.length ? 'it only documents what is undefined' : 'it has no machine check');
    return { ...base, status: 'unchecked', reason, assertions: [] };
  }
  if (outcome.notComparable || result.notComparable)
    return {
      ...base,
      status: 'not-comparable',
      reason: result.notComparable ?? outcome.notComparable!,
      assertions: [],
    };
  const missedUnder = result.variant !== undefined ? outcome.variantsMissed?.[result.variant] : undefined;
  if (!result.held && missedUnder !== undefined)
    return {
      ...base,
      status: 'not-run',
      reason: `under caller-state variant ${result.variant} the run stopped by ${missedUnder}`,
      assertions: [],
    };
  if (outcome.stop.reason !== outcome.expectedStop)
    return {
      ...base,
      status: 'not-run',
      reason: `the run stopped by ${outcome.stop.reason} at ${outcome.stop.rip} before the stop point`,
      assertions: [],
    };
  const assertions = checked.map((a, i) => {
    const r = result.assertions[i]!;
    return {
      source: a.source,
      place: a.place,
      held: r.held,
      ...(r.actual !== undefined && { actual: r.actual }),
      ...(r.expected !== undefined && { expected: r.expected }),
      ...(r.message !== undefined && { message: r.message }),
      ...(r.seed !== undefined && { seed: r.seed }),
    };
  });
  if (result.held) return { ...base, status: 'held', assertions };
  const v: ObjectVerdict = { ...base, status: 'failed', assertions };
  if (result.variant !== undefined && result.variant !== outcome.variants?.[0]) v.variant = result.variant;
  // The first failing line whose value the code wrote; else the hand-over, where the code left it.
  const { trace, locate, initial } = tracedUnder(result.variant);
  const places = checked.flatMap((a, i) => {
    const r = result.assertions[i]!;
    if (r.held) return [];
    // The names of what the line reads (the same under every variant; the values are not used).
    const run = runs.find((x) => x.seed === r.seed) ?? runs[0]!;
    return [culprit(evalIn(a.parsed, run).reads, trace, initial, locate, outcome)];
  });
  v.at =
    places.find((p) => p.why.startsWith('last wrote') && !p.why.endsWith('handing over control')) ??
    places[0]!;
  return v;
}

/**
 * The instruction that last wrote one of `reads` (registers by their state-item names, memory by
 * overlapping writes), else the one that handed over control (the last step before the stop point).
 */
function culprit(
  reads: Record<string, bigint>,
  trace: TraceRow[],
  initial: Record<string, bigint>,
  locate: (addr: bigint) => CodeLocation,
  outcome: Outcome,
): CodeLocation & { why: string } {
  const names = Object.keys(reads).filter((k) => !k.startsWith('initial.'));
  let best: { i: number; name: string } | undefined;
  for (const name of names) {
    const i = lastWrite(trace, name, initial);
    if (i >= 0 && (!best || i > best.i)) best = { i, name };
  }
  if (best) {
    const row = trace[best.i]!;
    const handover = best.i === trace.length - 1 ? ', handing over control' : '';
    return { ...locate(BigInt(row.rip)), text: row.text, why: `last wrote ${best.name}${handover}` };
  }
  const last = trace[trace.length - 1];
  if (last) return { ...locate(BigInt(last.rip)), text: last.text, why: 'handed over control' };
  return { ...locate(BigInt(outcome.stop.rip)), why: 'the stop point (no trace to say more)' };
}

const MEMORY_READ = /^(byte|word|dword|qword|page) \[(0x[0-9a-f]+)\]$/;
const WIDTH: Record<string, bigint> = { byte: 1n, word: 2n, dword: 4n, qword: 8n, page: 4096n };

/**
 * The index of the last trace step that changed what `name` reads, or -1. A named bit (`rflags.AC`,
 * `cr4.PGE`) counts only where that bit changed, followed from the initial state: an instruction that
 * sets other flags did not write it.
 */
function lastWrite(trace: TraceRow[], name: string, initial: Record<string, bigint>): number {
  const m = MEMORY_READ.exec(name);
  if (m) {
    const lo = BigInt(m[2]!);
    const hi = lo + WIDTH[m[1]!]!;
    return lastIndex(trace, (row) =>
      (row.mem ?? []).some((w) => BigInt(w.addr) < hi && BigInt(w.addr) + BigInt(w.size) > lo),
    );
  }
  const [item, field] = name.split('.') as [string, string | undefined];
  const bit =
    field !== undefined && (BIT_REGISTERS as readonly string[]).includes(item)
      ? findBit(item as BitRegister, field)
      : undefined;
  if (bit && initial[item] !== undefined) {
    const mask = fieldMask(bit);
    let value = initial[item];
    let last = -1;
    for (const [i, row] of trace.entries()) {
      const changed = row.changed[item];
      if (changed === undefined) continue;
      if ((BigInt(changed) ^ value) & mask) last = i;
      value = BigInt(changed);
    }
    return last;
  }
  return lastIndex(trace, (row) =>
    Object.keys(row.changed).some((k) => k === name || k === item || k.split('.')[0] === item),
  );
}

function lastIndex<T>(xs: T[], pred: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i]!)) return i;
  return -1;
}

/** Maps an address to its symbol, the user's line and (when traced) the instruction. */
function locator(linked: LinkedObject, trace: TraceRow[]): (addr: bigint) => CodeLocation {
  const symbols = Object.entries(linked.symbols).sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const end = linked.base + BigInt(linked.bytes.length);
  const text = new Map(trace.map((r) => [r.rip, r.text]));
  return (addr) => {
    const loc: CodeLocation = { addr: hex(addr) };
    if (addr >= linked.base && addr < end) {
      let best: [string, bigint] | undefined;
      for (const s of symbols) if (s[1] <= addr && !s[0].startsWith('.L')) best = s;
      if (best) loc.symbol = addr === best[1] ? best[0] : `${best[0]}+0x${(addr - best[1]).toString(16)}`;
      const line = linked.lines.get(addr) ?? nearestLine(linked.lines, addr);
      if (line) {
        loc.file = line.file;
        loc.line = line.line;
      }
    }
    const t = text.get(hex(addr));
    if (t) loc.text = t;
    return loc;
  };
}

/** Seed `seed` on the interpreter with a trace, for places when the engine itself cannot trace. */
async function traceOnInterp(
  given: StageGiven,
  worldOf: (seed: number) => ReturnType<WorldOf>,
  seed: number,
): Promise<{ trace: TraceRow[]; traceOmitted?: number }> {
  const interp = await getEngine('interp');
  const { world, until, untilRanges } = worldOf(seed);
  const r = await interp.run(cloneWorld(world), {
    trace: true,
    traceKeep: TRACE_KEEP,
    ...(until && { until }),
    ...(untilRanges && { untilRanges }),
    ...(given.maxSteps !== undefined && { maxSteps: given.maxSteps }),
  });
  const trace = (r.trace ?? []).map(traceRow);
  return r.traceOmitted ? { trace, traceOmitted: r.traceOmitted } : { trace };
}

/** A run's trace and what places come from: the locator over it and the state it started in. */
interface Traced {
  trace: TraceRow[];
  locate: (addr: bigint) => CodeLocation;
  initial: Record<string, bigint>;
}

export type { ObjectPlan };
