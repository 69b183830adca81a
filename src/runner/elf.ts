// A small ELF64 little-endian reader: just enough to take section bytes and symbols out of what
// GNU as and ld produce, so the assembler driver needs no objcopy/nm processes.

export const SHT_NOBITS = 8;
export const SHT_SYMTAB = 2;
export const SHT_RELA = 4;
export const SHT_REL = 9;
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const ET_REL = 1;
export const EM_X86_64 = 62;
export const SHN_UNDEF = 0;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  align: number;
  link: number;
  /** sh_info: for a RELA section, the index of the section it patches. */
  info: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  bind: number;
  type: number;
  shndx: number;
}

/** One entry of a SHT_RELA section (x86-64 uses RELA only). */
export interface ElfRela {
  offset: bigint;
  type: number;
  /** Index into .symtab (0: no symbol). */
  sym: number;
  addend: bigint;
}

export class ElfError extends Error {
  override name = 'ElfError';
}

export class Elf64 {
  readonly sections: ElfSection[];
  /** e_type (ET_REL 1, ET_EXEC 2, ET_DYN 3) and e_machine (EM_X86_64 62). */
  readonly type: number;
  readonly machine: number;
  private readonly view: DataView;

  constructor(readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const magic = data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
    // EI_CLASS 2 = 64-bit, EI_DATA 1 = little-endian.
    if (!magic || data[4] !== 2 || data[5] !== 1) throw new ElfError('not an ELF64 little-endian file');
    this.type = this.view.getUint16(0x10, true);
    this.machine = this.view.getUint16(0x12, true);
    const shoff = this.u64(0x28);
    const shentsize = this.view.getUint16(0x3a, true);
    const shnum = this.view.getUint16(0x3c, true);
    const shstrndx = this.view.getUint16(0x3e, true);
    const raw: Omit<ElfSection, 'name'>[] = [];
    const names: number[] = [];
    for (let i = 0; i < shnum; i++) {
      const o = Number(shoff) + i * shentsize;
      names.push(this.view.getUint32(o, true));
      raw.push({
        index: i,
        type: this.view.getUint32(o + 4, true),
        flags: this.u64(o + 8),
        addr: this.u64(o + 16),
        offset: Number(this.u64(o + 24)),
        size: Number(this.u64(o + 32)),
        link: this.view.getUint32(o + 40, true),
        info: this.view.getUint32(o + 44, true),
        align: Number(this.u64(o + 48)),
        entsize: Number(this.u64(o + 56)),
      });
    }
    const strtab = raw[shstrndx];
    this.sections = raw.map((s, i) => ({
      ...s,
      name: strtab ? this.cstring(strtab.offset + names[i]!) : '',
    }));
  }

  section(name: string): ElfSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** A section's file bytes (zeros for NOBITS sections such as .bss). */
  contents(s: ElfSection): Uint8Array {
    if (s.type === SHT_NOBITS) return new Uint8Array(s.size);
    return this.data.subarray(s.offset, s.offset + s.size);
  }

  /** Every entry of .symtab except the null symbol, in table order. */
  symbols(): ElfSymbol[] {
    const tab = this.sections.find((s) => s.type === SHT_SYMTAB);
    if (!tab) return [];
    const str = this.sections[tab.link]!;
    const out: ElfSymbol[] = [];
    for (let o = tab.offset + 24; o < tab.offset + tab.size; o += 24) {
      const info = this.data[o + 4]!;
      out.push({
        name: this.cstring(str.offset + this.view.getUint32(o, true)),
        bind: info >> 4,
        type: info & 0xf,
        shndx: this.view.getUint16(o + 6, true),
        value: this.u64(o + 8),
        size: this.u64(o + 16),
      });
    }
    return out;
  }

  /** The entries of a SHT_RELA section, in order. */
  relocations(s: ElfSection): ElfRela[] {
    if (s.type !== SHT_RELA) throw new ElfError(`section ${s.name} is not a RELA section`);
    const out: ElfRela[] = [];
    for (let o = s.offset; o + 24 <= s.offset + s.size; o += 24) {
      const info = this.u64(o + 8);
      out.push({
        offset: this.u64(o),
        type: Number(info & 0xffffffffn),
        sym: Number(info >> 32n),
        addend: this.view.getBigInt64(o + 16, true),
      });
    }
    return out;
  }

  private u64(o: number): bigint {
    return this.view.getBigUint64(o, true);
  }

  private cstring(o: number): string {
    let end = o;
    while (end < this.data.length && this.data[end] !== 0) end++;
    return new TextDecoder().decode(this.data.subarray(o, end));
  }
}
