// Extraction: walk one Markdown file's mdast and collect its stages (`given` blocks), clauses (`clause`
// container directives with their `expect` blocks) and examples (`asm example|counterexample` blocks).
// Only checks that need this file alone happen here; cross-file checks (duplicate IDs, unknown stages,
// counterexample targets) are in validate.ts, because the spec tree, not the file, is the unit.

import type { Code, Nodes, Parent, Root } from 'mdast';
import type { ContainerDirective } from 'mdast-util-directive';
import type { VFileMessage } from 'vfile-message';
import { parse as parseYaml } from 'yaml';
import { LEVELS } from '../model/types.ts';
import type { Assertion, Clause, Example, Level, SourcePlace, Stage } from '../model/types.ts';
import { parseAttributes } from './attrs.ts';
import type { Attributes } from './attrs.ts';
import { clauseHash } from './hash.ts';
import { specMessage } from './messages.ts';

export const CLAUSE_ID = /^[a-z0-9]+(\.[a-z0-9-]+)+$/;

/** Syntax check of one `expect` line (E1's parser, injected so extraction has no runner dependency). */
export type ExpectLineParser = (
  line: string,
) => { ok: true; kind: 'check' | 'undefined' } | { ok: false; message: string; column?: number };

/** The tree nodes each model object came from, so the plugin can decorate or replace them. */
export interface NodeLinks {
  stages: Map<Code, Stage>;
  clauses: Map<ContainerDirective, Clause>;
  examples: Map<Code, Example>;
}

export interface Extracted {
  file: string;
  stages: Stage[];
  clauses: Clause[];
  examples: Example[];
  messages: VFileMessage[];
  links: NodeLinks;
  /** Clauses with an `expect` line that does not parse: their stage's examples must not run with a weaker check. */
  broken: Set<string>;
}

export interface ExtractInput {
  tree: Root;
  /** Path used in places and messages (relative, e.g. `spec/k2p.md`). */
  file: string;
  /** The Markdown source the tree was parsed from (for exact prose and raw directive attributes). */
  source: string;
  /** Front matter when a host already parsed it (Docusaurus puts it in file.data.frontMatter). */
  frontMatter?: Record<string, unknown>;
  parseExpectLine?: ExpectLineParser;
}

const NORMATIVE: ReadonlySet<Level> = new Set(['must', 'must-not', 'should', 'should-not', 'may']);
export function isNormative(level: Level): boolean {
  return NORMATIVE.has(level);
}

const STAGE_KEYS = new Set(['stage', 'title']);
const EXAMPLE_KEYS = new Set(['stage', 'name', 'violates', 'impl']);
const CLAUSE_KEYS = new Set(['id', 'level', 'stage', 'unchecked']);

export function extract(input: ExtractInput): Extracted {
  const { tree, file, source } = input;
  const out: Extracted = {
    file,
    stages: [],
    clauses: [],
    examples: [],
    messages: [],
    links: { stages: new Map(), clauses: new Map(), examples: new Map() },
    broken: new Set(),
  };
  const fm = input.frontMatter ?? readFrontMatter(source);
  const fmStage = typeof fm?.stage === 'string' ? fm.stage : undefined;
  let currentStage = fmStage;
  const err = (reason: string, place: SourcePlace, rule: Parameters<typeof specMessage>[2]) =>
    out.messages.push(specMessage(reason, place, rule));
  const placeOf = (node: Nodes): SourcePlace => ({
    file,
    line: node.position?.start.line ?? 1,
    column: node.position?.start.column ?? 1,
  });

  /** Attributes of a fenced block's info string; errors point into the fence line. */
  const infoAttrs = (node: Code, allowed: Set<string>, allowedFlags: Set<string>): Attributes | undefined => {
    const meta = node.meta ?? '';
    const r = parseAttributes(meta);
    const p = placeOf(node);
    // The meta starts after "```lang " on the fence line; find it in the source for exact columns.
    const metaCol = metaColumn(source, node) ?? p.column!;
    if (!r.ok) {
      err(`${node.lang} block: ${r.message}`, { ...p, column: metaCol + r.offset }, 'attributes');
      return undefined;
    }
    for (const key of Object.keys(r.value.values)) {
      if (!allowed.has(key)) {
        const known = [...allowed].join(', ');
        err(
          `${node.lang} block: unknown attribute \`${key}\` (known: ${known})`,
          { ...p, column: metaCol + r.value.offsets[key]! },
          'attributes',
        );
      }
    }
    for (const flag of r.value.flags) {
      if (!allowedFlags.has(flag)) {
        err(
          `${node.lang} block: unknown word \`${flag}\``,
          { ...p, column: metaCol + r.value.offsets[flag]! },
          'attributes',
        );
      }
    }
    return r.value;
  };

  const onGiven = (node: Code) => {
    const a = infoAttrs(node, STAGE_KEYS, new Set());
    if (!a) return;
    const id = a.values.stage;
    if (!id) {
      err('given block needs stage=ID', placeOf(node), 'no-stage');
      return;
    }
    const stage: Stage = { id, title: a.values.title ?? id, given: node.value, place: placeOf(node) };
    out.stages.push(stage);
    out.links.stages.set(node, stage);
    currentStage = id;
  };

  const onAsm = (node: Code) => {
    const a = infoAttrs(node, EXAMPLE_KEYS, new Set(['example', 'counterexample']));
    if (!a) return;
    const kinds = a.flags.filter((f) => f === 'example' || f === 'counterexample');
    if (kinds.length === 0) return; // an illustration, not run
    const place = placeOf(node);
    if (kinds.length > 1) {
      err('asm block: write either example or counterexample, not both', place, 'attributes');
      return;
    }
    const kind = kinds[0] as Example['kind'];
    const name = a.values.name;
    if (!name) {
      err(`${kind} needs name=NAME (used in test names and the matrix)`, place, 'no-name');
      return;
    }
    const stage = a.values.stage ?? currentStage;
    if (!stage) {
      err(`${kind} "${name}" has no stage: add stage=ID or place it after a given block`, place, 'no-stage');
      return;
    }
    const violates = (a.values.violates ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (kind === 'counterexample' && violates.length === 0) {
      err(`counterexample "${name}" needs violates=ID[,ID...]: the clauses it must fail`, place, 'violates');
      return;
    }
    if (kind === 'example' && violates.length > 0) {
      err(`example "${name}" has violates=: only a counterexample names clauses it fails`, place, 'violates');
      return;
    }
    const ex: Example = { name, kind, stage, violates, source: node.value, place };
    if (a.values.impl) ex.impl = a.values.impl;
    out.examples.push(ex);
    out.links.examples.set(node, ex);
  };

  const onClause = (node: ContainerDirective) => {
    const place = placeOf(node);
    const attrs = directiveAttributes(source, node);
    if (!attrs.ok) {
      err(`clause: ${attrs.message}`, { ...place, column: attrs.column }, 'attributes');
      return;
    }
    const v = attrs.values;
    for (const key of Object.keys(v)) {
      if (!CLAUSE_KEYS.has(key)) err(`clause: unknown attribute \`${key}\``, place, 'attributes');
    }
    const id = v.id;
    if (!id) {
      err('clause without an ID: write :::clause{#stage.topic.name level=...}', place, 'clause-id');
      return;
    }
    if (!CLAUSE_ID.test(id)) {
      err(`malformed clause ID "${id}": use dotted lower-case words like k2p.gpr.zero`, place, 'clause-id');
      return;
    }
    const level = v.level as Level | undefined;
    if (!level || !(LEVELS as readonly string[]).includes(level)) {
      err(
        level
          ? `clause "${id}": unknown level "${level}" (use one of ${LEVELS.join(', ')})`
          : `clause "${id}" needs level=${LEVELS.join('|')}`,
        place,
        'level',
      );
      return;
    }
    const stage = v.stage ?? currentStage;
    if (!stage) {
      err(`clause "${id}" has no stage: add stage=ID or place it after a given block`, place, 'no-stage');
      return;
    }
    const assertions: Assertion[] = [];
    const prose: string[] = [];
    let syntaxOk = true;
    for (const child of node.children) {
      if (child.data && (child.data as { directiveLabel?: boolean }).directiveLabel) continue;
      if (child.type === 'code' && child.lang === 'expect') {
        for (const a of expectAssertions(child, file, source)) {
          const parsed = input.parseExpectLine?.(a.source);
          if (parsed && !parsed.ok) {
            syntaxOk = false;
            err(
              `clause "${id}": ${parsed.message}`,
              { ...a.place, column: (a.place.column ?? 1) + (parsed.column ?? 0) },
              'expect-syntax',
            );
            continue;
          }
          if (parsed?.ok) a.kind = parsed.kind;
          assertions.push(a);
        }
        continue;
      }
      visitDeep(child, (n) => {
        if (n.type === 'code' && n.lang === 'expect') {
          err(
            `clause "${id}": expect blocks must be direct children of the clause`,
            placeOf(n),
            'expect-outside',
          );
        }
        if (n.type === 'containerDirective' && n.name === 'clause') {
          err(`clause "${id}": clauses cannot be nested`, placeOf(n), 'nested-clause');
        }
      });
      prose.push(sliceNode(source, child));
    }
    const text = prose.join('\n\n');
    const clause: Clause = {
      id,
      level,
      stage,
      text,
      assertions,
      hash: clauseHash({ level, stage, text, assertions }),
      place,
    };
    if (v.unchecked !== undefined) clause.unchecked = v.unchecked;
    if (
      syntaxOk &&
      isNormative(level) &&
      !assertions.some((a) => a.kind === 'check') &&
      clause.unchecked === undefined
    ) {
      err(
        `normative clause "${id}" (${level}) has no expect block: add one, or unchecked="why it cannot be checked"`,
        place,
        'no-check',
      );
    }
    out.clauses.push(clause);
    out.links.clauses.set(node, clause);
    if (!syntaxOk) out.broken.add(id);
  };

  const walk = (parent: Parent) => {
    for (const child of parent.children as Nodes[]) {
      if (child.type === 'code') {
        if (child.lang === 'given') onGiven(child);
        else if (child.lang === 'asm') onAsm(child);
        else if (child.lang === 'expect')
          err('expect block outside a clause', placeOf(child), 'expect-outside');
        continue;
      }
      if (child.type === 'containerDirective' && child.name === 'clause') {
        onClause(child);
        continue;
      }
      if ('children' in child) walk(child);
    }
  };
  walk(tree);
  return out;
}

function visitDeep(node: Nodes, fn: (n: Nodes) => void): void {
  fn(node);
  if ('children' in node) for (const c of node.children as Nodes[]) visitDeep(c, fn);
}

/** The exact Markdown of a node, as written. */
function sliceNode(source: string, node: Nodes): string {
  const s = node.position?.start.offset;
  const e = node.position?.end.offset;
  if (s === undefined || e === undefined) return '';
  return dedent(source.slice(s, e));
}

/** Drop the common indentation of continuation lines (a node's first line starts at its column). */
function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return [lines[0], ...lines.slice(1).map((l) => l.slice(cut))].join('\n');
}

/** One Assertion per non-blank, non-comment line, placed at its own Markdown line. */
function expectAssertions(node: Code, file: string, source: string): Assertion[] {
  const out: Assertion[] = [];
  const fenceLine = node.position?.start.line ?? 1;
  const lines = node.value.split('\n');
  const srcLines = source.split('\n');
  lines.forEach((raw, i) => {
    const text = raw.trim();
    if (!text || text.startsWith('#')) return;
    const line = fenceLine + 1 + i;
    // Column of the text in the real source line (the code node's value is de-indented).
    const srcLine = srcLines[line - 1] ?? raw;
    const idx = srcLine.indexOf(text);
    out.push({
      source: text,
      place: { file, line, column: (idx >= 0 ? idx : raw.indexOf(text)) + 1 },
      kind: /\bundefined\s*(#.*)?$/.test(text) ? 'undefined' : 'check',
    });
  });
  return out;
}

/** 1-based column where a fenced block's meta starts on its fence line. */
function metaColumn(source: string, node: Code): number | undefined {
  const line = node.position?.start.line;
  if (!line || !node.meta) return undefined;
  const text = source.split('\n')[line - 1];
  if (text === undefined) return undefined;
  const fence = /^\s*(`{3,}|~{3,})\s*/.exec(text);
  if (!fence) return undefined;
  const afterLang = text.indexOf(node.lang ?? '', fence[0].length) + (node.lang ?? '').length;
  const idx = text.indexOf(node.meta, afterLang);
  return idx >= 0 ? idx + 1 : undefined;
}

type DirectiveAttrs =
  { ok: true; values: Record<string, string> } | { ok: false; message: string; column: number };

/**
 * A clause's attributes, read from the raw `{...}` on the opening line. remark-directive's own reading
 * splits `#k2p.gpr.zero` into id `k2p` and classes `gpr zero`; the raw text keeps the dotted ID. When
 * the source is unavailable, rebuild the ID from the id and classes remark-directive produced.
 */
export function directiveAttributes(source: string, node: ContainerDirective): DirectiveAttrs {
  const line = node.position?.start.line;
  const text = line !== undefined ? source.split('\n')[line - 1] : undefined;
  const m = text ? /^(\s*:{3,}\s*clause\s*(?:\[[^\]]*\])?\s*)\{(.*)\}\s*$/.exec(text) : null;
  if (m) {
    const r = parseAttributes(m[2]!, { braces: true });
    if (!r.ok) return { ok: false, message: r.message, column: m[1]!.length + 2 + r.offset };
    return { ok: true, values: r.value.values };
  }
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(node.attributes ?? {})) if (v != null) values[k] = v;
  if (values.class && values.id) {
    values.id = [values.id, ...values.class.split(/\s+/)].join('.');
    delete values.class;
  }
  return { ok: true, values };
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
