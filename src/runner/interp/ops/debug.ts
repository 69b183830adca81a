// Moves to and from the debug registers (SDM vol. 2, "MOV—Move to/from Debug Registers"; vol. 3B, 19.2).
// The registers are state only: DR7 may arm a breakpoint, but the interpreter does not match data or
// I/O breakpoints, and an armed instruction breakpoint that is reached stops the run as unsupported
// (see execBreakpoints), so a run never silently skips a #DB the CPU would raise.

import { Register } from 'iced-x86';
import { CR4_DE, DR6_BD, DR6_INIT, DR6_WRITABLE, DR7_GD, DR7_INIT, DR7_WRITABLE } from '../../../x86/bits.ts';
import { DB, Fault, UD, gp } from '../fault.ts';
import { OTHER, type OpFn } from '../insn.ts';
import { CS, type Machine, toBig } from '../machine.ts';

/** Whether an iced register is one of DR0-DR15. */
export const isDebugRegister = (r: Register): boolean => r >= Register.DR0 && r <= Register.DR15;

/** mov %drN,%reg and mov %reg,%drN. */
export const movDebug: OpFn = (m, i) => {
  const [d, s] = i.o;
  const toDr = d.k === OTHER && isDebugRegister(d.r);
  let n = (toDr ? d.r : s.r) - Register.DR0;
  if ((m.seg[CS]!.selector & 3) !== 0) throw gp('mov to or from a debug register at CPL > 0');
  if (n === 4 || n === 5) {
    // DR4 and DR5 are DR6 and DR7 under another number unless debugging extensions are on.
    if (m.cr4 & CR4_DE) throw new Fault(UD, undefined, `mov involving dr${n} with CR4.DE=1`);
    n += 2;
  }
  if (n > 7) throw new Fault(UD, undefined, `dr${n} does not exist`);
  if (m.dr7 & DR7_GD) {
    // General detect: a #DB (fault) before the move; the CPU reports it in DR6.BD and clears GD so the
    // handler can use the registers (SDM vol. 3B, 19.2.4 and 19.3.1.2; KVM clears B0-B3 as well).
    m.dr6 = (m.dr6 & ~0xfn) | DR6_BD;
    m.dr7 &= ~DR7_GD;
    throw new Fault(DB, undefined, 'debug-register move with DR7.GD set (general detect)');
  }
  const width = m.bits === 64 ? 64 : 32;
  if (toDr) {
    const v = toBig(m.getReg(s.r, width, false), width === 64 ? m.rh : 0);
    writeDebugRegister(m, n, v);
  } else {
    const v = readDebugRegister(m, n);
    m.setReg(d.r, width, false, Number(v & 0xffffffffn), width === 64 ? Number(v >> 32n) : 0);
  }
};

function readDebugRegister(m: Machine, n: number): bigint {
  return n < 4 ? m.dr[n]! : n === 6 ? m.dr6 : m.dr7;
}

function writeDebugRegister(m: Machine, n: number, v: bigint): void {
  if (n < 4) {
    m.dr[n] = v;
  } else {
    // In 64-bit mode bits 63:32 of DR6 and DR7 are reserved and must be written as zero.
    if (v >> 32n !== 0n) throw gp(`DR${n} bits 63:32 set`);
    // The other reserved bits ignore the write and read as the SDM fixes them.
    if (n === 6) m.dr6 = (v & DR6_WRITABLE) | DR6_INIT;
    else m.dr7 = (v & DR7_WRITABLE) | DR7_INIT;
  }
  m.execBreakpoints = execBreakpoints(m);
}

/**
 * The instruction breakpoints DR7 arms (L or G set, R/W = 00), by linear address as the run loop
 * compares RIP (a signed number), with their number; undefined when none is armed, so the loop pays
 * one test per step.
 */
export function execBreakpoints(m: Machine): Map<number, number> | undefined {
  let out: Map<number, number> | undefined;
  for (let n = 0; n < 4; n++) {
    const enabled = (m.dr7 >> BigInt(2 * n)) & 3n;
    const rw = (m.dr7 >> BigInt(16 + 4 * n)) & 3n;
    if (enabled === 0n || rw !== 0n) continue;
    (out ??= new Map()).set(Number(BigInt.asIntN(64, m.dr[n]!)), n);
  }
  return out;
}
