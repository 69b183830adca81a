// A stage ready to run examples: its given parsed once (src/model/given.ts), the seeds, the assembly
// jobs of its snippets, its garbage inputs; and the world of one run of it.

import { garbageInputs, parseGiven, untilAddress, untilRange, worldSymbols } from '../model/given.ts';
import type { GivenError, GivenSpec, VariantSpec } from '../model/given.ts';
import type { Stage } from '../model/types.ts';
import type { AsmBlock } from '../runner/assemble.ts';
import type { World } from '../runner/types.ts';
import { buildWorld, collectSnippets } from './world.ts';

/** A stage ready to run examples. */
export interface StageGiven {
  spec: GivenSpec;
  codeBase: bigint;
  /** The seeds of its runs: 1..N. */
  seeds: number[];
  maxSteps?: number;
  /** `memory: - asm:` snippets, placed in the stage's file. */
  snippets: (AsmBlock & { file: string; lineOffset: number })[];
  /** Garbage input names (state items, memory fills), for leak attribution. */
  inputs: string[];
}

export function prepareGiven(
  stage: Stage,
): { ok: true; given: StageGiven } | { ok: false; errors: GivenError[] } {
  const r = parseGiven(stage.given);
  if (!r.given || r.errors.length) return { ok: false, errors: r.errors };
  const spec = r.given;
  const given: StageGiven = {
    spec,
    codeBase: spec.code,
    seeds: Array.from({ length: spec.seeds }, (_, i) => i + 1),
    snippets: collectSnippets(spec, { file: stage.place.file, lineOffset: stage.place.line }).map((b) => ({
      ...b,
      file: stage.place.file,
      lineOffset: b.lineOffset ?? stage.place.line,
    })),
    inputs: garbageInputs(spec),
  };
  if (spec.maxSteps !== undefined) given.maxSteps = spec.maxSteps;
  return { ok: true, given };
}

/**
 * The world of one run and its stop addresses, under a caller-state variant (default: the first).
 * `seedOf` varies single inputs (leak attribution).
 */
export function worldOf(
  given: StageGiven,
  code: { bytes: Uint8Array; symbols: Record<string, bigint> },
  snippets: { bytes: Uint8Array }[],
  seed: number,
  seedOf?: Record<string, number>,
  variant?: VariantSpec,
): { world: World; until?: bigint[]; untilRanges?: { start: bigint; end: bigint }[] } {
  const world = buildWorld(given.spec, code, seed, snippets, {
    ...(seedOf && { seedOf }),
    ...(variant && { variant }),
  });
  const symbols = worldSymbols(given.spec, code.symbols);
  const until = untilAddress(given.spec, symbols);
  const range = untilRange(given.spec, symbols);
  return {
    world,
    ...(until !== undefined && { until: [until] }),
    ...(range && { untilRanges: [range] }),
  };
}
