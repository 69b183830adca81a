// The site's data, computed once at build time from what checkSpec produced: the clauses.json records,
// citations, coverage rows, the implementation matrix and the summary the home page shows.
// Pure functions over plain data (no Docusaurus, no file system) so tests can feed fake documents.

import { citationText, citedEdition, clausePermalink, levelLabel } from '../model/cite.ts';
import type {
  Clause,
  ClauseExercise,
  Example,
  ExampleKind,
  ExampleRun,
  Level,
  SpecDocument,
  Verdict,
} from '../model/types.ts';
import type { RetiredClause } from '../markdown/lock.ts';
import { exampleAnchor, exampleKey, tombstonePath } from './ids.ts';

/** A clause ID that was retired (tombstoned) in spec/clauses.lock.json (read by src/markdown/lock.ts). */
export type { RetiredClause };
export type { ChangelogEntry, ClauseChange } from '../markdown/changelog.ts';

export interface Implementation {
  id: string;
  name: string;
  version?: string;
  source?: string;
}

/** One record of clauses.json. */
export interface ClauseRecord {
  id: string;
  level: string;
  stage: string;
  text: string;
  hash: string;
  version: string;
  status: 'active' | 'retired';
  checked: boolean;
  results: { example: string; kind: ExampleKind; held: boolean }[];
}

/** What a component needs to link to a clause or an example anywhere on the site. */
export interface ClauseIndexEntry {
  id: string;
  level: Level;
  stage: string;
  /** Site-relative URL (with base URL) of the clause: page#id, or its tombstone page. */
  href: string;
  status: 'active' | 'retired';
}

export interface ExampleIndexEntry {
  name: string;
  stage: string;
  kind: ExampleKind;
  href: string;
  ok: boolean;
  impl?: string;
}

export interface Summary {
  clauses: number;
  byLevel: Record<string, number>;
  checked: number;
  /** Normative clauses without a machine check. */
  unchecked: number;
  /** Checked clauses that no example exercises. */
  unexercised: number;
  retired: number;
  examples: number;
  counterexamples: number;
  /** Runs that behaved as their kind demands. */
  passed: number;
  failed: number;
  engines: string[];
}

export interface CoverageRow {
  id: string;
  level: Level;
  stage: string;
  href: string;
  checks: string[];
  undefinedItems: string[];
  unchecked?: string;
  examples: { name: string; href: string; held: boolean; expectedToHold: boolean }[];
  counterexamples: { name: string; href: string; held: boolean; expectedToHold: boolean }[];
  /** Why the row stands out, empty when it does not. */
  gaps: string[];
  /** What fails the clause (checked clauses whose stage ran): the pass-through's variant, counterexamples. */
  exercise?: ClauseExercise;
}

/**
 * `not-exercised`: the examples conform, but nothing the harness runs fails the clause (neither the
 * stage's pass-through under any caller-state variant nor a counterexample), so the verdict rests on a
 * check that cannot fail.
 */
export type MatrixCell =
  { state: 'conforms' | 'violates' | 'not-exercised'; example: string; href: string } | { state: 'n/a' };

export interface Matrix {
  implementations: Implementation[];
  clauses: ClauseIndexEntry[];
  /** cells[implementation index][clause index] */
  cells: MatrixCell[][];
}

/** A clause as the newest released spec version has it. */
export interface ReleasedClause {
  level: Level;
  text: string;
  hash: string;
  /** Site-relative URL (with base URL) of the clause on the released page: page#id. */
  href: string;
}

/** The newest released spec version (Docusaurus docs version of the spec), by clause ID. */
export interface Release {
  version: string;
  clauses: Record<string, ReleasedClause>;
}

export interface SiteInputs {
  documents: SpecDocument[];
  retired: RetiredClause[];
  implementations: Implementation[];
  /** The version the working copy (spec/) carries. */
  version: string;
  /** The newest released version, if one was cut; its unchanged clauses are cited as released. */
  release?: Release;
  /** Site origin, e.g. https://kexec.example.org (no trailing slash needed). */
  siteUrl: string;
  /** Base URL, e.g. "/" or "/kexec-contract/". */
  baseUrl: string;
  /** Route (with base URL) of the page rendered from each spec file, keyed by the plugin's `file`. */
  pageOf: (file: string) => string | undefined;
}

export interface SiteData {
  version: string;
  release?: Release;
  records: ClauseRecord[];
  citations: Record<string, string>;
  clauseIndex: Record<string, ClauseIndexEntry>;
  exampleIndex: Record<string, ExampleIndexEntry>;
  coverage: CoverageRow[];
  matrix: Matrix;
  retired: (RetiredClause & { replacementHref?: string; citation: string })[];
  summary: Summary;
  /** MUST / MUST NOT clauses in document order, for the home page. */
  headline: { id: string; level: Level; stage: string; text: string; href: string }[];
}

/** What a page needs to show a run without its details. */
export interface RunSummary extends Omit<ExampleRun, 'trace' | 'final' | 'verdicts'> {
  /** One per clause of the stage: the verdict without its assertions. */
  verdicts: Pick<Verdict, 'clause' | 'held' | 'expectedToHold' | 'notComparable'>[];
  seeds: number[];
  /** Recorded trace rows (the run's steps are `steps`; a long trace leaves `traceOmitted` out). */
  traceRows: number;
  /** The content hash naming the details file: runDetailPath(detail). */
  detail: string;
}

/** The details of a run, loaded when opened. */
export interface RunDetail {
  trace: ExampleRun['trace'];
  final: ExampleRun['final'];
  initial?: ExampleRun['initial'];
  traceOmitted?: number;
  /** Every verdict, with only the assertions that failed (the table shows those). */
  verdicts: Verdict[];
}

/** An example as the site's Example element carries it. */
export interface SiteExampleData {
  example: Example;
  run?: RunSummary;
}

/**
 * A run split into what a page shows at once (the summary, without the details file's name) and its
 * details. Pure, so a component can split a full run handed to it by hand-written MDX (the sample).
 */
export function splitRun(run: ExampleRun): { summary: Omit<RunSummary, 'detail'>; detail: RunDetail } {
  const { trace, final, verdicts, initial, traceOmitted, ...rest } = run;
  const detail: RunDetail = {
    trace,
    final,
    verdicts: verdicts.map((v) => ({ ...v, assertions: v.assertions.filter((a) => !a.held) })),
  };
  if (initial) detail.initial = initial;
  if (traceOmitted) detail.traceOmitted = traceOmitted;
  const summary: Omit<RunSummary, 'detail'> = {
    ...rest,
    verdicts: verdicts.map((v) => {
      const s: RunSummary['verdicts'][number] = {
        clause: v.clause,
        held: v.held,
        expectedToHold: v.expectedToHold,
      };
      if (v.notComparable) s.notComparable = v.notComparable;
      return s;
    }),
    seeds: verdicts[0]?.seeds ?? [],
    traceRows: trace.length,
  };
  if (traceOmitted) summary.traceOmitted = traceOmitted;
  return { summary, detail };
}

/** What the pages of one spec version need to link inside that version, and its summary. */
export interface VersionGlobalData {
  /** The docs plugin's version name: `current` (spec/) or a release (`1.0`). */
  name: string;
  /** The version its citations carry: the release's name, or the working copy's (`next`). */
  label: string;
  /** The path segment of its pages, coverage and matrix (`1.0`, `next`; empty without releases). */
  path: string;
  /** Site-relative URL of each clause of this version (page#id, or the tombstone), by ID. */
  clauses: Record<string, string>;
  /** Site-relative URL of each example of this version, by exampleKey. */
  examples: Record<string, string>;
  summary: Summary;
}

/**
 * Global data the React components read with usePluginData('kexec-contract-site'). Every page loads it,
 * so it holds links and counts, never texts or runs: a released page links only inside its release.
 */
export interface SiteGlobalData {
  /** The docs version the unversioned pages (home, /coverage, /matrix) show: the newest release. */
  latest: string;
  versions: Record<string, VersionGlobalData>;
  /** The newest release's clauses (hash and page), so a page cites a clause unchanged since as released. */
  release?: { version: string; clauses: Record<string, { hash: string; href: string }> };
  /** The MUST / MUST NOT clauses of the `latest` version, for the home page. */
  headline: SiteData['headline'];
}

/** The versions of a per-version page (coverage, matrix): this one and where each version's page is. */
export interface VersionNav {
  name: string;
  label: string;
  links: { name: string; label: string; href: string }[];
}

function joinBase(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, '') + (path.startsWith('/') ? path : '/' + path);
}

/** The spec's clauses and examples with the file each is written in, and the runs by example key. */
interface Collected {
  clauses: { clause: Clause; file: string }[];
  examples: { example: Example; file: string }[];
  runs: Map<string, ExampleRun>;
  /** Verdicts by clause, in document order of the examples. */
  verdictsOf: Map<string, Verdict[]>;
  /** What fails each checked clause (src/harness/exercised.ts), where its stage ran. */
  exercise: Map<string, ClauseExercise>;
}

const exercised = (e: ClauseExercise): boolean => e.passThrough !== undefined || e.counterexamples.length > 0;

export function buildSiteData(input: SiteInputs): SiteData {
  const spec = collect(input.documents);
  const clauseIndex = indexClauses(input, spec);
  const exampleIndex = indexExamples(input, spec);
  const absolute = (href: string) => clausePermalink(input.siteUrl, href);
  const { records, citations } = activeRecords(input, spec, clauseIndex, absolute);
  const retired = retiredRecords(input, clauseIndex, absolute, records, citations);
  const coverage = coverageRows(spec, clauseIndex, exampleIndex);
  return {
    version: input.version,
    release: input.release,
    records,
    citations,
    clauseIndex,
    exampleIndex,
    coverage,
    matrix: implementationMatrix(input.implementations, spec, clauseIndex, exampleIndex),
    retired,
    summary: summarize(spec, records, coverage, retired.length),
    headline: headlineClauses(spec, clauseIndex),
  };
}

function collect(documents: SpecDocument[]): Collected {
  const out: Collected = {
    clauses: [],
    examples: [],
    runs: new Map(),
    verdictsOf: new Map(),
    exercise: new Map(),
  };
  for (const doc of documents) {
    for (const [id, e] of Object.entries(doc.exercise ?? {})) out.exercise.set(id, e);
    for (const clause of doc.clauses) out.clauses.push({ clause, file: doc.file });
    for (const example of doc.examples) out.examples.push({ example, file: doc.file });
    for (const run of doc.runs) out.runs.set(exampleKey(run.stage, run.example), run);
  }
  for (const { example } of out.examples) {
    const run = out.runs.get(exampleKey(example.stage, example.name));
    for (const v of run?.verdicts ?? []) {
      const list = out.verdictsOf.get(v.clause) ?? [];
      list.push(v);
      out.verdictsOf.set(v.clause, list);
    }
  }
  return out;
}

/** Every clause at its page (or, retired, at its tombstone page). */
function indexClauses(input: SiteInputs, spec: Collected): Record<string, ClauseIndexEntry> {
  const clauseIndex: Record<string, ClauseIndexEntry> = {};
  for (const { clause, file } of spec.clauses) {
    const page = input.pageOf(file) ?? joinBase(input.baseUrl, '/spec');
    clauseIndex[clause.id] = {
      id: clause.id,
      level: clause.level,
      stage: clause.stage,
      href: `${page}#${clause.id}`,
      status: 'active',
    };
  }
  for (const r of input.retired) {
    if (clauseIndex[r.id]) continue; // an ID in use is never retired; the lock checker reports it
    clauseIndex[r.id] = {
      id: r.id,
      level: r.level,
      stage: r.stage,
      href: joinBase(input.baseUrl, tombstonePath(r.id)),
      status: 'retired',
    };
  }
  return clauseIndex;
}

function indexExamples(input: SiteInputs, spec: Collected): Record<string, ExampleIndexEntry> {
  const exampleIndex: Record<string, ExampleIndexEntry> = {};
  for (const { example, file } of spec.examples) {
    const page = input.pageOf(file) ?? joinBase(input.baseUrl, '/spec');
    const key = exampleKey(example.stage, example.name);
    exampleIndex[key] = {
      name: example.name,
      stage: example.stage,
      kind: example.kind,
      href: `${page}#${exampleAnchor(example.stage, example.name)}`,
      ok: spec.runs.get(key)?.ok ?? false,
      impl: example.impl,
    };
  }
  return exampleIndex;
}

/** The clauses.json record and the citation of every clause of the spec (cited as released when unchanged). */
function activeRecords(
  input: SiteInputs,
  spec: Collected,
  clauseIndex: Record<string, ClauseIndexEntry>,
  absolute: (href: string) => string,
): { records: ClauseRecord[]; citations: Record<string, string> } {
  const citations: Record<string, string> = {};
  const records: ClauseRecord[] = [];
  for (const { clause } of spec.clauses) {
    const checked = clause.assertions.some((a) => a.kind === 'check');
    const released = input.release?.clauses[clause.id];
    const cited = citedEdition(
      {
        version: input.version,
        hash: clause.hash,
        permalink: absolute(clauseIndex[clause.id].href),
        level: clause.level,
        text: clause.text,
      },
      released && { ...released, version: input.release!.version, permalink: absolute(released.href) },
    );
    records.push({
      id: clause.id,
      level: levelLabel(clause.level),
      stage: clause.stage,
      text: clause.text,
      hash: clause.hash,
      version: cited.version,
      status: 'active',
      checked,
      results: (spec.verdictsOf.get(clause.id) ?? []).map((v) => ({
        example: v.example,
        kind: v.kind,
        held: v.held,
      })),
    });
    citations[clause.id] = citationText({
      id: clause.id,
      level: cited.level,
      text: cited.text,
      hash: cited.hash,
      version: cited.version,
      permalink: cited.permalink,
    });
  }
  return { records, citations };
}

/** Retired IDs: their tombstones, with a record and a citation each (added to `records`, `citations`). */
function retiredRecords(
  input: SiteInputs,
  clauseIndex: Record<string, ClauseIndexEntry>,
  absolute: (href: string) => string,
  records: ClauseRecord[],
  citations: Record<string, string>,
): SiteData['retired'] {
  return input.retired
    .filter((r) => clauseIndex[r.id]?.status === 'retired')
    .map((r) => {
      const citation = citationText({
        id: r.id,
        level: r.level,
        text: r.text,
        hash: r.hash,
        version: input.version,
        permalink: absolute(clauseIndex[r.id].href),
        retired: { reason: r.reason, replacement: r.replacement },
      });
      citations[r.id] = citation;
      records.push({
        id: r.id,
        level: levelLabel(r.level),
        stage: r.stage,
        text: r.text,
        hash: r.hash,
        version: input.version,
        status: 'retired',
        checked: false,
        results: [],
      });
      return {
        ...r,
        replacementHref: r.replacement ? clauseIndex[r.replacement]?.href : undefined,
        citation,
      };
    });
}

/** One coverage row per clause: its checks, the examples that exercise it, and what stands out. */
function coverageRows(
  spec: Collected,
  clauseIndex: Record<string, ClauseIndexEntry>,
  exampleIndex: Record<string, ExampleIndexEntry>,
): CoverageRow[] {
  return spec.clauses.map(({ clause }) => {
    const vs = spec.verdictsOf.get(clause.id) ?? [];
    const row = (v: Verdict) => ({
      name: v.example,
      href: exampleIndex[exampleKey(clause.stage, v.example)]?.href ?? clauseIndex[clause.id].href,
      held: v.held,
      expectedToHold: v.expectedToHold,
    });
    const checks = clause.assertions.filter((a) => a.kind === 'check').map((a) => a.source);
    const normative = clause.level !== 'informative' && clause.level !== 'undefined';
    const exampleRows = vs.filter((v) => v.kind === 'example').map(row);
    const counterRows = vs.filter((v) => v.kind === 'counterexample').map(row);
    const gaps: string[] = [];
    if (normative && checks.length === 0)
      gaps.push(clause.unchecked ? `unchecked: ${clause.unchecked}` : 'no check');
    if (checks.length > 0 && exampleRows.length === 0) gaps.push('no example');
    if (vs.some((v) => v.held !== v.expectedToHold)) gaps.push('verdict differs from expectation');
    const exercise = spec.exercise.get(clause.id);
    if (normative && exercise && !exercised(exercise))
      gaps.push('not exercised: neither the pass-through nor a counterexample fails it');
    return {
      ...(exercise && { exercise }),
      id: clause.id,
      level: clause.level,
      stage: clause.stage,
      href: clauseIndex[clause.id].href,
      checks,
      undefinedItems: clause.assertions.filter((a) => a.kind === 'undefined').map((a) => a.source),
      unchecked: clause.unchecked,
      examples: exampleRows,
      counterexamples: counterRows,
      gaps,
    };
  });
}

/** Implementations x checked clauses: whether the examples modelling each conform. */
function implementationMatrix(
  implementations: Implementation[],
  spec: Collected,
  clauseIndex: Record<string, ClauseIndexEntry>,
  exampleIndex: Record<string, ExampleIndexEntry>,
): Matrix {
  const clauses = spec.clauses
    .filter(({ clause }) => clause.assertions.some((a) => a.kind === 'check'))
    .map(({ clause }) => clauseIndex[clause.id]);
  const cells = implementations.map((impl) => {
    const implRuns = spec.examples
      .filter(({ example }) => example.impl === impl.id)
      .map(({ example }) => spec.runs.get(exampleKey(example.stage, example.name)))
      .filter((r): r is ExampleRun => r !== undefined);
    return clauses.map((c): MatrixCell => {
      const vs = implRuns.flatMap((r) => r.verdicts.filter((v) => v.clause === c.id));
      if (vs.length === 0) return { state: 'n/a' };
      // One violating example is enough to say the implementation violates the clause.
      const v = vs.find((x) => !x.held) ?? vs[0];
      const e = spec.exercise.get(c.id);
      // Conforming, but under no variant where anything fails the clause: the verdict rests on nothing.
      const ranUnder = (name: string) => spec.runs.get(exampleKey(c.stage, name))?.variants ?? ['default'];
      const resting =
        e !== undefined &&
        (!exercised(e) || vs.every((x) => !ranUnder(x.example).some((n) => e.variants.includes(n))));
      return {
        state: !v.held ? 'violates' : resting ? 'not-exercised' : 'conforms',
        example: v.example,
        href: exampleIndex[exampleKey(c.stage, v.example)]?.href ?? c.href,
      };
    });
  });
  return { implementations, clauses, cells };
}

function summarize(
  spec: Collected,
  records: ClauseRecord[],
  coverage: CoverageRow[],
  retired: number,
): Summary {
  const allRuns = [...spec.runs.values()];
  const byLevel: Record<string, number> = {};
  for (const { clause } of spec.clauses) byLevel[clause.level] = (byLevel[clause.level] ?? 0) + 1;
  return {
    clauses: spec.clauses.length,
    byLevel,
    checked: records.filter((r) => r.status === 'active' && r.checked).length,
    unchecked: coverage.filter((r) => r.gaps.some((g) => g === 'no check' || g.startsWith('unchecked')))
      .length,
    unexercised: coverage.filter((r) => r.gaps.includes('no example')).length,
    retired,
    examples: spec.examples.filter(({ example }) => example.kind === 'example').length,
    counterexamples: spec.examples.filter(({ example }) => example.kind === 'counterexample').length,
    passed: allRuns.filter((r) => r.ok).length,
    failed:
      allRuns.filter((r) => !r.ok).length +
      spec.examples.filter(({ example }) => !spec.runs.has(exampleKey(example.stage, example.name))).length,
    engines: [...new Set(allRuns.map((r) => r.engine))],
  };
}

/** MUST / MUST NOT clauses in document order, for the home page. */
function headlineClauses(
  spec: Collected,
  clauseIndex: Record<string, ClauseIndexEntry>,
): SiteData['headline'] {
  return spec.clauses
    .filter(({ clause }) => clause.level === 'must' || clause.level === 'must-not')
    .map(({ clause }) => ({
      id: clause.id,
      level: clause.level,
      stage: clause.stage,
      text: clause.text,
      href: clauseIndex[clause.id].href,
    }));
}

/** Read spec/implementations.yaml, already parsed: a list, or `{ implementations: [...] }`. */
export function parseImplementations(doc: unknown): Implementation[] {
  const list = Array.isArray(doc)
    ? doc
    : doc && typeof doc === 'object' && Array.isArray((doc as { implementations?: unknown }).implementations)
      ? (doc as { implementations: unknown[] }).implementations
      : [];
  return list
    .filter(
      (x): x is Record<string, unknown> =>
        !!x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string',
    )
    .map((x) => ({
      id: String(x.id),
      name: typeof x.name === 'string' ? x.name : String(x.id),
      version: x.version === undefined ? undefined : String(x.version),
      source: typeof x.source === 'string' ? x.source : undefined,
    }));
}
