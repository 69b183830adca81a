// The decoded instruction as a plain object (no WASM handles): what the operation table executes.

import type { Machine } from './machine.ts';

export const REG = 0;
export const MEM = 1;
export const IMM = 2;
export const OTHER = 3;

export interface Opnd {
  /** REG, MEM, IMM or OTHER (segment/control registers, branch targets: read from the Insn). */
  k: number;
  /** Width in bits (8, 16, 32, 64). */
  w: number;
  /** GPR index (x86 order) for REG; for OTHER the iced Register value. */
  r: number;
  /** AH/CH/DH/BH. */
  hb: boolean;
  /** Immediate value, already masked to `w` (low / high 32 bits). */
  il: number;
  ih: number;
  /** Memory: segment index, base / index GPR (-1 none), scale, displacement halves, address size. */
  seg: number;
  base: number;
  idx: number;
  scale: number;
  dl: number;
  dh: number;
  asz: number;
  /** Memory operand that the instruction also writes: checked writable before it is read. */
  rmw: boolean;
}

export type OpFn = (m: Machine, i: Insn) => void;

export interface Insn {
  /** Linear address and length. */
  ip: number;
  len: number;
  /** RIP of the next instruction (an offset in CS). */
  next: number;
  /** Lower-case iced mnemonic ("add", "movsq", "jne"). */
  mn: string;
  /** iced Code. */
  code: number;
  /** Operand size in bytes the Code fixes (far transfers, ret, enter/leave, loop counts, lgdt/lidt), or 0. */
  osz: number;
  /** A far jmp/call. */
  far: boolean;
  o: Opnd[];
  /** Operand size in bits of the first operand (or of the memory access). */
  w: number;
  /** iced ConditionCode (0 none). */
  cc: number;
  /** 0 none, 1 rep/repe, 2 repne. */
  rep: number;
  /** Address size in bits (for string ops and loop). */
  asz: number;
  /** Near branch target (signed number), far branch selector/offset. */
  target: number;
  farSel: number;
  farOff: number;
  /** Stack pointer change iced reports (push -8, pop +8 ...). */
  spInc: number;
  /** Architectural RFLAGS bits written / left undefined, from iced's instruction info. */
  fw: number;
  fu: number;
  /** Memory operand size in bytes (0 when none). */
  msize: number;
  /** Source segment of string instructions (DS unless overridden). */
  sseg: number;
  exec: OpFn;
  /** GAS text (only when tracing). */
  text: string;
}
