// Assembling a document's blocks in one batch (B's assemble() runs few processes for many blocks),
// with every diagnostic mapped to its Markdown line: the fence line + the line inside the block.

import { assemble } from '../runner/assemble.ts';
import type { AsmBlock } from '../runner/assemble.ts';
import type { SourcePlace } from '../model/types.ts';

export interface AssembledCode {
  ok: true;
  bytes: Uint8Array;
  symbols: Record<string, bigint>;
  /** Instruction address -> Markdown line. */
  lines: Map<bigint, number>;
}

export type Assembled = AssembledCode | { ok: false; diagnostics: { message: string; place: SourcePlace }[] };

/** A block to assemble: `file` and `lineOffset` (its line 1 is Markdown line 1 + lineOffset) are required. */
export type AsmJob = AsmBlock & { file: string; lineOffset: number };

export async function assembleAll(jobs: AsmJob[]): Promise<Assembled[]> {
  if (jobs.length === 0) return [];
  let outputs;
  try {
    outputs = await assemble(jobs);
  } catch (e) {
    // The assembler is missing or broke: every block fails with the same one-line reason.
    const message = e instanceof Error ? e.message : String(e);
    return jobs.map((j) => ({
      ok: false,
      diagnostics: [{ message, place: { file: j.file, line: j.lineOffset } }],
    }));
  }
  return outputs.map((o, i): Assembled => {
    const j = jobs[i]!;
    if (o.ok) return { ok: true, bytes: o.bytes, symbols: o.symbols, lines: o.lines };
    return {
      ok: false,
      diagnostics: o.diagnostics.map((d) => ({
        message: d.message,
        place: { file: d.file ?? j.file, line: d.line, column: 1 },
      })),
    };
  });
}

const ASM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The stage's symbols as absolute assembler symbols, appended after the example's own lines (so its
 * line numbers stay put): an example may write `jmp entry` or `movq $control_page, %rsi`. Only names
 * the source mentions and does not define itself are added.
 */
export function withWorldSymbols(source: string, symbols: Record<string, bigint>): string {
  const extra: string[] = [];
  for (const [name, value] of Object.entries(symbols)) {
    if (!ASM_NAME.test(name)) continue;
    // `$name` is an immediate in AT&T syntax, so `$` may precede the name.
    const word = new RegExp(`(^|[^\\w.])${name}(?![\\w$.])`, 'm');
    const defined = new RegExp(
      `(^|[\\s;])${name}\\s*:|\\.(set|equ|equiv)\\s+${name}\\b|^\\s*${name}\\s*=`,
      'm',
    );
    if (!word.test(source) || defined.test(source)) continue;
    extra.push(`.set ${name}, 0x${value.toString(16)}`);
  }
  if (!extra.length) return source;
  return `${source.endsWith('\n') ? source : `${source}\n`}${extra.join('\n')}\n`;
}
