import { describe, expect, it } from 'vitest';
import { SparseMemory } from '../src/runner/memory.ts';
import { isCanonical, translate } from '../src/runner/paging.ts';
import { PF_I, PF_P, PF_RSVD, PF_W } from '../src/x86/paging.ts';

const P = 1n;
const RW = 2n;
const PS = 0x80n;
const NX = 1n << 63n;
const PG_ON = { cr0: 0x80000011n, cr3: 0x1000n, cr4: 0x20n, efer: 0x500n };

/** PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 (4 KiB pages for the first 2 MiB). */
function tables(): SparseMemory {
  const m = new SparseMemory([{ base: 0n, size: 16n << 20n }]);
  m.writeU64(0x1000n, 0x2000n | P | RW);
  m.writeU64(0x2000n, 0x3000n | P | RW);
  m.writeU64(0x3000n, 0x4000n | P | RW); // PD[0] -> PT
  m.writeU64(0x3008n, 0x200000n | P | PS); // PD[1]: 2 MiB page, read-only
  m.writeU64(0x4000n + 5n * 8n, 0x9000n | P | RW); // 0x5000 -> 0x9000
  m.writeU64(0x4000n + 6n * 8n, 0xa000n | P); // 0x6000 -> 0xa000 read-only
  m.writeU64(0x4000n + 7n * 8n, 0xb000n | P | RW | NX); // 0x7000 -> 0xb000 no-execute
  return m;
}

describe('translate', () => {
  it('is the identity with paging off', () => {
    const m = tables();
    expect(translate(m, { ...PG_ON, cr0: 0x11n }, 0x12345678n)).toEqual({ ok: true, phys: 0x12345678n });
  });

  it('walks four levels to a 4 KiB page and keeps the offset', () => {
    expect(translate(tables(), PG_ON, 0x5abcn)).toEqual({ ok: true, phys: 0x9abcn });
  });

  it('maps a 2 MiB page with the low 21 bits as offset', () => {
    expect(translate(tables(), PG_ON, 0x212345n)).toEqual({ ok: true, phys: 0x212345n });
  });

  it('reports a not-present page with P=0 in the error code, W/R for writes, I/D for fetches with NXE', () => {
    const m = tables();
    expect(translate(m, PG_ON, 0x8000n)).toEqual({ ok: false, errorCode: 0 });
    expect(translate(m, PG_ON, 0x8000n, { write: true })).toEqual({ ok: false, errorCode: PF_W });
    expect(translate(m, { ...PG_ON, efer: 0xd00n }, 0x8000n, { exec: true })).toEqual({
      ok: false,
      errorCode: PF_I,
    });
    // Not present at the PML4 level.
    expect(translate(m, PG_ON, 0x8000000000n)).toEqual({ ok: false, errorCode: 0 });
  });

  it('enforces R/W only with CR0.WP for supervisor writes', () => {
    const m = tables();
    expect(translate(m, PG_ON, 0x6000n, { write: true })).toEqual({ ok: true, phys: 0xa000n });
    const wp = { ...PG_ON, cr0: PG_ON.cr0 | (1n << 16n) };
    expect(translate(m, wp, 0x6000n, { write: true })).toEqual({ ok: false, errorCode: PF_P | PF_W });
    expect(translate(m, wp, 0x200000n, { write: true })).toEqual({ ok: false, errorCode: PF_P | PF_W });
    expect(translate(m, wp, 0x6000n)).toEqual({ ok: true, phys: 0xa000n });
  });

  it('honours NX only when EFER.NXE is set; without NXE bit 63 is reserved', () => {
    const m = tables();
    const nxe = { ...PG_ON, efer: 0xd00n };
    expect(translate(m, nxe, 0x7000n, { exec: true })).toEqual({ ok: false, errorCode: PF_P | PF_I });
    expect(translate(m, nxe, 0x7000n)).toEqual({ ok: true, phys: 0xb000n });
    expect(translate(m, PG_ON, 0x7000n)).toEqual({ ok: false, errorCode: PF_P | PF_RSVD });
  });

  it('walks five levels when CR4.LA57 is set', () => {
    const m = tables();
    // PML5 at 0x8000: entry 0 -> the PML4 at 0x1000.
    m.writeU64(0x8000n, 0x1000n | P | RW);
    const la57 = { ...PG_ON, cr3: 0x8000n, cr4: 0x20n | (1n << 12n) };
    expect(translate(m, la57, 0x5004n)).toEqual({ ok: true, phys: 0x9004n });
    expect(translate(m, la57, 1n << 48n)).toEqual({ ok: false, errorCode: 0 });
  });

  it('throws MemoryError when a table lies outside RAM', () => {
    const m = tables();
    expect(() => translate(m, { ...PG_ON, cr3: 0x40000000n }, 0n)).toThrow(/outside the world's RAM/);
  });
});

describe('accessed and dirty flags', () => {
  const A = 0x20n;
  const D = 0x40n;
  const entries = (m: SparseMemory, addrs: bigint[]) => addrs.map((a) => m.readU64(a));

  it('a read sets A in every level (PML4E, PDPTE, PDE, PTE) and D nowhere', () => {
    const m = tables();
    expect(translate(m, PG_ON, 0x5000n, { update: true })).toEqual({ ok: true, phys: 0x9000n });
    expect(entries(m, [0x1000n, 0x2000n, 0x3000n, 0x4028n])).toEqual([
      0x2000n | P | RW | A,
      0x3000n | P | RW | A,
      0x4000n | P | RW | A,
      0x9000n | P | RW | A,
    ]);
  });

  it('a write sets D in the leaf only: the PTE, or the PDE of a 2 MiB page', () => {
    const m = tables();
    translate(m, PG_ON, 0x5008n, { write: true, update: true });
    expect(entries(m, [0x1000n, 0x3000n, 0x4028n])).toEqual([
      0x2000n | P | RW | A,
      0x4000n | P | RW | A,
      0x9000n | P | RW | A | D,
    ]);
    m.writeU64(0x3010n, 0x400000n | P | RW | PS);
    translate(m, PG_ON, 0x400010n, { write: true, update: true });
    expect(m.readU64(0x3010n)).toBe(0x400000n | P | RW | PS | A | D);
  });

  it('a fetch sets A like a read', () => {
    const m = tables();
    translate(m, PG_ON, 0x5000n, { exec: true, update: true });
    expect(m.readU64(0x4028n)).toBe(0x9000n | P | RW | A);
  });

  it('a walk that faults sets nothing, at any level', () => {
    const m = tables();
    const wp = { ...PG_ON, cr0: PG_ON.cr0 | (1n << 16n) };
    const before = entries(m, [0x1000n, 0x2000n, 0x3000n, 0x4030n, 0x3008n]);
    expect(translate(m, PG_ON, 0x8000n, { update: true }).ok).toBe(false); // PTE not present
    expect(translate(m, wp, 0x6000n, { write: true, update: true }).ok).toBe(false); // read-only PTE
    expect(translate(m, wp, 0x200000n, { write: true, update: true }).ok).toBe(false); // read-only 2 MiB
    expect(entries(m, [0x1000n, 0x2000n, 0x3000n, 0x4030n, 0x3008n])).toEqual(before);
  });

  it('without `update` (checks, address lookups) memory is never written', () => {
    const m = tables();
    translate(m, PG_ON, 0x5000n, { write: true });
    expect(m.readU64(0x4028n)).toBe(0x9000n | P | RW);
  });

  it('sets A in the PML5E too with LA57', () => {
    const m = tables();
    m.writeU64(0x8000n, 0x1000n | P | RW);
    const la57 = { ...PG_ON, cr3: 0x8000n, cr4: 0x20n | (1n << 12n) };
    translate(m, la57, 0x5004n, { write: true, update: true });
    expect(entries(m, [0x8000n, 0x1000n, 0x2000n, 0x3000n, 0x4028n])).toEqual([
      0x1000n | P | RW | A,
      0x2000n | P | RW | A,
      0x3000n | P | RW | A,
      0x4000n | P | RW | A,
      0x9000n | P | RW | A | D,
    ]);
  });
});

describe('isCanonical', () => {
  it('accepts sign-extended 48-bit addresses only', () => {
    expect(isCanonical(0x00007fffffffffffn, false)).toBe(true);
    expect(isCanonical(0xffff800000000000n, false)).toBe(true);
    expect(isCanonical(0x0000800000000000n, false)).toBe(false);
    expect(isCanonical(0x0000800000000000n, true)).toBe(true);
  });
});
