// Every spec example runs on every available engine; the verdicts must agree with the interpreter's.
// What is not compared is decided by one mechanism, the spec harness's (src/harness/differences.ts):
// where an engine's verdict is not what the example demands, the harness runs the interpreter on the
// same seeds and marks a verdict (or the whole run) "not comparable (<label>: ID — evidence)" when the
// engine's list explains the disagreement — Unicorn's gaps (src/runner/unicorn/gaps.ts), or the
// differences this KVM host's probes found (src/runner/kvm/host.ts). Those are printed here, never
// dropped silently; every other disagreement fails. Stops are compared by reason (compare.ts's rule: a
// fault the interpreter saw delivered ends as the handler's hlt on kvm), not by wording.
import { afterAll, describe, expect, test } from 'vitest';
import { sameStopReason } from './support/differential/compare.ts';
import { engineGate } from './support/differential/gate.ts';
import { checkSpec } from '../src/harness/check.ts';
import type { SpecDocument } from '../src/model/types.ts';
import type { EngineName, StopReason } from '../src/runner/types.ts';

const unicorn = await engineGate('unicorn', 'the spec examples on unicorn');
const kvm = await engineGate('kvm', 'the spec examples on kvm');
const notComparable: string[] = [];

afterAll(() => {
  if (notComparable.length)
    console.log(['spec examples not compared:', ...notComparable.map((l) => `  ${l}`)].join('\n'));
});

function compare(engine: EngineName, a: SpecDocument[], b: SpecDocument[]): string[] {
  const problems: string[] = [];
  for (const da of a) {
    const db = b.find((d) => d.file === da.file);
    for (const ra of da.runs) {
      const rb = db?.runs.find((r) => r.example === ra.example && r.stage === ra.stage);
      const where = `${da.file} example ${ra.example}`;
      if (!rb) {
        problems.push(`${where}: no ${engine} run`);
        continue;
      }
      if (rb.notComparable) {
        notComparable.push(`${where} on ${engine}: ${rb.notComparable}`);
        continue;
      }
      for (const [variant, why] of Object.entries(rb.variantsNotComparable ?? {}))
        notComparable.push(`${where} under variant ${variant} on ${engine}: ${why}`);
      if (!sameStopReason(ra.stop.reason as StopReason, rb.stop.reason as StopReason)) {
        problems.push(`${where}: stop differs — interp: ${ra.stop.message}; ${engine}: ${rb.stop.message}`);
        continue;
      }
      for (const va of ra.verdicts) {
        const vb = rb.verdicts.find((v) => v.clause === va.clause);
        if (vb?.notComparable) {
          notComparable.push(`${where} clause ${va.clause} on ${engine}: ${vb.notComparable}`);
          continue;
        }
        if (vb?.held === va.held) continue;
        const failed = (vb?.held ? va : vb)?.assertions.find((x) => !x.held);
        problems.push(
          `${where} clause ${va.clause}: interp says ${va.held ? 'holds' : 'fails'}, ${engine} says ${vb ? (vb.held ? 'holds' : 'fails') : 'nothing'}` +
            (failed
              ? ` (${failed.source}: ${failed.message ?? `${failed.actual} vs ${failed.expected}`})`
              : ''),
        );
      }
    }
  }
  return problems;
}

describe('spec examples: the same verdicts on every engine', () => {
  test.runIf(unicorn.requiredButMissing)('unicorn is required here (KEXEC_CONTRACT_REQUIRE_ENGINES)', () =>
    expect.fail(unicorn.line),
  );
  test.runIf(kvm.requiredButMissing)('kvm is required here (KEXEC_CONTRACT_REQUIRE_ENGINES)', () =>
    expect.fail(kvm.line),
  );

  for (const [engine, gate] of [
    ['unicorn', unicorn],
    ['kvm', kvm],
  ] as const) {
    test.runIf(gate.available)(
      `interp and ${engine} agree on every spec example`,
      { timeout: 300_000 },
      async () => {
        const interp = await checkSpec('spec', { engine: 'interp' });
        const other = await checkSpec('spec', { engine });
        const problems = compare(engine, interp.documents, other.documents);
        if (problems.length) expect.fail(`${problems.length} disagreements:\n${problems.join('\n')}`);
      },
    );
  }
});
