// Verdicts: a cached outcome of one example (position-free, see run.ts) turned into the ExampleRun the
// reporters show, with every failure as a message at today's Markdown place.

import type { VFileMessage } from 'vfile-message';
import { specMessage } from '../markdown/messages.ts';
import type { SpecClause } from '../markdown/model.ts';
import type { Example, ExampleRun } from '../model/types.ts';
import type { EngineName } from '../runner/types.ts';
import type { Outcome } from './run.ts';

/** Turn a position-free cached outcome into an ExampleRun and messages at today's Markdown places. */
export function materialize(
  o: Outcome,
  example: Example,
  clauses: SpecClause[],
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
        ...(r.variant ? { variant: r.variant } : {}),
        ...(r.failedUnder ? { failedUnder: r.failedUnder } : {}),
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
            `${label} names "${v.clause}" in violates= but holds it under every seed${o.variants ? ' and variant' : ''}`,
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
          `${label} fails "${v.clause}"${v.variant ? ` under variant ${v.variant}` : ''}: ${detail}`,
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
  if (o.variants) run.variants = o.variants;
  if (o.variantsNotComparable) run.variantsNotComparable = o.variantsNotComparable;
  if (o.steps !== undefined) run.steps = o.steps;
  if (o.traceOmitted) run.traceOmitted = o.traceOmitted;
  if (o.serial) run.serial = o.serial;
  // Outcomes cached before the entry state was recorded have none.
  if (o.initial) run.initial = o.initial;
  return { run, notes };
}
