// Linking one relocatable object into a flat image at a chosen address, the way the implementation's
// own linker script (or loader) would: sections in the layout's order, the linker-defined symbols it
// expects, every relocation applied, and the DWARF line table relocated too so each instruction maps to
// the user's own source line. Pure TypeScript: no `ld`, so the layout is the implementation's and not
// a generic one, and every refusal names the symbol, section and line involved.

import { inflateSync } from 'node:zlib';
import { readLineRows } from '../dwarf-lines.ts';
import {
  SHF_ALLOC,
  SHN_ABS,
  SHN_COMMON,
  SHN_UNDEF,
  SHT_NOBITS,
  STB_LOCAL,
  STB_WEAK,
  STT_FILE,
  STT_SECTION,
  type ElfSection,
} from '../elf.ts';
import { ObjectError, symbolName, type RelObject } from './read.ts';
import { RelocationError, applyRelocation, relocationName } from './relocate.ts';

/** One step of a layout: the input sections it takes, in order, like `*(.text..relocate_kernel)`. */
export interface LayoutRule {
  /** Section names; a name ending in `*` matches by prefix, `*` alone matches every section left. */
  sections: string[];
  /** Only PROGBITS-like sections, or only NOBITS (.bss) ones; both when absent. */
  kind?: 'progbits' | 'nobits';
  /** `. = ALIGN(n)` before the rule's first section. */
  align?: number;
  /** Linker-defined symbols at the start and at the end of what the rule placed. */
  start?: string;
  end?: string;
}

export interface Layout {
  /** Says whose layout this is, for messages: "Linux vmlinux.lds.S KEXEC_RELOCATE_KERNEL". */
  name: string;
  rules: LayoutRule[];
  /**
   * Allocated sections no rule takes: 'drop' leaves them out of the image (the implementation does not
   * copy them; a reference into one is an error), 'append' places them after, in object order.
   */
  rest: 'drop' | 'append';
}

export interface LinkOptions {
  /** Address of the image's first byte, or see `anchor`. */
  base: bigint;
  /** Place the image so that this symbol lands at `base` (the range a caller copies starts there). */
  anchor?: string;
  layout: Layout;
  /** Symbols the caller supplies for the object's undefined references. */
  externs?: Record<string, bigint>;
}

export interface PlacedSection {
  name: string;
  index: number;
  addr: bigint;
  size: number;
  nobits: boolean;
}

export interface SourceLine {
  /** The file as the line table names it (the user's .S, or a header it included). */
  file: string;
  line: number;
}

export interface LinkedObject {
  file: string;
  /** Address of bytes[0]. */
  base: bigint;
  /** base .. end of the last placed section; NOBITS sections as zeros. */
  bytes: Uint8Array;
  sections: PlacedSection[];
  /** Every named symbol of a placed section, absolute symbols, and the linker-defined ones. */
  symbols: Record<string, bigint>;
  /** The globals among `symbols`. */
  globals: Set<string>;
  /** Instruction address -> source line, from the object's DWARF line table (empty without -g). */
  lines: Map<bigint, SourceLine>;
  /** External references resolved from `externs`, by name. */
  externsUsed: Record<string, bigint>;
}

export class LinkError extends ObjectError {
  override name = 'LinkError';
}

const M64 = (1n << 64n) - 1n;
/** Where sections the layout leaves out "are" while relocating debug info: not canonical, never in an image. */
const NOWHERE = 0x8000_0000_0000_0000n;

function matches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

const isNobits = (s: ElfSection) => s.type === SHT_NOBITS;
const alignUp = (v: bigint, a: number) => (a > 1 ? (v + BigInt(a) - 1n) & ~(BigInt(a) - 1n) : v);

/** Offsets (from the image start) of the sections the layout places, and its linker symbols. */
function plan(obj: RelObject, layout: Layout) {
  const taken = new Set<number>();
  const offsets = new Map<number, bigint>();
  const linkerSymbols: Record<string, bigint> = {};
  let at = 0n;
  const place = (s: ElfSection) => {
    at = alignUp(at, s.align);
    offsets.set(s.index, at);
    taken.add(s.index);
    at += BigInt(s.size);
  };
  const fits = (s: ElfSection, kind: LayoutRule['kind']) =>
    kind === undefined || (kind === 'nobits') === isNobits(s);
  for (const rule of layout.rules) {
    if (rule.align) at = alignUp(at, rule.align);
    if (rule.start) linkerSymbols[rule.start] = at;
    for (const pattern of rule.sections)
      for (const s of obj.alloc)
        if (!taken.has(s.index) && fits(s, rule.kind) && matches(pattern, s.name)) place(s);
    if (rule.end) linkerSymbols[rule.end] = at;
  }
  if (layout.rest === 'append') {
    for (const s of obj.alloc) if (!taken.has(s.index) && !isNobits(s)) place(s);
    for (const s of obj.alloc) if (!taken.has(s.index)) place(s);
  }
  return { offsets, linkerSymbols, size: at };
}

/** Places, resolves and relocates `obj`. Throws LinkError with the symbol, section and source line. */
export function linkObject(obj: RelObject, options: LinkOptions): LinkedObject {
  const { layout } = options;
  const { offsets, linkerSymbols, size } = plan(obj, layout);
  if (offsets.size === 0)
    throw new LinkError(
      obj.file,
      `the ${layout.name} layout places none of its sections (${obj.alloc.map((s) => s.name).join(', ') || 'none allocated'})`,
    );

  // The anchor symbol's offset decides the base: the copied range starts at `options.base`.
  let base = options.base;
  if (options.anchor !== undefined) {
    const sym = obj.symbols.find((s) => s.name === options.anchor && s.shndx !== SHN_UNDEF);
    const off = sym && offsets.get(sym.shndx);
    if (!sym || off === undefined)
      throw new LinkError(
        obj.file,
        `${options.anchor} is not defined in a section the ${layout.name} layout places`,
      );
    base = (options.base - off - sym.value) & M64;
  }

  const sectionAddr = (index: number): bigint | undefined => {
    const off = offsets.get(index);
    return off === undefined ? undefined : (base + off) & M64;
  };
  const sections: PlacedSection[] = obj.alloc
    .filter((s) => offsets.has(s.index))
    .map((s) => ({
      name: s.name,
      index: s.index,
      addr: sectionAddr(s.index)!,
      size: s.size,
      nobits: isNobits(s),
    }))
    .sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));

  const bytes = new Uint8Array(Number(size));
  for (const s of obj.alloc) {
    const off = offsets.get(s.index);
    if (off !== undefined && !isNobits(s)) bytes.set(obj.elf.contents(s), Number(off));
  }

  const lines = lineTable(obj, sectionAddr, base, BigInt(bytes.length));
  const lineOf = (s: ElfSection, offset: bigint) => {
    const addr = sectionAddr(s.index);
    return addr === undefined ? undefined : (lines.get(addr + offset) ?? nearestLine(lines, addr + offset));
  };
  const where = (s: ElfSection, offset: bigint) => {
    const line = lineOf(s, offset);
    return `${s.name}+0x${offset.toString(16)}${line ? ` at ${line.file}:${line.line}` : ''}`;
  };
  /** A LinkError placed at the user's line of the field it concerns, when the line table has it. */
  const fail = (message: string, user: { s: ElfSection; offset: bigint }) =>
    new LinkError(obj.file, message, lineOf(user.s, user.offset));

  // Symbol values. Linker-defined symbols win only where the object leaves the name undefined.
  const symbols: Record<string, bigint> = {};
  const globals = new Set<string>();
  for (const [name, off] of Object.entries(linkerSymbols)) symbols[name] = (base + off) & M64;
  const externsUsed: Record<string, bigint> = {};
  const valueOf = (index: number, user: { s: ElfSection; offset: bigint }): bigint => {
    const sym = obj.symbols[index - 1];
    if (!sym)
      throw fail(
        `a relocation at ${where(user.s, user.offset)} names symbol #${index}, which does not exist`,
        user,
      );
    if (sym.shndx === SHN_ABS) return sym.value;
    if (sym.shndx === SHN_COMMON)
      throw fail(`${sym.name} is a common symbol (.comm); give it storage in a section instead`, user);
    if (sym.shndx === SHN_UNDEF) {
      const name = sym.name;
      if (name in linkerSymbols) return symbols[name]!;
      const supplied = options.externs?.[name];
      if (supplied !== undefined) {
        externsUsed[name] = supplied;
        return supplied;
      }
      if (sym.bind === STB_WEAK) return 0n;
      throw fail(
        `undefined symbol ${name} (referenced at ${where(user.s, user.offset)}): the object does not define it, ` +
          `the ${layout.name} layout does not provide it, and the caller adapter does not supply it`,
        user,
      );
    }
    const addr = sectionAddr(sym.shndx);
    if (addr === undefined) {
      const sec = obj.elf.sections[sym.shndx];
      throw fail(
        `${symbolName(obj, index)} (referenced at ${where(user.s, user.offset)}) is in section ${sec?.name ?? sym.shndx}, ` +
          `which the ${layout.name} layout does not place (it places ${sections.map((p) => p.name).join(', ')})`,
        user,
      );
    }
    return (addr + sym.value) & M64;
  };
  for (const s of obj.symbols) {
    if (!s.name || s.type === STT_SECTION || s.type === STT_FILE) continue;
    let v: bigint | undefined;
    if (s.shndx === SHN_ABS) v = s.value;
    else if (s.shndx !== SHN_UNDEF && s.shndx !== SHN_COMMON) {
      const a = sectionAddr(s.shndx);
      if (a !== undefined) v = (a + s.value) & M64;
    }
    if (v === undefined) continue;
    if (s.bind === STB_LOCAL && s.name in symbols) continue; // a global of the same name wins
    symbols[s.name] = v;
    if (s.bind !== STB_LOCAL) globals.add(s.name);
  }

  // Relocate the placed sections.
  for (const s of obj.alloc) {
    const off = offsets.get(s.index);
    if (off === undefined) continue;
    const relas = obj.relocations.get(s.index) ?? [];
    if (relas.length && isNobits(s))
      throw new LinkError(obj.file, `section ${s.name} holds no bytes but has relocations`);
    const P0 = (base + off) & M64;
    for (const r of relas) {
      if (r.offset >= BigInt(s.size))
        throw new LinkError(
          obj.file,
          `a relocation at ${s.name}+0x${r.offset.toString(16)} is outside the section`,
        );
      const user = { s, offset: r.offset };
      const S = r.sym === 0 ? 0n : valueOf(r.sym, user);
      try {
        applyRelocation(
          bytes,
          Number(off + r.offset),
          r.type,
          S,
          r.addend,
          (P0 + r.offset) & M64,
          `${r.sym ? symbolName(obj, r.sym) : 'no symbol'} at ${where(s, r.offset)}`,
        );
      } catch (e) {
        if (e instanceof RelocationError) throw fail(e.message, user);
        throw e;
      }
    }
  }

  return { file: obj.file, base, bytes, sections, symbols, globals, lines, externsUsed };
}

/**
 * The DWARF line table with the object's own relocations applied: DW_LNE_set_address operands point
 * at the placed sections, and DWARF 5 string offsets at .debug_line_str. Rows outside the image
 * (sections the layout leaves out) are dropped; the first row of an address wins.
 */
function lineTable(
  obj: RelObject,
  sectionAddr: (index: number) => bigint | undefined,
  base: bigint,
  size: bigint,
): Map<bigint, SourceLine> {
  const lines = new Map<bigint, SourceLine>();
  const debugLine = obj.elf.section('.debug_line');
  const data = debugLine && debugContents(obj, debugLine);
  if (!debugLine || !data) return lines;
  for (const r of obj.relocations.get(debugLine.index) ?? []) {
    const sym = obj.symbols[r.sym - 1];
    if (!sym) continue;
    let S: bigint;
    if (sym.shndx === SHN_UNDEF || sym.shndx === SHN_COMMON) continue;
    else if (sym.shndx === SHN_ABS) S = sym.value;
    else {
      const sec = obj.elf.sections[sym.shndx];
      // Debug sections (not allocated) are addressed from their own start, as in any linked file.
      const a = sec && (sec.flags & BigInt(SHF_ALLOC)) === 0n ? 0n : (sectionAddr(sym.shndx) ?? NOWHERE);
      S = (a + sym.value) & M64;
    }
    try {
      applyRelocation(
        data,
        Number(r.offset),
        r.type,
        S,
        r.addend,
        0n,
        `.debug_line+0x${r.offset.toString(16)}`,
      );
    } catch {
      // A field we cannot patch only costs line information, never the run.
    }
  }
  const strings = (name: string) => {
    const s = obj.elf.section(name);
    return s && debugContents(obj, s);
  };
  let rows: ReturnType<typeof readLineRows>;
  try {
    rows = readLineRows(data, { lineStr: strings('.debug_line_str'), str: strings('.debug_str') });
  } catch {
    return lines; // a line table we cannot read only costs line information, never the run
  }
  for (const row of rows) {
    if (row.address < base || row.address >= base + size || lines.has(row.address)) continue;
    lines.set(row.address, { file: row.file ?? obj.file, line: row.line });
  }
  return lines;
}

const SHF_COMPRESSED = 0x800n;
const ELFCOMPRESS_ZLIB = 1;

/**
 * A debug section's bytes, decompressed when the build compressed it (CONFIG_DEBUG_INFO_COMPRESSED_ZLIB:
 * an Elf64_Chdr, then a zlib stream). Other compressions (zstd) give no line information.
 */
function debugContents(obj: RelObject, s: ElfSection): Uint8Array | undefined {
  const raw = obj.elf.contents(s);
  if ((s.flags & SHF_COMPRESSED) === 0n) return raw.slice();
  if (raw.length < 24) return undefined;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (view.getUint32(0, true) !== ELFCOMPRESS_ZLIB) return undefined;
  try {
    return new Uint8Array(inflateSync(raw.subarray(24)));
  } catch {
    return undefined;
  }
}

/** The line of the closest instruction at or before `addr` (a relocation field sits inside one). */
export function nearestLine(lines: Map<bigint, SourceLine>, addr: bigint): SourceLine | undefined {
  let best: bigint | undefined;
  for (const a of lines.keys()) if (a <= addr && (best === undefined || a > best)) best = a;
  return best === undefined || addr - best > 16n ? undefined : lines.get(best);
}

export { relocationName };
