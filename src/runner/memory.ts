// Physical memory: sparse 4 KiB pages inside declared RAM regions.
// A page is allocated on first write; RAM that was never written reads as zero. An access that leaves
// the declared RAM throws MemoryError naming the address: a world never silently grows memory.

import type { RamRegion } from './types.ts';

export const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12n;
const PAGE_MASK = 0xfffn;

export class MemoryError extends Error {
  constructor(
    readonly address: bigint,
    readonly length: number,
  ) {
    super(`physical access at 0x${address.toString(16)} (${length} bytes) is outside the world's RAM`);
    this.name = 'MemoryError';
  }
}

export interface PhysicalMemory {
  readonly regions: readonly RamRegion[];
  /** True when every byte of [addr, addr+len) is RAM. */
  contains(addr: bigint, len: number): boolean;
  read(addr: bigint, len: number): Uint8Array;
  write(addr: bigint, bytes: Uint8Array): void;
  readU64(addr: bigint): bigint;
  writeU64(addr: bigint, value: bigint): void;
  /** The pages that were ever written (page-aligned physical address, 4096 bytes each). */
  pages(): IterableIterator<[bigint, Uint8Array]>;
  /** Called with the page address after every write; the interpreter uses it to drop decoded code. */
  onWrite?: (pageAddr: bigint) => void;
}

export class SparseMemory implements PhysicalMemory {
  private readonly store = new Map<bigint, Uint8Array>();
  onWrite?: (pageAddr: bigint) => void;

  constructor(readonly regions: readonly RamRegion[]) {}

  contains(addr: bigint, len: number): boolean {
    const end = addr + BigInt(len);
    return this.regions.some((r) => addr >= r.base && end <= r.base + r.size);
  }

  /** The page's backing bytes, allocating it when `create` (callers have checked RAM bounds). */
  page(pageAddr: bigint, create: boolean): Uint8Array | undefined {
    let p = this.store.get(pageAddr);
    if (!p && create) {
      p = this.allocPage();
      this.store.set(pageAddr, p);
    }
    return p;
  }

  // Pages are carved out of slabs that double from 64 KiB to 1 MiB: one ArrayBuffer per 4 KiB page
  // made large copies allocation-bound (about 40 us per page in V8), while small worlds stay small.
  private slab: ArrayBuffer | undefined;
  private slabUsed = 0;

  private allocPage(): Uint8Array {
    if (!this.slab || this.slabUsed === this.slab.byteLength) {
      const size = this.slab ? Math.min(this.slab.byteLength * 2, 1 << 20) : 16 * PAGE_SIZE;
      this.slab = new ArrayBuffer(size);
      this.slabUsed = 0;
    }
    const p = new Uint8Array(this.slab, this.slabUsed, PAGE_SIZE);
    this.slabUsed += PAGE_SIZE;
    return p;
  }

  read(addr: bigint, len: number): Uint8Array {
    if (!this.contains(addr, len)) throw new MemoryError(addr, len);
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = addr + BigInt(done);
      const off = Number(a & PAGE_MASK);
      const n = Math.min(len - done, PAGE_SIZE - off);
      const p = this.store.get((a >> PAGE_SHIFT) << PAGE_SHIFT);
      if (p) out.set(p.subarray(off, off + n), done);
      done += n;
    }
    return out;
  }

  write(addr: bigint, bytes: Uint8Array): void {
    if (!this.contains(addr, bytes.length)) throw new MemoryError(addr, bytes.length);
    let done = 0;
    while (done < bytes.length) {
      const a = addr + BigInt(done);
      const off = Number(a & PAGE_MASK);
      const n = Math.min(bytes.length - done, PAGE_SIZE - off);
      const pageAddr = (a >> PAGE_SHIFT) << PAGE_SHIFT;
      this.page(pageAddr, true)!.set(bytes.subarray(done, done + n), off);
      this.onWrite?.(pageAddr);
      done += n;
    }
  }

  readU64(addr: bigint): bigint {
    const b = this.read(addr, 8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  writeU64(addr: bigint, value: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.write(addr, b);
  }

  pages(): IterableIterator<[bigint, Uint8Array]> {
    return this.store.entries();
  }

  /** An independent copy (same regions, copied pages). */
  clone(): SparseMemory {
    const m = new SparseMemory(this.regions);
    for (const [a, p] of this.store) m.store.set(a, p.slice());
    return m;
  }
}

/**
 * The physical addresses at which two memories of the same world differ, in ascending order (at most
 * `limit` of them). A page neither memory holds reads as zero in both, so comparing the union of their
 * pages compares all of RAM.
 */
export function differingBytes(a: PhysicalMemory, b: PhysicalMemory, limit = Infinity): bigint[] {
  const pages = new Set<bigint>();
  for (const [p] of a.pages()) pages.add(p);
  for (const [p] of b.pages()) pages.add(p);
  const out: bigint[] = [];
  for (const p of [...pages].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
    const x = readPage(a, p);
    const y = readPage(b, p);
    for (let i = 0; i < PAGE_SIZE; i++) {
      if (x[i] === y[i]) continue;
      out.push(p + BigInt(i));
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** A page's bytes; bytes outside RAM (a region that ends inside the page) read as zero. */
function readPage(m: PhysicalMemory, p: bigint): Uint8Array {
  if (m.contains(p, PAGE_SIZE)) return m.read(p, PAGE_SIZE);
  const out = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i++) if (m.contains(p + BigInt(i), 1)) out[i] = m.read(p + BigInt(i), 1)[0]!;
  return out;
}
