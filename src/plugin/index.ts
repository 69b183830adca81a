// remarkKexecContract: the unified plugin. It extracts the spec objects of one Markdown file, has the
// harness check them in the context of the whole spec tree (stages may be declared in other files),
// reports problems as vfile messages, and either
// - attaches the results to the nodes' `data` and to `file.data.kexecContract` (standalone), or
// - with `jsx: true` (Docusaurus, `beforeDefaultRemarkPlugins`) replaces the nodes with MDX JSX elements
//   `<Clause id data>`, `<Example data>`, `<Given data>` whose `data` attribute is a JSON string.

import type { Code, Nodes, Parent, Root, RootContent } from 'mdast';
import type { ContainerDirective } from 'mdast-util-directive';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import remarkDirective from 'remark-directive';
import type { Processor } from 'unified';
import type { VFile } from 'vfile';
import { VFileMessage } from 'vfile-message';
import type { EngineName } from '../runner/types.ts';
import type { Clause, Example, ExampleRun, SpecDocument, Stage, Verdict } from '../model/types.ts';
import { checkSpec } from '../harness/check.ts';
import { displayPath } from '../harness/load.ts';
import { parseExpectLine } from '../harness/lang.ts';
import { extract } from './extract.ts';
import { formatMessage, isError } from './messages.ts';

export interface RemarkKexecContractOptions {
  /** Engine that runs the examples (default `interp`). */
  engine?: EngineName;
  /**
   * The spec tree this file belongs to (default: the file alone). Stages, clause IDs and
   * counterexample targets are resolved over the whole tree.
   */
  specDir?: string;
  /** Replace nodes with MDX JSX elements for the site's components (default false). */
  jsx?: boolean;
  /** Throw (fail the build) on an error-level message or a failing example (default: same as `jsx`). */
  failOnError?: boolean;
  /** Use the on-disk result cache under .cache/kexec-contract (default true). */
  cache?: boolean;
}

export interface ClauseData {
  clause: Clause;
  verdicts: Verdict[];
}
export interface ExampleData {
  example: Example;
  run?: ExampleRun;
}

declare module 'vfile' {
  interface DataMap {
    kexecContract: SpecDocument;
  }
}

const DIRECTIVE_MARK = Symbol.for('kexec-contract.directive-syntax');

/**
 * Make sure `:::clause` is parsed as a directive. Hosts such as Docusaurus register remark-directive
 * themselves; registering it a second time is harmless, but we skip it when we can tell.
 */
function ensureDirectiveSyntax(processor: Processor): void {
  const data = processor.data() as Record<string | symbol, unknown>;
  if (data[DIRECTIVE_MARK]) return;
  const exts = (data.micromarkExtensions as unknown[] | undefined) ?? [];
  const hasDirective = exts.some((e) => typeof e === 'object' && e !== null && hasDirectiveConstruct(e));
  if (!hasDirective) remarkDirective.call(processor as never);
  data[DIRECTIVE_MARK] = true;
}

function hasDirectiveConstruct(ext: object): boolean {
  // micromark-extension-directive registers a flow construct on ':' (code 58) named directiveContainer.
  const flow = (ext as { flow?: Record<number, unknown> }).flow;
  const at = flow?.[58];
  const list = Array.isArray(at) ? at : at ? [at] : [];
  return list.some((c) => (c as { name?: string }).name === 'directiveContainer');
}

export default function remarkKexecContract(this: Processor, options: RemarkKexecContractOptions = {}) {
  ensureDirectiveSyntax(this);
  const jsx = options.jsx ?? false;
  const failOnError = options.failOnError ?? jsx;

  return async function transform(tree: Root, file: VFile): Promise<void> {
    const name = file.path ? displayPath(file.path) : 'input.md';
    const source = String(file.value ?? '');
    const frontMatter = file.data.frontMatter as Record<string, unknown> | undefined;
    const local = extract({ tree, file: name, source, frontMatter, parseExpectLine });

    const specPaths = options.specDir ? [options.specDir] : [];
    const result = await checkSpec(specPaths, {
      engine: options.engine,
      cache: options.cache ?? true,
      overrides: new Map([[name, source]]),
      // Every document runs (cached, and shared with concurrent calls): a clause's verdicts come from
      // every example of its stage, wherever in the tree those are written.
    });
    const doc: SpecDocument = result.documents.find((d) => d.file === name) ?? {
      file: name,
      stages: local.stages,
      clauses: local.clauses,
      examples: local.examples,
      runs: [],
    };
    file.data.kexecContract = doc;

    const mine = result.messages.filter((m) => m.file === name);
    for (const m of mine) file.messages.push(m);

    const verdictsByClause = new Map<string, Verdict[]>();
    for (const run of result.documents.flatMap((d) => d.runs)) {
      for (const v of run.verdicts) {
        const list = verdictsByClause.get(v.clause) ?? [];
        list.push(v);
        verdictsByClause.set(v.clause, list);
      }
    }
    const runByExample = new Map(doc.runs.map((r) => [r.example, r]));

    const stageData = (s: Stage) => s;
    const clauseData = (c: Clause): ClauseData => ({ clause: c, verdicts: verdictsByClause.get(c.id) ?? [] });
    const exampleData = (e: Example): ExampleData => {
      const run = runByExample.get(e.name);
      return run ? { example: e, run } : { example: e };
    };

    if (jsx) {
      replaceNodes(tree, local.links, stageData, clauseData, exampleData);
    } else {
      for (const [node, s] of local.links.stages) setData(node, stageData(s));
      for (const [node, c] of local.links.clauses) setData(node, clauseData(c));
      for (const [node, e] of local.links.examples) setData(node, exampleData(e));
    }

    if (failOnError) {
      const errors = mine.filter(isError);
      const failing = doc.runs.filter((r) => !r.ok && !errors.some((m) => m.ruleId === 'verdict'));
      if (errors.length || failing.length) {
        const lines = [...errors.map(formatMessage), ...failing.map((r) => failingRunLine(doc, r))];
        const first = errors[0];
        const m = new VFileMessage(
          `kexec-contract: ${lines.length} problem${lines.length === 1 ? '' : 's'} in ${name}\n${lines.join('\n')}`,
          {
            place: first ? { line: first.line ?? 1, column: first.column ?? 1 } : undefined,
            source: 'kexec-contract',
          },
        );
        m.file = name;
        m.fatal = true;
        throw m;
      }
    }
  };
}

function failingRunLine(doc: SpecDocument, r: ExampleRun): string {
  const ex = doc.examples.find((e) => e.name === r.example);
  const at = ex ? `${ex.place.file}:${ex.place.line}` : doc.file;
  const bad = r.verdicts.filter((v) => v.held !== v.expectedToHold).map((v) => v.clause);
  return `${at}: ${ex?.kind ?? 'example'} "${r.example}" does not behave as declared (${bad.join(', ') || r.stop.message})`;
}

function setData(node: Nodes, value: unknown): void {
  node.data = { ...(node.data ?? {}), kexecContract: value } as never;
}

function jsxElement(
  name: string,
  attrs: Record<string, string>,
  children: RootContent[],
  from: Nodes,
): MdxJsxFlowElement {
  return {
    type: 'mdxJsxFlowElement',
    name,
    attributes: Object.entries(attrs).map(([k, v]) => ({ type: 'mdxJsxAttribute', name: k, value: v })),
    children: children as MdxJsxFlowElement['children'],
    position: from.position,
  };
}

function replaceNodes(
  tree: Root,
  links: ReturnType<typeof extract>['links'],
  stageData: (s: Stage) => unknown,
  clauseData: (c: Clause) => ClauseData,
  exampleData: (e: Example) => ExampleData,
): void {
  const visit = (parent: Parent) => {
    parent.children = (parent.children as Nodes[]).map((child): Nodes => {
      if (child.type === 'code') {
        const s = links.stages.get(child as Code);
        if (s) return jsxElement('Given', { data: JSON.stringify(stageData(s)) }, [], child);
        const e = links.examples.get(child as Code);
        if (e) return jsxElement('Example', { data: JSON.stringify(exampleData(e)) }, [], child);
        return child;
      }
      if (child.type === 'containerDirective') {
        const c = links.clauses.get(child as ContainerDirective);
        if (c) {
          const prose = (child as ContainerDirective).children.filter(
            (n) =>
              !(n.type === 'code' && n.lang === 'expect') &&
              !(n.data as { directiveLabel?: boolean } | undefined)?.directiveLabel,
          );
          return jsxElement('Clause', { id: c.id, data: JSON.stringify(clauseData(c)) }, prose, child);
        }
      }
      if ('children' in child) visit(child as Parent);
      return child;
    }) as Parent['children'];
  };
  visit(tree);
}

export { remarkKexecContract };
export type { SpecDocument };
