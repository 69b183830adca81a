// Every spec example runs on every available engine; the verdicts must agree with the interpreter's.
// Unicorn is not compared where one of its documented gaps decides the outcome (gaps.ts): such runs
// or clauses are printed as "not comparable (unicorn gap: ...)". KVM is compared everywhere, except
// where a difference of this KVM host (src/runner/kvm/host.ts, found by its probes) explains a
// different stop: "not comparable (kvm host: ...)". Stops are compared by reason (compare.ts's rule:
// a fault the interpreter saw delivered ends as the handler's hlt on kvm), not by wording.
import { afterAll, describe, expect, test } from 'vitest';
import { sameStopReason } from './support/differential/compare.ts';
import { engineGate } from './support/differential/gate.ts';
import { checkSpec } from '../src/harness/check.ts';
import {
  kvmHostDifference,
  probeKvmHost,
  type Observed,
  type PresentDifference,
} from '../src/runner/kvm/host.ts';
import type { ExampleRun, SpecDocument } from '../src/model/types.ts';
import type { EngineName, StopReason } from '../src/runner/types.ts';

const unicorn = await engineGate('unicorn', 'the spec examples on unicorn');
const kvm = await engineGate('kvm', 'the spec examples on kvm');
const hostDifferences: PresentDifference[] = kvm.available ? (await probeKvmHost()).present : [];
const notComparable: string[] = [];

afterAll(() => {
  if (notComparable.length)
    console.log(['spec examples not compared:', ...notComparable.map((l) => `  ${l}`)].join('\n'));
});

const EFER_NXE_SCE = 0x801n;

/** Why a unicorn run cannot be compared with the interpreter's, judged from the two runs. */
function unicornRunGap(i: ExampleRun, u: ExampleRun): string | undefined {
  if (u.stop.reason === 'fault') return `guest-idt-unused — exception ${u.stop.vector} with a guest IDT`;
  if (u.stop.reason === 'memory' && i.stop.reason !== 'memory')
    return `virtual-as-physical — ${u.stop.message}`;
  if (i.stop.vector === 13 && u.stop.vector !== 13)
    return `cr-write-no-gp or msr-no-gp — interp: ${i.stop.message}; unicorn: ${u.stop.message}`;
  return undefined;
}

/** An example run's stop as the host-difference classifiers take it (the stop only). */
const observed = (r: ExampleRun): Observed => ({
  stop: { ...r.stop, reason: r.stop.reason as StopReason, rip: BigInt(r.stop.rip) },
});

/** Clauses whose assertions read EFER: not comparable when the world has NXE/SCE (efer-nxe-sce). */
function readsEfer(run: ExampleRun, clause: string): boolean {
  return run.verdicts.some(
    (v) => v.clause === clause && v.assertions.some((a) => /\befer\b/i.test(a.source)),
  );
}

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
      if (engine === 'kvm' && !sameStopReason(ra.stop.reason as StopReason, rb.stop.reason as StopReason)) {
        const host = kvmHostDifference({ interp: observed(ra), kvm: observed(rb) }, hostDifferences);
        if (host) {
          notComparable.push(`${where}: not comparable (kvm host: ${host.difference.id} — ${host.evidence})`);
          continue;
        }
      }
      if (engine === 'unicorn') {
        const gap = unicornRunGap(ra, rb);
        if (gap) {
          notComparable.push(`${where}: not comparable (unicorn gap: ${gap})`);
          continue;
        }
      }
      if (!sameStopReason(ra.stop.reason as StopReason, rb.stop.reason as StopReason)) {
        problems.push(`${where}: stop differs — interp: ${ra.stop.message}; ${engine}: ${rb.stop.message}`);
        continue;
      }
      const eferGap = engine === 'unicorn' && (BigInt(ra.final.efer ?? '0') & EFER_NXE_SCE) !== 0n;
      for (const va of ra.verdicts) {
        const vb = rb.verdicts.find((v) => v.clause === va.clause);
        if (vb?.held === va.held) continue;
        if (eferGap && readsEfer(ra, va.clause)) {
          notComparable.push(
            `${where} clause ${va.clause}: not comparable (unicorn gap: efer-nxe-sce — EFER ${ra.final.efer})`,
          );
          continue;
        }
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
