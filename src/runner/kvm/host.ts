// Where this machine's KVM is not the CPU the SDM describes. KVM runs the guest on what the host
// gives it: nested virtualisation (kvm_pvm, for one, runs guests without hardware virtualisation and
// emulates parts of the CPU in software), a CPU model that lacks a feature, an emulator path that
// gives up. The interpreter follows the SDM; KVM hosts that differ from it are listed here once, each
// with
// - a probe: a small program run on THIS host's KVM whose result shows whether the host has the
//   difference (a host that behaves as the SDM says keeps every case comparable), and
// - a classifier: evidence that a case on which interp and kvm disagree is explained by it.
// The differential tests and the spec harness (`test --engine kvm`, src/harness/differences.ts)
// consult the list only where interp and kvm disagree, and only for the differences the probes found
// here; such a case is printed "not comparable (kvm host: ID — evidence)", never dropped silently, and
// a disagreement no entry explains fails. docs/guides/engines.md carries the same list;
// test/kvm-host.test.ts shows each entry on this host.

import { existsSync } from 'node:fs';
import { CR0_PG, CR4_LA57, CR4_PAE, EFER_LMA } from '../../x86/bits.ts';
import { PTE_ADDR_MASK } from '../../x86/paging.ts';
import { hex } from '../../x86/hex.ts';
import { GPRS, type CpuState } from '../../x86/registers.ts';
import { missingAccessedBits } from '../accessed-bits.ts';
import { assemble } from '../assemble.ts';
import { differingBytes, type PhysicalMemory } from '../memory.ts';
import { isCanonical, translate } from '../paging.ts';
import {
  CODE_BASE,
  DATA_BASE,
  GDT_BASE,
  IDT_BASE,
  programWorld,
  withRecordingIdt,
} from '../program-world.ts';
import type { CpuidEntry, RunResult, Stop, World } from '../types.ts';
import { baselineCpuid, claimCr4Features } from '../world.ts';

/** One engine's view of a case; state and memory are absent where only the stop is known. */
export interface Observed {
  stop: Stop;
  state?: CpuState;
  memory?: PhysicalMemory;
}

export interface KvmCase {
  /** The interpreter's run: the SDM's answer. */
  interp: Observed;
  kvm: Observed;
  /** The world both ran (its CPUID table), where the caller has it. */
  world?: World;
}

export interface HostProbe {
  /** AT&T source, assembled at CODE_BASE of the program world (src/runner/program-world.ts). */
  source: string;
  /** Changes to that world (page tables, the recording IDT of the system corpus). */
  world?: (w: World) => void;
  /** One line of evidence when the kvm run shows the difference; undefined when it did as the SDM says. */
  shows(r: RunResult): string | undefined;
}

export interface KvmHostDifference {
  id: string;
  /** One line: what this kind of host does instead of what the SDM says. */
  description: string;
  probe: HostProbe;
  /**
   * Evidence (one line) that the disagreement in `c` is this difference, or undefined. `probe` is this
   * host's KVM run of the probe, for a difference whose classifier needs what the host answered.
   */
  classify(c: KvmCase, probe?: RunResult): string | undefined;
}

const q = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};

/** The bytes at linear `rip`, through the run's final paging. */
function codeAt(o: Observed, rip: bigint, n: number): Uint8Array | undefined {
  if (!o.memory || !o.state) return undefined;
  try {
    const t = translate(o.memory, o.state, rip, { exec: true });
    return t.ok ? o.memory.read(t.phys, n) : undefined;
  } catch {
    return undefined;
  }
}

/** The source GPR of a `mov %reg, %cr0` (0f 22 /r, reg field 0, optional REX) at `rip`. */
function movToCr0Source(o: Observed, rip: bigint): (typeof GPRS)[number] | undefined {
  const b = codeAt(o, rip, 4);
  if (!b) return undefined;
  const rex = b[0]! >= 0x40 && b[0]! <= 0x4f ? b[0]! : 0;
  const i = rex ? 1 : 0;
  if (b[i] !== 0x0f || b[i + 1] !== 0x22) return undefined;
  const modrm = b[i + 2]!;
  if (((modrm >> 3) & 7) !== 0 || (rex & 4) !== 0) return undefined; // CR0 only (REX.R would name CR8)
  return GPRS[(modrm & 7) | ((rex & 1) << 3)];
}

/** A present PDPTE with PS=1 reachable from CR3, and the linear range it maps. */
function gigabytePage(o: Observed): { entry: bigint; value: bigint; linear: bigint } | undefined {
  const s = o.state;
  const mem = o.memory;
  if (!s || !mem) return undefined;
  if ((s.cr0 & CR0_PG) === 0n || (s.cr4 & CR4_PAE) === 0n || (s.efer & EFER_LMA) === 0n) return undefined;
  const ADDR = PTE_ADDR_MASK;
  const walk = (table: bigint, level: number, linear: bigint): ReturnType<typeof gigabytePage> => {
    for (let i = 0n; i < 512n; i++) {
      let e: bigint;
      try {
        e = mem.readU64(table + i * 8n);
      } catch {
        return undefined; // a table outside RAM: nothing to find there
      }
      if ((e & 1n) === 0n) continue;
      const here = linear | (i << BigInt(12 + 9 * (level - 1)));
      if (level === 3) {
        if (e & 0x80n) return { entry: table + i * 8n, value: e, linear: here };
        continue;
      }
      const found = walk(e & ADDR, level - 1, here);
      if (found) return found;
    }
    return undefined;
  };
  return walk(s.cr3 & ADDR, (s.cr4 & CR4_LA57) !== 0n ? 5 : 4, 0n);
}

const GIB = 1n << 30n;

/** Both runs ended at the same RIP with the same GPRs: what differs is elsewhere (memory, say). */
function sameRegisters(a: Observed, b: Observed): boolean {
  return (
    !!a.state &&
    !!b.state &&
    a.state.rip === b.state.rip &&
    GPRS.every((r) => a.state!.gpr[r] === b.state!.gpr[r])
  );
}

/** A software interrupt at `rip` (cc, or cd ib), read through the run's final paging. */
function softwareInterruptAt(o: Observed, rip: bigint): { vector: number; text: string } | undefined {
  const b = codeAt(o, rip, 2);
  if (b?.[0] === 0xcc) return { vector: 3, text: 'int3' };
  if (b?.[0] === 0xcd) return { vector: b[1]!, text: `int $${hex(b[1]!)}` };
  return undefined;
}

/** The run ended in KVM_EXIT_INTERNAL_ERROR. */
const internalError = (o: Observed): boolean =>
  o.stop.reason === 'engine-limit' && /internal error/i.test(o.stop.message);

/**
 * Why a 64-bit IDT gate is one the SDM refuses to deliver through (vol. 3, 6.12.1 / 6.14.1: not
 * present -> #NP; not an interrupt or trap gate, a null selector, a selector outside the GDT or not
 * naming a present 64-bit code segment, a non-canonical offset -> #GP), or undefined for a usable gate.
 */
function gateProblem(o: Observed, vector: number): string | undefined {
  const s = o.state;
  const mem = o.memory;
  if (!s || !mem || vector * 16 + 15 > s.idtr.limit) return undefined;
  const read = (linear: bigint, n: number): Uint8Array | undefined => {
    try {
      const t = translate(mem, s, linear);
      return t.ok ? mem.read(t.phys, n) : undefined;
    } catch {
      return undefined;
    }
  };
  const g = read(s.idtr.base + BigInt(vector * 16), 16);
  if (!g) return undefined;
  const d = new DataView(g.buffer, g.byteOffset, 16);
  const type = g[5]! & 0xf;
  if ((g[5]! & 0x80) === 0) return 'not present';
  if (type !== 0xe && type !== 0xf) return `type ${type}, not an interrupt or trap gate`;
  const selector = d.getUint16(2, true);
  if ((selector & ~3) === 0) return 'a null selector';
  if (selector & 4) return undefined; // an LDT selector: not judged here
  if ((selector | 7) > s.gdtr.limit) return `selector ${hex(selector)} outside the GDT`;
  const desc = read(s.gdtr.base + BigInt(selector & ~7), 8);
  if (!desc) return undefined;
  const access = desc[5]!;
  const flags = desc[6]! >> 4;
  if ((access & 0x18) !== 0x18 || (flags & 6) !== 2)
    return `selector ${hex(selector)} does not name a 64-bit code segment`;
  if ((access & 0x80) === 0) return `selector ${hex(selector)} names a segment that is not present`;
  const offset =
    BigInt(d.getUint16(0, true)) |
    (BigInt(d.getUint16(6, true)) << 16n) |
    (BigInt(d.getUint32(8, true)) << 32n);
  if (!isCanonical(offset, false)) return `non-canonical offset ${hex(offset)}`;
  return undefined;
}

/** The world's leaf-1 CPUID entry (subleaf-free or subleaf 0). */
const leaf1 = (cpuid: readonly CpuidEntry[] | undefined): CpuidEntry | undefined =>
  cpuid?.find((e) => e.leaf === 1 && (e.subleaf ?? 0) === 0);

/** The 8-byte store of the split-store probe: it starts 4 bytes below a page that is not present. */
const SPLIT_PAGE = 0x20_0000n;
const SPLIT_VALUE = 0x1122_3344_5566_7788n;

/**
 * A CR4 bit this host's KVM does not let a guest run with (KVM_SET_SREGS EINVAL), though the world's
 * CPUID claims the feature: the host CPU lacks it, or KVM does not offer it to guests here. The probe
 * starts a program world with the bit on; the classifier explains a case whose kvm run never started
 * for that reason while the world has the bit on.
 */
function cr4BitRefused(id: string, bit: number, name: string, why: string): KvmHostDifference {
  const mask = 1n << BigInt(bit);
  return {
    id,
    description: `a guest cannot run with CR4.${name} (bit ${bit}): KVM_SET_SREGS refuses the state with EINVAL even where the guest's CPUID claims the feature (${why})`,
    probe: {
      source: 'hlt',
      world: (w) => {
        w.state.cr4 |= mask;
        w.cpuid = claimCr4Features(w.cpuid ?? baselineCpuid(), w.state.cr4);
      },
      shows: (r) =>
        r.stop.reason === 'engine-limit' && /KVM_SET_SREGS refused/.test(r.stop.message)
          ? `a world with CR4.${name} set: ${r.stop.message}`
          : undefined,
    },
    classify({ kvm, world }) {
      if (!world || (world.state.cr4 & mask) === 0n) return undefined;
      if (kvm.stop.reason !== 'engine-limit' || !/KVM_SET_SREGS refused/.test(kvm.stop.message))
        return undefined;
      return `the world starts with CR4.${name} set (CR4 ${hex(world.state.cr4)}): ${kvm.stop.message}`;
    },
  };
}

export const KVM_HOST_DIFFERENCES: readonly KvmHostDifference[] = [
  {
    id: 'cr0-high-bits-no-gp',
    description:
      'a mov to CR0 with a bit of 63:32 set does not raise #GP(0) (SDM: MOV to CR0 — #GP(0) on a 1 in any ' +
      'reserved bit of CR0[63:32]); the high bits are dropped and the low half is written',
    probe: {
      source: 'mov %cr0, %rax\nbts $32, %rax\nmov %rax, %cr0\nmov %cr0, %rbx\nhlt',
      shows: (r) =>
        r.stop.reason === 'hlt'
          ? `mov of ${hex(r.state.gpr.rax)} to CR0 ran on without #GP; CR0 reads back ${hex(r.state.gpr.rbx)}`
          : undefined,
    },
    classify({ interp, kvm }) {
      const s = interp.stop;
      if (s.vector !== 13 || (s.reason !== 'fault' && s.reason !== 'triple-fault')) return undefined;
      const reg = movToCr0Source(interp, s.rip);
      const value = reg && interp.state?.gpr[reg];
      if (value === undefined || value >> 32n === 0n) return undefined;
      if (kvm.stop.reason === 'triple-fault' || kvm.state?.cr0 !== (value & 0xffff_ffffn)) return undefined;
      return `the interpreter raised #GP(0) at the mov of ${hex(value)} to CR0 at ${hex(s.rip)}; kvm took it (CR0 ${hex(kvm.state.cr0)})`;
    },
  },
  {
    id: 'no-1gib-pages',
    description:
      'the guest CPU has no 1 GiB pages (CPUID.80000001H:EDX.Page1GB[26] = 0), so PS=1 in a PDPTE is a ' +
      'reserved bit and the walk faults #PF(P|RSVD); the interpreter models a CPU with 1 GiB pages',
    probe: {
      // PDPT[1] = a 1 GiB page at physical 0, so linear 1 GiB + DATA_BASE reads the word at DATA_BASE.
      source: [
        'mov $0x80000001, %eax',
        'cpuid',
        'mov %edx, %esi',
        `mov $${GIB + DATA_BASE}, %eax`,
        'mov (%rax), %rbx',
        'hlt',
      ].join('\n'),
      world: (w) => {
        w.image.push({ addr: 0x2008n, bytes: q(0x83n) }, { addr: DATA_BASE, bytes: q(0x1234_5678n) });
        withRecordingIdt(w);
      },
      shows: (r) => {
        const g = r.state.gpr;
        if (g.r12 !== 14n || (g.r13 & 8n) === 0n) return undefined;
        const page1gb = (g.rsi >> 26n) & 1n;
        return `a read at ${hex(GIB + DATA_BASE)} through a PDPTE with PS=1 raised #PF(${hex(g.r13)}, RSVD set); guest CPUID.80000001H:EDX = ${hex(g.rsi)} (Page1GB = ${page1gb})`;
      },
    },
    classify({ interp, kvm }) {
      const page = gigabytePage(interp);
      const cr2 = kvm.state?.cr2;
      if (!page || cr2 === undefined || cr2 < page.linear || cr2 >= page.linear + GIB) return undefined;
      return `kvm faulted at ${hex(cr2)} (CR2), which the PDPTE at ${hex(page.entry)} (${hex(page.value)}) maps with a 1 GiB page`;
    },
  },
  {
    id: 'bp-internal-error',
    description:
      '#BP (int3, int $3) is not delivered: KVM_RUN ends in an internal error (KVM_EXIT_INTERNAL_ERROR) ' +
      'instead of running the guest handler or shutting down',
    probe: {
      source: 'nop\nint3\nhlt',
      world: withRecordingIdt,
      shows: (r) =>
        r.stop.reason === 'engine-limit' ? `int3 with a #BP gate in the IDT: ${r.stop.message}` : undefined,
    },
    classify({ interp, kvm }) {
      if (!internalError(kvm)) return undefined;
      // The interpreter stopped at the #BP, or (a handler that returns) ran on past the int3 kvm stopped at.
      const at = softwareInterruptAt(kvm, kvm.stop.rip) ?? softwareInterruptAt(interp, kvm.stop.rip);
      if (interp.stop.vector !== 3 && at?.vector !== 3) return undefined;
      return `kvm: ${kvm.stop.message} at ${hex(kvm.stop.rip)}${at ? ` (${at.text})` : ''}, where the interpreter raised #BP`;
    },
  },
  {
    id: 'int-n-internal-error',
    description:
      '`int $n` is not delivered either, whatever the gate: KVM_RUN ends in an internal error ' +
      '(KVM_EXIT_INTERNAL_ERROR) where the CPU runs the handler of vector n (or raises #GP/#NP for a bad gate)',
    probe: {
      source: 'nop\nint $5\nhlt',
      world: withRecordingIdt,
      shows: (r) =>
        r.stop.reason === 'engine-limit'
          ? `int $5 with an interrupt gate for vector 5 in the IDT: ${r.stop.message}`
          : undefined,
    },
    classify({ interp, kvm }) {
      if (!internalError(kvm)) return undefined;
      const at = softwareInterruptAt(kvm, kvm.stop.rip) ?? softwareInterruptAt(interp, kvm.stop.rip);
      if (!at || at.text === 'int3' || at.vector === 3) return undefined;
      return `kvm: ${kvm.stop.message} at the ${at.text} at ${hex(kvm.stop.rip)}; the interpreter: ${interp.stop.message}`;
    },
  },
  {
    id: 'idt-gate-unchecked',
    description:
      'exception delivery does not check the IDT gate as the SDM says (a gate that is not an interrupt or ' +
      'trap gate, or whose selector does not name a 64-bit code segment, gives #GP; a not-present one #NP): ' +
      'the handler runs through the bad gate, #DF is delivered instead, or the guest shuts down',
    probe: {
      // IDT entry 6 (#UD) gets type 0. The SDM: #GP(0x33) (IDT entry 6, external), so handler 13 runs.
      source: 'nop\nud2\nhlt',
      world: (w) => {
        withRecordingIdt(w);
        w.image.push({ addr: IDT_BASE + 6n * 16n + 5n, bytes: Uint8Array.of(0x80) });
      },
      shows: (r) => {
        const g = r.state.gpr;
        // 'fault' is the interpreter's word for a delivered fault whose handler stopped at hlt.
        const handled = r.stop.reason === 'hlt' || r.stop.reason === 'fault';
        if (handled && g.r12 === 13n && g.r13 === 0x33n) return undefined;
        const what = handled
          ? `handler ${g.r12} ran${g.r12 === 6n ? ' (the #UD handler, through the bad gate)' : ''}`
          : `the run ended: ${r.stop.message}`;
        return `ud2 with IDT entry 6 of type 0: ${what}, where the SDM raises #GP(0x33)`;
      },
    },
    classify({ interp, kvm }) {
      const s = interp.stop;
      if (s.reason !== 'fault' && s.reason !== 'triple-fault') return undefined;
      const bad = Array.from({ length: 32 }, (_, v) => ({ v, why: gateProblem(interp, v) })).filter(
        (g) => g.why,
      );
      if (!bad.length) return undefined;
      const ec = s.errorCode;
      // An error code that names an IDT entry (bit 1) names the gate; an external one (bit 0), or a
      // double fault, says the exception came from a failed delivery.
      const named = ec !== undefined && ec & 2 ? bad.find((g) => g.v === ec >> 3) : undefined;
      const gate = named ?? (s.vector === 8 || (ec !== undefined && ec & 1) ? bad[0] : undefined);
      if (!gate) return undefined;
      return `IDT entry ${gate.v} is a gate the SDM refuses (${gate.why}); the interpreter: ${s.message}; kvm: ${kvm.stop.message}`;
    },
  },
  {
    id: 'split-store-partial-write',
    description:
      'a store that crosses into a page that faults writes its part on the first page (KVM emulates the ' +
      'access page by page); the SDM (vol. 3, 6.5 and the #PF entry of 6.15) restores the state before the ' +
      'faulting instruction, which is not executed: the CPU, and the interpreter, write nothing',
    probe: {
      source: `movabs $${SPLIT_VALUE}, %rax\nmov $${SPLIT_PAGE - 4n}, %ebx\nmov %rax, (%rbx)\nhlt`,
      world: (w) => {
        w.image.push({ addr: 0x3008n, bytes: q(0n) }); // PDE 1 (0x200000..0x3fffff) not present
        withRecordingIdt(w);
      },
      shows: (r) => {
        if (r.state.gpr.r12 !== 14n) return undefined;
        const b = r.memory.read(SPLIT_PAGE - 4n, 4);
        if (b.every((x) => x === 0)) return undefined;
        const bytes = [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
        return `an 8-byte store of ${hex(SPLIT_VALUE)} at ${hex(SPLIT_PAGE - 4n)} raised #PF(${hex(r.state.gpr.r13)}, CR2 ${hex(r.state.cr2)}) and left ${bytes} at ${hex(SPLIT_PAGE - 4n)}..${hex(SPLIT_PAGE - 1n)}`;
      },
    },
    classify({ interp, kvm }) {
      if (interp.stop.vector !== 14 || !interp.state || !interp.memory || !kvm.memory) return undefined;
      if (!sameRegisters(interp, kvm)) return undefined;
      const cr2 = interp.state.cr2;
      if ((cr2 & 0xfffn) !== 0n) return undefined;
      let last: bigint;
      try {
        const t = translate(interp.memory, interp.state, cr2 - 1n);
        if (!t.ok) return undefined;
        last = t.phys;
      } catch {
        return undefined;
      }
      // Every byte that differs lies in the 64 bytes below the faulting page: a store's first part.
      const diff = differingBytes(interp.memory, kvm.memory, 65);
      if (!diff.length || diff.some((a) => a > last || a < last - 63n)) return undefined;
      return `kvm wrote ${diff.length} byte(s) at ${hex(diff[0]!)}..${hex(diff.at(-1)!)}, just below the page of CR2 ${hex(cr2)} where the interpreter's #PF left memory as it was`;
    },
  },
  {
    id: 'iretq-accessed-bit',
    description:
      'iretq loads CS and SS without setting the accessed bit of their descriptors (SDM vol. 3, 3.4.5.1: the ' +
      'processor sets it whenever it loads a selector into a segment register); far jumps, calls and lretq do set it',
    probe: {
      // GDT entries 0x20 (data) and 0x28 (64-bit code) with the accessed bit clear; iretq to 0x28:1f, SS 0x20.
      source: [
        'mov %rsp, %rax',
        'pushq $0x20',
        'push %rax',
        'pushfq',
        'pushq $0x28',
        'lea 1f(%rip), %rax',
        'push %rax',
        'iretq',
        '1: hlt',
      ].join('\n'),
      world: (w) => {
        w.image.push({ addr: GDT_BASE + 0x20n, bytes: q(0x00cf_9200_0000_ffffn) });
        w.image.push({ addr: GDT_BASE + 0x28n, bytes: q(0x00af_9a00_0000_ffffn) });
        w.state.gdtr = { base: GDT_BASE, limit: 0x2f };
      },
      shows: (r) => {
        const [ss, cs] = [r.memory.read(GDT_BASE + 0x25n, 1)[0]!, r.memory.read(GDT_BASE + 0x2dn, 1)[0]!];
        if (r.stop.reason !== 'hlt' || (ss & cs & 1) === 1) return undefined;
        return `iretq to CS 0x28, SS 0x20, whose descriptors have the accessed bit clear, left their types at ${hex(cs)} and ${hex(ss)}`;
      },
    },
    classify({ interp, kvm, world }) {
      if (!world || !interp.state || !interp.memory || !kvm.state || !kvm.memory) return undefined;
      return missingAccessedBits(
        world.state.gdtr,
        { state: interp.state, memory: interp.memory },
        { state: kvm.state, memory: kvm.memory },
      );
    },
  },
  {
    id: 'cpuid-leaf1-host-values',
    description:
      "KVM_SET_CPUID2 has no effect on CPUID leaf 1 ECX/EDX: the guest reads the host's feature bits " +
      "instead of the world's (leaf 1 EAX/EBX and other leaves are as set)",
    probe: {
      source: 'mov $1, %eax\ncpuid\nhlt',
      world: (w) => {
        w.cpuid = baselineCpuid();
      },
      shows: (r) => {
        const want = leaf1(baselineCpuid())!;
        const { rcx, rdx } = r.state.gpr;
        if (rcx === BigInt(want.ecx) && rdx === BigInt(want.edx)) return undefined;
        return `CPUID.1 set to ECX ${hex(want.ecx)}, EDX ${hex(want.edx)} reads ECX ${hex(rcx)}, EDX ${hex(rdx)}`;
      },
    },
    classify({ interp, kvm, world }, probe) {
      const want = leaf1(world?.cpuid);
      if (!want || !probe || !interp.state || !kvm.state || interp.state.rip !== kvm.state.rip)
        return undefined;
      const host = { ecx: probe.state.gpr.rcx, edx: probe.state.gpr.rdx };
      const differ = GPRS.filter((r) => interp.state!.gpr[r] !== kvm.state!.gpr[r]);
      if (!differ.length) return undefined;
      const why: string[] = [];
      for (const r of differ) {
        const i = interp.state.gpr[r];
        const k = kvm.state.gpr[r];
        const reg =
          i === BigInt(want.ecx) && k === host.ecx
            ? 'ECX'
            : i === BigInt(want.edx) && k === host.edx
              ? 'EDX'
              : undefined;
        if (!reg) return undefined;
        why.push(
          `${r} ${hex(i)} on the interpreter (the world's CPUID.1 ${reg}), ${hex(k)} on kvm (this host's)`,
        );
      }
      return why.join('; ');
    },
  },
  cr4BitRefused('no-la57', 12, 'LA57', '5-level paging; the host CPU has no la57'),
  cr4BitRefused('no-pcide', 17, 'PCIDE', 'process-context identifiers, not offered to guests by this KVM'),
  cr4BitRefused(
    'no-cet',
    23,
    'CET',
    'control-flow enforcement; the host CPU has neither shadow stacks nor IBT',
  ),
];

export interface PresentDifference {
  difference: KvmHostDifference;
  evidence: string;
  /** This host's KVM run of the probe. */
  run: RunResult;
}

export interface HostReport {
  /** The KVM module behind /dev/kvm, where /sys/module names one (kvm_intel, kvm_amd, kvm_pvm). */
  module?: string;
  present: PresentDifference[];
  /** Differences this host does not show, with what its probe saw instead. */
  absent: { difference: KvmHostDifference; saw: string }[];
}

/** The world a probe runs in. */
export async function probeWorlds(): Promise<World[]> {
  const out = await assemble(KVM_HOST_DIFFERENCES.map((d) => ({ source: d.probe.source, base: CODE_BASE })));
  return KVM_HOST_DIFFERENCES.map((d, i) => {
    const o = out[i]!;
    if (!o.ok) throw new Error(`kvm host probe ${d.id}: ${o.diagnostics.map((x) => x.message).join('; ')}`);
    const w = programWorld(o.bytes);
    d.probe.world?.(w);
    return w;
  });
}

export function kvmModule(): string | undefined {
  return ['kvm_intel', 'kvm_amd', 'kvm_pvm'].find((m) => existsSync(`/sys/module/${m}`));
}

let probed: Promise<HostReport> | undefined;

/** Runs every probe on this host's KVM once per process. Only call where kvm is available. */
export function probeKvmHost(): Promise<HostReport> {
  probed ??= (async () => {
    const { kvmEngine } = await import('./index.ts');
    const worlds = await probeWorlds();
    const report: HostReport = { module: kvmModule(), present: [], absent: [] };
    for (const [i, difference] of KVM_HOST_DIFFERENCES.entries()) {
      const r = await kvmEngine.run(worlds[i]!, { maxSteps: 100_000 });
      const evidence = difference.probe.shows(r);
      if (evidence) report.present.push({ difference, evidence, run: r });
      else report.absent.push({ difference, saw: r.stop.message });
    }
    return report;
  })();
  return probed;
}

/** The differences this host's probes found, each as `{ id, classify }` (the spec harness's list shape). */
export async function presentDifferences(): Promise<
  { id: string; classify(c: KvmCase): string | undefined }[]
> {
  return (await probeKvmHost()).present.map(({ difference, run }) => ({
    id: difference.id,
    classify: (c: KvmCase) => difference.classify(c, run),
  }));
}

/** One line for test output: the module and the differences found. */
export function describeHost(h: HostReport): string {
  const found = h.present.map((p) => `${p.difference.id} (${p.evidence})`);
  return `kvm host${h.module ? ` (${h.module})` : ''}: ${found.length ? `differs from the SDM: ${found.join('; ')}` : 'no listed difference from the SDM'}`;
}

/** The first difference present on this host that explains `c`, with its evidence. */
export function kvmHostDifference(
  c: KvmCase,
  present: readonly PresentDifference[],
): { difference: KvmHostDifference; evidence: string } | undefined {
  for (const { difference, run } of present) {
    const evidence = difference.classify(c, run);
    if (evidence) return { difference, evidence };
  }
  return undefined;
}
