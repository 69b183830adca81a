// Many small programs through one assembler run: each program is a block between two labels in one
// source, assembled by src/runner/assemble.ts (one `as`, one `ld`), so 2000 programs cost two
// processes. Programs are position-independent except for absolute data addresses, so each one's bytes
// can be run at any base. Diagnostics are mapped back to (program, line).

import { assemble } from '../../../src/runner/assemble.ts';

export class GasError extends Error {}

const BASE = 0x10_0000n;

export async function assembleMany(programs: string[]): Promise<Uint8Array[]> {
  const lines: string[] = ['.text', '.code64'];
  const starts: number[] = [];
  programs.forEach((p, i) => {
    lines.push(`__p${i}_start:`);
    starts.push(lines.length + 1);
    lines.push(...p.split('\n'));
    lines.push(`__p${i}_end:`);
  });
  const [out] = await assemble([{ source: lines.join('\n') + '\n', base: BASE }]);
  if (!out!.ok) {
    const d = out!.diagnostics[0];
    if (!d) throw new GasError('the assembler failed without a message');
    let idx = 0;
    while (idx + 1 < starts.length && starts[idx + 1]! <= d.line) idx++;
    throw new GasError(`program ${idx} line ${d.line - starts[idx]! + 1}: ${d.message}\n${programs[idx]}`);
  }
  const { bytes, symbols } = out!;
  const at = (name: string) => Number(symbols[name]! - BASE);
  // Plain Uint8Array copies (the assembler hands out Buffers).
  return programs.map((_, i) => new Uint8Array(bytes.subarray(at(`__p${i}_start`), at(`__p${i}_end`))));
}
