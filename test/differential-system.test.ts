// The system-level corpus (src/runner/differential/system.ts): every case runs on the interpreter and is
// compared with kvm when /dev/kvm is usable (full state, segment caches included) and with unicorn
// outside its documented gaps. A case inside a unicorn gap is printed as
// "not comparable (unicorn gap: ...)" with its evidence — visible, never silently dropped.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { firstSystemDifference, type Difference } from '../src/runner/differential/compare.ts';
import { engineGate } from '../src/runner/differential/gate.ts';
import { SYSTEM_CASES, buildSystemCases, type BuiltCase } from '../src/runner/differential/system.ts';
import { getEngine } from '../src/runner/engines.ts';
import { unicornGap } from '../src/runner/unicorn/gaps.ts';
import type { RunResult } from '../src/runner/types.ts';

const VARIANTS = SYSTEM_CASES.flatMap((c) => [`${c.id} [plain]`, ...(c.fault ? [`${c.id} [idt]`] : [])]);
const unicorn = await engineGate('unicorn', `the system corpus on unicorn (${VARIANTS.length} cases)`);
const kvm = await engineGate('kvm', `${VARIANTS.length} system cases`);

const built = new Map<string, BuiltCase>();
const notComparable: string[] = [];
const compared = { unicorn: 0, kvm: 0 };

beforeAll(async () => {
  for (const b of await buildSystemCases()) built.set(`${b.id} [${b.variant}]`, b);
});

afterAll(() => {
  const lines = [
    `system corpus: ${VARIANTS.length} cases; compared with unicorn: ${compared.unicorn}, with kvm: ${compared.kvm}`,
    ...notComparable.map((l) => `  ${l}`),
  ];
  console.log(lines.join('\n'));
});

function report(name: string, c: BuiltCase, engine: string, d: Difference): string {
  return [
    `${name}: interp and ${engine} disagree on ${d.item} (${c.title})`,
    `  interp: ${d.a}`,
    `  ${engine}: ${d.b}`,
    `reproduce: npx vitest run test/differential-system.test.ts -t '${c.id}'`,
    'program:',
    ...c.source.split('\n').map((l, i) => `  ${String(i + 1).padStart(3)}  ${l}`),
  ].join('\n');
}

describe('system corpus: interp against kvm and unicorn', () => {
  test.runIf(unicorn.requiredButMissing)('unicorn is required here (KEXEC_CONTRACT_REQUIRE_ENGINES)', () =>
    expect.fail(unicorn.line),
  );
  test.runIf(kvm.requiredButMissing)('kvm is required here (KEXEC_CONTRACT_REQUIRE_ENGINES)', () =>
    expect.fail(kvm.line),
  );

  for (const name of VARIANTS) {
    test.runIf(unicorn.available || kvm.available)(name, async () => {
      const c = built.get(name)!;
      const interp = await (await getEngine('interp')).run(c.world, { maxSteps: 100_000 });
      let reference: RunResult = interp;
      const failures: string[] = [];
      if (kvm.available) {
        const k = await (await getEngine('kvm')).run(c.world, { maxSteps: 100_000 });
        if (k.stop.reason === 'engine-limit')
          notComparable.push(`${name}: not comparable on kvm (engine limit: ${k.stop.message})`);
        else {
          reference = k;
          compared.kvm++;
          const d = firstSystemDifference(interp, k, interp.undefinedFlags, { caches: true });
          if (d) failures.push(report(name, c, 'kvm', d));
        }
      }
      if (unicorn.available) {
        const u = await (await getEngine('unicorn')).run(c.world, { maxSteps: 100_000 });
        const gap = unicornGap({ world: c.world, unicorn: u, reference });
        if (gap) notComparable.push(`${name}: not comparable (unicorn gap: ${gap.gap.id} — ${gap.evidence})`);
        else {
          compared.unicorn++;
          // Unicorn reports selectors only; their caches are compared against kvm.
          const d = firstSystemDifference(interp, u, interp.undefinedFlags, { caches: false });
          if (d) failures.push(report(name, c, 'unicorn', d));
        }
      }
      if (failures.length) expect.fail(failures.join('\n\n'));
    });
  }
});
