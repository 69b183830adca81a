// Assembling a document's blocks in one batch (B's assemble() runs few processes for many blocks),
// with every diagnostic mapped to its Markdown line: the fence line + the line inside the block.

import { assemble } from '../runner/assemble.ts';
import type { AsmBlock } from '../runner/assemble.ts';
import type { SourcePlace } from '../model/types.ts';
import { sha256 } from '../markdown/hash.ts';

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

/** An assembled block as stored in the cache: lines relative to the block, so a moved block still hits. */
interface StoredAsm {
  bytes: string;
  symbols: Record<string, string>;
  lines: [string, number][];
}

export interface AsmCache {
  get(key: string): Promise<StoredAsm | undefined>;
  set(key: string, value: StoredAsm): Promise<void>;
}

/**
 * assembleAll with a content-addressed cache of successful outputs (source + base + the assembler's
 * code salt): editing a check re-runs the stage's examples without re-assembling them. Failures are
 * never cached, so their diagnostics are always fresh.
 */
export async function assembleCached(
  jobs: AsmJob[],
  cache: AsmCache,
  salt: string,
  counter?: { assembled: number },
): Promise<Assembled[]> {
  const keys = jobs.map((j) => sha256('asm', salt, j.base.toString(16), j.source));
  const out: (Assembled | undefined)[] = await Promise.all(
    keys.map(async (k, i) => {
      const s = await cache.get(k);
      return s && fromStored(s, jobs[i]!.lineOffset);
    }),
  );
  const missing = jobs.map((_, i) => i).filter((i) => !out[i]);
  if (counter) counter.assembled += missing.length;
  const fresh = await assembleAll(missing.map((i) => jobs[i]!));
  await Promise.all(
    missing.map(async (i, n) => {
      const r = fresh[n]!;
      out[i] = r;
      if (r.ok && r.bytes.length <= MAX_CACHED_CODE)
        await cache.set(keys[i]!, toStored(r, jobs[i]!.lineOffset));
    }),
  );
  return out as Assembled[];
}

/** Larger code (a `.fill` of millions) is assembled again rather than stored as base64 JSON. */
const MAX_CACHED_CODE = 16 << 20;

function toStored(a: AssembledCode, lineOffset: number): StoredAsm {
  const symbols: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.symbols)) symbols[k] = v.toString(16);
  return {
    bytes: Buffer.from(a.bytes).toString('base64'),
    symbols,
    lines: [...a.lines].map(([addr, line]) => [addr.toString(16), line - lineOffset]),
  };
}

function fromStored(s: StoredAsm, lineOffset: number): AssembledCode {
  const symbols: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(s.symbols)) symbols[k] = BigInt(`0x${v}`);
  return {
    ok: true,
    bytes: new Uint8Array(Buffer.from(s.bytes, 'base64')),
    symbols,
    lines: new Map(s.lines.map(([addr, line]) => [BigInt(`0x${addr}`), line + lineOffset])),
  };
}
