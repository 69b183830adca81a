// `:::clause{#id level=... stage=... unchecked="..."}` container directives: the clause's attributes
// (read from the raw braces, so dotted IDs survive), its prose as written, its `expect` blocks, and
// the problems a single file can show (malformed ID, unknown level, nesting, a normative clause with
// nothing to check).

import type { Nodes } from 'mdast';
import type { ContainerDirective } from 'mdast-util-directive';
import { LEVELS, type Level } from '../model/types.ts';
import { parseAttributes } from './attrs.ts';
import type { FileContext } from './context.ts';
import { readExpectBlock } from './expect.ts';
import { clauseHash } from './hash.ts';
import type { SpecAssertion, SpecClause } from './model.ts';

export const CLAUSE_ID = /^[a-z0-9]+(\.[a-z0-9-]+)+$/;

const CLAUSE_KEYS = new Set(['id', 'level', 'stage', 'unchecked']);
const NORMATIVE: ReadonlySet<Level> = new Set(['must', 'must-not', 'should', 'should-not', 'may']);

export function isNormative(level: Level): boolean {
  return NORMATIVE.has(level);
}

/**
 * The clause of a directive, or undefined (reported) when its attributes do not make one. `broken` is
 * set when an expect line did not parse: the clause is kept, but its stage must not run.
 */
export function readClause(
  ctx: FileContext,
  node: ContainerDirective,
  currentStage: string | undefined,
): { clause: SpecClause; broken: boolean } | undefined {
  const head = clauseHead(ctx, node, currentStage);
  if (!head) return undefined;
  const { id, level, stage, unchecked } = head;
  const assertions: SpecAssertion[] = [];
  const prose: string[] = [];
  let syntaxOk = true;
  for (const child of node.children) {
    if (child.data && (child.data as { directiveLabel?: boolean }).directiveLabel) continue;
    if (child.type === 'code' && child.lang === 'expect') {
      const block = readExpectBlock(ctx, child, id);
      assertions.push(...block.assertions);
      syntaxOk &&= block.ok;
      continue;
    }
    misplacedInside(ctx, child, id);
    prose.push(ctx.slice(child));
  }
  const text = prose.join('\n\n');
  const clause: SpecClause = {
    id,
    level,
    stage,
    text,
    assertions,
    hash: clauseHash({ level, stage, text, assertions }),
    place: ctx.placeOf(node),
  };
  if (unchecked !== undefined) clause.unchecked = unchecked;
  if (
    syntaxOk &&
    isNormative(level) &&
    !assertions.some((a) => a.kind === 'check') &&
    unchecked === undefined
  ) {
    ctx.error(
      `normative clause "${id}" (${level}) has no expect block: add one, or unchecked="why it cannot be checked"`,
      clause.place,
      'no-check',
    );
  }
  return { clause, broken: !syntaxOk };
}

/** ID, level, stage and `unchecked` of a clause directive, each checked; undefined when one is wrong. */
function clauseHead(
  ctx: FileContext,
  node: ContainerDirective,
  currentStage: string | undefined,
): { id: string; level: Level; stage: string; unchecked?: string } | undefined {
  const place = ctx.placeOf(node);
  const attrs = directiveAttributes(ctx.source, node);
  if (!attrs.ok) {
    ctx.error(`clause: ${attrs.message}`, { ...place, column: attrs.column }, 'attributes');
    return undefined;
  }
  const v = attrs.values;
  for (const key of Object.keys(v)) {
    if (!CLAUSE_KEYS.has(key)) ctx.error(`clause: unknown attribute \`${key}\``, place, 'attributes');
  }
  const id = v.id;
  if (!id) {
    ctx.error('clause without an ID: write :::clause{#stage.topic.name level=...}', place, 'clause-id');
    return undefined;
  }
  if (!CLAUSE_ID.test(id)) {
    ctx.error(
      `malformed clause ID "${id}": use dotted lower-case words like k2p.gpr.zero`,
      place,
      'clause-id',
    );
    return undefined;
  }
  const level = v.level as Level | undefined;
  if (!level || !(LEVELS as readonly string[]).includes(level)) {
    ctx.error(
      level
        ? `clause "${id}": unknown level "${level}" (use one of ${LEVELS.join(', ')})`
        : `clause "${id}" needs level=${LEVELS.join('|')}`,
      place,
      'level',
    );
    return undefined;
  }
  const stage = v.stage ?? currentStage;
  if (!stage) {
    ctx.error(`clause "${id}" has no stage: add stage=ID or place it after a given block`, place, 'no-stage');
    return undefined;
  }
  return v.unchecked === undefined ? { id, level, stage } : { id, level, stage, unchecked: v.unchecked };
}

/** Expect blocks below the clause's own children, and clauses inside clauses, are mistakes. */
function misplacedInside(ctx: FileContext, node: Nodes, id: string): void {
  if (node.type === 'code' && node.lang === 'expect') {
    ctx.error(
      `clause "${id}": expect blocks must be direct children of the clause`,
      ctx.placeOf(node),
      'expect-outside',
    );
  }
  if (node.type === 'containerDirective' && node.name === 'clause') {
    ctx.error(`clause "${id}": clauses cannot be nested`, ctx.placeOf(node), 'nested-clause');
  }
  if ('children' in node) for (const c of node.children as Nodes[]) misplacedInside(ctx, c, id);
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
