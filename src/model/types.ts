// The contract model: what src/markdown extracts from spec/*.md and what the reporters (vitest, the
// CLI, the remark plugin, the site) consume from the harness's results. Plain data, JSON-serialisable
// (bigints travel as "0x..." strings), independent of Docusaurus and of the runner's engines.

/** Where something is in the Markdown source (1-based, like vfile). */
export interface SourcePlace {
  file: string;
  line: number;
  column?: number;
}

export const LEVELS = [
  'must',
  'must-not',
  'should',
  'should-not',
  'may',
  'informative',
  'undefined',
] as const;
export type Level = (typeof LEVELS)[number];

/** One line of an `expect` block. */
export interface Assertion {
  /** The line as written (trimmed). */
  source: string;
  place: SourcePlace;
  /** `undefined` lines are documentation: shown, never checked. */
  kind: 'check' | 'undefined';
}

export interface Clause {
  id: string;
  level: Level;
  stage: string;
  /** The clause's prose as Markdown (without its expect blocks). */
  text: string;
  assertions: Assertion[];
  /** Set when a normative clause has no machine check, with the reason given. */
  unchecked?: string;
  /** Hash of the normative content (text + assertions), as in spec/clauses.lock.json. */
  hash: string;
  place: SourcePlace;
}

export interface Stage {
  id: string;
  title: string;
  /** The `given` block as written (YAML), for display. */
  given: string;
  place: SourcePlace;
}

export type ExampleKind = 'example' | 'counterexample';

export interface Example {
  name: string;
  kind: ExampleKind;
  stage: string;
  /** Clause IDs a counterexample must fail (and fail nothing else). */
  violates: string[];
  /** The implementation this example models (an id from spec/implementations.yaml), for the matrix. */
  impl?: string;
  source: string;
  place: SourcePlace;
}

/** The value of one assertion line in one run. */
export interface AssertionResult {
  source: string;
  place: SourcePlace;
  held: boolean;
  /** Rendered actual and expected values, e.g. "0x80000033 (PG|ET|MP|PE)". */
  actual?: string;
  expected?: string;
  /** Why it failed, when not a plain mismatch (leak across seeds, undefined flag read ...). */
  message?: string;
  /** The seed whose run the values come from (for a failure: the first seed that failed). */
  seed?: number;
}

/** One clause checked against one example (all seeds). */
export interface Verdict {
  clause: string;
  example: string;
  kind: ExampleKind;
  held: boolean;
  /** A counterexample is correct when it fails exactly the clauses it names. */
  expectedToHold: boolean;
  assertions: AssertionResult[];
  /** Seeds the example ran with. */
  seeds: number[];
  /**
   * Set when the engine and the reference (interp) disagree here and a known difference of the engine
   * explains it: "not comparable (unicorn gap: <id> — <evidence>)". Neither a pass nor a failure.
   */
  notComparable?: string;
}

/** One step of a rendered trace; values are "0x..." strings. */
export interface TraceRow {
  rip: string;
  text: string;
  changed: Record<string, string>;
  mem?: { addr: string; size: number; value: string }[];
}

export interface ExampleRun {
  example: string;
  stage: string;
  engine: string;
  /** How the run ended, e.g. { reason: 'until', rip: '0x300000', message: ... }. */
  stop: { reason: string; rip: string; message: string; vector?: number };
  steps?: number;
  /** Final state items by name (rax, rflags, cr0, cs.selector, gdtr.base ...), "0x..." strings. */
  final: Record<string, string>;
  /** The same items at entry, before the first instruction (the traced seed's). */
  initial?: Record<string, string>;
  trace: TraceRow[];
  /** Steps left out of the middle of `trace` (it keeps the first and last rows of a long run). */
  traceOmitted?: number;
  /** Bytes the example wrote to the serial port, when any. */
  serial?: string;
  verdicts: Verdict[];
  /** True when the example behaved as its kind demands (examples hold everything; counterexamples fail exactly `violates`). */
  ok: boolean;
  /** The run missed the stop point where the reference reached it, for a known difference of the engine. */
  notComparable?: string;
}

/** Everything the plugin learned from one spec file. */
export interface SpecDocument {
  file: string;
  stages: Stage[];
  clauses: Clause[];
  examples: Example[];
  runs: ExampleRun[];
}
