// Which instruction of a trace last wrote some RFLAGS bits, for the "architecturally undefined" message.
// A trace step lists the items whose value changed, so an instruction that rewrites a flag with the
// same value is not visible there; decoding the step's bytes (iced-x86's flag table) is.

import { Decoder, DecoderOptions } from 'iced-x86';
import { MemoryError, type PhysicalMemory } from '../../runner/memory.ts';
import { translate } from '../../runner/paging.ts';
import type { TraceStep } from '../../runner/types.ts';
import type { CpuState } from '../../x86/registers.ts';

/** iced RflagsBits -> architectural RFLAGS bits (OF SF ZF AF CF PF DF IF AC). */
const ICED_FLAGS: [number, bigint][] = [
  [1, 1n << 11n],
  [2, 1n << 7n],
  [4, 1n << 6n],
  [8, 1n << 4n],
  [16, 1n << 0n],
  [32, 1n << 2n],
  [64, 1n << 10n],
  [128, 1n << 9n],
  [256, 1n << 18n],
];

/** Up to 15 bytes of code at a linear address (fewer at the edge of mapped RAM). */
function codeBytes(mem: PhysicalMemory, state: CpuState, rip: bigint): Uint8Array {
  const out: number[] = [];
  for (let i = 0n; i < 15n; i++) {
    const t = translate(mem, state, rip + i);
    if (!t.ok || !mem.contains(t.phys, 1)) break;
    out.push(mem.read(t.phys, 1)[0]!);
  }
  return Uint8Array.from(out);
}

/** The RFLAGS bits the instruction at `rip` writes (modified, set, cleared or left undefined). */
export function flagsWritten(bytes: Uint8Array, rip: bigint, bitness: 16 | 32 | 64): bigint {
  if (bytes.length === 0) return 0n;
  const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
  decoder.ip = rip;
  const ins = decoder.decode();
  const iced = ins.rflagsModified;
  ins.free();
  decoder.free();
  let out = 0n;
  for (const [b, a] of ICED_FLAGS) if (iced & b) out |= a;
  return out;
}

/** The last step of `trace` that wrote any of `flags`, read from the final memory, or undefined. */
export function lastWriter(
  trace: TraceStep[],
  flags: bigint,
  mem: PhysicalMemory,
  state: CpuState,
): TraceStep | undefined {
  const cs = state.seg.cs.attributes;
  const bitness = cs & (1 << 13) ? 64 : cs & (1 << 14) ? 32 : 16;
  for (let i = trace.length - 1; i >= 0; i--) {
    const step = trace[i]!;
    try {
      if (flagsWritten(codeBytes(mem, state, step.rip), step.rip, bitness) & flags) return step;
    } catch (e) {
      if (!(e instanceof MemoryError)) throw e;
    }
  }
  return undefined;
}
