// A small world for short programs (the KVM host probes, the engine and differential tests): 64-bit
// mode, paging on with a 2 MiB identity map of the first 1 GiB, a flat GDT (0x08 32-bit code, 0x10
// 64-bit code, 0x18 data), a stack, a data area, and optionally an IDT whose handlers record the
// exception. EFER has no NXE/SCE on purpose: unicorn 2.0.1 cannot keep them (unicorn/gaps.ts), and
// user-level programs do not depend on them.

import type { World } from './types.ts';
import type { CpuState, Segment } from '../x86/registers.ts';
import { GPRS } from '../x86/registers.ts';
import { DEBUG_REGISTERS_AT_RESET } from '../x86/bits.ts';

export const CODE_BASE = 0x10_0000n;
export const DATA_BASE = 0x20_0000n;
export const DATA_SIZE = 0x1_0000;
export const STACK_TOP = 0x9_0000n;
export const GDT_BASE = 0x5000n;
export const PML4 = 0x1000n;
export const RAM_SIZE = 4n << 20n;

export const CODE64: Segment = { selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xa09b };
export const CODE32: Segment = { selector: 0x08, base: 0n, limit: 0xffffffff, attributes: 0xc09b };
export const DATA: Segment = { selector: 0x18, base: 0n, limit: 0xffffffff, attributes: 0xc093 };
const NULL_SEG: Segment = { selector: 0, base: 0n, limit: 0, attributes: 0x10000 };

export const GDT_ENTRIES: bigint[] = [0n, 0x00cf9b000000ffffn, 0x00af9b000000ffffn, 0x00cf93000000ffffn];

function qwords(values: bigint[]): Uint8Array {
  const b = new Uint8Array(values.length * 8);
  const d = new DataView(b.buffer);
  values.forEach((v, i) => d.setBigUint64(i * 8, v, true));
  return b;
}

export function baseState(): CpuState {
  const gpr = Object.fromEntries(GPRS.map((r) => [r, 0n])) as CpuState['gpr'];
  gpr.rsp = STACK_TOP;
  return {
    gpr,
    rip: CODE_BASE,
    rflags: 0x2n,
    cr0: 0x8000_0033n,
    cr2: 0n,
    cr3: PML4,
    cr4: 0x20n,
    ...DEBUG_REGISTERS_AT_RESET,
    efer: 0x500n,
    msr: new Map(),
    seg: { cs: CODE64, ds: DATA, es: DATA, fs: NULL_SEG, gs: NULL_SEG, ss: DATA },
    ldtr: NULL_SEG,
    tr: NULL_SEG,
    gdtr: { base: GDT_BASE, limit: GDT_ENTRIES.length * 8 - 1 },
    idtr: { base: 0n, limit: 0 },
  };
}

/** A world with `code` at CODE_BASE, optional `data` at DATA_BASE and GPR values. */
export function programWorld(
  code: Uint8Array,
  opts: { gpr?: Partial<CpuState['gpr']>; data?: Uint8Array } = {},
): World {
  const state = baseState();
  Object.assign(state.gpr, opts.gpr ?? {});
  const pd = Array.from({ length: 512 }, (_, i) => (BigInt(i) << 21n) | 0x83n);
  const image = [
    { addr: PML4, bytes: qwords([0x2003n]) },
    { addr: 0x2000n, bytes: qwords([0x3003n]) },
    { addr: 0x3000n, bytes: qwords(pd) },
    { addr: GDT_BASE, bytes: qwords(GDT_ENTRIES) },
    { addr: CODE_BASE, bytes: code },
  ];
  if (opts.data) image.push({ addr: DATA_BASE, bytes: opts.data });
  return {
    ram: [{ base: 0n, size: RAM_SIZE }],
    image,
    state,
    symbols: { entry: CODE_BASE, data: DATA_BASE },
  };
}

export const IDT_BASE = 0x6000n;
export const HANDLERS = 0x7000n;
const WITH_ERROR_CODE = new Set([8, 10, 11, 12, 13, 14, 17, 21]);

/**
 * A 64-bit IDT of 32 interrupt gates; handler v (32 bytes at HANDLERS + 32v) does
 * `mov $v,%r12d; pop %r13` (or `mov $0xdead,%r13d`); `mov (%rsp),%r14; hlt`.
 */
export function withRecordingIdt(w: World): void {
  const idt = new DataView(new ArrayBuffer(32 * 16));
  const code = new Uint8Array(32 * 32).fill(0xcc);
  for (let v = 0; v < 32; v++) {
    const h = HANDLERS + BigInt(v * 32);
    idt.setUint16(v * 16, Number(h & 0xffffn), true);
    idt.setUint16(v * 16 + 2, 0x10, true);
    idt.setUint16(v * 16 + 4, 0x8e00, true);
    idt.setUint16(v * 16 + 6, Number((h >> 16n) & 0xffffn), true);
    idt.setUint32(v * 16 + 8, Number(h >> 32n), true);
    const stub = [0x41, 0xbc, v, 0, 0, 0]; // mov $v, %r12d
    if (WITH_ERROR_CODE.has(v))
      stub.push(0x41, 0x5d); // pop %r13
    else stub.push(0x41, 0xbd, 0xad, 0xde, 0, 0); // mov $0xdead, %r13d
    stub.push(0x4c, 0x8b, 0x34, 0x24, 0xf4); // mov (%rsp), %r14; hlt
    code.set(stub, v * 32);
  }
  w.image.push({ addr: IDT_BASE, bytes: new Uint8Array(idt.buffer) }, { addr: HANDLERS, bytes: code });
  w.state.idtr = { base: IDT_BASE, limit: 32 * 16 - 1 };
}
