// remarkKexecContract: the unified plugin, a small decorator over the harness's results. For the file it
// is given it looks up the precomputed results of its spec tree (a SpecPass: the site build shares one,
// standalone use makes one per processor), reports the file's problems as vfile messages, and either
// - attaches the results to the nodes' `data` and to `file.data.kexecContract` (standalone), or
// - with `jsx: true` (Docusaurus, `beforeDefaultRemarkPlugins`) replaces the nodes with MDX JSX elements
//   `<Clause id data>`, `<Example data>`, `<Given data>` whose `data` attribute is a JSON string.
// A node is matched to its spec object by where it starts in the file (the pass extracted the same text).

import type { Nodes, Parent, Root, RootContent } from 'mdast';
import type { ContainerDirective } from 'mdast-util-directive';
import type { MdxJsxFlowElement } from 'mdast-util-mdx-jsx';
import remarkDirective from 'remark-directive';
import type { Processor } from 'unified';
import type { VFile } from 'vfile';
import { VFileMessage } from 'vfile-message';
import { SpecPass } from '../harness/pass.ts';
import { displayPath } from '../markdown/load.ts';
import { formatMessage, isError } from '../markdown/messages.ts';
import type {
  Clause,
  Example,
  ExampleRun,
  SourcePlace,
  SpecDocument,
  Stage,
  Verdict,
} from '../model/types.ts';
import type { EngineName } from '../runner/types.ts';

export interface RemarkKexecContractOptions {
  /** Engine that runs the examples (default `interp`; ignored when `pass` is given). */
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
  /** Use the on-disk result cache under .cache/kexec-contract (default true; ignored when `pass` is given). */
  cache?: boolean;
  /** The spec pass whose results to show (a site build shares one); default: one for this processor. */
  pass?: SpecPass;
  /** What the elements' JSON carries, when the host shows less than everything (the site trims it). */
  trim?: ElementTrim;
}

export interface ClauseData {
  clause: Clause;
  verdicts: Verdict[];
}
export interface ExampleData {
  example: Example;
  run?: ExampleRun;
}

/** What the host's components get instead of the full data (any JSON; the components know its shape). */
export interface ElementTrim {
  clause(d: ClauseData): unknown;
  example(d: ExampleData): unknown;
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
  const pass = options.pass ?? new SpecPass({ engine: options.engine, cache: options.cache ?? true });

  return async function transform(tree: Root, file: VFile): Promise<void> {
    const name = file.path ? displayPath(file.path) : 'input.md';
    const {
      result,
      document: doc,
      messages,
    } = await pass.forFile(options.specDir, name, String(file.value ?? ''));
    file.data.kexecContract = doc;
    for (const m of messages) file.messages.push(m);

    const runByExample = new Map(doc.runs.map((r) => [r.example, r]));
    const data: ElementData = {
      stage: (s) => s,
      clause: (c) => ({ clause: c, verdicts: result.verdictsByClause.get(c.id) ?? [] }),
      example: (e) => {
        const run = runByExample.get(e.name);
        return run ? { example: e, run } : { example: e };
      },
    };
    const objects = objectsByPlace(doc);
    if (jsx) replaceNodes(tree, objects, data, options.trim);
    else decorateNodes(tree, objects, data);

    if (failOnError) failOnProblems(doc, messages, name);
  };
}

interface ElementData {
  stage(s: Stage): Stage;
  clause(c: Clause): ClauseData;
  example(e: Example): ExampleData;
}

type SpecObject =
  | { kind: 'stage'; stage: Stage }
  | { kind: 'clause'; clause: Clause }
  | { kind: 'example'; example: Example };

/** The document's objects by where their block starts (`line:column`). */
function objectsByPlace(doc: SpecDocument): Map<string, SpecObject> {
  const out = new Map<string, SpecObject>();
  const at = (p: SourcePlace) => `${p.line}:${p.column ?? 1}`;
  for (const stage of doc.stages) out.set(at(stage.place), { kind: 'stage', stage });
  for (const clause of doc.clauses) out.set(at(clause.place), { kind: 'clause', clause });
  for (const example of doc.examples) out.set(at(example.place), { kind: 'example', example });
  return out;
}

/** The spec object a node was extracted as, if any. */
function objectOf(node: Nodes, objects: Map<string, SpecObject>): SpecObject | undefined {
  const kind: SpecObject['kind'] | undefined =
    node.type === 'containerDirective' && node.name === 'clause'
      ? 'clause'
      : node.type === 'code' && node.lang === 'given'
        ? 'stage'
        : node.type === 'code' && node.lang === 'asm'
          ? 'example'
          : undefined;
  const start = node.position?.start;
  if (!kind || !start) return undefined;
  const o = objects.get(`${start.line}:${start.column}`);
  return o?.kind === kind ? o : undefined;
}

/** Standalone: each node's results in its `data.kexecContract`. */
function decorateNodes(tree: Root, objects: Map<string, SpecObject>, data: ElementData): void {
  const visit = (parent: Parent) => {
    for (const child of parent.children as Nodes[]) {
      const o = objectOf(child, objects);
      if (o) {
        const value =
          o.kind === 'stage'
            ? data.stage(o.stage)
            : o.kind === 'clause'
              ? data.clause(o.clause)
              : data.example(o.example);
        child.data = { ...(child.data ?? {}), kexecContract: value } as never;
        if (o.kind === 'clause') continue;
      }
      if ('children' in child) visit(child as Parent);
    }
  };
  visit(tree);
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

/** The site: each node replaced by its component's element, the results as its `data` JSON. */
function replaceNodes(
  tree: Root,
  objects: Map<string, SpecObject>,
  data: ElementData,
  trim: ElementTrim | undefined,
): void {
  const visit = (parent: Parent) => {
    parent.children = (parent.children as Nodes[]).map((child): Nodes => {
      const o = objectOf(child, objects);
      if (o?.kind === 'stage')
        return jsxElement('Given', { data: JSON.stringify(data.stage(o.stage)) }, [], child);
      if (o?.kind === 'example') {
        const d = data.example(o.example);
        return jsxElement('Example', { data: JSON.stringify(trim ? trim.example(d) : d) }, [], child);
      }
      if (o?.kind === 'clause') {
        const prose = (child as ContainerDirective).children.filter(
          (n) =>
            !(n.type === 'code' && n.lang === 'expect') &&
            !(n.data as { directiveLabel?: boolean } | undefined)?.directiveLabel,
        );
        const d = data.clause(o.clause);
        return jsxElement(
          'Clause',
          { id: o.clause.id, data: JSON.stringify(trim ? trim.clause(d) : d) },
          prose,
          child,
        );
      }
      if ('children' in child) visit(child as Parent);
      return child;
    }) as Parent['children'];
  };
  visit(tree);
}

/** Throw one message listing the file's errors and failing examples (fails a site build). */
function failOnProblems(doc: SpecDocument, messages: VFileMessage[], name: string): void {
  const errors = messages.filter(isError);
  const failing = doc.runs.filter((r) => !r.ok && !errors.some((m) => m.ruleId === 'verdict'));
  if (!errors.length && !failing.length) return;
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

function failingRunLine(doc: SpecDocument, r: ExampleRun): string {
  const ex = doc.examples.find((e) => e.name === r.example);
  const at = ex ? `${ex.place.file}:${ex.place.line}` : doc.file;
  const bad = r.verdicts.filter((v) => v.held !== v.expectedToHold).map((v) => v.clause);
  return `${at}: ${ex?.kind ?? 'example'} "${r.example}" does not behave as declared (${bad.join(', ') || r.stop.message})`;
}

export { remarkKexecContract };
export type { SpecDocument };
