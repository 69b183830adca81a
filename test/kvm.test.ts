// The KVM engine on small programs (the real CPU). Where /dev/kvm is missing every case is skipped
// with one printed line naming how many: "kvm: /dev/kvm not present — N cases skipped".
import { beforeAll, describe, expect, test } from 'vitest';
import { assembleMany } from './support/differential/assemble-many.ts';
import { engineGate } from './support/differential/gate.ts';
import { CODE32, CODE_BASE, DATA_BASE, programWorld } from '../src/runner/program-world.ts';
import { probeKvmHost } from '../src/runner/kvm/host.ts';
import type { RunOptions, RunResult, World } from '../src/runner/types.ts';

const PROGRAMS = {
  alu: 'mov $5, %rbx\npush %rbx\npop %rcx\nadd $-6, %rcx\nhlt',
  loop: 'mov $3, %ecx\n1: dec %ecx\njnz 1b\nmov $7, %eax\nstop: nop\nhlt',
  spin: '1: jmp 1b',
  ports: 'mov $0x3f8, %dx\nmov $0x41, %al\nout %al, (%dx)\nin $0x60, %al\nmov %eax, %ebx\nhlt',
  cpuid: 'mov $0x40000000, %eax\nxor %ecx, %ecx\ncpuid\nhlt',
  div0: 'xor %ecx, %ecx\nmov $1, %eax\ndiv %ecx\nhlt',
  int3: 'nop\nint3\nhlt',
  outside: 'mov $0x7000000, %eax\nmov (%rax), %rbx\nhlt',
  store: `movabs $0x1122334455667788, %rax\nmov %rax, (${DATA_BASE})\nhlt`,
  compat: 'pushq $0x08\nlea 1f(%rip), %rax\npush %rax\nlretq\n.code32\n1: mov $0x32, %eax\nhlt\n.code64',
  code32: '.code32\nmov $0x1234, %eax\npush %eax\npop %ebx\nhlt\n.code64',
  cr4Reserved: 'mov %cr4, %rax\nbts $31, %rax\nmov %rax, %cr4\nhlt',
  range: 'mov $1, %eax\njmp 1f\n.fill 16,1,0x90\n1: mov $2, %eax\nhlt',
};
type Name = keyof typeof PROGRAMS;
const bins: Partial<Record<Name, Uint8Array>> = {};

interface Case {
  name: string;
  program: Name;
  options?: RunOptions;
  edit?: (w: World) => void;
  check: (r: RunResult) => void;
}

const CASES: Case[] = [
  {
    name: 'ALU code to hlt, rip after the hlt',
    program: 'alu',
    check: (r) => {
      expect(r.stop.reason).toBe('hlt');
      expect(r.state.gpr.rcx).toBe(0xffff_ffff_ffff_ffffn);
      expect(r.state.rip).toBe(CODE_BASE + BigInt(bins.alu!.length));
      expect(r.steps).toBeUndefined();
    },
  },
  {
    name: 'starts from the world state',
    program: 'alu',
    check: (r) => {
      expect([r.state.cr0, r.state.cr3, r.state.cr4, r.state.efer]).toEqual([
        0x8000_0033n,
        0x1000n,
        0x20n,
        0x500n,
      ]);
      expect(r.state.seg.cs).toMatchObject({ selector: 0x10, attributes: 0xa09b });
    },
  },
  {
    name: 'until range: hlt bytes over it, the entry reported where execution entered, bytes restored',
    program: 'range',
    options: { untilRanges: [{ start: CODE_BASE + 7n, end: CODE_BASE + 0x100n }] },
    check: (r) => {
      expect(r.stop).toMatchObject({ reason: 'until', rip: CODE_BASE + 23n });
      expect(r.state.rip).toBe(CODE_BASE + 23n);
      expect(r.state.gpr.rax).toBe(1n);
      expect(r.memory.read(CODE_BASE, bins.range!.length)).toEqual(bins.range);
    },
  },
  {
    name: 'until: a planted hlt, reported at the address, original byte restored',
    program: 'loop',
    options: { until: [CODE_BASE + 14n] },
    check: (r) => {
      expect(r.stop).toMatchObject({ reason: 'until', rip: CODE_BASE + 14n });
      expect(r.state.rip).toBe(CODE_BASE + 14n);
      expect(r.state.gpr.rax).toBe(7n);
      expect(r.memory.read(CODE_BASE, bins.loop!.length)).toEqual(bins.loop);
    },
  },
  {
    name: 'budget is a wall-clock limit',
    program: 'spin',
    options: { maxSteps: 1000 },
    check: (r) => expect(r.stop.reason).toBe('budget'),
  },
  {
    name: 'port I/O events, in answered with the configured value, serial',
    program: 'ports',
    edit: (w) => (w.portInValue = 0x5a),
    check: (r) => {
      expect(r.ports).toEqual([
        { dir: 'out', port: 0x3f8, size: 1, value: 0x41 },
        { dir: 'in', port: 0x60, size: 1, value: 0x5a },
      ]);
      expect(r.serial).toBe('A');
    },
  },
  {
    name: 'world cpuid entries are laid over the host CPUID',
    program: 'cpuid',
    edit: (w) => (w.cpuid = [{ leaf: 0x4000_0000, eax: 1, ebx: 2, ecx: 3, edx: 4 }]),
    check: (r) =>
      expect([r.state.gpr.rax, r.state.gpr.rbx, r.state.gpr.rcx, r.state.gpr.rdx]).toEqual([1n, 2n, 3n, 4n]),
  },
  {
    name: '#DE without an IDT is a triple fault (shutdown)',
    program: 'div0',
    check: (r) => expect(r.stop.reason).toBe('triple-fault'),
  },
  {
    name: 'int3 is a triple fault or, on a host with bp-internal-error (src/runner/kvm/host.ts), an engine limit',
    program: 'int3',
    check: (r) =>
      expect(r.stop.reason).toBe(
        host?.present.some((p) => p.difference.id === 'bp-internal-error') ? 'engine-limit' : 'triple-fault',
      ),
  },
  {
    name: 'an access outside RAM stops with reason memory',
    program: 'outside',
    check: (r) => expect(r.stop).toMatchObject({ reason: 'memory', address: 0x700_0000n }),
  },
  {
    name: 'final memory holds the stores',
    program: 'store',
    check: (r) => expect(r.memory.readU64(DATA_BASE)).toBe(0x1122_3344_5566_7788n),
  },
  {
    name: 'lretq into compatibility mode',
    program: 'compat',
    check: (r) => {
      expect(r.stop.reason).toBe('hlt');
      expect(r.state.seg.cs.selector).toBe(0x08);
      expect(r.state.gpr.rax).toBe(0x32n);
    },
  },
  {
    name: 'a world in protected mode with paging off',
    program: 'code32',
    edit: (w) => {
      w.state.seg.cs = CODE32;
      Object.assign(w.state, { cr0: 0x11n, cr3: 0n, cr4: 0n, efer: 0n });
    },
    check: (r) => {
      expect(r.stop.reason).toBe('hlt');
      expect(r.state.gpr.rbx).toBe(0x1234n);
    },
  },
  {
    name: 'a reserved CR4 bit raises #GP (triple fault without an IDT)',
    program: 'cr4Reserved',
    check: (r) => expect(r.stop.reason).toBe('triple-fault'),
  },
];

const gate = await engineGate('kvm', `${CASES.length} cases`);
const host = gate.available ? await probeKvmHost() : undefined;

beforeAll(async () => {
  if (!gate.available) return;
  const names = Object.keys(PROGRAMS) as Name[];
  (await assembleMany(names.map((n) => PROGRAMS[n]))).forEach((b, i) => (bins[names[i]!] = b));
});

describe('kvm engine', () => {
  test.runIf(gate.requiredButMissing)('KEXEC_CONTRACT_REQUIRE_ENGINES names kvm', () =>
    expect.fail(gate.line),
  );
  for (const c of CASES) {
    test.runIf(gate.available)(c.name, async () => {
      const { kvmEngine } = await import('../src/runner/kvm/index.ts');
      const w = programWorld(bins[c.program]!);
      c.edit?.(w);
      c.check(await kvmEngine.run(w, c.options));
    });
  }
});
