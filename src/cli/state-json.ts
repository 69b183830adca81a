// The `--json` object of `kexec-contract run`: the final state with 64-bit values as "0x..." strings.

import type { StopReason } from '../runner/types.ts';
import { hex } from '../x86/hex.ts';
import {
  GPRS,
  SEGMENT_REGISTERS,
  type CpuState,
  type DescriptorTableRegister,
  type Segment,
} from '../x86/registers.ts';

/** The shape of `kexec-contract run --json`. */
export interface StateJson {
  stop: { reason: StopReason; vector?: number; errorCode?: number; rip: string; message?: string };
  regs: Record<string, string>;
  cr: { cr0: string; cr2: string; cr3: string; cr4: string };
  efer: string;
  dr: { dr0: string; dr1: string; dr2: string; dr3: string; dr6: string; dr7: string };
  msr: Record<string, string>;
  segments: Record<string, { selector: string; base: string; limit: string; attributes: string }>;
  ldtr: { selector: string };
  tr: { selector: string };
  gdtr: { base: string; limit: string };
  idtr: { base: string; limit: string };
  steps?: number;
  undefinedFlags: string;
  serial: string;
}

/** The `--json` object of `kexec-contract run`: 64-bit values as "0x..." strings. */
export function stateToJson(result: {
  stop: { reason: StopReason; vector?: number; errorCode?: number; rip: bigint; message?: string };
  state: CpuState;
  steps?: number;
  undefinedFlags: bigint;
  serial: string;
}): StateJson {
  const { state } = result;
  const regs: Record<string, string> = {};
  for (const r of GPRS) regs[r] = hex(state.gpr[r]);
  regs.rip = hex(state.rip);
  regs.rflags = hex(state.rflags);
  const seg = (s: Segment) => ({
    selector: hex(s.selector),
    base: hex(s.base),
    limit: hex(s.limit),
    attributes: hex(s.attributes),
  });
  const table = (t: DescriptorTableRegister) => ({ base: hex(t.base), limit: hex(t.limit) });
  const stop: StateJson['stop'] = { reason: result.stop.reason, rip: hex(result.stop.rip) };
  if (result.stop.vector !== undefined) stop.vector = result.stop.vector;
  if (result.stop.errorCode !== undefined) stop.errorCode = result.stop.errorCode;
  if (result.stop.message !== undefined) stop.message = result.stop.message;
  return {
    stop,
    regs,
    cr: { cr0: hex(state.cr0), cr2: hex(state.cr2), cr3: hex(state.cr3), cr4: hex(state.cr4) },
    efer: hex(state.efer),
    dr: {
      dr0: hex(state.dr0),
      dr1: hex(state.dr1),
      dr2: hex(state.dr2),
      dr3: hex(state.dr3),
      dr6: hex(state.dr6),
      dr7: hex(state.dr7),
    },
    msr: Object.fromEntries([...state.msr].sort((a, b) => a[0] - b[0]).map(([n, v]) => [hex(n), hex(v)])),
    segments: Object.fromEntries(SEGMENT_REGISTERS.map((s) => [s, seg(state.seg[s])])),
    ldtr: { selector: hex(state.ldtr.selector) },
    tr: { selector: hex(state.tr.selector) },
    gdtr: table(state.gdtr),
    idtr: table(state.idtr),
    ...(result.steps !== undefined ? { steps: result.steps } : {}),
    undefinedFlags: hex(result.undefinedFlags),
    serial: result.serial,
  };
}
