// `kexec-contract check`'s reports: text for people, JUnit XML and GitHub annotations for CI. Every
// place a failure points at is the user's own source line (or the object and symbol when it was built
// without line info); the clause's place in the spec comes second.

import type { CodeLocation, ObjectCheck, ObjectVerdict } from '../model/types.ts';
import { levelLabel } from '../model/cite.ts';

const LAST_STEPS = 12;

/** `file.S:42` when the line table knows the address, else `file.o (symbol+0x2a, 0x...)`. */
export function placeOf(loc: CodeLocation, file: string): string {
  if (loc.file !== undefined && loc.line !== undefined) return `${loc.file}:${loc.line}`;
  return `${file} (${loc.symbol ? `${loc.symbol}, ` : ''}${loc.addr})`;
}

/** Where CI should point: the user's file and line, else the object itself at line 1. */
export function annotationPlace(
  loc: CodeLocation | undefined,
  c: ObjectCheck,
): { file: string; line: number } {
  if (loc?.file !== undefined && loc.line !== undefined) return { file: loc.file, line: loc.line };
  if (c.entry.file !== undefined && c.entry.line !== undefined)
    return { file: c.entry.file, line: c.entry.line };
  return { file: c.file, line: 1 };
}

/** `identity_mapped+0x4f (0x10008e): retq`. */
const describeLoc = (loc: CodeLocation) =>
  `${loc.symbol ? `${loc.symbol} (${loc.addr})` : loc.addr}${loc.text ? `: ${loc.text}` : ''}`;

/** `file.S:42: identity_mapped+0x4f (0x10008e): retq`, without the place when there is no line. */
const where = (loc: CodeLocation) =>
  `${loc.file !== undefined && loc.line !== undefined ? `${loc.file}:${loc.line}: ` : ''}${describeLoc(loc)}`;

export interface CheckSummary {
  held: number;
  failed: number;
  notRun: number;
  notComparable: number;
  unchecked: number;
}

export function summarizeCheck(c: ObjectCheck): CheckSummary {
  const n = (s: ObjectVerdict['status']) => c.verdicts.filter((v) => v.status === s).length;
  return {
    held: n('held'),
    failed: n('failed'),
    notRun: n('not-run'),
    notComparable: n('not-comparable'),
    unchecked: n('unchecked'),
  };
}

export function checkSummaryLine(c: ObjectCheck): string {
  const s = summarizeCheck(c);
  const parts = [`${s.held} held`, `${s.failed} failed`];
  if (c.fault) parts.push(`1 fault (${s.notRun} not run)`);
  if (s.notComparable) parts.push(`${s.notComparable} not comparable`);
  if (s.unchecked) parts.push(`${s.unchecked} unchecked`);
  const nothing = !c.fault && s.failed === 0 && s.held === 0;
  return `${c.file}: ${parts.join(', ')}${nothing ? ` (nothing verified on ${c.engine}: use another engine)` : ''}`;
}

/** The fault, explained once: where the run stopped and the last instructions. */
export function explainFault(c: ObjectCheck): string {
  const f = c.fault!;
  const lines = [
    `${placeOf(f.at, c.file)}: the run stopped by ${f.reason} at ${describeLoc(f.at)} before the ${c.stage.id} stop point: ${f.message}`,
    `  (so the ${c.verdicts.filter((v) => v.status === 'not-run').length} checked clauses of ${c.stage.id} were not run)`,
  ];
  lines.push(lastSteps(c));
  return lines.join('\n');
}

/** A failed clause: the user's line, the clause, each failing line with expected and actual. */
export function explainVerdict(v: ObjectVerdict, c: ObjectCheck): string {
  const at = v.at ? placeOf(v.at, c.file) : c.file;
  const under = v.variant ? ` under caller-state variant ${v.variant}` : '';
  const lines = [
    `${at}: ${v.citation} (${levelLabel(v.level)}) failed${under} (${v.place.file}:${v.place.line})`,
  ];
  for (const a of v.assertions.filter((x) => !x.held)) {
    lines.push(`  ${a.place.file}:${a.place.line}: ${a.source}`);
    if (a.expected !== undefined) lines.push(`    expected: ${a.expected}`);
    if (a.actual !== undefined) lines.push(`    actual:   ${a.actual}`);
    if (a.message) lines.push(`    ${a.message}`);
    if (a.seed !== undefined && c.seeds.length > 1)
      lines.push(`    seed:     ${a.seed} (of ${c.seeds.join(', ')})`);
  }
  if (v.at) lines.push(`  at ${where(v.at)} (${v.at.why})`);
  return lines.join('\n');
}

function lastSteps(c: ObjectCheck): string {
  const rows = c.trace.slice(-LAST_STEPS);
  if (!rows.length) return `  (no trace: engine ${c.engine} cannot trace)`;
  const by = c.traceEngine ? `, recorded by ${c.traceEngine}` : '';
  const out = [`  last ${rows.length} instructions (seed ${c.seeds[0]}${by}):`];
  for (const r of rows) {
    const changed = Object.entries(r.changed)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    out.push(`    ${r.rip.padStart(10)}  ${r.text.padEnd(32)} ${changed}`);
  }
  return out.join('\n');
}

const MARK: Record<ObjectVerdict['status'], string> = {
  held: 'ok  ',
  failed: 'FAIL',
  'not-run': 'skip',
  'not-comparable': 'n/c ',
  unchecked: '--  ',
};

export function formatCheckText(c: ObjectCheck): string {
  const out = [
    `${c.file}: ${c.impl.id} (${c.impl.title}; ${c.impl.chosenBy === 'option' ? 'chosen by --impl' : 'recognised by its symbols'})`,
    `  stage ${c.stage.id} (${c.stage.place.file}:${c.stage.place.line}), engine ${c.engine}, ${c.seeds.length === 1 ? 'seed' : 'seeds'} ${c.seeds.join(', ')}`,
    `  entry ${where(c.entry)}${c.lineInfo ? '' : ' (no DWARF line info: build with -g for source lines)'}`,
  ];
  if (c.variants) out.push(`  caller-state variants: ${c.variants.join(', ')}`);
  for (const [v, why] of Object.entries(c.variantsSkipped ?? {}))
    out.push(`  not run under variant ${v}: ${why}`);
  out.push('');
  for (const v of c.verdicts) {
    const why = v.status === 'unchecked' || v.status === 'not-comparable' ? `: ${v.reason}` : '';
    out.push(`  ${MARK[v.status]} ${v.citation}${why}`);
  }
  const failures = c.verdicts.filter((v) => v.status === 'failed');
  if (c.fault) out.push('', explainFault(c));
  if (failures.length) out.push('', ...failures.map((v) => explainVerdict(v, c)));
  if (c.notComparable)
    out.push(
      '',
      /^not comparable/.test(c.notComparable) ? c.notComparable : `not comparable: ${c.notComparable}`,
    );
  out.push('', checkSummaryLine(c));
  return out.join('\n') + '\n';
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * JUnit XML: one testsuite for the object, one testcase for the run reaching the stop point (it
 * carries the run's time), one per clause (judging takes no measurable time beside the run), each at
 * the user's file and line.
 */
export function formatCheckJunit(c: ObjectCheck, seconds: number): string {
  const cls = `kexec-contract.check.${c.stage.id}`;
  const cases: string[] = [];
  const tc = (name: string, place: { file: string; line: number }, time: number, body = '') =>
    `    <testcase classname="${xml(cls)}" name="${xml(name)}" file="${xml(place.file)}" line="${place.line}" time="${time.toFixed(3)}">${body}</testcase>`;
  const runPlace = annotationPlace(c.fault?.at, c);
  cases.push(
    tc(
      `${c.file} reaches the ${c.stage.id} stop point`,
      runPlace,
      seconds,
      c.fault
        ? `\n      <failure message="${xml(explainFault(c).split('\n')[0]!)}">${xml(explainFault(c))}</failure>\n    `
        : c.notComparable
          ? `\n      <skipped message="${xml(c.notComparable)}"/>\n    `
          : '',
    ),
  );
  for (const v of c.verdicts) {
    const place = annotationPlace(v.at, c);
    const props = `\n      <properties><property name="clause" value="${xml(`${v.place.file}:${v.place.line}`)}"/></properties>`;
    let body = '';
    if (v.status === 'failed') {
      const text = explainVerdict(v, c);
      body = `${props}\n      <failure message="${xml(text.split('\n')[0]!)}">${xml(text)}</failure>\n    `;
    } else if (v.status !== 'held')
      body = `${props}\n      <skipped message="${xml(`${v.status}: ${v.reason ?? ''}`)}"/>\n    `;
    else body = `${props}\n    `;
    cases.push(tc(v.citation, place, 0, body));
  }
  const s = summarizeCheck(c);
  const failures = s.failed + (c.fault ? 1 : 0);
  const skipped = s.notRun + s.notComparable + s.unchecked + (c.notComparable ? 1 : 0);
  const attrs = `tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${seconds.toFixed(3)}"`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kexec-contract check" ${attrs}>\n` +
    `  <testsuite name="${xml(c.file)}" ${attrs}>\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`
  );
}

const esc = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escProp = (s: string) => esc(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub Actions `::error` lines at the user's file and line: the fault once, each failed clause. */
export function checkAnnotations(c: ObjectCheck): string[] {
  const out: string[] = [];
  const line = (place: { file: string; line: number }, title: string, text: string) =>
    `::error file=${escProp(place.file)},line=${place.line},title=${escProp(title)}::${esc(text)}`;
  if (c.fault)
    out.push(
      line(annotationPlace(c.fault.at, c), `kexec-contract check: ${c.fault.reason}`, explainFault(c)),
    );
  for (const v of c.verdicts)
    if (v.status === 'failed')
      out.push(line(annotationPlace(v.at, c), `kexec-contract ${v.citation}`, explainVerdict(v, c)));
  return out;
}
