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

/**
 * How an event is delivered (SDM vol. 3, 6.5 and 6.13):
 * - 'fault': the frame's RIP is the faulting instruction and its RFLAGS image has RF=1, so that a
 *   handler's iret re-executes the instruction without a repeated instruction-breakpoint #DB.
 * - 'trap' (int1): the frame's RIP is the next instruction; RF is pushed as it is.
 * - 'software' (int3, int n, into): like a trap, and a fault while delivering it has EXT=0 in its
 *   error code (the event came from the program, not from outside it).
 */
export type EventKind = 'fault' | 'trap' | 'software';

export class Fault {
  /** @param why a short human reason ("CR0.PG without CR0.PE"), kept for messages and tests. */
  constructor(
    readonly vector: number,
    readonly errorCode: number | undefined,
    readonly why: string,
    readonly kind: EventKind = 'fault',
  ) {}

  /** The pushed RIP is the next instruction (traps and software interrupts). */
  get trap(): boolean {
    return this.kind !== 'fault';
  }

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
