// Building the World of one run from a parsed `given` (src/model/given.ts): the baseline world, the
// example's code at `code` (RIP at `_start` when it has one), the memory entries in order, the state,
// and the garbage drawn from the seed, under one caller-state variant (its state and memory laid over). Also the assembly jobs of the given's `memory: - asm:` snippets.

import type { AsmBlock } from '../runner/assemble.ts';
import type { World } from '../runner/types.ts';
import { baselineWorld, claimCr4Features, loadCode, loadedSegment } from '../runner/world.ts';
import {
  fieldValue,
  GivenBuildError,
  worldSymbols,
  type GivenSpec,
  type VariantSpec,
} from '../model/given.ts';
import { seededBytes, seededValue } from '../model/seeded.ts';
import { setStateItem } from '../x86/items.ts';
import type { SegmentRegister } from '../x86/registers.ts';

/** RFLAGS bits garbage may set: the status flags (CF PF AF ZF SF OF). Bit 1 is always one. */
const RFLAGS_GARBAGE = 0x8d5n;

/**
 * The assembly snippets of a given block (`memory: - asm:`), in order, ready for `assemble()`.
 * `lineOffset` is the Markdown line of the block's first line minus one, so diagnostics come out in
 * Markdown lines. Pass their outputs to buildWorld in the same order.
 */
export function collectSnippets(
  given: GivenSpec,
  place: { file?: string; lineOffset?: number } = {},
): AsmBlock[] {
  const out: AsmBlock[] = [];
  for (const m of given.memory) {
    if (m.content.kind !== 'asm') continue;
    const block: AsmBlock = {
      source: m.content.source,
      base: m.addr,
      lineOffset: (place.lineOffset ?? 0) + m.content.line - 1,
    };
    if (place.file !== undefined) block.file = place.file;
    out.push(block);
  }
  return out;
}

export interface BuildOptions {
  /** Per-input seeds overriding `seed` (leak attribution varies one input at a time). */
  seedOf?: Record<string, number>;
  /** The caller-state variant (default: the given's first). */
  variant?: VariantSpec;
}

/**
 * The world of one run: the baseline world, the code at `code` (RIP at `_start` when it has one), the
 * memory entries in order (`snippets`: the assembler's outputs for collectSnippets(given), same order),
 * the state, and the garbage drawn from `seed` (or `options.seedOf[input]`).
 * Throws GivenBuildError when a field names a code label the example does not define.
 */
export function buildWorld(
  given: GivenSpec,
  code: { bytes: Uint8Array; symbols: Record<string, bigint> },
  seed: number,
  snippets: { bytes: Uint8Array }[],
  options: BuildOptions = {},
): World {
  const seedFor = (input: string) => options.seedOf?.[input] ?? seed;
  const world = baselineWorld();
  const symbols = worldSymbols(given, code.symbols);
  loadCode(world, code.bytes, given.code);
  world.state.rip = code.symbols._start ?? given.code;

  const variant = options.variant ?? given.variants[0];
  let next = 0;
  for (const m of [...given.memory, ...(variant?.memory ?? [])]) {
    const c = m.content;
    let bytes: Uint8Array;
    switch (c.kind) {
      case 'asm': {
        const out = snippets[next++];
        if (!out)
          throw new GivenBuildError(m.line, 1, 'buildWorld: fewer assembled snippets than asm entries');
        bytes = out.bytes;
        break;
      }
      case 'bytes':
        bytes = c.bytes;
        break;
      case 'qwords': {
        bytes = new Uint8Array(8 * c.values.length);
        const view = new DataView(bytes.buffer);
        c.values.forEach((f, i) => view.setBigUint64(8 * i, fieldValue(f, symbols, 'qwords'), true));
        break;
      }
      case 'garbage':
        bytes = seededBytes(seedFor(m.input!), m.input!, Number(c.size));
        break;
      case 'fill':
        bytes = new Uint8Array(Number(c.size)).fill(c.byte);
        break;
    }
    world.image.push({ addr: m.addr, bytes });
  }

  // Descriptor tables first, then selectors (which load their hidden part from the GDT, as a CPU
  // would), then everything else, so the order of the keys does not matter.
  const rank = (item: string) => (item.startsWith('gdtr.') ? 0 : item.endsWith('.selector') ? 1 : 2);
  const overridden = new Set(variant?.state.map((s) => s.item));
  const state = [...given.state.filter((s) => !overridden.has(s.item)), ...(variant?.state ?? [])];
  const ordered = state.sort((a, b) => rank(a.item) - rank(b.item));
  for (const s of ordered) {
    const v = fieldValue(s.value, symbols, `state ${s.item}`);
    if (s.item.endsWith('.selector') && !s.item.startsWith('ldtr') && !s.item.startsWith('tr'))
      loadSelector(world, s.item, v);
    else setStateItem(world.state, s.item, v);
  }

  for (const g of given.garbage) {
    let v = seededValue(seedFor(g.item), g.item);
    if (g.item === 'rflags') v = (v & RFLAGS_GARBAGE) | 2n;
    setStateItem(world.state, g.item, v);
  }
  // A CPU on which the caller ran with a CR4 feature on claims that feature in CPUID (KVM refuses
  // CR4 bits its guest's CPUID does not claim; the interpreter's CPUID answers from the same table).
  world.cpuid = claimCr4Features(world.cpuid ?? [], world.state.cr4);
  world.symbols = symbols;
  return world;
}

/** Set a segment selector and load its cache from the world's GDT when the entry is there. */
function loadSelector(world: World, item: string, selector: bigint): void {
  const reg = item.split('.')[0] as SegmentRegister;
  const sel = Number(selector & 0xffffn);
  const { gdtr } = world.state;
  const offset = BigInt(sel & ~7);
  const desc =
    (sel & 4) === 0 && offset + 7n <= BigInt(gdtr.limit) ? imageQword(world, gdtr.base + offset) : undefined;
  world.state.seg[reg] =
    desc === undefined ? { ...world.state.seg[reg], selector: sel } : loadedSegment(sel, desc);
}

/**
 * A qword of the world's initial memory (later image chunks win, RAM not covered reads as zero), or
 * undefined when it is not RAM. The GDT base is linear; worlds map their GDT identically.
 */
function imageQword(world: World, addr: bigint): bigint | undefined {
  if (!world.ram.some((r) => addr >= r.base && addr + 8n <= r.base + r.size)) return undefined;
  const bytes = new Uint8Array(8);
  for (let i = 0; i < 8; i++) {
    const a = addr + BigInt(i);
    for (let c = world.image.length - 1; c >= 0; c--) {
      const chunk = world.image[c]!;
      if (a >= chunk.addr && a < chunk.addr + BigInt(chunk.bytes.length)) {
        bytes[i] = chunk.bytes[Number(a - chunk.addr)]!;
        break;
      }
    }
  }
  return new DataView(bytes.buffer).getBigUint64(0, true);
}
