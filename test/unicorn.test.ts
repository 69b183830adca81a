// The Unicorn engine on small hand-written programs: state setup, stop reasons, ports, cpuid, memory.
import { beforeAll, describe, expect, test } from 'vitest';
import { assembleMany } from './support/differential/assemble-many.ts';
import { engineGate } from './support/differential/gate.ts';
import { CODE32, CODE_BASE, DATA, DATA_BASE, programWorld } from '../src/runner/program-world.ts';
import { unicornEngine } from '../src/runner/unicorn/index.ts';
import type { RunOptions, RunResult, World } from '../src/runner/types.ts';

const gate = await engineGate('unicorn', 'test/unicorn.test.ts (18 cases)');

const PROGRAMS = {
  alu: 'mov $5, %rbx\npush %rbx\npop %rcx\nadd $-6, %rcx\nhlt',
  loop: 'mov $3, %ecx\n1: dec %ecx\njnz 1b\nmov $7, %eax\nstop: nop\nhlt',
  range: 'mov $1, %eax\njmp 1f\n.fill 16,1,0x90\n1: mov $2, %eax\nhlt',
  spin: '1: jmp 1b',
  f4: 'mov $0xf4, %al\nhlt',
  ports:
    'mov $0x3f8, %dx\nmov $0x41, %al\nout %al, (%dx)\nmov $0x42, %al\nout %al, (%dx)\nin $0x60, %al\nmov %eax, %ebx\ninw $0x61, %ax\nhlt',
  cpuid: 'mov $0x40000000, %eax\nxor %ecx, %ecx\ncpuid\nhlt',
  div0: 'xor %ecx, %ecx\nmov $1, %eax\ndiv %ecx\nhlt',
  ud2: 'nop\nud2',
  int3: 'nop\nint3\nhlt',
  outside: 'mov $0x7000000, %eax\nmov (%rax), %rbx\nhlt',
  store: `movabs $0x1122334455667788, %rax\nmov %rax, (${DATA_BASE})\nhlt`,
  segs: 'mov $0x18, %eax\nmov %eax, %es\nxor %eax, %eax\nmov %eax, %fs\nhlt',
  // 64-bit -> compatibility mode through lretq, then a 32-bit instruction and hlt.
  compat: 'pushq $0x08\nlea 1f(%rip), %rax\npush %rax\nlretq\n.code32\n1: mov $0x32, %eax\nhlt\n.code64',
  code32: '.code32\nmov $0x1234, %eax\npush %eax\npop %ebx\nhlt\n.code64',
};
type Name = keyof typeof PROGRAMS;
const bins: Partial<Record<Name, Uint8Array>> = {};

beforeAll(async () => {
  const names = Object.keys(PROGRAMS) as Name[];
  const out = await assembleMany(names.map((n) => PROGRAMS[n]));
  names.forEach((n, i) => (bins[n] = out[i]));
});

function world(name: Name, edit?: (w: World) => void): World {
  const w = programWorld(bins[name]!);
  edit?.(w);
  return w;
}

const run = (name: Name, options?: RunOptions, edit?: (w: World) => void): Promise<RunResult> =>
  unicornEngine.run(world(name, edit), options);

describe('unicorn engine is available where required', () => {
  test.runIf(gate.requiredButMissing)('KEXEC_CONTRACT_REQUIRE_ENGINES names unicorn', () => {
    expect.fail(gate.line);
  });
  test.runIf(!gate.requiredButMissing)('availability is reported in one line', () => {
    expect(gate.available || gate.line?.includes('sudo apt-get install -y libunicorn2')).toBe(true);
  });
});

describe.runIf(gate.available)('unicorn engine', () => {
  test('runs ALU code to hlt; rip is after the hlt; steps are not counted', async () => {
    const r = await run('alu');
    expect(r.engine).toBe('unicorn');
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(5n);
    expect(r.state.gpr.rcx).toBe(0xffff_ffff_ffff_ffffn);
    expect(r.state.rip).toBe(CODE_BASE + BigInt(bins.alu!.length));
    expect(r.stop.rip).toBe(r.state.rip);
    expect(r.steps).toBeUndefined();
    expect(r.state.rflags & 0x80n).toBe(0x80n); // SF from the add
  });

  test('starts from the world state: CRs, EFER, descriptor tables, selectors', async () => {
    const r = await run('alu');
    expect(r.state.cr0).toBe(0x8000_0033n);
    expect(r.state.cr3).toBe(0x1000n);
    expect(r.state.cr4).toBe(0x20n);
    expect(r.state.efer).toBe(0x500n);
    expect(r.state.gdtr).toEqual({ base: 0x5000n, limit: 31 });
    expect(r.state.seg.cs.selector).toBe(0x10);
    expect(r.state.seg.ss.selector).toBe(0x18);
    expect(r.state.seg.ds).toEqual(DATA);
  });

  test('stops before an until address', async () => {
    const stop = CODE_BASE + BigInt(bins.loop!.length - 2);
    const r = await run('loop', { until: [stop] });
    expect(r.stop).toMatchObject({ reason: 'until', rip: stop });
    expect(r.state.rip).toBe(stop);
    expect(r.state.gpr.rax).toBe(7n);
  });

  test('stops before the first instruction inside an until range', async () => {
    // range: mov (5 bytes), jmp (2), 16 nops, then the target.
    const r = await run('range', { untilRanges: [{ start: CODE_BASE + 7n, end: CODE_BASE + 0x100n }] });
    expect(r.stop).toMatchObject({ reason: 'until', rip: CODE_BASE + 23n });
    expect(r.state.rip).toBe(CODE_BASE + 23n);
    expect(r.state.gpr.rax).toBe(1n);
  });

  test('an instruction budget ends the run with reason budget', async () => {
    const r = await run('spin', { maxSteps: 100 });
    expect(r.stop.reason).toBe('budget');
  });

  test('a budget stop after an instruction ending in byte f4 is not taken for hlt', async () => {
    const r = await run('f4', { maxSteps: 1 });
    expect(r.stop).toMatchObject({ reason: 'budget', rip: CODE_BASE + 2n });
    const h = await run('f4', { maxSteps: 2 });
    expect(h.stop).toMatchObject({ reason: 'hlt', rip: CODE_BASE + 3n });
  });

  test('records port I/O, answers in with the configured value, collects serial text', async () => {
    const r = await run('ports', {}, (w) => (w.portInValue = 0x5a));
    expect(r.ports).toEqual([
      { dir: 'out', port: 0x3f8, size: 1, value: 0x41 },
      { dir: 'out', port: 0x3f8, size: 1, value: 0x42 },
      { dir: 'in', port: 0x60, size: 1, value: 0x5a },
      { dir: 'in', port: 0x61, size: 2, value: 0x5a },
    ]);
    expect(r.serial).toBe('AB');
    expect(r.state.gpr.rbx & 0xffn).toBe(0x5an);
  });

  test('in without a configured value reads all ones', async () => {
    const r = await run('ports');
    expect(r.ports[2]).toEqual({ dir: 'in', port: 0x60, size: 1, value: 0xff });
    expect(r.state.gpr.rax & 0xffffn).toBe(0xffffn);
  });

  test('cpuid answers from the world; unlisted leaves are zero', async () => {
    const r = await run(
      'cpuid',
      {},
      (w) => (w.cpuid = [{ leaf: 0x4000_0000, eax: 1, ebx: 2, ecx: 3, edx: 4 }]),
    );
    expect([r.state.gpr.rax, r.state.gpr.rbx, r.state.gpr.rcx, r.state.gpr.rdx]).toEqual([1n, 2n, 3n, 4n]);
    const z = await run('cpuid');
    expect([z.state.gpr.rax, z.state.gpr.rbx, z.state.gpr.rcx, z.state.gpr.rdx]).toEqual([0n, 0n, 0n, 0n]);
  });

  test('#DE without an IDT is a triple fault reported at the faulting instruction', async () => {
    const r = await run('div0');
    expect(r.stop).toMatchObject({ reason: 'triple-fault', vector: 0, rip: CODE_BASE + 7n });
  });

  test('#UD from ud2', async () => {
    const r = await run('ud2');
    expect(r.stop).toMatchObject({ reason: 'triple-fault', vector: 6, rip: CODE_BASE + 1n });
  });

  test('int3 reports vector 3 at the instruction', async () => {
    const r = await run('int3');
    expect(r.stop).toMatchObject({ reason: 'triple-fault', vector: 3, rip: CODE_BASE + 1n });
    expect(r.state.rip).toBe(CODE_BASE + 1n); // reported at the instruction, like the interpreter
  });

  test('an access outside RAM stops with reason memory and the address', async () => {
    const r = await run('outside');
    expect(r.stop).toMatchObject({ reason: 'memory', address: 0x700_0000n, rip: CODE_BASE + 5n });
  });

  test('final memory holds the stores and the image', async () => {
    const r = await run('store');
    expect(r.memory.readU64(DATA_BASE)).toBe(0x1122_3344_5566_7788n);
    expect(r.memory.read(CODE_BASE, bins.store!.length)).toEqual(bins.store);
    expect(r.memory.readU64(0x3000n) & ~0x60n).toBe(0x83n); // the CPU may set accessed/dirty
  });

  test('segment loads report the new selector and the cache from the GDT', async () => {
    const r = await run('segs');
    expect(r.state.seg.es).toEqual({ ...DATA, attributes: DATA.attributes });
    expect(r.state.seg.fs.selector).toBe(0);
  });

  test('lretq into a 32-bit code segment runs compatibility-mode code', async () => {
    const r = await run('compat');
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.seg.cs.selector).toBe(0x08);
    expect(r.state.seg.cs.attributes & 0xf0ff).toBe(0xc09b);
    expect(r.state.gpr.rax).toBe(0x32n);
  });

  test('a world that starts in compatibility mode', async () => {
    const r = await run('code32', {}, (w) => {
      w.state.seg.cs = CODE32;
    });
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(0x1234n);
    expect(r.state.seg.cs.selector).toBe(0x08);
  });

  test('a world in protected mode with paging off (EFER.LME=0)', async () => {
    const r = await run('code32', {}, (w) => {
      w.state.seg.cs = CODE32;
      w.state.cr0 = 0x11n;
      w.state.cr4 = 0n;
      w.state.cr3 = 0n;
      w.state.efer = 0n;
    });
    expect(r.stop.reason).toBe('hlt');
    expect(r.state.gpr.rbx).toBe(0x1234n);
    expect(r.state.cr0).toBe(0x11n);
    expect(r.state.efer).toBe(0n);
  });

  test('FS/GS bases above 4 GiB survive the setup', async () => {
    const r = await run('alu', {}, (w) => {
      w.state.seg.gs = { ...DATA, base: 0xffff_8880_0000_0000n };
    });
    expect(r.state.seg.gs.base).toBe(0xffff_8880_0000_0000n);
  });
});
