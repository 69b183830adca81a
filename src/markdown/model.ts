// The spec model: what the markdown layer makes of a spec tree. Every file's stages, clauses and
// examples, an index across the tree, and every problem found without running anything, as vfile
// messages placed in the Markdown. Each `expect` line is parsed once, here, and its syntax tree travels
// with it; the harness runs this model and publishes plain results (model/types.ts) without the trees.

import type { VFileMessage } from 'vfile-message';
import type { ParsedAssertion } from '../model/expect/index.ts';
import type { Assertion, Clause, Example, Stage } from '../model/types.ts';

/** An `expect` line as extracted: also its syntax tree, parsed once. */
export interface SpecAssertion extends Assertion {
  parsed: ParsedAssertion;
}

/** A clause as extracted: its assertions carry their syntax trees. */
export interface SpecClause extends Omit<Clause, 'assertions'> {
  assertions: SpecAssertion[];
}

/** One Markdown file of the tree. */
export interface SpecFile {
  /** Path as reported in places: relative to the working directory, forward slashes. */
  file: string;
  source: string;
  stages: Stage[];
  clauses: SpecClause[];
  examples: Example[];
  /** Problems this file alone shows (attributes, IDs, levels, expect syntax ...). */
  messages: VFileMessage[];
  /** Clauses with an `expect` line that does not parse: their stage's examples must not run with a weaker check. */
  broken: Set<string>;
}

/** Every stage, clause and example of the tree by ID or name (the first, where one is duplicated). */
export interface SpecIndex {
  stages: Map<string, Stage>;
  clauses: Map<string, SpecClause>;
  examples: Map<string, Example>;
}

export interface SpecModel {
  files: SpecFile[];
  index: SpecIndex;
  /** Extraction and validation messages of every file, in file order, then the tree's. */
  messages: VFileMessage[];
}

/** A clause as results carry it: plain data, the syntax trees left behind. */
export function publishClause(c: SpecClause): Clause {
  return { ...c, assertions: c.assertions.map(publishAssertion) };
}

function publishAssertion(a: SpecAssertion): Assertion {
  const { parsed: _parsed, ...plain } = a;
  return plain;
}
