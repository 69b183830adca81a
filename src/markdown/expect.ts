// `expect` blocks: one assertion per non-blank, non-comment line, placed at its own Markdown line and
// parsed here, once, into its syntax tree (src/model/expect). A line that does not parse is reported
// at its column and left out.

import type { Code } from 'mdast';
import { parseAssertion } from '../model/expect/index.ts';
import type { FileContext } from './context.ts';
import type { SpecAssertion } from './model.ts';

/** The block's assertions; `ok` is false when a line did not parse (reported against `clauseId`). */
export function readExpectBlock(
  ctx: FileContext,
  node: Code,
  clauseId: string,
): { assertions: SpecAssertion[]; ok: boolean } {
  const assertions: SpecAssertion[] = [];
  let ok = true;
  const fenceLine = node.position?.start.line ?? 1;
  node.value.split('\n').forEach((raw, i) => {
    const text = raw.trim();
    if (!text || text.startsWith('#')) return;
    const line = fenceLine + 1 + i;
    // Column of the text in the real source line (the code node's value is de-indented).
    const idx = (ctx.line(line) ?? raw).indexOf(text);
    const place = { file: ctx.file, line, column: (idx >= 0 ? idx : raw.indexOf(text)) + 1 };
    const r = parseAssertion(text, { allowCodeLabels: true });
    if (!r.ok) {
      ok = false;
      ctx.error(
        `clause "${clauseId}": ${r.error.message}`,
        { ...place, column: place.column + r.error.column - 1 },
        'expect-syntax',
      );
      return;
    }
    // A comment-only line was skipped above, so the parser always returns an assertion here.
    const parsed = r.assertion!;
    assertions.push({ source: text, place, kind: parsed.kind, parsed });
  });
  return { assertions, ok };
}
