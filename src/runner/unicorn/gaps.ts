// Where Unicorn 2.0.1 is not an x86-64 CPU. The one list: the differential harness asks `unicornGap`
// before comparing a case, and a case inside a gap is reported "not comparable (unicorn gap: ...)",
// never silently dropped. docs/guides/engines.md carries the same list; test/unicorn-gaps.test.ts shows
// each behaviour on a small program.

import {
  CR0_CD,
  CR0_NW,
  CR0_PE,
  CR0_PG,
  CR4_PAE,
  DR6_INIT,
  DR6_WRITABLE,
  DR7_INIT,
  DR7_WRITABLE,
  EFER_LMA,
  EFER_NXE,
  EFER_SCE,
} from '../../x86/bits.ts';
import { missingAccessedBits } from '../accessed-bits.ts';
import { translate } from '../paging.ts';
import type { RunResult, World } from '../types.ts';

export interface GapCase {
  world: World;
  /** What unicorn did. */
  unicorn: RunResult;
  /** What the reference (kvm, else the interpreter) did, when known. */
  reference?: RunResult;
}

export interface UnicornGap {
  id: string;
  /** One line: what unicorn does instead of what the CPU does. */
  description: string;
  /** Evidence that `c` is inside this gap (one line), or undefined. */
  classify(c: GapCase): string | undefined;
}

/** CR4 bits an x86-64 CPU of today defines (0-14, 16-25, LASS 27, LAM_SUP 28); setting others #GPs. */
const CR4_DEFINED = 0x3ff_7fffn | (1n << 27n) | (1n << 28n);

/** A mov to CR0/CR3/CR4 (0f 22 /r, optional REX) at `rip` in the world's code. */
function isMovToCr(c: GapCase, rip: bigint): boolean {
  const mem = c.reference?.memory ?? c.unicorn.memory;
  try {
    const b = mem.read(rip, 3);
    const i = b[0]! >= 0x40 && b[0]! <= 0x4f ? 1 : 0;
    return b[i] === 0x0f && b[i + 1] === 0x22;
  } catch {
    return false;
  }
}

/** A move to a debug register (0f 23 /r, optional REX) at `rip` in the world's code. */
function isMovToDr(c: GapCase, rip: bigint): boolean {
  const mem = c.reference?.memory ?? c.unicorn.memory;
  try {
    const b = mem.read(rip, 3);
    const i = b[0]! >= 0x40 && b[0]! <= 0x4f ? 1 : 0;
    return b[i] === 0x0f && b[i + 1] === 0x23;
  } catch {
    return false;
  }
}

/** DR6/DR7 values no CPU reads back: reserved bits not as the SDM fixes them (DR7 bit 11 aside, RTM). */
function invalidDebugState(r: RunResult): string | undefined {
  const { dr6, dr7 } = r.state;
  if ((dr6 & ~DR6_WRITABLE) !== DR6_INIT) return `DR6 0x${dr6.toString(16)}`;
  if ((dr7 & ~DR7_WRITABLE & ~0x800n) !== DR7_INIT) return `DR7 0x${dr7.toString(16)}`;
  return undefined;
}

/** CR0 bits that are reserved in 31:0: a CPU ignores writes to them (they keep reading as 0). */
const CR0_RESERVED_LOW = 0x1ffaffc0n;

function invalidControlState(r: RunResult): string | undefined {
  const { cr0, cr4, efer } = r.state;
  if ((cr0 & CR0_RESERVED_LOW) !== 0n) return `reserved CR0 bits 0x${(cr0 & CR0_RESERVED_LOW).toString(16)}`;
  if ((cr0 & CR0_PG) !== 0n && (cr0 & CR0_PE) === 0n) return 'CR0.PG=1 with PE=0';
  if ((cr0 & CR0_NW) !== 0n && (cr0 & CR0_CD) === 0n) return 'CR0.NW=1 with CD=0';
  if ((cr4 & ~CR4_DEFINED) !== 0n) return `reserved CR4 bits 0x${(cr4 & ~CR4_DEFINED).toString(16)}`;
  if ((efer & EFER_LMA) !== 0n && (cr4 & CR4_PAE) === 0n) return 'EFER.LMA=1 with CR4.PAE=0';
  return undefined;
}

export const UNICORN_GAPS: readonly UnicornGap[] = [
  // First: its engine-limit stop is specific, and other gaps (efer-nxe-sce) match whole worlds.
  {
    id: 'debug-registers',
    description:
      'debug registers are plain storage: DR6 and DR7 keep reserved bits as written (and bits 63:32 without ' +
      'a #GP), DR7.GD never raises #DB, armed breakpoints never fire, and a guest move to a debug register ' +
      'that leaves a breakpoint armed crashes unicorn (SIGSEGV), so the engine stops before it',
    classify(c) {
      const s = c.unicorn.stop;
      if (s.reason === 'engine-limit' && s.message.includes('arming a breakpoint')) return s.message;
      const bad = invalidDebugState(c.unicorn);
      if (bad) return `unicorn ended with ${bad}, which no CPU reads back`;
      const ref = c.reference;
      if (!ref || ref.stop.reason === s.reason) return undefined;
      if (ref.stop.vector === 1) return `the reference raised #DB at 0x${ref.stop.rip.toString(16)}`;
      if (ref.stop.vector === 13 && isMovToDr(c, ref.stop.rip))
        return `the reference raised #GP at the debug-register write at 0x${ref.stop.rip.toString(16)}`;
      const armed = (c.world.state.dr7 | ref.state.dr7) & 0xffn;
      if (armed !== 0n && ref.stop.reason !== 'hlt')
        return `DR7 arms a breakpoint (L/G bits 0x${armed.toString(16)}) and the reference stopped (${ref.stop.reason}) where unicorn did not`;
      return undefined;
    },
  },
  {
    id: 'cr-write-no-gp',
    description:
      'a CR0/CR4 write that the CPU refuses with #GP is taken as written (reserved CR4 bits, CR0.NW without CD, ' +
      'PE=0 with PG=1, CR4.PAE or CR0.PG cleared in 64-bit mode) or, for CR0.PG with EFER.LME=1 and CR4.PAE=0, ' +
      'silently dropped — never a #GP; and reserved CR0[31:0] bits, which a CPU ignores, are kept',
    classify(c) {
      const ref = c.reference;
      if (ref && ref.stop.vector === 13 && isMovToCr(c, ref.stop.rip))
        return `the reference raised #GP at the control-register write at 0x${ref.stop.rip.toString(16)}`;
      const bad = invalidControlState(c.unicorn);
      return bad ? `unicorn ended in a state no CPU can hold: ${bad}` : undefined;
    },
  },
  {
    id: 'efer-nxe-sce',
    description:
      "EFER.NXE and EFER.SCE are not kept (unicorn's CPU model lacks the NX and SYSCALL CPUID bits, so the " +
      'write drops them); no-execute pages therefore never fault',
    classify(c) {
      const want = c.world.state.efer | (c.reference?.state.efer ?? 0n);
      if ((want & (EFER_NXE | EFER_SCE)) !== 0n) return `EFER 0x${want.toString(16)} has NXE/SCE`;
      return undefined;
    },
  },
  {
    id: 'virtual-as-physical',
    description:
      'unicorn checks the virtual address, not the physical one, against its mapped memory: an access whose ' +
      'virtual address is not RAM stops as "unmapped" — also through a valid non-identity mapping (should ' +
      'succeed), a non-present entry (should #PF) or at a non-canonical address (should #GP/#SS)',
    classify(c) {
      const s = c.unicorn.stop;
      if (s.reason !== 'memory' || s.address === undefined) return undefined;
      if ((c.unicorn.state.cr0 & CR0_PG) === 0n) return undefined;
      const a = s.address;
      const top = a >> 47n;
      if (top !== 0n && top !== 0x1_ffffn)
        return `0x${a.toString(16)} is non-canonical (a CPU raises #GP/#SS)`;
      try {
        const t = translate(c.unicorn.memory, c.unicorn.state, a);
        if (!t.ok) return `0x${a.toString(16)} is not mapped by the page tables (a CPU raises #PF)`;
        if (c.unicorn.memory.contains(t.phys, 1))
          return `0x${a.toString(16)} maps to RAM at 0x${t.phys.toString(16)}`;
      } catch {
        return undefined;
      }
      return undefined;
    },
  },
  {
    id: 'msr-no-gp',
    description:
      'rdmsr/wrmsr never raise #GP: reserved EFER bits are dropped, clearing EFER.LME with paging on is ' +
      'accepted, and an MSR that does not exist reads as zero',
    classify(c) {
      const ref = c.reference;
      if (ref?.stop.vector !== 13) return undefined;
      const mem = ref.memory;
      try {
        const b = mem.read(ref.stop.rip, 2);
        if (b[0] === 0x0f && (b[1] === 0x30 || b[1] === 0x32))
          return `the reference raised #GP at the ${b[1] === 0x30 ? 'wrmsr' : 'rdmsr'} at 0x${ref.stop.rip.toString(16)}`;
      } catch {
        return undefined;
      }
      return undefined;
    },
  },
  {
    id: 'non-canonical-branch-target',
    description:
      'a jump to a non-canonical address faults at the target (RIP = the non-canonical address, as AMD ' +
      'CPUs report it), not at the jump instruction (Intel, and the interpreter)',
    classify(c) {
      const s = c.unicorn.stop;
      if (s.vector !== 13) return undefined;
      const top = s.rip >> 47n;
      return top !== 0n && top !== 0x1_ffffn
        ? `#GP reported at the non-canonical RIP 0x${s.rip.toString(16)}`
        : undefined;
    },
  },
  {
    id: 'guest-idt-unused',
    description:
      'exceptions are never delivered through the guest IDT: unicorn reports the vector to its interrupt hook ' +
      'and stops, so a handler never runs (and no error code is reported)',
    classify(c) {
      const s = c.unicorn.stop;
      if (s.reason === 'fault') return `exception ${s.vector} with a guest IDT that covers it`;
      if (c.reference?.stop.reason === 'fault' && s.reason === 'triple-fault')
        return 'the reference delivered an exception through the guest IDT';
      return undefined;
    },
  },
  {
    id: 'far-transfer-accessed-bit',
    description:
      'a far transfer (ljmp, lcall, lretq, iretq) that loads CS — or SS, from an iretq frame — does not set the ' +
      'accessed bit in the descriptor (a CPU writes it, and the page walk of that write sets A/D); mov/pop/lss do',
    classify(c) {
      const ref = c.reference;
      return ref && missingAccessedBits(c.world.state.gdtr, ref, c.unicorn);
    },
  },
];

/** The first gap `c` falls into, with its evidence. */
export function unicornGap(c: GapCase): { gap: UnicornGap; evidence: string } | undefined {
  for (const gap of UNICORN_GAPS) {
    const evidence = gap.classify(c);
    if (evidence) return { gap, evidence };
  }
  return undefined;
}
