// checkSpec: the docs-as-tests harness. Loads a spec tree, runs every example of the selected files
// through the runner, checks every clause of its stage, and returns one SpecDocument per file plus
// every problem as a vfile message placed in the Markdown.
//
// Per document: all blocks that need running are assembled in ONE assemble() batch; each example then
// runs once per seed (trace on for the first), every checked assertion is evaluated, and the leak check
// compares what each assertion read across seeds. Outcomes are cached by content hash (cache.ts); a
// cached outcome holds no Markdown positions, so moving a block does not force a re-run.

import type { VFileMessage } from 'vfile-message';
import type { Clause, Example, ExampleRun, SpecDocument, Stage } from '../model/types.ts';
import type { EngineName } from '../runner/types.ts';
import { sha256 } from '../plugin/hash.ts';
import { specMessage } from '../plugin/messages.ts';
import type { RuleId } from '../plugin/messages.ts';
import path from 'node:path';
import { CACHE_DIR, pruneCache, ResultCache } from './cache.ts';
import { parseExpectLine, prepareGiven } from './lang.ts';
import type { StageGiven } from './lang.ts';
import { loadTree } from './load.ts';
import type { LoadedTree } from './load.ts';
import { ExampleError, runExample } from './run.ts';
import type { Outcome, RunExampleInput, SeedProgress } from './run.ts';
import { codeSalt } from './salt.ts';
import { assembleCached, withWorldSymbols } from './assembly.ts';
import type { AsmCache } from './assembly.ts';
import { GivenBuildError } from '../model/given.ts';
import { parseAssertion } from '../model/expect/index.ts';
import { EngineUnavailableError, getEngine } from '../runner/engines.ts';
import { MemoryError } from '../runner/memory.ts';

export interface CheckOptions {
  /** Engine that runs the examples (default interp). */
  engine?: EngineName;
  /** Use the on-disk cache (default true); the in-memory cache is always used. */
  cache?: boolean;
  /** Where the on-disk cache lives (default .cache/kexec-contract under the working directory). */
  cacheDir?: string;
  /** File contents to use instead of the disk's, by display path. */
  overrides?: Map<string, string>;
  /** Run only the examples of these files (display paths); the rest of the tree is context. */
  only?: string[];
  /** Called as each example finishes (progress for the CLI). */
  onRun?: (run: ExampleRun, example: Example) => void;
  /** Called as each seed of a run starts and every PROGRESS_STEPS steps of a long one. */
  onProgress?: (p: SeedProgress & { example: Example }) => void;
}

export interface CheckResult {
  documents: SpecDocument[];
  messages: VFileMessage[];
  /** Cache statistics for this call (for the bench and --verbose). */
  stats: { examples: number; cached: number; ran: number; assembled: number };
}

const memoryCache = new ResultCache<Outcome>(null);
const inflight = new Map<string, Promise<Outcome | undefined>>();
const diskCaches = new Map<string, ResultCache<Outcome>>();

function cacheFor(useDisk: boolean, dir?: string): ResultCache<Outcome> {
  if (!useDisk) return memoryCache;
  const where = path.resolve(dir ?? CACHE_DIR);
  let c = diskCaches.get(where);
  if (!c) {
    c = new ResultCache<Outcome>(where);
    diskCaches.set(where, c);
    // Once per process and directory, in the background: old outcomes go (see CACHE_LIMITS).
    void pruneCache(where);
  }
  return c;
}

const asmMemory = new ResultCache<StoredAsmValue>(null, 'asm');
const asmDisk = new Map<string, ResultCache<StoredAsmValue>>();
type StoredAsmValue = Parameters<AsmCache['set']>[1];

function asmCacheFor(useDisk: boolean, dir?: string): AsmCache {
  if (!useDisk) return asmMemory;
  const where = path.resolve(dir ?? CACHE_DIR);
  let c = asmDisk.get(where);
  if (!c) {
    c = new ResultCache<StoredAsmValue>(where, 'asm');
    asmDisk.set(where, c);
  }
  return c;
}

/** Forget in-memory results (the bench measures a cold run with this). */
export function clearMemoryCache(): void {
  memoryCache.clearMemory();
  asmMemory.clearMemory();
  for (const c of [...diskCaches.values(), ...asmDisk.values()]) c.clearMemory();
}

export async function checkSpec(paths: string | string[], options: CheckOptions = {}): Promise<CheckResult> {
  const tree = await loadTree(paths, { parseExpectLine, overrides: options.overrides });
  return checkTree(tree, options);
}

export async function checkTree(tree: LoadedTree, options: CheckOptions = {}): Promise<CheckResult> {
  const engine = options.engine ?? 'interp';
  const cache = cacheFor(options.cache ?? true, options.cacheDir);
  const asmCache = asmCacheFor(options.cache ?? true, options.cacheDir);
  const messages: VFileMessage[] = [...tree.messages];
  const stats = { examples: 0, cached: 0, ran: 0, assembled: 0 };
  const push = (reason: string, place: Parameters<typeof specMessage>[1], rule: RuleId) =>
    messages.push(specMessage(reason, place, rule));

  // An engine that cannot run here is one clear message per example, not a crash.
  let engineProblem: string | undefined;
  try {
    await getEngine(engine);
  } catch (e) {
    if (!(e instanceof EngineUnavailableError)) throw e;
    engineProblem = e.message;
  }

  // Each stage's given, parsed once; its errors are placed on the given block's lines.
  const givens = new Map<string, StageGiven>();
  for (const stage of tree.index.stages.values()) {
    const g = prepareGiven(stage);
    if (g.ok) givens.set(stage.id, g.given);
    else
      for (const e of g.errors)
        push(
          `stage "${stage.id}" given: ${e.message}`,
          { file: stage.place.file, line: stage.place.line + e.line, column: e.column },
          'given',
        );
  }

  // A stage with a check that does not parse runs nothing (its examples would pass a weaker check);
  // a counterexample whose violates= is wrong runs nothing either. Both are reported already.
  const brokenStages = new Set<string>();
  for (const f of tree.files)
    for (const id of f.extracted.broken) brokenStages.add(tree.index.clauses.get(id)?.stage ?? '');
  const badExamples = new Set(
    messages.filter((m) => m.fatal && m.ruleId === 'violates').map((m) => `${m.file}:${m.line}`),
  );

  const clausesOf = new Map<string, Clause[]>();
  for (const c of tree.index.clauses.values()) {
    const list = clausesOf.get(c.stage) ?? [];
    list.push(c);
    clausesOf.set(c.stage, list);
    // Names in checks must be the stage's symbols (or code labels): catch typos at the exact column.
    const given = givens.get(c.stage);
    if (!given) continue;
    for (const a of c.assertions) {
      const r = parseAssertion(a.source, { symbols: Object.keys(given.spec.symbols), allowCodeLabels: true });
      if (r.ok) continue;
      brokenStages.add(c.stage);
      push(
        `clause "${c.id}": ${r.error.message}`,
        { ...a.place, column: (a.place.column ?? 1) + r.error.column - 1 },
        'expect-syntax',
      );
    }
  }
  const selected = (file: string) => !options.only || options.only.includes(file);

  interface Job {
    example: Example;
    stage: Stage;
    given: StageGiven;
    clauses: Clause[];
    key: string;
    outcome?: Outcome;
    /** Another call's run of the same key, when it owns it. */
    wait?: Promise<Outcome | undefined>;
  }
  interface Prepared {
    doc: SpecDocument;
    jobs: Job[];
    misses: Job[];
    settle: Map<string, (o: Outcome | undefined) => void>;
  }
  const toRun: { job: Job; input: RunExampleInput }[] = [];

  // Phase 1, per document (concurrently): cache look-ups, then one assembler batch for what is left.
  const prepared = await Promise.all(
    tree.files.map(async (f): Promise<Prepared> => {
      const ex = f.extracted;
      const doc: SpecDocument = {
        file: f.file,
        stages: ex.stages,
        clauses: ex.clauses,
        examples: ex.examples,
        runs: [],
      };
      const settle = new Map<string, (o: Outcome | undefined) => void>();
      if (!selected(f.file)) return { doc, jobs: [], misses: [], settle };

      // Which examples can run, and which of them are cached.
      const jobs: Job[] = [];
      for (const example of ex.examples) {
        if (tree.index.examples.get(example.name) !== example) continue; // duplicate name, reported
        const stage = tree.index.stages.get(example.stage);
        const given = stage && givens.get(stage.id);
        if (!stage || !given || brokenStages.has(stage.id)) continue;
        if (badExamples.has(`${example.place.file}:${example.place.line}`)) continue;
        const clauses = (clausesOf.get(stage.id) ?? []).slice().sort((a, b) => a.id.localeCompare(b.id));
        const key = sha256(
          codeSalt(engine),
          engine,
          stage.given,
          example.kind,
          example.violates.join(','),
          example.source,
          ...clauses.map((c) => `${c.id}\n${c.assertions.map((a) => `${a.kind}:${a.source}`).join('\n')}`),
        );
        jobs.push({ example, stage, given, clauses, key });
      }
      stats.examples += jobs.length;
      for (const j of jobs) j.outcome = await cache.get(j.key);
      // Another call (the site plugin and the remark plugin run side by side) may be running the same
      // example right now: take its result instead of running it twice. Each key gets exactly one owner
      // (this loop is synchronous), and results of other owners are awaited only after this call's own
      // runs are settled, so two calls can never wait for each other.
      const misses: Job[] = [];
      const theirs: Job[] = [];
      for (const j of jobs) {
        if (j.outcome) continue;
        const running = inflight.get(j.key);
        if (running) {
          j.wait = running;
          theirs.push(j);
        } else {
          misses.push(j);
          inflight.set(j.key, new Promise((resolve) => settle.set(j.key, resolve)));
        }
      }
      stats.cached += jobs.length - misses.length;
      try {
        // One assembler batch for the whole document: its examples, and the snippets of their stages.
        const stagesNeeded = [...new Set(misses.map((j) => j.stage))];
        const snippetJobs = stagesNeeded.flatMap((s) =>
          givens.get(s.id)!.snippets.map((b) => ({ stage: s, b })),
        );
        const assembled = await assembleCached(
          [
            ...misses.map((j) => ({
              source: withWorldSymbols(j.example.source, j.given.spec.symbols),
              base: j.given.codeBase,
              file: j.example.place.file,
              lineOffset: j.example.place.line,
            })),
            ...snippetJobs.map((s) => s.b),
          ],
          asmCache,
          codeSalt('assembler'),
          stats,
        );
        const snippetsOf = new Map<string, { bytes: Uint8Array }[] | null>();
        snippetJobs.forEach((s, i) => {
          const out = assembled[misses.length + i]!;
          const list = snippetsOf.get(s.stage.id);
          if (list === null) return;
          if (!out.ok) {
            for (const d of out.diagnostics)
              push(`stage "${s.stage.id}" given: ${d.message}`, d.place, 'given');
            snippetsOf.set(s.stage.id, null);
          } else snippetsOf.set(s.stage.id, [...(list ?? []), out]);
        });
        for (let i = 0; i < misses.length; i++) {
          const j = misses[i]!;
          const asm = assembled[i]!;
          if (!asm.ok) {
            for (const d of asm.diagnostics)
              push(`${j.example.kind} "${j.example.name}": ${d.message}`, d.place, 'assembly');
            continue;
          }
          const snippets = snippetsOf.get(j.stage.id);
          if (snippets === null) continue; // the stage's own code does not assemble: reported above
          if (engineProblem) {
            push(
              `${j.example.kind} "${j.example.name}" cannot run: ${engineProblem}`,
              j.example.place,
              'engine',
            );
            continue;
          }
          toRun.push({
            job: j,
            input: {
              engine,
              given: j.given,
              clauses: j.clauses,
              example: j.example,
              code: asm,
              snippets: snippets ?? [],
            },
          });
        }
      } catch (e) {
        for (const j of misses) {
          settle.get(j.key)!(undefined);
          inflight.delete(j.key);
        }
        throw e;
      }
      return { doc, jobs, misses, settle };
    }),
  );

  // Phase 2: the runs. They stay on this thread: the interpreter's runs are short, and worker threads
  // (tried) cost more to start, with tsx loading the sources in each, than they saved on two cores.
  try {
    for (const { job: j, input } of toRun) {
      const onProgress = options.onProgress;
      if (onProgress) input.onProgress = (p) => onProgress({ ...p, example: j.example });
      try {
        j.outcome = await runExample(input);
      } catch (e) {
        if (e instanceof GivenBuildError) {
          push(
            `stage "${j.stage.id}" given, for ${j.example.kind} "${j.example.name}": ${e.message}`,
            { file: j.stage.place.file, line: j.stage.place.line + e.line, column: e.column },
            'given',
          );
          continue;
        }
        // Whatever else goes wrong is this example's error: the others still run and the report is
        // written. A MemoryError here comes from building the world (memory outside the RAM).
        const what = e instanceof ExampleError || e instanceof MemoryError ? '' : 'internal error: ';
        push(
          `${j.example.kind} "${j.example.name}" cannot run: ${what}${e instanceof Error ? e.message : String(e)}`,
          j.example.place,
          'runtime',
        );
        continue;
      }
      stats.ran++;
      await cache.set(j.key, j.outcome);
    }
  } finally {
    for (const p of prepared) {
      for (const j of p.misses) {
        p.settle.get(j.key)!(j.outcome);
        inflight.delete(j.key);
      }
    }
  }

  for (const p of prepared) for (const j of p.jobs) if (j.wait) j.outcome = await j.wait;

  // Phase 3: verdicts and messages at today's Markdown places, in file and example order.
  const documents = prepared.map(({ doc, jobs }) => {
    for (const j of jobs) {
      if (!j.outcome) continue;
      const { run, notes } = materialize(j.outcome, j.example, j.clauses, engine);
      doc.runs.push(run);
      for (const n of notes) messages.push(n);
      options.onRun?.(run, j.example);
    }
    return doc;
  });
  return { documents, messages, stats };
}

/** Turn a position-free cached outcome into an ExampleRun and messages at today's Markdown places. */
function materialize(
  o: Outcome,
  example: Example,
  clauses: Clause[],
  engine: EngineName,
): { run: ExampleRun; notes: VFileMessage[] } {
  const notes: VFileMessage[] = [];
  const verdicts = clauses
    .filter((c) => o.clauses[c.id])
    .map((c) => {
      const r = o.clauses[c.id]!;
      const checked = c.assertions.filter((a) => a.kind === 'check');
      return {
        clause: c.id,
        example: example.name,
        kind: example.kind,
        held: r.held,
        expectedToHold: !example.violates.includes(c.id),
        seeds: o.seeds,
        assertions: checked.map((a, i) => ({ source: a.source, place: a.place, ...r.assertions[i]! })),
        ...(r.notComparable ? { notComparable: r.notComparable } : {}),
      };
    });
  // Verdicts that are not comparable on this engine count neither way.
  const comparable = verdicts.filter((v) => !v.notComparable);
  const reached = o.stop.reason === (o.expectedStop ?? 'until') || o.notComparable !== undefined;
  const ok = reached && comparable.every((v) => v.held === v.expectedToHold);

  const label = `${example.kind} "${example.name}" (${example.place.file}:${example.place.line})`;
  if (o.notComparable) {
    // Not a failure: the test cases say "not comparable" with the reason.
  } else if (!reached) {
    notes.push(
      specMessage(
        `${example.kind} "${example.name}" did not reach the stage's stop point: ${o.stop.reason} at ${o.stop.rip}: ${o.stop.message}`,
        { ...example.place, line: example.place.line + (o.stop.asmLine ?? 0), column: 1 },
        'runtime',
      ),
    );
  } else {
    for (const v of comparable) {
      if (v.held === v.expectedToHold) continue;
      if (v.held) {
        notes.push(
          specMessage(
            `${label} names "${v.clause}" in violates= but holds it under every seed`,
            example.place,
            'verdict',
          ),
        );
        continue;
      }
      const bad = v.assertions.find((a) => !a.held) ?? v.assertions[0];
      const detail = bad
        ? `${bad.source}: ${bad.message ?? `actual ${bad.actual}, expected ${bad.expected}`}` +
          (bad.seed !== undefined && !bad.message?.startsWith('leak') ? ` (seed ${bad.seed})` : '')
        : '';
      notes.push(
        specMessage(
          `${label} fails "${v.clause}": ${detail}`,
          bad?.place ?? clauses.find((c) => c.id === v.clause)!.place,
          bad?.message?.startsWith('leak') ? 'leak' : 'verdict',
        ),
      );
    }
  }
  const run: ExampleRun = {
    example: example.name,
    stage: example.stage,
    engine,
    stop: { reason: o.stop.reason, rip: o.stop.rip, message: o.stop.message },
    final: o.final,
    trace: o.trace,
    verdicts,
    ok,
  };
  if (o.stop.vector !== undefined) run.stop.vector = o.stop.vector;
  if (o.notComparable) run.notComparable = o.notComparable;
  if (o.steps !== undefined) run.steps = o.steps;
  if (o.traceOmitted) run.traceOmitted = o.traceOmitted;
  if (o.serial) run.serial = o.serial;
  return { run, notes };
}
