// Many small programs through one GNU as run: each program is a block between two labels in one
// .text section, so 2000 programs cost three processes (as, objcopy, nm) instead of 6000.
// Programs are position-independent except for absolute data addresses, so each one's bytes can be
// run at any base. Diagnostics are mapped back to (program, line).

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class GasError extends Error {}

export async function assembleMany(programs: string[]): Promise<Uint8Array[]> {
  const dir = await mkdtemp(join(tmpdir(), 'kexec-diff-'));
  try {
    const lines: string[] = ['.text', '.code64'];
    const starts: number[] = [];
    programs.forEach((p, i) => {
      lines.push(`__p${i}_start:`);
      starts.push(lines.length + 1);
      lines.push(...p.split('\n'));
      lines.push(`__p${i}_end:`);
    });
    await writeFile(join(dir, 'p.s'), lines.join('\n') + '\n');
    try {
      await run('as', ['--64', '-o', join(dir, 'p.o'), join(dir, 'p.s')]);
    } catch (e) {
      const stderr = (e as { stderr?: string }).stderr ?? String(e);
      const m = /p\.s:(\d+): (.*)/.exec(stderr);
      if (!m) throw new GasError(stderr);
      const line = Number(m[1]);
      let idx = 0;
      while (idx + 1 < starts.length && starts[idx + 1]! <= line) idx++;
      throw new GasError(`program ${idx} line ${line - starts[idx]! + 1}: ${m[2]}\n${programs[idx]}`);
    }
    await run('objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'p.o'), join(dir, 'p.bin')]);
    const { stdout } = await run('nm', [join(dir, 'p.o')], { maxBuffer: 64 << 20 });
    const sym = new Map<string, number>();
    for (const l of stdout.split('\n')) {
      const [v, , n] = l.trim().split(/\s+/);
      if (n) sym.set(n, parseInt(v!, 16));
    }
    const bin = new Uint8Array(await readFile(join(dir, 'p.bin')));
    return programs.map((_, i) => bin.slice(sym.get(`__p${i}_start`)!, sym.get(`__p${i}_end`)!));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
