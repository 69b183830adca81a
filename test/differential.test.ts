// Differential testing of the interpreter: >= 2000 generated programs (fixed seeds) run on interp and on
// every available reference engine; all GPRs, RIP and RFLAGS (minus the flags the interpreter reports
// undefined) must agree. A mismatch prints the program, the seed, the command that reproduces it, the
// first differing register/flag and both values.
// KEXEC_DIFF_SEEDS=start:count overrides the seed range (e.g. to hunt with new seeds).
import { describe, expect, test } from 'vitest';
import { engineGate } from './support/differential/gate.ts';
import { differential, formatMismatch } from './support/differential/run.ts';
import { getEngine } from '../src/runner/engines.ts';
import type { Engine } from '../src/runner/types.ts';

const [START, COUNT] = (process.env.KEXEC_DIFF_SEEDS ?? '1:2000').split(':').map(Number) as [number, number];
const BATCH = 250;
const batches = Array.from({ length: Math.ceil(COUNT / BATCH) }, (_, i) => {
  const first = START + i * BATCH;
  return Array.from({ length: Math.min(BATCH, START + COUNT - first) }, (_, j) => first + j);
});

const unicorn = await engineGate('unicorn', `the differential comparison of ${COUNT} programs with unicorn`);
const kvm = await engineGate('kvm', `${COUNT} differential cases on kvm`);

async function referenceEngines(): Promise<Engine[]> {
  const out: Engine[] = [];
  if (unicorn.available) out.push(await getEngine('unicorn'));
  if (kvm.available) out.push(await getEngine('kvm'));
  return out;
}

describe('differential: interp against the reference engines', () => {
  test.runIf(unicorn.requiredButMissing)('unicorn is required here (KEXEC_CONTRACT_REQUIRE_ENGINES)', () => {
    expect.fail(unicorn.line);
  });

  test.runIf(kvm.requiredButMissing)('kvm is required here (KEXEC_CONTRACT_REQUIRE_ENGINES)', () => {
    expect.fail(kvm.line);
  });

  const anyReference = unicorn.available || kvm.available;
  for (const seeds of batches) {
    test.runIf(anyReference)(
      `seeds ${seeds[0]}..${seeds[seeds.length - 1]}`,
      { timeout: 180_000 },
      async () => {
        const { ran, mismatches } = await differential(
          seeds,
          await getEngine('interp'),
          await referenceEngines(),
        );
        expect(ran).toBe(seeds.length);
        if (mismatches.length) {
          const shown = mismatches.slice(0, 3).map(formatMismatch).join('\n\n');
          const more =
            mismatches.length > 3
              ? `\n\n... and ${mismatches.length - 3} more mismatching seeds: ${mismatches
                  .slice(3)
                  .map((m) => m.program.seed)
                  .join(' ')}`
              : '';
          expect.fail(`${mismatches.length} of ${ran} programs disagree\n\n${shown}${more}`);
        }
      },
    );
  }
});
