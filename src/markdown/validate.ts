// Checks across the whole spec tree: a stage may be declared in one file and its clauses and examples
// written in others, so IDs, stage references and counterexample targets are resolved over all files.

import type { VFileMessage } from 'vfile-message';
import { placeString, specMessage } from './messages.ts';
import type { SpecFile, SpecIndex } from './model.ts';

type FileModel = Pick<SpecFile, 'stages' | 'clauses' | 'examples'>;

/** Index every stage, clause and example; report duplicates and dangling references. */
export function validateTree(files: FileModel[]): { index: SpecIndex; messages: VFileMessage[] } {
  const messages: VFileMessage[] = [];
  const index: SpecIndex = { stages: new Map(), clauses: new Map(), examples: new Map() };

  for (const f of files) {
    for (const s of f.stages) {
      const first = index.stages.get(s.id);
      if (first) {
        messages.push(
          specMessage(
            `duplicate stage "${s.id}" (first declared at ${placeString(first.place)})`,
            s.place,
            'duplicate-stage',
          ),
        );
      } else index.stages.set(s.id, s);
    }
    for (const c of f.clauses) {
      const first = index.clauses.get(c.id);
      if (first) {
        messages.push(
          specMessage(
            `duplicate clause ID "${c.id}" (first defined at ${placeString(first.place)})`,
            c.place,
            'duplicate-id',
          ),
        );
      } else index.clauses.set(c.id, c);
    }
    for (const e of f.examples) {
      const first = index.examples.get(e.name);
      if (first) {
        messages.push(
          specMessage(
            `duplicate example name "${e.name}" (first at ${placeString(first.place)})`,
            e.place,
            'duplicate-example',
          ),
        );
      } else index.examples.set(e.name, e);
    }
  }

  const knownStages = () => [...index.stages.keys()].join(', ') || 'none declared';
  for (const f of files) {
    for (const c of f.clauses) {
      if (index.clauses.get(c.id) !== c) continue;
      if (!index.stages.has(c.stage)) {
        messages.push(
          specMessage(
            `clause "${c.id}" names unknown stage "${c.stage}" (stages: ${knownStages()})`,
            c.place,
            'unknown-stage',
          ),
        );
      }
    }
    for (const e of f.examples) {
      if (index.examples.get(e.name) !== e) continue;
      if (!index.stages.has(e.stage)) {
        messages.push(
          specMessage(
            `${e.kind} "${e.name}" names unknown stage "${e.stage}" (stages: ${knownStages()})`,
            e.place,
            'unknown-stage',
          ),
        );
        continue;
      }
      for (const id of e.violates) {
        const c = index.clauses.get(id);
        if (!c) {
          messages.push(
            specMessage(
              `counterexample "${e.name}" names unknown clause "${id}" in violates=`,
              e.place,
              'violates',
            ),
          );
        } else if (c.stage !== e.stage) {
          messages.push(
            specMessage(
              `counterexample "${e.name}" (stage ${e.stage}) names clause "${id}" of stage ${c.stage}`,
              e.place,
              'violates',
            ),
          );
        } else if (!c.assertions.some((a) => a.kind === 'check')) {
          messages.push(
            specMessage(
              `counterexample "${e.name}" names clause "${id}", which has no checked assertion to fail`,
              e.place,
              'violates',
            ),
          );
        }
      }
    }
  }
  return { index, messages };
}
