// checkSpec / runSpec: the docs-as-tests harness. Runs a spec model (src/markdown) once: every example of
// the selected files through the runner, every clause of its stage checked, and returns one SpecDocument
// per file plus every problem as a vfile message placed in the Markdown. It is the one producer of
// results: the CLI, vitest, the remark plugin and the site all read what it returns.
//
// The steps: plan (plan.ts: which examples run, and their cache keys); per document, cache look-ups and
// ONE assembler batch for what is left; the runs (each example once per seed, trace on for the first);
// verdicts at today's Markdown places (verdicts.ts). Outcomes are cached by content hash (cache.ts); a
// cached outcome holds no Markdown positions, so moving a block does not force a re-run.

import path from 'node:path';
import type { VFileMessage } from 'vfile-message';
import { loadSpec, type LoadOptions } from '../markdown/load.ts';
import { specMessage, type RuleId } from '../markdown/messages.ts';
import { publishClause, type SpecClause, type SpecModel } from '../markdown/model.ts';
import { GivenBuildError } from '../model/given.ts';
import type { ClauseExercise, Example, ExampleRun, SourcePlace, SpecDocument } from '../model/types.ts';
import { EngineUnavailableError, getEngine } from '../runner/engines.ts';
import { MemoryError } from '../runner/memory.ts';
import type { EngineName } from '../runner/types.ts';
import { assembleCached, withWorldSymbols, type AsmCache } from './assembly.ts';
import { CACHE_DIR, pruneOnce, ResultCache } from './cache.ts';
import { planSpec, type Job } from './plan.ts';
import { ExampleError, runExample, type Outcome, type RunExampleInput, type SeedProgress } from './run.ts';
import { codeSalt } from './salt.ts';
import { materialize } from './verdicts.ts';
import { exerciseOf } from './exercised.ts';

export interface CheckOptions {
  /** Engine that runs the examples (default interp). */
  engine?: EngineName;
  /** Use the on-disk cache (default true). */
  cache?: boolean;
  /** Where the on-disk cache lives (default .cache/kexec-contract under the working directory). */
  cacheDir?: string;
  /** The caches to use instead of opening them from `cache` and `cacheDir` (a long-lived owner's). */
  caches?: Caches;
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
  stats: Stats;
}

interface Stats {
  examples: number;
  cached: number;
  ran: number;
  assembled: number;
}

/** The caches one owner uses: outcomes of examples, and assembled blocks. */
export interface Caches {
  runs: ResultCache<Outcome>;
  asm: AsmCache;
}

/** Caches in memory for their owner's lifetime, and on disk under `dir` unless `useDisk` is false. */
export function openCaches(useDisk = true, dir = CACHE_DIR): Caches {
  if (!useDisk) return { runs: new ResultCache(null), asm: new ResultCache(null, 'asm') };
  const where = path.resolve(dir);
  pruneOnce(where);
  return { runs: new ResultCache(where), asm: new ResultCache(where, 'asm') };
}

/** Load the spec tree under `paths` and run it. */
export async function checkSpec(
  paths: string | string[],
  options: CheckOptions & LoadOptions = {},
): Promise<CheckResult> {
  return runSpec(await loadSpec(paths, { overrides: options.overrides }), options);
}

export async function runSpec(model: SpecModel, options: CheckOptions = {}): Promise<CheckResult> {
  const engine = options.engine ?? 'interp';
  const caches = options.caches ?? openCaches(options.cache ?? true, options.cacheDir);
  const stats: Stats = { examples: 0, cached: 0, ran: 0, assembled: 0 };
  const plan = planSpec(model, engine, (f) => !options.only || options.only.includes(f));
  const engineProblem = await unavailable(engine);

  // Per document (concurrently): cache look-ups, then one assembler batch for what is left.
  const prepared = await Promise.all(
    model.files.map((f) => prepareDocument(plan.jobs.get(f)!, engine, engineProblem, caches, stats)),
  );
  const outcomes = new Map<Job, Outcome>();
  for (const p of prepared) for (const [job, o] of p.cached) outcomes.set(job, o);

  // The runs, in file and example order. They stay on this thread: the interpreter's runs are short,
  // and worker threads (tried) cost more to start, with tsx loading the sources in each, than they
  // saved on two cores.
  const runMessages: VFileMessage[] = [];
  const seconds = new Map<Job, number>();
  for (const { job, input } of prepared.flatMap((p) => p.ready)) {
    const started = performance.now();
    const outcome = await runJob(job, input, options.onProgress, runMessages);
    if (!outcome) continue;
    seconds.set(job, (performance.now() - started) / 1000);
    outcomes.set(job, outcome);
    stats.ran++;
    await caches.runs.set(job.key, outcome);
  }

  // Each stage's pass-through (exercised.ts), cached like an example; not counted as one.
  const passThrough = new Map<string, Outcome>();
  const ptStats: Stats = { examples: 0, cached: 0, ran: 0, assembled: 0 };
  const pt = await prepareDocument(plan.passThrough, engine, engineProblem, caches, ptStats);
  for (const [job, o] of pt.cached) passThrough.set(job.stage.id, o);
  for (const { job, input } of pt.ready) {
    const outcome = await runJob(job, input, undefined, runMessages);
    if (!outcome) continue;
    passThrough.set(job.stage.id, outcome);
    await caches.runs.set(job.key, outcome);
  }

  const messages = [
    ...model.messages,
    ...plan.messages,
    ...prepared.flatMap((p) => p.messages),
    ...pt.messages,
    ...runMessages,
  ];
  // Verdicts and messages at today's Markdown places, in file and example order.
  const documents = model.files.map((f): SpecDocument => {
    const doc: SpecDocument = {
      file: f.file,
      stages: f.stages,
      clauses: f.clauses.map(publishClause),
      examples: f.examples,
      runs: [],
    };
    for (const job of plan.jobs.get(f)!) {
      const outcome = outcomes.get(job);
      if (!outcome) continue;
      const { run, notes } = materialize(outcome, job.example, job.clauses, engine);
      run.seconds = seconds.get(job) ?? 0;
      doc.runs.push(run);
      messages.push(...notes);
      options.onRun?.(run, job.example);
    }
    return doc;
  });
  // What fails each checked clause: the pass-through of its stage, or counterexamples (in any file).
  const allRuns = documents.flatMap((d) => d.runs);
  for (const [i, f] of model.files.entries()) {
    const byStage = new Map<string, SpecClause[]>();
    for (const c of f.clauses) byStage.set(c.stage, [...(byStage.get(c.stage) ?? []), c]);
    const exercise: Record<string, ClauseExercise> = {};
    for (const [stage, clauses] of byStage) {
      if (!passThrough.has(stage)) continue; // the stage did not run here: nothing to say
      const runs = allRuns.filter((r) => r.stage === stage);
      Object.assign(exercise, exerciseOf(clauses, passThrough.get(stage), runs));
    }
    if (Object.keys(exercise).length) documents[i]!.exercise = exercise;
  }
  return { documents, messages, stats };
}

/** Why the engine cannot run here (one line per example will say so), or undefined. */
async function unavailable(engine: EngineName): Promise<string | undefined> {
  try {
    await getEngine(engine);
    return undefined;
  } catch (e) {
    if (!(e instanceof EngineUnavailableError)) throw e;
    return e.message;
  }
}

interface PreparedDocument {
  /** Jobs whose outcome the cache had. */
  cached: [Job, Outcome][];
  /** Jobs assembled and ready to run. */
  ready: { job: Job; input: RunExampleInput }[];
  messages: VFileMessage[];
}

/** A document's cache look-ups, then one assembler batch for what is left. */
async function prepareDocument(
  jobs: Job[],
  engine: EngineName,
  engineProblem: string | undefined,
  caches: Caches,
  stats: Stats,
): Promise<PreparedDocument> {
  stats.examples += jobs.length;
  const cached: [Job, Outcome][] = [];
  const misses: Job[] = [];
  for (const job of jobs) {
    const o = await caches.runs.get(job.key);
    if (o) cached.push([job, o]);
    else misses.push(job);
  }
  stats.cached += cached.length;
  return { cached, ...(await assembleDocument(misses, engine, engineProblem, caches.asm, stats)) };
}

/**
 * One assembler batch for a document's jobs: their examples and the snippets of their stages. A job
 * whose code (or whose stage's snippets) does not assemble, or whose engine cannot run here, is a
 * message at its place instead of a run.
 */
async function assembleDocument(
  jobs: Job[],
  engine: EngineName,
  engineProblem: string | undefined,
  asmCache: AsmCache,
  stats: Stats,
): Promise<Omit<PreparedDocument, 'cached'>> {
  const out: Omit<PreparedDocument, 'cached'> = { ready: [], messages: [] };
  const push = (reason: string, place: SourcePlace, rule: RuleId) =>
    out.messages.push(specMessage(reason, place, rule));
  const stagesNeeded = [...new Set(jobs.map((j) => j.stage))];
  const snippetJobs = stagesNeeded.flatMap((s) =>
    jobs.find((j) => j.stage === s)!.given.snippets.map((b) => ({ stage: s, b })),
  );
  const assembled = await assembleCached(
    [
      ...jobs.map((j) => ({
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
  // A stage's snippets, in order; null when one of them does not assemble (reported once).
  const snippetsOf = new Map<string, { bytes: Uint8Array }[] | null>();
  snippetJobs.forEach((s, i) => {
    const asm = assembled[jobs.length + i]!;
    const list = snippetsOf.get(s.stage.id);
    if (list === null) return;
    if (!asm.ok) {
      for (const d of asm.diagnostics) push(`stage "${s.stage.id}" given: ${d.message}`, d.place, 'given');
      snippetsOf.set(s.stage.id, null);
    } else snippetsOf.set(s.stage.id, [...(list ?? []), asm]);
  });
  jobs.forEach((job, i) => {
    const asm = assembled[i]!;
    const { example } = job;
    if (!asm.ok) {
      for (const d of asm.diagnostics)
        push(`${example.kind} "${example.name}": ${d.message}`, d.place, 'assembly');
      return;
    }
    const snippets = snippetsOf.get(job.stage.id);
    if (snippets === null) return; // the stage's own code does not assemble: reported above
    if (engineProblem) {
      push(`${example.kind} "${example.name}" cannot run: ${engineProblem}`, example.place, 'engine');
      return;
    }
    const input: RunExampleInput = {
      engine,
      given: job.given,
      clauses: job.clauses,
      example,
      code: asm,
      snippets: snippets ?? [],
    };
    out.ready.push({ job, input });
  });
  return out;
}

/** One example's runs; whatever goes wrong is this example's error (the others still run). */
async function runJob(
  job: Job,
  input: RunExampleInput,
  onProgress: CheckOptions['onProgress'],
  messages: VFileMessage[],
): Promise<Outcome | undefined> {
  const { example, stage } = job;
  if (onProgress) input.onProgress = (p) => onProgress({ ...p, example });
  try {
    return await runExample(input);
  } catch (e) {
    if (e instanceof GivenBuildError) {
      messages.push(
        specMessage(
          `stage "${stage.id}" given, for ${example.kind} "${example.name}": ${e.message}`,
          { file: stage.place.file, line: stage.place.line + e.line, column: e.column },
          'given',
        ),
      );
      return undefined;
    }
    // A MemoryError here comes from building the world (memory outside the RAM).
    const what = e instanceof ExampleError || e instanceof MemoryError ? '' : 'internal error: ';
    messages.push(
      specMessage(
        `${example.kind} "${example.name}" cannot run: ${what}${e instanceof Error ? e.message : String(e)}`,
        example.place,
        'runtime',
      ),
    );
    return undefined;
  }
}
