// Which clauses can fail at all. A check that nothing fails proves nothing about the examples that pass
// it, so every normative clause with checks must be failed by something the harness runs:
// - the stage's pass-through (plan.ts): straight to the stop point with the caller's state unchanged,
//   under every caller-state variant; a clause it fails (in a run that reached the stop point) is
//   one a giver has to do something for;
// - or a declared counterexample that names it in violates= and fails it (the verdict tests make sure
//   a counterexample fails exactly what it names).
// A clause that neither fails is "not exercised": reported by the tests, and shown in the matrix where a
// "conforms" verdict rests on it.

import type { SpecClause } from '../markdown/model.ts';
import type { ClauseExercise, ExampleRun } from '../model/types.ts';
import type { Outcome } from './run.ts';
import { DEFAULT_VARIANT } from '../model/given.ts';

/**
 * The exercise of each checked clause of a stage: `passThrough` names the variant under which the
 * pass-through fails it, `counterexamples` the counterexamples that name it and fail it.
 */
export function exerciseOf(
  clauses: SpecClause[],
  passThrough: Outcome | undefined,
  runs: ExampleRun[],
): Record<string, ClauseExercise> {
  const out: Record<string, ClauseExercise> = {};
  const reached = passThrough !== undefined && passThrough.stop.reason === passThrough.expectedStop;
  for (const c of clauses) {
    if (!c.assertions.some((a) => a.kind === 'check')) continue;
    const e: ClauseExercise = { counterexamples: [], variants: [] };
    const under = new Set<string>();
    const v = passThrough?.clauses[c.id];
    const variant = v?.variant ?? passThrough?.variants?.[0] ?? DEFAULT_VARIANT;
    if (reached && v && !v.held && !passThrough.variantsMissed?.[variant]) {
      e.passThrough = variant;
      for (const name of v.failedUnder ?? [variant]) if (!passThrough.variantsMissed?.[name]) under.add(name);
    }
    for (const r of runs)
      for (const x of r.verdicts)
        if (x.clause === c.id && x.kind === 'counterexample' && !x.expectedToHold && !x.held) {
          e.counterexamples.push(r.example);
          for (const name of x.failedUnder ?? [x.variant ?? DEFAULT_VARIANT]) under.add(name);
        }
    e.variants = [...under];
    out[c.id] = e;
  }
  return out;
}

/** Whether anything fails the clause (see the header). */
export const isExercised = (e: ClauseExercise | undefined): boolean =>
  e !== undefined && (e.passThrough !== undefined || e.counterexamples.length > 0);
