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
  /**
   * Caller-state variants of its stage it does not run under (`without=`): states its implementation
   * never runs in (a kernel older than 5-level paging is never entered with CR4.LA57). The prose says why.
   */
  without?: string[];
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
  /** The caller-state variant the failure was seen under (stages with more than one variant). */
  variant?: string;
  /** Every variant it failed under (stages with more than one variant). */
  failedUnder?: string[];
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
  /** Wall-clock seconds this invocation spent running it (every seed); 0 when the result came from the cache. */
  seconds?: number;
  /** The caller-state variants the example ran under, when its stage has more than one. */
  variants?: string[];
  /** Variants this engine could not run where the reference did: "not comparable (...)" by name. */
  variantsNotComparable?: Record<string, string>;
}

/** What fails a checked clause (src/harness/exercised.ts); neither: the clause is not exercised. */
export interface ClauseExercise {
  /** The caller-state variant under which the stage's pass-through fails it. */
  passThrough?: string;
  /** Counterexamples that name it in violates= and fail it. */
  counterexamples: string[];
  /**
   * The variants under which the pass-through or one of those counterexamples fails it: an example
   * that ran under none of them conforms on a check nothing failed in its worlds.
   */
  variants: string[];
}

/** Everything the plugin learned from one spec file. */
export interface SpecDocument {
  file: string;
  stages: Stage[];
  clauses: Clause[];
  examples: Example[];
  runs: ExampleRun[];
  /** By clause ID, for this file's checked clauses whose stage ran (exercised.ts). */
  exercise?: Record<string, ClauseExercise>;
}

/** A place in the code under `kexec-contract check`: an address, and what the object knows of it. */
export interface CodeLocation {
  /** The address the code ran at ("0x..."). */
  addr: string;
  /** The nearest symbol at or before it, e.g. "identity_mapped+0x2a". */
  symbol?: string;
  /** The user's source line, from the object's DWARF line table (absent without line info). */
  file?: string;
  line?: number;
  /** The instruction, when a trace recorded it. */
  text?: string;
}

/** One clause of the stage checked against the object (all seeds of its one run). */
export interface ObjectVerdict {
  clause: string;
  /** `ID@version`, as `kexec-contract cite` and the site cite it. */
  citation: string;
  level: Level;
  /** Where the clause is written in the spec. */
  place: SourcePlace;
  /**
   * held, failed; not-run (the run did not reach the stop point: the fault is reported once);
   * not-comparable (a known difference of the engine explains it); unchecked (the clause has no
   * machine check, or only documents what is undefined).
   */
  status: 'held' | 'failed' | 'not-run' | 'not-comparable' | 'unchecked';
  /** Why it is unchecked, not run or not comparable. */
  reason?: string;
  /** The clause's checked assertions, each with its values (empty when unchecked or not run). */
  assertions: AssertionResult[];
  /** A failure: the user's instruction that last wrote what the failing line read, or that handed over control. */
  at?: CodeLocation & { why: string };
  /** A failure: the caller-state variant the failing values come from (stages with variants). */
  variant?: string;
}

/** The result of `kexec-contract check`: a real relocation object run in a stage's world. */
export interface ObjectCheck {
  /** The file checked, as given (a .o, or a .S built with cpp and as). */
  file: string;
  impl: {
    id: string;
    title: string;
    /** How it was chosen: by the symbols the object defines, or by --impl. */
    chosenBy: 'symbols' | 'option';
    /** The upstream sources the adapter follows (repo@commit/path). */
    sources: string[];
  };
  stage: { id: string; title: string; place: SourcePlace };
  engine: string;
  seeds: number[];
  /** Whether the object has a DWARF line table (built with -g, or from a .S here). */
  lineInfo: boolean;
  /** Where the caller enters the code. */
  entry: CodeLocation;
  /** What the caller does before the jump: state items it sets and memory it writes. */
  setup: { state: Record<string, string>; memory: { addr: string; size: number; what: string }[] };
  /** How the first seed's run ended. */
  stop: { reason: string; rip: string; message: string; vector?: number };
  steps?: number;
  final: Record<string, string>;
  trace: TraceRow[];
  traceOmitted?: number;
  /** The engine that recorded `trace` when the run's own cannot trace (the interpreter, same world). */
  traceEngine?: string;
  /**
   * The run did not reach the stage's stop point (under the default caller state, or under the
   * variant named): reported once, at the instruction.
   */
  fault?: {
    reason: string;
    rip: string;
    message: string;
    vector?: number;
    variant?: string;
    at: CodeLocation;
  };
  /** The stage's caller-state variants the object ran under, when it has more than one. */
  variants?: string[];
  /** Variants the adapter leaves out (its implementation never runs in them), with why. */
  variantsSkipped?: Record<string, string>;
  /** The run missed the stop point where the reference reached it, for a known difference of the engine. */
  notComparable?: string;
  verdicts: ObjectVerdict[];
  /** Every clause held (or is unchecked or not comparable) and the run reached the stop point. */
  ok: boolean;
}
