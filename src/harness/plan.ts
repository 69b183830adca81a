// Which examples of a spec model run, and with what. Each stage's given is parsed once (its errors
// placed on the given block's lines); a stage with a check that does not parse, or that names what the
// stage does not define, runs nothing (its examples would pass a weaker check); a counterexample whose
// violates= is wrong runs nothing either. Every other example becomes a job with the cache key of its
// outcome: everything the run depends on, and nothing of where it is written.

import type { VFileMessage } from 'vfile-message';
import { sha256 } from '../markdown/hash.ts';
import { specMessage } from '../markdown/messages.ts';
import type { SpecClause, SpecFile, SpecModel } from '../markdown/model.ts';
import { checkNames } from '../model/expect/index.ts';
import type { Example, Stage } from '../model/types.ts';
import type { EngineName } from '../runner/types.ts';
import { codeSalt } from './salt.ts';
import { prepareGiven, type StageGiven } from './stage.ts';
import { untilAddress } from '../model/given.ts';

export interface Job {
  example: Example;
  stage: Stage;
  given: StageGiven;
  /** The stage's clauses, by ID. */
  clauses: SpecClause[];
  /** Content hash of everything the outcome depends on (see cache.ts). */
  key: string;
}

export interface Plan {
  /** The jobs of each file, in example order (empty for files not selected). */
  jobs: Map<SpecFile, Job[]>;
  /**
   * Per stage that runs, a pass-through implementation (exercised.ts): it goes straight to the stage's
   * stop point with the caller's state unchanged. Its verdicts show which clauses a do-nothing giver
   * fails; it is no example of the spec (no test case, no run on the site).
   */
  passThrough: Job[];
  messages: VFileMessage[];
}

export function planSpec(model: SpecModel, engine: EngineName, selected: (file: string) => boolean): Plan {
  const messages: VFileMessage[] = [];
  const givens = prepareStages(model, messages);
  const { clausesOf, broken } = stageClauses(model, givens, messages);
  const badExamples = new Set(
    model.messages.filter((m) => m.fatal && m.ruleId === 'violates').map((m) => `${m.file}:${m.line}`),
  );
  const runnable = (example: Example): StageGiven | undefined => {
    if (model.index.examples.get(example.name) !== example) return undefined; // duplicate name, reported
    const given = givens.get(example.stage);
    if (!given || broken.has(example.stage)) return undefined;
    if (badExamples.has(`${example.place.file}:${example.place.line}`)) return undefined;
    if (!variantsKnown(example, given, messages)) return undefined;
    return given;
  };
  for (const [id, given] of givens) onlyNamesKnown(model, id, given, messages);
  const jobs = new Map<SpecFile, Job[]>();
  for (const f of model.files) {
    const list: Job[] = [];
    if (selected(f.file))
      for (const example of f.examples) {
        const given = runnable(example);
        if (!given) continue;
        const stage = model.index.stages.get(example.stage)!;
        const clauses = clausesOf.get(stage.id) ?? [];
        list.push({ example, stage, given, clauses, key: jobKey(engine, stage, example, clauses) });
      }
    jobs.set(f, list);
  }
  const passThrough: Job[] = [];
  for (const stage of model.index.stages.values()) {
    const given = givens.get(stage.id);
    if (
      !given ||
      broken.has(stage.id) ||
      !model.files.some((f) => selected(f.file) && f.file === stage.place.file)
    )
      continue;
    const example = passThroughExample(stage, given);
    const clauses = clausesOf.get(stage.id) ?? [];
    passThrough.push({ example, stage, given, clauses, key: jobKey(engine, stage, example, clauses) });
  }
  return { jobs, messages, passThrough };
}

/** A variant's `only:` names examples of its stage (an error at the name in the given otherwise). */
function onlyNamesKnown(
  model: SpecModel,
  stageId: string,
  given: StageGiven,
  messages: VFileMessage[],
): void {
  const stage = model.index.stages.get(stageId)!;
  for (const v of given.spec.variants)
    for (const name of v.only?.names ?? []) {
      const ex = model.index.examples.get(name);
      if (ex && ex.stage === stageId) continue;
      messages.push(
        specMessage(
          `stage "${stageId}" given: variant ${v.name}: only names "${name}", which is not an example of this stage`,
          { file: stage.place.file, line: stage.place.line + v.only!.line, column: v.only!.column },
          'given',
        ),
      );
    }
}

/**
 * `without=` names variants of the example's stage, and not the default (the first): an example always
 * runs under the state its stage's text describes. A wrong name is an error at the example; it does not run.
 */
function variantsKnown(example: Example, given: StageGiven, messages: VFileMessage[]): boolean {
  const names = given.spec.variants.map((v) => v.name);
  for (const w of example.without ?? []) {
    const why = !names.includes(w)
      ? `is not a variant of stage "${example.stage}" (variants: ${names.join(', ')})`
      : w === names[0]
        ? 'is the default variant, which every example runs under'
        : undefined;
    if (!why) continue;
    messages.push(
      specMessage(`${example.kind} "${example.name}": without=${w} ${why}`, example.place, 'attributes'),
    );
    return false;
  }
  return true;
}

/** The name of every stage's pass-through run (not an example name of the spec). */
export const PASS_THROUGH = 'pass-through';

/**
 * A jump to the stop point (a `hlt` where the stage has none), placed at the stage's given block. The
 * stop point is evaluated without code labels: a stage whose `until` needs one has no pass-through.
 */
function passThroughExample(stage: Stage, given: StageGiven): Example {
  let until: bigint | undefined;
  try {
    until = untilAddress(given.spec, given.spec.symbols);
  } catch {
    until = undefined;
  }
  const source = until === undefined ? '\thlt\n' : `\t.code64\n\tjmp 0x${until.toString(16)}\n`;
  return {
    name: PASS_THROUGH,
    kind: 'counterexample',
    stage: stage.id,
    violates: [],
    source,
    place: stage.place,
  };
}

/** Each stage's given, parsed once; errors are placed on the given block's lines. */
function prepareStages(model: SpecModel, messages: VFileMessage[]): Map<string, StageGiven> {
  const givens = new Map<string, StageGiven>();
  for (const stage of model.index.stages.values()) {
    const g = prepareGiven(stage);
    if (g.ok) givens.set(stage.id, g.given);
    else
      for (const e of g.errors)
        messages.push(
          specMessage(
            `stage "${stage.id}" given: ${e.message}`,
            { file: stage.place.file, line: stage.place.line + e.line, column: e.column },
            'given',
          ),
        );
  }
  return givens;
}

/**
 * The clauses of each stage (by ID), and the stages that must not run: a clause of theirs has an expect
 * line that does not parse (reported by extraction) or names what the stage's given does not define
 * (reported here, at the name's column; code labels are checked per example when it runs).
 */
function stageClauses(
  model: SpecModel,
  givens: Map<string, StageGiven>,
  messages: VFileMessage[],
): { clausesOf: Map<string, SpecClause[]>; broken: Set<string> } {
  const broken = new Set<string>();
  for (const f of model.files)
    for (const id of f.broken) broken.add(model.index.clauses.get(id)?.stage ?? '');
  const clausesOf = new Map<string, SpecClause[]>();
  for (const c of model.index.clauses.values()) {
    const list = clausesOf.get(c.stage) ?? [];
    list.push(c);
    clausesOf.set(c.stage, list);
    const given = givens.get(c.stage);
    if (!given) continue;
    const symbols = Object.keys(given.spec.symbols);
    for (const a of c.assertions) {
      const unknown = checkNames(a.parsed, { symbols, allowCodeLabels: true });
      if (!unknown) continue;
      broken.add(c.stage);
      messages.push(
        specMessage(
          `clause "${c.id}": ${unknown.message}`,
          { ...a.place, column: (a.place.column ?? 1) + unknown.column - 1 },
          'expect-syntax',
        ),
      );
    }
  }
  for (const list of clausesOf.values()) list.sort((a, b) => a.id.localeCompare(b.id));
  return { clausesOf, broken };
}

function jobKey(engine: EngineName, stage: Stage, example: Example, clauses: SpecClause[]): string {
  return sha256(
    codeSalt(engine),
    engine,
    stage.given,
    example.kind,
    example.violates.join(','),
    (example.without ?? []).join(','),
    example.source,
    ...clauses.map((c) => `${c.id}\n${c.assertions.map((a) => `${a.kind}:${a.source}`).join('\n')}`),
  );
}
