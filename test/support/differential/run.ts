// Running generated programs on several engines and reporting the first disagreement.

import type { Engine, RunResult } from '../../../src/runner/types.ts';
import { firstDifference, flagNames, type Difference } from './compare.ts';
import { assembleMany } from './assemble-many.ts';
import { generateProgram, type Program } from './generate.ts';
import { programWorld } from '../../../src/runner/program-world.ts';

export interface Mismatch {
  program: Program;
  engines: [string, string];
  difference: Difference;
  undefinedFlags: bigint;
}

/** The instruction budget per program: generated programs are straight-line and short. */
const MAX_STEPS = 10_000;

export function reproduceCommand(seed: number): string {
  return `npx tsx test/support/differential/repro.ts ${seed}`;
}

export function formatMismatch(m: Mismatch): string {
  const [a, b] = m.engines;
  const numbered = m.program.text
    .split('\n')
    .map((l, i) => `  ${String(i + 1).padStart(3)}  ${l}`)
    .join('\n');
  return [
    `differential mismatch, seed ${m.program.seed}: ${a} and ${b} disagree on ${m.difference.item}`,
    `  ${a}: ${m.difference.a}`,
    `  ${b}: ${m.difference.b}`,
    `  (flags left undefined and not compared: ${flagNames(m.undefinedFlags) || 'none'})`,
    `reproduce: ${reproduceCommand(m.program.seed)}`,
    'program:',
    numbered,
  ].join('\n');
}

export async function runProgram(engine: Engine, p: Program, bytes: Uint8Array): Promise<RunResult> {
  return engine.run(programWorld(bytes, { gpr: p.gpr, data: p.data }), { maxSteps: MAX_STEPS });
}

/**
 * Generate the programs for `seeds`, assemble them in one batch, run each on `reference` (whose
 * undefinedFlags are used) and on every other engine, and return all mismatches.
 */
export async function differential(
  seeds: number[],
  reference: Engine,
  others: Engine[],
): Promise<{ ran: number; mismatches: Mismatch[] }> {
  const programs = seeds.map((s) => generateProgram(s));
  const bins = await assembleMany(programs.map((p) => p.text));
  const mismatches: Mismatch[] = [];
  for (let i = 0; i < programs.length; i++) {
    const p = programs[i]!;
    const ref = await runProgram(reference, p, bins[i]!);
    for (const e of others) {
      const r = await runProgram(e, p, bins[i]!);
      const difference = firstDifference(ref, r, ref.undefinedFlags);
      if (difference)
        mismatches.push({
          program: p,
          engines: [reference.name, e.name],
          difference,
          undefinedFlags: ref.undefinedFlags,
        });
    }
  }
  return { ran: programs.length, mismatches };
}
