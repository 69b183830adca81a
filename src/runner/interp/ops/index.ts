// The operation table: mnemonic -> function. Width is a property of the decoded operands, so one entry
// serves every operand size; condition-code families (jcc, setcc, cmovcc) share one entry each.
// Anything not in the table stops the run as 'unsupported' naming the mnemonic and address.

import { Halt } from '../fault.ts';
import type { Insn, OpFn } from '../insn.ts';
import { addrToBig } from '../machine.ts';
import { CONTROL_OPS, jcc } from './control.ts';
import { CC_OPS, INT_OPS } from './int.ts';
import { STRING_OPS } from './string.ts';
import { SYSTEM_OPS } from './system.ts';

export const OPS: Record<string, OpFn> = { ...INT_OPS, ...CONTROL_OPS, ...SYSTEM_OPS };

/** SSE instructions that share a mnemonic with string instructions (movsd, cmpsd). */
function isStringForm(i: Insn): boolean {
  return (
    /^(Movs|Cmps|Stos|Lods|Scas)[bwdq]_/.test(i.codeName) ||
    /^(Movs|Cmps|Stos|Lods|Scas)[bwdq]$/.test(i.codeName)
  );
}

function unsupported(i: Insn): OpFn {
  return (m) => {
    const where = `0x${addrToBig(i.ip).toString(16)}`;
    throw new Halt('unsupported', `instruction '${i.mn}' at ${where} is not modelled (${m.modeName} mode)`, {
      mnemonic: i.mn,
    });
  };
}

export function resolveOp(i: Insn): OpFn {
  const s = STRING_OPS[i.mn];
  if (s && isStringForm(i)) return s;
  const op = OPS[i.mn];
  if (op) return op;
  if (i.cc !== 0) {
    if (i.mn.startsWith('set')) return CC_OPS.setcc;
    if (i.mn.startsWith('cmov')) return CC_OPS.cmovcc;
    if (i.mn.startsWith('j')) return jcc;
  }
  return unsupported(i);
}
