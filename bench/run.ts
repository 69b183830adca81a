// `npm run bench`: engine speed on two workloads (a benchmark, not a test).
//   alu-loop    10 million steps of an ALU/branch loop -> instructions per second (goal >= 5 M/s, interp)
//   relocate    64 MiB copied page by page through a kexec indirection list with `rep movsq` (goal < 1 s)
// Usage: tsx bench/run.ts [--engine NAME ...] [--workload NAME ...]
// Each workload builds its world once and runs it on every requested engine that is available here;
// add a workload to WORKLOADS or an engine name on the command line to get another row/column.
// Budgets are there to end a run that hangs, not to judge speed: every engine gets room to finish
// (budgetFor), and a run that still hits its budget is printed as "unfinished", never as a figure.

import { assemble } from '../src/runner/assemble.ts';
import { ENGINE_NAMES, engineAvailability, getEngine } from '../src/runner/engines.ts';
import { stepsForWallClock } from '../src/runner/kvm/budget.ts';
import type { EngineName, RunResult, World } from '../src/runner/types.ts';
import { baselineWorld, loadCode } from '../src/runner/world.ts';

const BASE = 0x100000n;

interface Workload {
  name: string;
  /** What the figure means, printed with it. */
  describe: (r: RunResult, seconds: number) => string;
  build: () => Promise<World>;
  maxSteps: number;
  /** Throws when the run did not do what the workload expects. */
  check: (r: RunResult, w: World) => void;
}

async function assembleInto(world: World, source: string): Promise<World> {
  const [out] = await assemble([{ source, base: BASE, file: 'bench.S' }]);
  if (!out.ok) throw new Error(out.diagnostics.map((d) => `bench.S:${d.line}: ${d.message}`).join('\n'));
  return loadCode(world, out.bytes, BASE, out.symbols);
}

const ALU_ITERATIONS = 2_000_000; // 5 instructions per iteration -> 10 M steps

const aluLoop: Workload = {
  name: 'alu-loop',
  maxSteps: ALU_ITERATIONS * 5 + 100,
  build: () =>
    assembleInto(
      baselineWorld(),
      `
_start:
  mov $${ALU_ITERATIONS}, %rcx
  xor %eax, %eax
  mov $0x12345, %ebx
1:
  add %rbx, %rax
  xor %rax, %rdx
  sub $3, %rbx
  dec %rcx
  jnz 1b
  hlt
`,
    ),
  check: (r) => {
    if (r.stop.reason !== 'hlt') throw new Error(`alu-loop stopped with ${r.stop.reason}: ${r.stop.message}`);
  },
  // Engines that cannot count (unicorn, kvm) ran the same program: 4 + 5 per iteration instructions.
  describe: (r, s) => {
    const steps = r.steps ?? ALU_ITERATIONS * 5 + 4;
    return `${(steps / s / 1e6).toFixed(2)} M instructions/s (${steps} steps in ${s.toFixed(3)} s)`;
  },
};

// Relocation: 64 MiB of source pages at 64 MiB, destination at 128 MiB, indirection list at 0x200000.
const MIB = 1n << 20n;
const RELOC_BYTES = 64 * 1024 * 1024;
const SRC = 64n * MIB;
const DST = 128n * MIB;
const LIST = 0x200000n;
const IND_DESTINATION = 1n;
const IND_INDIRECTION = 2n;
const IND_DONE = 4n;
const IND_SOURCE = 8n;

function indirectionList(): { addr: bigint; bytes: Uint8Array }[] {
  const pages = RELOC_BYTES / 4096;
  const entries: bigint[] = [DST | IND_DESTINATION];
  for (let p = 0; p < pages; p++) entries.push((SRC + BigInt(p) * 4096n) | IND_SOURCE);
  entries.push(IND_DONE);
  // Split into list pages of 511 entries + an IND_INDIRECTION link to the next page.
  const out: { addr: bigint; bytes: Uint8Array }[] = [];
  let page = LIST;
  for (let i = 0; i < entries.length; i += 511) {
    const chunk = entries.slice(i, i + 511);
    const next = page + 4096n;
    if (i + 511 < entries.length) chunk.push(next | IND_INDIRECTION);
    const bytes = new Uint8Array(4096);
    const dv = new DataView(bytes.buffer);
    chunk.forEach((e, k) => dv.setBigUint64(k * 8, e, true));
    out.push({ addr: page, bytes });
    page = next;
  }
  return out;
}

const relocate: Workload = {
  name: 'relocate',
  // Every engine counts each rep iteration as a step: 16k pages x 512 qwords is 8.4 M, plus the loop.
  maxSteps: 10_000_000,
  build: async () => {
    const w = baselineWorld();
    w.ram = [{ base: 0n, size: 256n * MIB }];
    const src = new Uint8Array(RELOC_BYTES);
    for (let i = 0; i < src.length; i += 4096) src[i] = (i >>> 12) & 0xff;
    w.image.push({ addr: SRC, bytes: src }, ...indirectionList());
    return assembleInto(
      w,
      `
_start:
  mov $${LIST}, %rbx            # current list position
0:
  mov (%rbx), %rcx
  add $8, %rbx
  test $1, %cl                  # IND_DESTINATION
  jz 1f
  mov %rcx, %rdi
  and $~0xfff, %rdi
  jmp 0b
1:
  test $2, %cl                  # IND_INDIRECTION
  jz 2f
  mov %rcx, %rbx
  and $~0xfff, %rbx
  jmp 0b
2:
  test $4, %cl                  # IND_DONE
  jnz 3f
  test $8, %cl                  # IND_SOURCE
  jz 0b
  mov %rcx, %rsi
  and $~0xfff, %rsi
  mov $512, %ecx
  rep movsq
  jmp 0b
3:
  hlt
`,
    );
  },
  check: (r) => {
    if (r.stop.reason !== 'hlt') throw new Error(`relocate stopped with ${r.stop.reason}: ${r.stop.message}`);
    for (const p of [0, 1, 12345, RELOC_BYTES / 4096 - 1]) {
      const got = r.memory.read(DST + BigInt(p) * 4096n, 1)[0];
      if (got !== (p & 0xff))
        throw new Error(`relocate: destination page ${p} holds ${got}, expected ${p & 0xff}`);
    }
  },
  describe: (r, s) =>
    `${(s * 1000).toFixed(0)} ms for 64 MiB, including loading the 64 MiB image` +
    (r.steps === undefined ? '' : ` (${r.steps} steps)`),
};

export const WORKLOADS: Workload[] = [aluLoop, relocate];

function args(flag: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === flag && process.argv[i + 1]) out.push(process.argv[i + 1]);
  });
  return out;
}

/**
 * Wall-clock seconds a kvm run may take (kvm cannot count instructions, its budget is time). Generous on
 * purpose: the kvm relocate row took about 10 s on the nested (kvm_pvm) development host, and the old
 * 2 s floor cut it off.
 */
const KVM_WALL_SECONDS = 300;

/** The budget a workload gets on an engine: enough for every engine to finish. */
function budgetFor(engine: EngineName, wl: Workload): number {
  // The interpreter counts every iteration of a rep-prefixed instruction as a step, as unicorn does;
  // unicorn still gets headroom (its count is its own), and kvm turns the budget into wall-clock time.
  if (engine === 'interp') return wl.maxSteps;
  if (engine === 'unicorn') return wl.maxSteps * 100;
  return stepsForWallClock(KVM_WALL_SECONDS * 1000);
}

/** Wall seconds per workload and engine, for the ratio table (helper C, issue 3). */
const timings = new Map<string, Map<EngineName, number>>();

/** interp/unicorn and interp/kvm time ratios side by side, per workload (> 1: interp is slower). */
function printRatios(): void {
  for (const [wl, byEngine] of timings) {
    const interp = byEngine.get('interp');
    if (interp === undefined) continue;
    const cells = [...byEngine]
      .filter(([e]) => e !== 'interp')
      .map(([e, t]) => `interp/${e} ${(interp / t).toFixed(2)}x`);
    console.log(`ratio    ${wl.padEnd(10)} ${cells.join('   ') || '(no other engine ran)'}`);
  }
}

async function main(): Promise<void> {
  // Every engine by default: the reference engines that are not available print why and are skipped.
  const engines = (args('--engine').length ? args('--engine') : ENGINE_NAMES) as EngineName[];
  const wanted = args('--workload');
  const workloads = wanted.length ? WORKLOADS.filter((w) => wanted.includes(w.name)) : WORKLOADS;
  for (const name of engines) {
    const a = await engineAvailability(name);
    if (!a.ok) {
      console.log(`${name}: not available here (${a.reason}; ${a.install})`);
      continue;
    }
    const engine = await getEngine(name);
    for (const wl of workloads) {
      const world = await wl.build();
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      let r: RunResult;
      try {
        r = await engine.run(world, { maxSteps: budgetFor(name, wl) });
        if (r.stop.reason === 'budget') {
          const s = (performance.now() - t0) / 1000;
          console.log(
            `${name.padEnd(8)} ${wl.name.padEnd(10)} unfinished after ${s.toFixed(1)} s: ${r.stop.message}`,
          );
          continue;
        }
        wl.check(r, world);
      } catch (e) {
        console.log(
          `${name.padEnd(8)} ${wl.name.padEnd(10)} failed: ${e instanceof Error ? e.message : String(e)}`,
        );
        continue;
      }
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      if (!timings.has(wl.name)) timings.set(wl.name, new Map());
      timings.get(wl.name)!.set(name, seconds);
      // Wall time is what the goals mean; CPU time (user + system) shows how much of it was ours on a
      // shared machine.
      const cpuText = `cpu ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s`;
      console.log(`${name.padEnd(8)} ${wl.name.padEnd(10)} ${wl.describe(r, seconds)}; ${cpuText}`);
    }
  }
}

await main();
printRatios();

// The spec-suite figure (bench/spec.ts, issue 4): the whole spec/ through the harness, cold and warm.
if (!process.argv.includes('--workload')) {
  const { specBench } = await import('./spec.ts');
  const engines = (args('--engine').length ? args('--engine') : ['interp']) as EngineName[];
  for (const e of engines) await specBench(e);
  // Long and runaway examples through the harness (bench/inputs.ts, issue 9).
  if (engines.includes('interp')) await (await import('./inputs.ts')).inputsBench();
}
