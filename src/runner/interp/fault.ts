// What can end an instruction early.
// A Fault is an architectural exception (vector + optional error code): the run loop catches it and
// delivers it through the guest IDT, or ends the run as a triple fault when that is impossible.
// A Halt is not an exception: it ends the run (hlt, an unmodelled instruction, memory outside RAM).

import type { StopReason } from '../types.ts';

export const DE = 0;
export const DB = 1;
export const BP = 3;
export const UD = 6;
export const NM = 7;
export const DF = 8;
export const TS = 10;
export const NP = 11;
export const SS = 12;
export const GP = 13;
export const PF = 14;

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE',
  1: '#DB',
  2: 'NMI',
  3: '#BP',
  4: '#OF',
  5: '#BR',
  6: '#UD',
  7: '#NM',
  8: '#DF',
  10: '#TS',
  11: '#NP',
  12: '#SS',
  13: '#GP',
  14: '#PF',
  16: '#MF',
  17: '#AC',
  18: '#MC',
  19: '#XM',
};

/** Exceptions that push an error code (SDM vol. 3, table 6-1). */
const WITH_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17, 21]);

export function hasErrorCode(vector: number): boolean {
  return WITH_ERROR_CODE.has(vector);
}

export class Fault {
  /**
   * @param trap  true for software interrupts (int3, int n): the pushed RIP is the next instruction.
   * @param why   a short human reason ("CR0.PG without CR0.PE"), kept for messages and tests.
   */
  constructor(
    readonly vector: number,
    readonly errorCode: number | undefined,
    readonly why: string,
    readonly trap = false,
  ) {}

  get name(): string {
    return VECTOR_NAMES[this.vector] ?? `vector ${this.vector}`;
  }
}

/** #GP(code) with a reason. */
export function gp(why: string, code = 0): Fault {
  return new Fault(GP, code, why);
}

export class Halt {
  constructor(
    readonly reason: StopReason,
    readonly message: string,
    readonly extra: { mnemonic?: string; address?: bigint } = {},
  ) {}
}
