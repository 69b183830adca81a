// Where this machine's KVM is not the CPU the SDM describes. KVM runs the guest on what the host
// gives it: nested virtualisation (kvm_pvm, for one, runs guests without hardware virtualisation and
// emulates parts of the CPU in software), a CPU model that lacks a feature, an emulator path that
// gives up. The interpreter follows the SDM; KVM hosts that differ from it are listed here once, each
// with
// - a probe: a small program run on THIS host's KVM whose result shows whether the host has the
//   difference (a host that behaves as the SDM says keeps every case comparable), and
// - a classifier: evidence that a case on which interp and kvm disagree is explained by it.
// The differential tests consult the list only where interp and kvm disagree, and only for the
// differences the probes found here; such a case is printed "not comparable (kvm host: ID — evidence)",
// never dropped silently, and a disagreement no entry explains fails. docs/guides/engines.md carries
// the same list; test/kvm-host.test.ts shows each entry on this host.

import { existsSync } from 'node:fs';
import type { PhysicalMemory } from '../memory.ts';
import { hex } from '../../x86/hex.ts';
import { translate } from '../paging.ts';
import { CR0_PG, CR4_LA57, CR4_PAE, EFER_LMA } from '../../x86/bits.ts';
import { type RunResult, type Stop, type World } from '../types.ts';
import { GPRS, type CpuState } from '../../x86/registers.ts';
import { assemble } from '../assemble.ts';
import { CODE_BASE, DATA_BASE, programWorld, withRecordingIdt } from '../program-world.ts';

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
  /** Evidence (one line) that the disagreement in `c` is this difference, or undefined. */
  classify(c: KvmCase): string | undefined;
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
  const ADDR = 0x000f_ffff_ffff_f000n;
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
      if (kvm.stop.reason !== 'engine-limit' || !/internal error/i.test(kvm.stop.message)) return undefined;
      if (interp.stop.vector !== 3) return undefined;
      return `kvm: ${kvm.stop.message} at ${hex(kvm.stop.rip)}, where the interpreter raised #BP`;
    },
  },
];

export interface PresentDifference {
  difference: KvmHostDifference;
  evidence: string;
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
      if (evidence) report.present.push({ difference, evidence });
      else report.absent.push({ difference, saw: r.stop.message });
    }
    return report;
  })();
  return probed;
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
  for (const { difference } of present) {
    const evidence = difference.classify(c);
    if (evidence) return { difference, evidence };
  }
  return undefined;
}
