// Shared helpers for the interpreter tests: assemble a snippet into the baseline world and run it.

import { assemble } from '../src/runner/assemble.ts';
import { interpEngine } from '../src/runner/interp/index.ts';
import type { RunOptions, RunResult, World } from '../src/runner/types.ts';
import { baselineWorld, loadCode } from '../src/runner/world.ts';

export const BASE = 0x100000n;

export async function build(source: string, setup?: (w: World) => void): Promise<World> {
  const [out] = await assemble([{ source, base: BASE }]);
  if (!out.ok) throw new Error(out.diagnostics.map((d) => `${d.line}: ${d.message}`).join('\n'));
  const w = loadCode(baselineWorld(), out.bytes, BASE, out.symbols);
  setup?.(w);
  return w;
}

/** Assemble, run until hlt (or the options), return the result. */
export async function run(
  source: string,
  setup?: (w: World) => void,
  options: RunOptions = {},
): Promise<RunResult> {
  const w = await build(source, setup);
  return interpEngine.run(w, { maxSteps: 1_000_000, ...options });
}

/** Final value of a register. */
export function reg(r: RunResult, name: keyof RunResult['state']['gpr']): bigint {
  return r.state.gpr[name];
}

export const FLAGS = { CF: 1n, PF: 4n, AF: 0x10n, ZF: 0x40n, SF: 0x80n, IF: 0x200n, DF: 0x400n, OF: 0x800n };

/** The arithmetic flags of a result as a string like "CF ZF" (defined ones only). */
export function flags(r: RunResult): string {
  const out: string[] = [];
  for (const [n, b] of Object.entries(FLAGS)) {
    if (b === FLAGS.IF || b === FLAGS.DF) continue;
    if (r.state.rflags & b && !(r.undefinedFlags & b)) out.push(n);
  }
  return out.join(' ');
}
