// The long-run figures of `npm run bench` (issue 9): what `kexec-contract test` costs against `run` for
// one long program, and how a runaway example (code run into zero-filled RAM) ends.
//   long-example  a 50M-step loop as a spec example under 4 seeds, through the harness, against the
//                 same program run once by the engine. The harness runs it seeds + 1 times (each seed
//                 once; the traced first seed twice: once to learn its length, once to record the kept
//                 rows). Goal: each of those within 1.25x of the run alone.
//   runaway       an example whose code runs into zero-filled RAM, to a 10M-step budget under 4 seeds.
//                 Goals: one seed's worth of work (a budget failure ends the example), under 10 s, and
//                 heap growth under 256 MiB.
// Run alone: tsx bench/inputs.ts

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkSpec } from '../src/harness/check.ts';
import { assemble } from '../src/runner/assemble.ts';
import { getEngine } from '../src/runner/engines.ts';
import { baselineWorld, loadCode } from '../src/runner/world.ts';

const ITERATIONS = 25_000_000; // 2 steps each: 50M steps
const LOOP = `_start:\n    movl $${ITERATIONS}, %ecx\n1:  decl %ecx\n    jnz 1b\n    xorl %eax, %eax\n`;

const chapter = (maxSteps: number, code: string) => `\`\`\`given stage=s title="Long run"
symbols:
  entry: 0x300000
memory:
  - at: entry
    asm: hlt
until: entry
seeds: 4
max_steps: ${maxSteps}
\`\`\`

:::clause{#s.rax.zero level=must}
RAX MUST be zero.

\`\`\`expect
rax == 0
\`\`\`
:::

\`\`\`asm example name=long
${code}\`\`\`
`;

export async function inputsBench(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kexec-contract-bench-inputs-'));
  try {
    // The program alone, once.
    const [asm] = await assemble([{ source: `${LOOP}    hlt\n`, base: 0x100000n }]);
    if (!asm?.ok) throw new Error('bench/inputs.ts: the loop does not assemble');
    const interp = await getEngine('interp');
    let t = performance.now();
    const alone = await interp.run(loadCode(baselineWorld(), asm.bytes, 0x100000n, asm.symbols), {
      maxSteps: 60_000_000,
    });
    const runS = (performance.now() - t) / 1000;

    const long = path.join(dir, 'long.md');
    await writeFile(long, chapter(60_000_000, `${LOOP}    jmp entry\n`));
    t = performance.now();
    const r = await checkSpec(long, { engine: 'interp', cache: false });
    const testS = (performance.now() - t) / 1000;
    const ok = r.documents[0]?.runs[0]?.ok === true;
    const perRun = testS / 5 / runS;
    console.log(
      `interp   long-example ${testS.toFixed(2)} s through the harness (4 seeds + 1 traced replay) vs ` +
        `${runS.toFixed(2)} s for one run of ${alone.steps} steps: ${(testS / runS).toFixed(1)}x, ` +
        `${perRun.toFixed(2)}x per run (goal <= 1.25x)${ok ? '' : ' — the example did not pass'}`,
    );

    const runaway = path.join(dir, 'runaway.md');
    await writeFile(runaway, chapter(10_000_000, '_start:\n    nop\n'));
    const heap0 = process.memoryUsage().heapUsed;
    let peak = heap0;
    const seeds = new Set<number>();
    t = performance.now();
    const z = await checkSpec(runaway, {
      engine: 'interp',
      cache: false,
      onProgress: (p) => {
        seeds.add(p.seed);
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      },
    });
    const zS = (performance.now() - t) / 1000;
    const stop = z.documents[0]?.runs[0]?.stop.reason;
    console.log(
      `interp   runaway      ${zS.toFixed(2)} s to stop by ${stop} (10M steps of 00 00 under ${seeds.size} of 4 seeds; ` +
        `goal < 10 s, 1 seed), heap growth ${((peak - heap0) / 2 ** 20).toFixed(0)} MiB (goal < 256 MiB)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await inputsBench();
