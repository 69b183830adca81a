// Rendering results for people and CI: failure explanations (shared by vitest and the CLI), the test
// cases of a document (one per example x clause), and the text / JSON / JUnit formats.

import type { VFileMessage } from 'vfile-message';
import type { Example, ExampleRun, SpecDocument, Verdict } from '../model/types.ts';
import { formatMessage, isError } from '../markdown/messages.ts';
import { jsonReport } from '../model/json-report.ts';

/** One test: an example (or counterexample) against one clause of its stage. */
export interface TestCase {
  /** `k2p.gpr.zero [linux-6.18]` (counterexamples: `... [counterexample xen-4.17]`). */
  name: string;
  file: string;
  line: number;
  clause: string;
  example: string;
  ok: boolean;
  /** Why it failed, multi-line, starting with `file:line`. */
  failure?: string;
  /** Set instead of `failure` when a known difference of the engine explains the result (ok is false). */
  notComparable?: string;
  /** Where the example (or counterexample) is written; `file`/`line` are the clause's. */
  exampleFile: string;
  exampleLine: number;
  /** The example's run time, shared equally by its test cases (one run judges every clause). */
  seconds: number;
}

export const LAST_STEPS = 12;

export function testCases(doc: SpecDocument, all: SpecDocument[]): TestCase[] {
  const out: TestCase[] = [];
  for (const run of doc.runs) {
    const ex = doc.examples.find((e) => e.name === run.example);
    if (!ex) continue;
    const tag = ex.kind === 'counterexample' ? `counterexample ${ex.name}` : ex.name;
    const reached = run.stop.reason === 'until';
    const share = (run.seconds ?? 0) / (run.verdicts.length + (reached ? 0 : 1) || 1);
    const at = { exampleFile: ex.place.file, exampleLine: ex.place.line, seconds: share };
    if (!reached) {
      const tc: TestCase = {
        name: `${ex.name} reaches the stop point`,
        file: ex.place.file,
        line: ex.place.line,
        clause: '',
        example: ex.name,
        ok: false,
        ...at,
      };
      if (run.notComparable) tc.notComparable = run.notComparable;
      else
        tc.failure = `${ex.place.file}:${ex.place.line}: ${ex.kind} "${ex.name}" stopped by ${run.stop.reason} at ${run.stop.rip}: ${run.stop.message}\n${lastSteps(run)}`;
      out.push(tc);
    }
    // A variant this engine could not run: one test saying so (never dropped without a word).
    for (const [variant, why] of Object.entries(run.variantsNotComparable ?? {}))
      out.push({
        name: `${ex.name} runs under variant ${variant}`,
        file: ex.place.file,
        line: ex.place.line,
        clause: '',
        example: ex.name,
        ok: false,
        notComparable: why,
        ...at,
      });
    for (const v of run.verdicts) {
      const ok = v.held === v.expectedToHold && run.stop.reason === 'until' && !v.notComparable;
      const clausePlace = findClause(all, v.clause);
      const tc: TestCase = {
        name: `${v.clause} [${tag}]`,
        file: clausePlace?.file ?? doc.file,
        line: clausePlace?.line ?? 1,
        clause: v.clause,
        example: ex.name,
        ok,
        ...at,
      };
      if (v.notComparable) tc.notComparable = v.notComparable;
      else if (!ok) tc.failure = explain(v, run, ex);
      out.push(tc);
    }
  }
  return out;
}

function findClause(all: SpecDocument[], id: string) {
  for (const d of all) {
    const c = d.clauses.find((x) => x.id === id);
    if (c) return c.place;
  }
  return undefined;
}

/** A failed verdict, explained: where, expected vs actual, the seed, and the last instructions. */
export function explain(v: Verdict, run: ExampleRun, ex: Example): string {
  const at = `${ex.place.file}:${ex.place.line}`;
  if (v.held && !v.expectedToHold) {
    return `${at}: counterexample "${ex.name}" names ${v.clause} in violates= but holds it under seeds ${v.seeds.join(', ')}`;
  }
  const lines: string[] = [];
  const bad = v.assertions.filter((a) => !a.held);
  const first = bad[0];
  const head = first ? `${first.place.file}:${first.place.line}` : at;
  const under = v.variant ? ` under variant ${v.variant}` : '';
  lines.push(`${head}: ${v.clause} fails for ${ex.kind} "${ex.name}"${under} (${at})`);
  for (const a of bad) {
    lines.push(`  ${a.place.file}:${a.place.line}: ${a.source}`);
    if (a.expected !== undefined) lines.push(`    expected: ${a.expected}`);
    if (a.actual !== undefined) lines.push(`    actual:   ${a.actual}`);
    if (a.message) lines.push(`    ${a.message}`);
    if (a.seed !== undefined) lines.push(`    seed:     ${a.seed} (of ${v.seeds.join(', ')})`);
  }
  if (ex.kind === 'counterexample') {
    lines.push(`  (a counterexample must fail exactly: ${ex.violates.join(', ')})`);
  }
  // The trace is the default variant's; under another it only shows where the default run went.
  if (v.variant && v.variant !== run.variants?.[0])
    lines.push(`  (the trace below is variant ${run.variants?.[0]}'s, which holds this clause)`);
  lines.push(lastSteps(run));
  return lines.join('\n');
}

export function lastSteps(run: ExampleRun, n = LAST_STEPS): string {
  const rows = run.trace.slice(-n);
  if (!rows.length) {
    // Only the interpreter records a trace; say so rather than show an empty one.
    const why = run.engine === 'interp' ? 'no trace' : `no trace: engine ${run.engine} cannot trace`;
    return `  (${why}; stopped at ${run.stop.rip}: ${run.stop.reason})`;
  }
  const out = [`  last ${rows.length} instructions (first seed, ${run.engine}):`];
  for (const r of rows) {
    const changed = Object.entries(r.changed)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    out.push(`    ${r.rip.padStart(10)}  ${r.text.padEnd(32)} ${changed}`);
  }
  out.push(`  stopped: ${run.stop.reason} at ${run.stop.rip}`);
  return out.join('\n');
}

export interface Summary {
  passed: number;
  failed: number;
  errors: number;
  /** Test cases a known difference of the engine makes not comparable (neither passed nor failed). */
  notComparable: number;
}

export function summarize(documents: SpecDocument[], messages: VFileMessage[]): Summary {
  let passed = 0;
  let failed = 0;
  let notComparable = 0;
  for (const d of documents)
    for (const t of testCases(d, documents))
      if (t.ok) passed++;
      else if (t.notComparable) notComparable++;
      else failed++;
  // Verdict and leak messages restate failed test cases; count only the other errors.
  const errors = messages.filter((m) => isError(m) && m.ruleId !== 'verdict' && m.ruleId !== 'leak').length;
  return { passed, failed, errors, notComparable };
}

/** "3 passed, 1 failed" (", 2 not comparable" when there are any). */
export function summaryLine(s: Summary): string {
  const nc = s.notComparable ? `, ${s.notComparable} not comparable` : '';
  return `${s.passed} passed, ${s.failed + s.errors} failed${nc}`;
}

export function formatText(documents: SpecDocument[], messages: VFileMessage[]): string {
  const out: string[] = [];
  for (const d of documents) {
    const cases = testCases(d, documents);
    if (!cases.length) continue;
    out.push(d.file);
    for (const t of cases)
      out.push(
        t.notComparable ? `  n/c  ${t.name}: ${t.notComparable}` : `  ${t.ok ? 'ok  ' : 'FAIL'} ${t.name}`,
      );
  }
  const fails = documents.flatMap((d) => testCases(d, documents).filter((t) => !t.ok && !t.notComparable));
  if (fails.length) out.push('', ...fails.map((t) => t.failure ?? t.name));
  const problems = messages.filter((m) => m.ruleId !== 'verdict' && m.ruleId !== 'leak');
  if (problems.length) out.push('', ...problems.map(formatMessage));
  out.push('', summaryLine(summarize(documents, messages)));
  return out.join('\n');
}

/** The `test` report under the shared JSON envelope (model/json-report.ts); `tool` is the package version. */
export function formatJson(documents: SpecDocument[], messages: VFileMessage[], tool = 'unknown'): string {
  return jsonReport('test', tool, {
    summary: summarize(documents, messages),
    documents,
    messages: messages.map((m) => ({
      file: m.file,
      line: m.line,
      column: m.column,
      ruleId: m.ruleId,
      severity: isError(m) ? 'error' : 'warning',
      message: m.reason,
    })),
  });
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JUnit XML: one testsuite per spec file, one testcase per example x clause, errors as failed cases. */
export function formatJunit(documents: SpecDocument[], messages: VFileMessage[]): string {
  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  let skipped = 0;
  const files = new Set([...documents.map((d) => d.file), ...messages.map((m) => m.file ?? '')]);
  for (const file of [...files].filter(Boolean).sort()) {
    const d = documents.find((x) => x.file === file);
    const cases = d ? testCases(d, documents) : [];
    const errs = messages.filter(
      (m) => m.file === file && isError(m) && m.ruleId !== 'verdict' && m.ruleId !== 'leak',
    );
    const body: string[] = [];
    for (const t of cases) {
      // file/line: the clause; the properties carry both places, the example's for its code.
      const props =
        `\n      <properties><property name="clause" value="${xml(`${t.file}:${t.line}`)}"/>` +
        `<property name="example" value="${xml(`${t.exampleFile}:${t.exampleLine}`)}"/></properties>`;
      body.push(
        `    <testcase classname="${xml(file)}" name="${xml(t.name)}" file="${xml(t.file)}" line="${t.line}" time="${t.seconds.toFixed(3)}">` +
          props +
          (t.ok
            ? ''
            : t.notComparable
              ? `\n      <skipped message="${xml(t.notComparable)}"/>`
              : `\n      <failure message="${xml(t.failure!.split('\n')[0]!)}">${xml(t.failure!)}</failure>`) +
          `\n    </testcase>`,
      );
    }
    for (const m of errs) {
      body.push(
        `    <testcase classname="${xml(file)}" name="${xml(`${m.ruleId}: ${file}:${m.line}`)}" file="${xml(file)}" line="${m.line ?? 1}">` +
          `\n      <failure message="${xml(m.reason)}">${xml(formatMessage(m))}</failure>\n    </testcase>`,
      );
    }
    const nFail = cases.filter((t) => !t.ok && !t.notComparable).length + errs.length;
    const nSkip = cases.filter((t) => t.notComparable).length;
    total += cases.length + errs.length;
    failures += nFail;
    skipped += nSkip;
    const skipAttr = nSkip ? ` skipped="${nSkip}"` : '';
    suites.push(
      `  <testsuite name="${xml(file)}" tests="${cases.length + errs.length}" failures="${nFail}"${skipAttr}>\n${body.join('\n')}\n  </testsuite>`,
    );
  }
  const skipAttr = skipped ? ` skipped="${skipped}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kexec-contract" tests="${total}" failures="${failures}"${skipAttr}>\n${suites.join('\n')}\n</testsuites>\n`;
}

/** GitHub Actions annotations: `::error file=...,line=...,col=...::message`. */
export function githubAnnotations(documents: SpecDocument[], messages: VFileMessage[]): string[] {
  const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escProp = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const out: string[] = [];
  for (const m of messages.filter(isError)) {
    out.push(
      `::error file=${escProp(m.file ?? '')},line=${m.line ?? 1},col=${m.column ?? 1},title=${escProp(`kexec-contract ${m.ruleId ?? ''}`)}::${esc(m.reason)}`,
    );
  }
  const annotated = new Set(messages.filter(isError).map((m) => `${m.file}:${m.line}`));
  for (const d of documents) {
    for (const t of testCases(d, documents)) {
      if (t.ok || t.notComparable) continue;
      const [head] = t.failure!.split('\n');
      const m = /^(.+?):(\d+): /.exec(head!);
      if (m && annotated.has(`${m[1]}:${m[2]}`)) continue;
      out.push(`::error file=${escProp(m?.[1] ?? t.file)},line=${m?.[2] ?? t.line}::${esc(t.failure!)}`);
    }
  }
  return out;
}
