// Whether a test file may use an engine, and what it prints when it may not.
// CI sets KEXEC_CONTRACT_REQUIRE_ENGINES (e.g. "unicorn"): a required engine that is missing is a test
// failure there. Everywhere else a missing engine skips its cases with one printed line naming what was
// skipped and how to install it — never silently.

import { engineAvailability } from '../../../src/runner/engines.ts';
import type { EngineName } from '../../../src/runner/types.ts';

export interface Gate {
  engine: EngineName;
  available: boolean;
  /** Missing although KEXEC_CONTRACT_REQUIRE_ENGINES names it: the caller must fail a test. */
  requiredButMissing: boolean;
  /** The one line to print when not available. */
  line?: string;
}

export function requiredEngines(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KEXEC_CONTRACT_REQUIRE_ENGINES ?? '').split(/[\s,]+/).filter(Boolean);
}

/** Checks `engine`, prints the skip line when it is missing, and says whether its cases run. */
export async function engineGate(engine: EngineName, skipped: string): Promise<Gate> {
  const a = await engineAvailability(engine);
  if (a.ok) return { engine, available: true, requiredButMissing: false };
  const required = requiredEngines().includes(engine);
  const line = required
    ? `${a.reason} — REQUIRED by KEXEC_CONTRACT_REQUIRE_ENGINES, ${skipped} cannot run (install: ${a.install})`
    : `${a.reason} — ${skipped} skipped (install: ${a.install})`;
  console.log(line);
  return { engine, available: false, requiredButMissing: required, line };
}
