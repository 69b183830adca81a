// Each KVM host difference (src/runner/kvm/host.ts), shown on this host: its probe runs on KVM, the
// same program runs on the interpreter (the SDM's answer), and the classifier recognises the pair.
// A host that behaves as the SDM says for an entry skips that entry's test with a printed reason, as
// does a machine without /dev/kvm. The classifiers are also checked everywhere, without KVM, on the
// interpreter's run of each probe and the kvm outcome the entry describes.
import { beforeAll, describe, expect, test } from 'vitest';
import { engineGate } from './support/differential/gate.ts';
import { interpEngine } from '../src/runner/interp/index.ts';
import {
  KVM_HOST_DIFFERENCES,
  describeHost,
  kvmHostDifference,
  probeKvmHost,
  probeWorlds,
  type KvmHostDifference,
  type Observed,
} from '../src/runner/kvm/host.ts';
import type { RunResult, World } from '../src/runner/types.ts';

const gate = await engineGate(
  'kvm',
  `test/kvm-host.test.ts (${KVM_HOST_DIFFERENCES.length} host differences)`,
);

const worlds = new Map<string, World>();
beforeAll(async () => {
  (await probeWorlds()).forEach((w, i) => worlds.set(KVM_HOST_DIFFERENCES[i]!.id, w));
});

const byId = (id: string): KvmHostDifference => KVM_HOST_DIFFERENCES.find((d) => d.id === id)!;
const interpRun = (id: string): Promise<RunResult> => interpEngine.run(worlds.get(id)!, { maxSteps: 10_000 });
const all = KVM_HOST_DIFFERENCES.map((difference) => ({ difference, evidence: 'probe' }));

test('the list has ids and descriptions, one place', () => {
  expect(KVM_HOST_DIFFERENCES.map((d) => d.id)).toEqual([
    'cr0-high-bits-no-gp',
    'no-1gib-pages',
    'bp-internal-error',
  ]);
  for (const d of KVM_HOST_DIFFERENCES) expect(d.description.length).toBeGreaterThan(40);
});

describe('classifiers, on the interpreter run of each probe (no KVM needed)', () => {
  test('cr0-high-bits-no-gp: #GP on the interpreter, the low half written on kvm', async () => {
    const interp = await interpRun('cr0-high-bits-no-gp');
    expect(interp.stop).toMatchObject({ reason: 'triple-fault', vector: 13 });
    const kvm: Observed = {
      stop: { reason: 'hlt', rip: interp.stop.rip + 7n, message: 'hlt' },
      state: { ...interp.state, cr0: interp.state.gpr.rax & 0xffff_ffffn },
    };
    expect(kvmHostDifference({ interp, kvm }, all)?.difference.id).toBe('cr0-high-bits-no-gp');
    // A kvm that raised the #GP as well is not this difference.
    const shut: Observed = { ...kvm, stop: { reason: 'triple-fault', rip: interp.stop.rip, message: '' } };
    expect(byId('cr0-high-bits-no-gp').classify({ interp, kvm: shut })).toBeUndefined();
  });

  test('no-1gib-pages: the interpreter reads through the 1 GiB page; a kvm #PF inside it is explained', async () => {
    const interp = await interpRun('no-1gib-pages');
    expect(interp.stop.reason).toBe('hlt');
    expect(interp.state.gpr.rbx).toBe(0x1234_5678n);
    const kvm = (cr2: bigint): Observed => ({
      stop: { reason: 'hlt', rip: 0x71cdn, message: 'hlt' },
      state: { ...interp.state, cr2 },
    });
    expect(byId('no-1gib-pages').classify({ interp, kvm: kvm(0x4020_0000n) })).toMatch(
      /kvm faulted at 0x40200000 \(CR2\), which the PDPTE at 0x2008 \(0x[0-9a-f]+\) maps with a 1 GiB page/,
    );
    expect(byId('no-1gib-pages').classify({ interp, kvm: kvm(0x8000_0000n) })).toBeUndefined();
  });

  test('bp-internal-error: a kvm internal error where the interpreter raised #BP', async () => {
    const interp = await interpRun('bp-internal-error');
    expect(interp.stop).toMatchObject({ reason: 'fault', vector: 3 });
    const kvm: Observed = {
      stop: { reason: 'engine-limit', rip: 0x10_0001n, message: 'KVM internal error (suberror 1)' },
    };
    expect(kvmHostDifference({ interp, kvm }, all)?.difference.id).toBe('bp-internal-error');
    const other: Observed = { stop: { ...kvm.stop, message: 'KVM could not enter the guest' } };
    expect(kvmHostDifference({ interp, kvm: other }, all)).toBeUndefined();
  });
});

describe.runIf(gate.available || gate.requiredButMissing)('on this KVM host', () => {
  test.runIf(gate.requiredButMissing)('KEXEC_CONTRACT_REQUIRE_ENGINES names kvm', () =>
    expect.fail(gate.line),
  );

  test.runIf(gate.available)('the probes report what they found', async () => {
    const host = await probeKvmHost();
    console.log(describeHost(host));
    expect(host.present.length + host.absent.length).toBe(KVM_HOST_DIFFERENCES.length);
  });

  for (const d of KVM_HOST_DIFFERENCES) {
    test.runIf(gate.available)(`${d.id}: shown by its probe, recognised by its classifier`, async (ctx) => {
      const host = await probeKvmHost();
      const absent = host.absent.find((a) => a.difference.id === d.id);
      if (absent) {
        console.log(
          `kvm host difference ${d.id}: this host does as the SDM says (probe: ${absent.saw}) — skipped`,
        );
        ctx.skip();
      }
      const { kvmEngine } = await import('../src/runner/kvm/index.ts');
      const kvm = await kvmEngine.run(worlds.get(d.id)!, { maxSteps: 100_000 });
      expect(d.probe.shows(kvm)).toBeDefined();
      const interp = await interpRun(d.id);
      expect(d.probe.shows(interp)).toBeUndefined(); // the interpreter does what the SDM says
      expect(d.classify({ interp, kvm })).toBeDefined();
    });
  }
});
