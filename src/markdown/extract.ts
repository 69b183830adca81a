// Extraction: walk one Markdown file's mdast and collect its stages (`given` blocks), clauses (`clause`
// container directives with their `expect` blocks) and examples (`asm example|counterexample` blocks).
// Only checks that need this file alone happen here; cross-file checks (duplicate IDs, unknown stages,
// counterexample targets) are in validate.ts, because the spec tree, not the file, is the unit.

import type { Nodes, Parent, Root } from 'mdast';
import { parse as parseYaml } from 'yaml';
import { readExample, readGiven } from './blocks.ts';
import { readClause } from './clause.ts';
import { FileContext } from './context.ts';
import type { SpecFile } from './model.ts';

export interface ExtractInput {
  tree: Root;
  /** Path used in places and messages (relative, e.g. `spec/k2p.md`). */
  file: string;
  /** The Markdown source the tree was parsed from (for exact prose and raw directive attributes). */
  source: string;
  /** Front matter when a host already parsed it (Docusaurus puts it in file.data.frontMatter). */
  frontMatter?: Record<string, unknown>;
}

export function extract(input: ExtractInput): SpecFile {
  const { tree, file, source } = input;
  const ctx = new FileContext(file, source);
  const out: SpecFile = {
    file,
    source,
    stages: [],
    clauses: [],
    examples: [],
    messages: ctx.messages,
    broken: new Set(),
  };
  const fm = input.frontMatter ?? readFrontMatter(source);
  // The stage of what follows: the front matter's, then the last given block above.
  let currentStage = typeof fm?.stage === 'string' ? fm.stage : undefined;

  const walk = (parent: Parent) => {
    for (const child of parent.children as Nodes[]) {
      if (child.type === 'code') {
        if (child.lang === 'given') {
          const stage = readGiven(ctx, child);
          if (stage) {
            out.stages.push(stage);
            currentStage = stage.id;
          }
        } else if (child.lang === 'asm') {
          const example = readExample(ctx, child, currentStage);
          if (example) out.examples.push(example);
        } else if (child.lang === 'expect') {
          ctx.error('expect block outside a clause', ctx.placeOf(child), 'expect-outside');
        }
        continue;
      }
      if (child.type === 'containerDirective' && child.name === 'clause') {
        const r = readClause(ctx, child, currentStage);
        if (r) {
          out.clauses.push(r.clause);
          if (r.broken) out.broken.add(r.clause.id);
        }
        continue;
      }
      if ('children' in child) walk(child);
    }
  };
  walk(tree);
  return out;
}

/** YAML front matter at the top of the source, when no host parsed it. */
export function readFrontMatter(source: string): Record<string, unknown> | undefined {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(source);
  if (!m) return undefined;
  try {
    const v = parseYaml(m[1]!) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
