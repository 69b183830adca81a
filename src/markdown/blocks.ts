// Fenced blocks: a `given` block declares a stage, an `asm example|counterexample` block is an example.
// Their attributes come from the info string (`asm example stage=k2p name="linux 6.18"`); every error
// points at the column of the word in the fence line.

import type { Code } from 'mdast';
import type { Example, Stage } from '../model/types.ts';
import { parseAttributes, type Attributes } from './attrs.ts';
import type { FileContext } from './context.ts';

const STAGE_KEYS = new Set(['stage', 'title']);
const EXAMPLE_KEYS = new Set(['stage', 'name', 'violates', 'impl', 'without']);
const EXAMPLE_KINDS = new Set(['example', 'counterexample']);

/** A `given` block's stage, or undefined (reported) when its attributes are wrong. */
export function readGiven(ctx: FileContext, node: Code): Stage | undefined {
  const a = infoAttributes(ctx, node, STAGE_KEYS, new Set());
  if (!a) return undefined;
  const id = a.values.stage;
  if (!id) {
    ctx.error('given block needs stage=ID', ctx.placeOf(node), 'no-stage');
    return undefined;
  }
  return { id, title: a.values.title ?? id, given: node.value, place: ctx.placeOf(node) };
}

/**
 * An `asm` block's example, or undefined: an illustration (no example/counterexample word), or an
 * example whose attributes are wrong (reported). `currentStage` is the stage of the last given above.
 */
export function readExample(
  ctx: FileContext,
  node: Code,
  currentStage: string | undefined,
): Example | undefined {
  const a = infoAttributes(ctx, node, EXAMPLE_KEYS, EXAMPLE_KINDS);
  if (!a) return undefined;
  const kinds = a.flags.filter((f) => EXAMPLE_KINDS.has(f));
  if (kinds.length === 0) return undefined; // an illustration, not run
  const place = ctx.placeOf(node);
  if (kinds.length > 1) {
    ctx.error('asm block: write either example or counterexample, not both', place, 'attributes');
    return undefined;
  }
  const kind = kinds[0] as Example['kind'];
  const name = a.values.name;
  if (!name) {
    ctx.error(`${kind} needs name=NAME (used in test names and the matrix)`, place, 'no-name');
    return undefined;
  }
  const stage = a.values.stage ?? currentStage;
  if (!stage) {
    ctx.error(
      `${kind} "${name}" has no stage: add stage=ID or place it after a given block`,
      place,
      'no-stage',
    );
    return undefined;
  }
  const violates = (a.values.violates ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (kind === 'counterexample' && violates.length === 0) {
    ctx.error(
      `counterexample "${name}" needs violates=ID[,ID...]: the clauses it must fail`,
      place,
      'violates',
    );
    return undefined;
  }
  if (kind === 'example' && violates.length > 0) {
    ctx.error(
      `example "${name}" has violates=: only a counterexample names clauses it fails`,
      place,
      'violates',
    );
    return undefined;
  }
  const ex: Example = { name, kind, stage, violates, source: node.value, place };
  if (a.values.impl) ex.impl = a.values.impl;
  const without = (a.values.without ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (without.length) ex.without = without;
  return ex;
}

/** Attributes of a fenced block's info string; errors point into the fence line. */
function infoAttributes(
  ctx: FileContext,
  node: Code,
  allowed: Set<string>,
  allowedFlags: Set<string>,
): Attributes | undefined {
  const r = parseAttributes(node.meta ?? '');
  const p = ctx.placeOf(node);
  // The meta starts after "```lang " on the fence line; find it in the source for exact columns.
  const metaCol = metaColumn(ctx, node) ?? p.column!;
  if (!r.ok) {
    ctx.error(`${node.lang} block: ${r.message}`, { ...p, column: metaCol + r.offset }, 'attributes');
    return undefined;
  }
  for (const key of Object.keys(r.value.values)) {
    if (!allowed.has(key)) {
      const known = [...allowed].join(', ');
      ctx.error(
        `${node.lang} block: unknown attribute \`${key}\` (known: ${known})`,
        { ...p, column: metaCol + r.value.offsets[key]! },
        'attributes',
      );
    }
  }
  for (const flag of r.value.flags) {
    if (!allowedFlags.has(flag)) {
      ctx.error(
        `${node.lang} block: unknown word \`${flag}\``,
        { ...p, column: metaCol + r.value.offsets[flag]! },
        'attributes',
      );
    }
  }
  return r.value;
}

/** 1-based column where a fenced block's meta starts on its fence line. */
function metaColumn(ctx: FileContext, node: Code): number | undefined {
  const line = node.position?.start.line;
  if (!line || !node.meta) return undefined;
  const text = ctx.line(line);
  if (text === undefined) return undefined;
  const fence = /^\s*(`{3,}|~{3,})\s*/.exec(text);
  if (!fence) return undefined;
  const afterLang = text.indexOf(node.lang ?? '', fence[0].length) + (node.lang ?? '').length;
  const idx = text.indexOf(node.meta, afterLang);
  return idx >= 0 ? idx + 1 : undefined;
}
