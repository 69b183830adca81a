// Each documented Unicorn 2.0.1 gap, shown on a small program: the behaviour unicorn actually has, and
// the classifier in gaps.ts recognising it. If a newer unicorn fixes a gap, its test here fails and
// the gap can be removed from gaps.ts and docs/guides/engines.md.
import { beforeAll, describe, expect, test } from 'vitest';
import { assembleMany } from './support/differential/assemble-many.ts';
import { engineGate } from './support/differential/gate.ts';
import { CODE32, CODE_BASE, DATA_BASE, GDT_BASE, programWorld } from '../src/runner/program-world.ts';
import { interpEngine } from '../src/runner/interp/index.ts';
import { UNICORN_GAPS, unicornGap } from '../src/runner/unicorn/gaps.ts';
import { unicornEngine } from '../src/runner/unicorn/index.ts';
import type { World } from '../src/runner/types.ts';

const gate = await engineGate('unicorn', 'test/unicorn-gaps.test.ts (12 cases)');

const PROGRAMS = {
  cr4Reserved: 'mov %cr4, %rax\nbts $31, %rax\nmov %rax, %cr4\nmov $7, %ebx\nhlt',
  cr0NwWithoutCd: 'mov %cr0, %rax\nbts $29, %rax\nmov %rax, %cr0\nmov $7, %ebx\nhlt',
  cr0Reserved: 'mov %cr0, %rax\nor $0x1ffaffc0, %eax\nmov %rax, %cr0\nmov %cr0, %rcx\nmov $7, %ebx\nhlt',
  eferNxe: 'mov $0xc0000080, %ecx\nrdmsr\nor $0x801, %eax\nwrmsr\nrdmsr\nmov %eax, %ebx\nhlt',
  alias: 'mov $0x40000000, %eax\nmov (%rax), %rbx\nhlt',
  ud: 'ud2\nhandler: mov $0x99, %ebx\nhlt',
  rdmsrUnknown: 'mov $0x12345678, %ecx\nmov $-1, %eax\nrdmsr\nmov %eax, %ebx\nhlt',
  notPresent: 'mov $0x80000000, %eax\nmov (%rax), %rbx\nhlt',
  jumpNonCanonical: 'movabs $0x0000800000000000, %rax\njmp *%rax',
  pgWithoutPae: '.code32\nmov %cr0, %eax\nor $0x80000000, %eax\nmov %eax, %cr0\nmov %cr0, %ebx\nhlt\n.code64',
  // Far transfers to 0x28 (64-bit code, accessed bit clear); mov to DS of 0x20 (data, accessed bit clear).
  dr6Reserved: 'mov $0xffffffff, %eax\nmov %rax, %dr6\nmov %dr6, %rbx\nhlt',
  dr7High: 'movabs $0x100000000, %rax\nmov %rax, %dr7\nmov $7, %ebx\nhlt',
  dr7GeneralDetect: 'mov $0x2400, %eax\nmov %rax, %dr7\nmov %dr7, %rbx\nhlt',
  dr7Arm: 'mov $0x300000, %eax\nmov %rax, %dr0\nmov $0x401, %eax\nmov %rax, %dr7\nmov $7, %ebx\nhlt',
  breakpointReached: 'nop\nnop\nhlt',
  farTransfers: [
    'lea 1f(%rip), %rax',
    'mov %eax, 0x200000',
    'movw $0x28, 0x200004',
    'ljmp *0x200000',
    '1: pushq $0x28',
    'lea 2f(%rip), %rax',
    'push %rax',
    'lretq',
    '2: mov $0x20, %eax',
    'mov %eax, %ds',
    'hlt',
  ].join('\n'),
};
type Name = keyof typeof PROGRAMS;
const bins: Partial<Record<Name, Uint8Array>> = {};
beforeAll(async () => {
  const names = Object.keys(PROGRAMS) as Name[];
  (await assembleMany(names.map((n) => PROGRAMS[n]))).forEach((b, i) => (bins[names[i]!] = b));
});

const q = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
const gapOf = (world: World, unicorn: Awaited<ReturnType<typeof unicornEngine.run>>) =>
  unicornGap({ world, unicorn })?.gap.id;

describe.runIf(gate.available)('unicorn 2.0.1 gaps', () => {
  test('the list has ids and descriptions, one place', () => {
    expect(UNICORN_GAPS.map((g) => g.id)).toEqual([
      'debug-registers',
      'cr-write-no-gp',
      'efer-nxe-sce',
      'virtual-as-physical',
      'msr-no-gp',
      'non-canonical-branch-target',
      'guest-idt-unused',
      'far-transfer-accessed-bit',
    ]);
    for (const g of UNICORN_GAPS) expect(g.description.length).toBeGreaterThan(40);
  });

  test('cr-write-no-gp: reserved CR4 bit and CR0.NW without CD are taken, no #GP', async () => {
    for (const name of ['cr4Reserved', 'cr0NwWithoutCd', 'cr0Reserved'] as const) {
      const w = programWorld(bins[name]!);
      const r = await unicornEngine.run(w);
      expect(r.stop.reason).toBe('hlt'); // a CPU raises #GP at the mov to CR
      expect(r.state.gpr.rbx).toBe(7n);
      expect(gapOf(w, r)).toBe('cr-write-no-gp');
    }
    // The reserved CR0 bits read back as written (a CPU keeps them 0).
    const w = programWorld(bins.cr0Reserved!);
    expect((await unicornEngine.run(w)).state.gpr.rcx & 0x1ffaffc0n).toBe(0x1ffaffc0n);
  });

  test('cr-write-no-gp: CR0.PG with EFER.LME=1 and CR4.PAE=0 is silently dropped', async () => {
    const w = programWorld(bins.pgWithoutPae!);
    Object.assign(w.state, { cr0: 0x11n, cr3: 0x1000n, cr4: 0n, efer: 0x100n });
    w.state.seg.cs = CODE32;
    const r = await unicornEngine.run(w);
    expect(r.stop.reason).toBe('hlt'); // a CPU raises #GP at the mov to CR0
    expect(r.state.gpr.rbx).toBe(0x11n); // CR0 as read back after the write: PG missing
    expect(r.state.efer).toBe(0x100n); // LMA not set either
  });

  test('efer-nxe-sce: wrmsr of NXE|SCE reads back without them', async () => {
    const w = programWorld(bins.eferNxe!);
    const r = await unicornEngine.run(w);
    expect(r.state.gpr.rbx).toBe(0x500n);
    const w2 = programWorld(bins.eferNxe!);
    w2.state.efer = 0xd01n;
    const r2 = await unicornEngine.run(w2);
    expect(r2.state.efer).toBe(0x500n);
    expect(gapOf(w2, r2)).toBe('efer-nxe-sce');
  });

  test('virtual-as-physical: a non-identity mapping to RAM stops as unmapped', async () => {
    const w = programWorld(bins.alias!);
    // PDPT[1] -> PD at 0x4000, PD[0] -> 2 MiB page at 0x200000: linear 0x40000000 is RAM at 0x200000.
    w.image.push({ addr: 0x2008n, bytes: q(0x4003n) }, { addr: 0x4000n, bytes: q(0x20_0083n) });
    w.image.push({ addr: 0x20_0000n, bytes: q(0x1122_3344n) });
    const r = await unicornEngine.run(w);
    expect(r.stop).toMatchObject({ reason: 'memory', address: 0x4000_0000n });
    expect(gapOf(w, r)).toBe('virtual-as-physical');
  });

  test('msr-no-gp: rdmsr of an MSR that does not exist reads zero instead of #GP', async () => {
    const w = programWorld(bins.rdmsrUnknown!);
    const r = await unicornEngine.run(w);
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(0n);
    const reference = {
      ...r,
      stop: { reason: 'triple-fault' as const, vector: 13, rip: CODE_BASE + 10n, message: '#GP' },
    };
    expect(unicornGap({ world: w, unicorn: r, reference })?.gap.id).toBe('msr-no-gp');
  });

  test('virtual-as-physical: a non-present page and a non-canonical address stop as unmapped', async () => {
    const w = programWorld(bins.notPresent!);
    const r = await unicornEngine.run(w);
    expect(r.stop).toMatchObject({ reason: 'memory', address: 0x8000_0000n }); // a CPU: #PF, CR2
    expect(gapOf(w, r)).toBe('virtual-as-physical');
  });

  test('non-canonical-branch-target: #GP is reported at the target, not the jump', async () => {
    const w = programWorld(bins.jumpNonCanonical!);
    const r = await unicornEngine.run(w);
    expect(r.stop).toMatchObject({ reason: 'triple-fault', vector: 13, rip: 0x8000_0000_0000n });
    expect(gapOf(w, r)).toBe('non-canonical-branch-target');
  });

  test('guest-idt-unused: #UD with a handler in the IDT stops instead of running it', async () => {
    const w = programWorld(bins.ud!);
    const handler = CODE_BASE + 2n;
    const gate = new DataView(new ArrayBuffer(16));
    gate.setUint16(0, Number(handler & 0xffffn), true);
    gate.setUint16(2, 0x10, true);
    gate.setUint16(4, 0x8e00, true); // present, DPL 0, 64-bit interrupt gate
    gate.setUint16(6, Number((handler >> 16n) & 0xffffn), true);
    w.image.push({ addr: 0x6000n + 6n * 16n, bytes: new Uint8Array(gate.buffer) });
    w.state.idtr = { base: 0x6000n, limit: 0xfff };
    const r = await unicornEngine.run(w);
    expect(r.stop).toMatchObject({ reason: 'fault', vector: 6, rip: CODE_BASE });
    expect(r.state.gpr.rbx).toBe(0n); // the handler never ran
    expect(gapOf(w, r)).toBe('guest-idt-unused');
  });

  test('far-transfer-accessed-bit: ljmp and lretq leave the code descriptor unaccessed; mov to DS sets it', async () => {
    const w = programWorld(bins.farTransfers!);
    w.image.push({ addr: GDT_BASE + 0x20n, bytes: q(0x00cf_9200_0000_ffffn) });
    w.image.push({ addr: GDT_BASE + 0x28n, bytes: q(0x00af_9a00_0000_ffffn) });
    w.state.gdtr = { base: GDT_BASE, limit: 0x2f };
    const r = await unicornEngine.run(w);
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.seg.cs.selector).toBe(0x28);
    const type = (sel: bigint) => r.memory.read(GDT_BASE + sel + 5n, 1)[0];
    expect(type(0x28n)).toBe(0x9a); // a CPU: 0x9b
    expect(type(0x20n)).toBe(0x93);
    // The interpreter sets both (as KVM does for ljmp and lretq); the gap explains exactly that byte.
    const reference = await interpEngine.run(w);
    expect(reference.memory.read(GDT_BASE + 0x2dn, 1)[0]).toBe(0x9b);
    expect(unicornGap({ world: w, unicorn: r, reference })).toEqual({
      gap: UNICORN_GAPS.find((g) => g.id === 'far-transfer-accessed-bit'),
      evidence:
        'the accessed bit is clear in the descriptor at 0x5028 (type 0x9a, the reference 0x9b); nothing else in memory differs',
    });
    // Any other difference in memory is not this gap.
    reference.memory.write(DATA_BASE + 8n, Uint8Array.of(1));
    expect(unicornGap({ world: w, unicorn: r, reference })).toBeUndefined();
  });

  test('debug-registers: reserved DR6/DR7 bits kept, no #GP, no general detect, breakpoints never fire', async () => {
    let w = programWorld(bins.dr6Reserved!);
    let r = await unicornEngine.run(w);
    expect(r.state.gpr.rbx).toBe(0xffffffffn); // a CPU reads 0xffffefff
    expect(gapOf(w, r)).toBe('debug-registers');

    w = programWorld(bins.dr7High!);
    r = await unicornEngine.run(w);
    expect(r.stop.reason).toBe('hlt'); // a CPU raises #GP(0) at the mov to DR7
    expect(r.state.gpr.rbx).toBe(7n);
    const reference = await interpEngine.run(w);
    expect(reference.stop.vector).toBe(13);
    expect(unicornGap({ world: w, unicorn: r, reference })?.gap.id).toBe('debug-registers');

    w = programWorld(bins.dr7GeneralDetect!);
    r = await unicornEngine.run(w);
    expect(r.stop.reason).toBe('hlt'); // a CPU raises #DB at the second move
    expect(r.state.gpr.rbx).toBe(0x2400n);
    const gd = await interpEngine.run(w);
    expect(gd.stop.vector).toBe(1);
    expect(unicornGap({ world: w, unicorn: r, reference: gd })?.gap.id).toBe('debug-registers');

    // An instruction breakpoint armed by the world on the second nop: a CPU raises #DB there.
    w = programWorld(bins.breakpointReached!);
    w.state.dr0 = CODE_BASE + 1n;
    w.state.dr7 = 0x401n;
    r = await unicornEngine.run(w);
    expect(r.stop.reason).toBe('hlt');
    const bp = { ...gd, stop: { reason: 'triple-fault' as const, rip: CODE_BASE + 1n, message: 'kvm' } };
    expect(unicornGap({ world: w, unicorn: r, reference: bp })?.gap.id).toBe('debug-registers');
  });

  test('debug-registers: a move that arms a breakpoint is not run (unicorn 2.0.1 crashes on it)', async () => {
    const w = programWorld(bins.dr7Arm!);
    const r = await unicornEngine.run(w);
    expect(r.stop).toMatchObject({ reason: 'engine-limit', rip: CODE_BASE + 13n });
    expect(r.stop.message).toContain('a mov to dr7 leaves DR7 0x401 arming a breakpoint');
    expect(r.state.dr0).toBe(0x300000n); // the moves before it ran
    expect(gapOf(w, r)).toBe('debug-registers');
  });
});
