// The operation table: iced Code -> what the interpreter does, built once per Code (the first time an
// instruction with that Code is decoded). Operations are written per mnemonic (one entry serves every
// operand size; condition-code families share one entry each); the table resolves each Code to its
// operation and to the facts its name encodes (near or far, the operand size a far transfer, ret,
// enter/leave, a loop's count register or lgdt/lidt use), so nothing looks at names while running.
// Anything not in the table stops the run as 'unsupported' naming the mnemonic and address.

import { Code, Mnemonic } from 'iced-x86';
import { Halt } from '../fault.ts';
import type { OpFn } from '../insn.ts';
import { addrToBig } from '../machine.ts';
import { CONTROL_OPS, jcc } from './control.ts';
import { CC_OPS, INT_OPS } from './int.ts';
import { STRING_OPS } from './string.ts';
import { SYSTEM_OPS } from './system.ts';

export const OPS: Record<string, OpFn> = { ...INT_OPS, ...CONTROL_OPS, ...SYSTEM_OPS };

/** What decoding takes from the table for an iced Code. */
export interface CodeEntry {
  /** Lower-case mnemonic ("add", "movsq", "jne"), for messages and traces. */
  mn: string;
  exec: OpFn;
  /** Operand size in bytes the Code fixes (see operandBytes), 0 where the operands say it. */
  osz: number;
  /** A far jmp/call (ptr16:16/32, m16:16/32/64). */
  far: boolean;
  /** A string instruction (movs, stos, lods, cmps, scas, ins, outs): its width is its memory operand's. */
  string: boolean;
}

const TABLE: (CodeEntry | undefined)[] = [];

/** The entry of a Code (its mnemonic and condition code are the decoder's, which the Code determines). */
export function codeEntry(code: Code, mnemonic: Mnemonic, cc: number): CodeEntry {
  return (TABLE[code] ??= makeEntry(Code[code], Mnemonic[mnemonic].toLowerCase(), cc));
}

function makeEntry(name: string, mn: string, cc: number): CodeEntry {
  // SSE instructions share mnemonics with string instructions (movsd, cmpsd): the Code tells them apart.
  const stringForm = /^(Movs|Cmps|Stos|Lods|Scas)[bwdq](_|$)/.test(name);
  return {
    mn,
    exec: (stringForm ? STRING_OPS[mn] : undefined) ?? OPS[mn] ?? conditional(mn, cc) ?? unsupported,
    osz: operandBytes(name, mn),
    far: (mn === 'jmp' || mn === 'call') && /ptr16|m16(16|32|64)/.test(name),
    string: /^(movs|stos|lods|cmps|scas|ins|outs)/.test(mn),
  };
}

function conditional(mn: string, cc: number): OpFn | undefined {
  if (cc === 0) return undefined;
  if (mn.startsWith('set')) return CC_OPS.setcc;
  if (mn.startsWith('cmov')) return CC_OPS.cmovcc;
  if (mn.startsWith('j')) return jcc;
  return undefined;
}

/**
 * The operand size (bytes) an iced Code name encodes where the operation needs it: near ret (Retnq 8,
 * Retnd 4, else 2), enter/leave (same suffixes), the count register of loop/jrcxz (RCX 8, ECX 4, CX 2),
 * far transfers (m16:64, Retfq, Iretq 8; m16:32, ptr16:32, Retfd, Iretd 4; m16:16, ptr16:16, Retfw,
 * Iretw 2; else 0: the operand width decides), lgdt/lidt with a 16-bit operand (2, else 0).
 */
function operandBytes(name: string, mn: string): number {
  switch (mn) {
    case 'ret':
      return /Retnq/.test(name) ? 8 : /Retnd/.test(name) ? 4 : 2;
    case 'enter':
      return /^Enterq/.test(name) ? 8 : /^Enterd/.test(name) ? 4 : 2;
    case 'leave':
      return name === 'Leaveq' ? 8 : name === 'Leaved' ? 4 : 2;
    case 'loop':
    case 'loope':
    case 'loopne':
    case 'jrcxz':
    case 'jecxz':
    case 'jcxz':
      return name.startsWith('Jrcxz') || name.endsWith('_RCX')
        ? 8
        : name.startsWith('Jecxz') || name.endsWith('_ECX')
          ? 4
          : 2;
    case 'lgdt':
    case 'lidt':
      return name.endsWith('_16') ? 2 : 0;
    case 'jmp':
    case 'call':
    case 'retf':
    case 'iret':
    case 'iretd':
    case 'iretq':
      if (/m1664|^Retfq|^Iretq|^Call_m1664/.test(name)) return 8;
      if (/m1632|ptr1632|^Retfd|^Iretd/.test(name)) return 4;
      if (/m1616|ptr1616|^Retfw|^Iretw/.test(name)) return 2;
      return 0;
    default:
      return 0;
  }
}

/** Stops the run: the instruction (its address and mnemonic from the Insn) is not modelled. */
const unsupported: OpFn = (m, i) => {
  const where = `0x${addrToBig(i.ip).toString(16)}`;
  throw new Halt('unsupported', `instruction '${i.mn}' at ${where} is not modelled (${m.modeName} mode)`, {
    mnemonic: i.mn,
  });
};
