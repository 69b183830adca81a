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
import { SparseMemory } from '../src/runner/memory.ts';
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
const all = KVM_HOST_DIFFERENCES.map((difference) => ({
  difference,
  evidence: 'probe',
  run: {} as RunResult,
}));

test('the list has ids and descriptions, one place', () => {
  expect(KVM_HOST_DIFFERENCES.map((d) => d.id)).toEqual([
    'cr0-high-bits-no-gp',
    'no-1gib-pages',
    'bp-internal-error',
    'int-n-internal-error',
    'idt-gate-unchecked',
    'split-store-partial-write',
    'iretq-accessed-bit',
    'cpuid-leaf1-host-values',
    'no-la57',
    'no-pcide',
    'no-cet',
  ]);
  for (const d of KVM_HOST_DIFFERENCES) expect(d.description.length).toBeGreaterThan(40);
});

describe('classifiers, on the interpreter run of each probe (no KVM needed)', () => {
  test('no-la57, no-pcide: a kvm run refused at KVM_SET_SREGS is explained only when the world has the bit', async () => {
    const interp = await interpRun('no-la57');
    expect(interp.stop.reason).toBe('hlt'); // the interpreter runs with LA57 on
    const world = worlds.get('no-la57')!;
    expect(world.state.cr4 & 0x1000n).toBe(0x1000n);
    expect(world.cpuid?.find((e) => e.leaf === 7)?.ecx).toBe(1 << 16); // CPUID claims LA57
    const message = `KVM_SET_SREGS refused the initial state (EINVAL): CR4 ${'0x1020'}`;
    const kvm: Observed = { stop: { reason: 'engine-limit', rip: interp.stop.rip, message } };
    expect(byId('no-la57').classify({ interp, kvm, world })).toMatch(
      /the world starts with CR4.LA57 set \(CR4 0x1020\): KVM_SET_SREGS refused/,
    );
    // The same refusal in a world without PCIDE is not no-pcide; a kvm run that started is not either.
    expect(byId('no-pcide').classify({ interp, kvm, world })).toBeUndefined();
    const ran: Observed = { ...kvm, stop: { reason: 'hlt', rip: interp.stop.rip, message: 'hlt' } };
    expect(byId('no-la57').classify({ interp, kvm: ran, world })).toBeUndefined();
  });

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
    // A handler that returns: the interpreter runs on past the int3; kvm stopped at it.
    const past: Observed = { ...interp, stop: { reason: 'hlt', rip: 0x10_0003n, message: 'hlt' } };
    const atInt3: Observed = { ...interp, stop: kvm.stop };
    expect(byId('bp-internal-error').classify({ interp: past, kvm: atInt3 })).toMatch(/\(int3\)/);
  });

  test('int-n-internal-error: a kvm internal error at an int $n the interpreter delivered', async () => {
    const interp = await interpRun('int-n-internal-error');
    expect(interp.stop).toMatchObject({ reason: 'fault', vector: 5 });
    expect(interp.state.gpr.r12).toBe(5n); // the handler of vector 5 ran
    const kvm: Observed = {
      ...interp,
      stop: { reason: 'engine-limit', rip: 0x10_0001n, message: 'KVM internal error (suberror 1)' },
    };
    expect(kvmHostDifference({ interp, kvm }, all)?.difference.id).toBe('int-n-internal-error');
    expect(byId('int-n-internal-error').classify({ interp, kvm })).toMatch(/at the int \$0x5 at 0x100001/);
    // An internal error anywhere else is not this difference.
    const elsewhere: Observed = { ...kvm, stop: { ...kvm.stop, rip: 0x10_0000n } };
    expect(byId('int-n-internal-error').classify({ interp, kvm: elsewhere })).toBeUndefined();
  });

  test('idt-gate-unchecked: the interpreter refuses a type-0 gate with #GP(0x33); kvm ran the #UD handler', async () => {
    const interp = await interpRun('idt-gate-unchecked');
    expect(interp.stop).toMatchObject({ reason: 'fault', vector: 13, errorCode: 0x33 });
    expect(interp.state.gpr.r12).toBe(13n);
    const kvm: Observed = {
      stop: { reason: 'hlt', rip: 0x70d0n, message: 'hlt at 0x70d0' },
      state: { ...interp.state, gpr: { ...interp.state.gpr, r12: 6n, r13: 0xdeadn } },
    };
    expect(kvmHostDifference({ interp, kvm }, all)?.difference.id).toBe('idt-gate-unchecked');
    expect(byId('idt-gate-unchecked').classify({ interp, kvm })).toMatch(
      /^IDT entry 6 is a gate the SDM refuses \(type 0, not an interrupt or trap gate\)/,
    );
    // With every gate usable, a disagreement is not this difference.
    const good = await interpEngine.run(worlds.get('bp-internal-error')!, { maxSteps: 10_000 });
    expect(byId('idt-gate-unchecked').classify({ interp: good, kvm })).toBeUndefined();
  });

  test('split-store-partial-write: the interpreter writes nothing; the bytes below the page are explained', async () => {
    const interp = await interpRun('split-store-partial-write');
    expect(interp.stop).toMatchObject({ reason: 'fault', vector: 14, errorCode: 2 });
    expect(interp.state.cr2).toBe(0x20_0000n);
    expect([...interp.memory.read(0x1f_fffcn, 4)]).toEqual([0, 0, 0, 0]);
    const written = (addr: bigint): Observed => {
      const memory = new SparseMemory(interp.memory.regions);
      for (const [a, page] of interp.memory.pages()) memory.write(a, page);
      memory.write(addr, Uint8Array.of(0x88, 0x77, 0x66, 0x55));
      return { stop: { reason: 'hlt', rip: 0x71cdn, message: 'hlt' }, state: interp.state, memory };
    };
    expect(kvmHostDifference({ interp, kvm: written(0x1f_fffcn) }, all)?.difference.id).toBe(
      'split-store-partial-write',
    );
    // Bytes written anywhere else, or registers that differ too, are not this difference.
    expect(byId('split-store-partial-write').classify({ interp, kvm: written(0x1f_f000n) })).toBeUndefined();
    const regs = {
      ...written(0x1f_fffcn),
      state: { ...interp.state, gpr: { ...interp.state.gpr, rax: 1n } },
    };
    expect(byId('split-store-partial-write').classify({ interp, kvm: regs })).toBeUndefined();
  });

  test('iretq-accessed-bit: the interpreter sets A in both descriptors; kvm memory without them is explained', async () => {
    const world = worlds.get('iretq-accessed-bit')!;
    const interp = await interpRun('iretq-accessed-bit');
    expect(interp.stop.reason).toBe('hlt');
    expect([...interp.memory.read(0x5025n, 1), ...interp.memory.read(0x502dn, 1)]).toEqual([0x93, 0x9b]);
    const memory = new SparseMemory(interp.memory.regions);
    for (const [a, page] of interp.memory.pages()) memory.write(a, page);
    memory.write(0x5025n, Uint8Array.of(0x92));
    memory.write(0x502dn, Uint8Array.of(0x9a));
    const kvm: Observed = { stop: interp.stop, state: interp.state, memory };
    expect(kvmHostDifference({ interp, kvm, world }, all)?.difference.id).toBe('iretq-accessed-bit');
    expect(byId('iretq-accessed-bit').classify({ interp, kvm, world })).toBe(
      'the accessed bit is clear in the descriptors at 0x5020 (type 0x92, the reference 0x93), 0x5028 (type 0x9a, the reference 0x9b); nothing else in memory differs',
    );
    memory.write(0x20_0000n, Uint8Array.of(1)); // and one byte more: not this difference
    expect(byId('iretq-accessed-bit').classify({ interp, kvm, world })).toBeUndefined();
  });

  test("cpuid-leaf1-host-values: the world's leaf 1 on the interpreter, the host's (as its probe read it) on kvm", async () => {
    const world = worlds.get('cpuid-leaf1-host-values')!;
    const interp = await interpRun('cpuid-leaf1-host-values');
    const leaf1 = world.cpuid!.find((e) => e.leaf === 1)!;
    expect(interp.state.gpr.rdx).toBe(BigInt(leaf1.edx));
    const host = { rcx: 0x76d8_1203n, rdx: 0x178b_fbffn };
    const probe = { ...interp, state: { ...interp.state, gpr: { ...interp.state.gpr, ...host } } };
    const kvm: Observed = probe;
    const d = byId('cpuid-leaf1-host-values');
    expect(d.classify({ interp, kvm, world }, probe)).toMatch(
      /^rcx 0x0 on the interpreter \(the world's CPUID.1 ECX\), 0x76d81203 on kvm \(this host's\); rdx 0x708a169/,
    );
    // Without the world's table, or with another register differing as well, nothing is explained.
    expect(d.classify({ interp, kvm }, probe)).toBeUndefined();
    const more: Observed = { ...kvm, state: { ...probe.state, gpr: { ...probe.state.gpr, rbx: 7n } } };
    expect(d.classify({ interp, kvm: more, world }, probe)).toBeUndefined();
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
      expect(d.classify({ interp, kvm, world: worlds.get(d.id)! }, kvm)).toBeDefined();
    });
  }
});
