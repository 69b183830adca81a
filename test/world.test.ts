import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SparseMemory } from '../src/runner/memory.ts';
import { translate } from '../src/runner/paging.ts';
import { stateItems } from '../src/x86/items.ts';
import type { World } from '../src/runner/types.ts';
import { GPRS } from '../src/x86/registers.ts';
import {
  BASELINE_CPUID_TABLE,
  baselineCpuid,
  baselineWorld,
  cloneWorld,
  decodeDescriptor,
  encodeDescriptor,
  identityMap,
  loadCode,
  loadedSegment,
} from '../src/runner/world.ts';

function memoryOf(world: World): SparseMemory {
  const mem = new SparseMemory(world.ram);
  for (const chunk of world.image) mem.write(chunk.addr, chunk.bytes);
  return mem;
}

describe('baseline world', () => {
  const world = baselineWorld();
  const s = world.state;

  it('carries the CPUID of BASELINE_CPUID_TABLE, one entry per leaf', () => {
    expect(world.cpuid).toEqual(baselineCpuid());
    const leaf = (n: number) => world.cpuid!.find((e) => e.leaf === n);
    expect(leaf(1)).toEqual({ leaf: 1, eax: 0x6f6, ebx: 0x10800, ecx: 0, edx: 0x0708a169 });
    expect(leaf(0x80000001)).toEqual({ leaf: 0x80000001, eax: 0, ebx: 0, ecx: 1, edx: 0x20100800 });
    expect(world.cpuid!.map((e) => e.leaf)).toEqual([0, 1, 0x80000000, 0x80000001, 0x80000008]);
  });

  it('has its CPUID table in the README, row for row', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = readme.split('\n').filter((l) => /^\| `0x[0-9a-f]+` \| e[abcd]x \|/.test(l));
    const want = BASELINE_CPUID_TABLE.map((r) => {
      const bits = r.width === 1 ? `${r.bit}` : `${r.bit + r.width - 1}:${r.bit}`;
      const value = r.width === 1 ? `${r.value}` : `0x${r.value.toString(16)}`;
      return `| \`0x${r.leaf.toString(16)}\` | ${r.reg} | ${bits} | \`${value}\` | ${r.name} |`;
    });
    expect(rows).toEqual(want);
  });

  it('has 64 MiB of RAM at 0', () => {
    expect(world.ram).toEqual([{ base: 0n, size: 64n << 20n }]);
  });

  it('has the documented control registers, flags and stack', () => {
    expect(s.cr0).toBe(0x80050033n);
    expect(s.cr3).toBe(0x1000n);
    expect(s.cr4).toBe(0x20n);
    expect(s.efer).toBe(0x500n); // LME | LMA
    expect(s.cr2).toBe(0n);
    expect(s.rflags).toBe(0x2n);
    expect(s.rip).toBe(0x100000n);
    for (const r of GPRS) expect(s.gpr[r]).toBe(r === 'rsp' ? 0x80000n : 0n);
    expect(s.msr.size).toBe(0);
  });

  it('holds the GDT at 0x4000 and loads flat segments from it', () => {
    const mem = memoryOf(world);
    expect(s.gdtr).toEqual({ base: 0x4000n, limit: 0x1f });
    expect(s.idtr).toEqual({ base: 0n, limit: 0 });
    expect([0, 8, 0x10, 0x18].map((o) => mem.readU64(0x4000n + BigInt(o)))).toEqual([
      0n,
      0n,
      0x00af9a000000ffffn,
      0x00cf92000000ffffn,
    ]);
    expect(s.seg.cs).toEqual({ selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xa09b });
    for (const r of ['ds', 'es', 'ss', 'fs', 'gs'] as const) {
      expect(s.seg[r]).toEqual({ selector: 0x18, base: 0n, limit: 0xffffffff, attributes: 0xc093 });
    }
    expect(s.ldtr.attributes & 0x10000).toBe(0x10000);
  });

  it('identity-maps the first 1 GiB with 2 MiB pages through 0x1000 -> 0x2000 -> 0x3000', () => {
    const mem = memoryOf(world);
    expect(mem.readU64(0x1000n)).toBe(0x2003n);
    expect(mem.readU64(0x2000n)).toBe(0x3003n);
    expect(mem.readU64(0x2008n)).toBe(0n);
    expect(mem.readU64(0x3000n)).toBe(0x83n);
    expect(mem.readU64(0x3008n)).toBe(0x200083n);
    expect(mem.readU64(0x3ff8n)).toBe(0x3fe00083n);
    for (const a of [0n, 0x1000n, 0x100000n, 0x3ffffffn, 0x3fffffffn]) {
      expect(translate(mem, s, a, { write: true })).toEqual({ ok: true, phys: a });
    }
    const beyond = translate(mem, s, 1n << 30n);
    expect(beyond.ok).toBe(false);
  });

  it('gives every state item a value', () => {
    const items = stateItems(s);
    expect(items['cs.attributes']).toBe(0xa09bn);
    expect(items['gdtr.limit']).toBe(0x1fn);
    expect(items.rsp).toBe(0x80000n);
  });
});

describe('world helpers', () => {
  it('decodes and encodes descriptors', () => {
    expect(decodeDescriptor(0x00af9a000000ffffn)).toEqual({
      base: 0n,
      limit: 0xffffffff,
      attributes: 0xa09a,
    });
    expect(decodeDescriptor(0x00cf92000000ffffn)).toEqual({
      base: 0n,
      limit: 0xffffffff,
      attributes: 0xc092,
    });
    // 32-bit code (D/B=1, G=1), base 0x12345678, limit 0xabcde pages.
    const d = 0x120a9a345678bcden | (0xcn << 52n);
    const seg = decodeDescriptor(d);
    expect(seg.base).toBe(0x12345678n);
    expect(seg.attributes).toBe(0xc09a);
    expect(seg.limit).toBe(0xabcdefff);
    expect(encodeDescriptor(seg)).toBe(d);
    expect(encodeDescriptor(decodeDescriptor(0x00af9a000000ffffn))).toBe(0x00af9a000000ffffn);
  });

  it('gives an unusable segment for a null selector', () => {
    expect(loadedSegment(0, 0x00cf92000000ffffn).attributes).toBe(0x10000);
  });

  it('builds identity maps of other sizes at other places', () => {
    const [tables] = identityMap({ pml4: 0x10000n, size: 3n << 30n });
    expect(tables!.addr).toBe(0x10000n);
    const mem = new SparseMemory([{ base: 0n, size: 1n << 32n }]);
    mem.write(tables!.addr, tables!.bytes);
    const cpu = { cr0: 0x80000001n, cr3: 0x10000n, cr4: 0x20n, efer: 0x500n };
    for (const a of [0n, 0x40000000n, 0xbfffffffn])
      expect(translate(mem, cpu, a)).toEqual({ ok: true, phys: a });
    expect(translate(mem, cpu, 0xc0000000n).ok).toBe(false);
    expect(() => identityMap({ pml4: 0x10000n, size: 0x1000n })).toThrow(/2 MiB/);
  });

  it('loads code and enters at _start, else at the base', () => {
    const w = loadCode(baselineWorld(), new Uint8Array([0x90, 0xf4]), 0x200000n, { _start: 0x200001n });
    expect(w.state.rip).toBe(0x200001n);
    expect(w.symbols._start).toBe(0x200001n);
    expect(memoryOf(w).read(0x200000n, 2)).toEqual(new Uint8Array([0x90, 0xf4]));
    expect(loadCode(baselineWorld(), new Uint8Array([0xf4]), 0x300000n).state.rip).toBe(0x300000n);
  });

  it('clones deeply', () => {
    const a = baselineWorld();
    const b = cloneWorld(a);
    b.state.gpr.rax = 1n;
    b.state.seg.cs.selector = 0x8;
    b.state.msr.set(0x10, 5n);
    b.image[0]!.bytes[0] = 0xff;
    expect(a.state.gpr.rax).toBe(0n);
    expect(a.state.seg.cs.selector).toBe(0x10);
    expect(a.state.msr.size).toBe(0);
    expect(a.image[0]!.bytes[0]).toBe(0x03);
  });
});
