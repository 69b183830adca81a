// Reading a relocatable x86-64 ELF object (ET_REL), as `as` or a kernel build (`make foo.o`) writes
// it: its sections, symbols and relocations, before anything is placed. Which symbols it defines is
// how a caller adapter recognises an implementation; the linker (link.ts) places and relocates it.

import {
  Elf64,
  ElfError,
  EM_X86_64,
  ET_REL,
  SHF_ALLOC,
  SHN_ABS,
  SHN_COMMON,
  SHN_UNDEF,
  SHT_RELA,
  SHT_REL,
  STB_LOCAL,
  type ElfRela,
  type ElfSection,
  type ElfSymbol,
} from '../elf.ts';

export interface RelObject {
  /** Where it came from, for messages ("arch/x86/kernel/relocate_kernel_64.o"). */
  file: string;
  elf: Elf64;
  /** SHF_ALLOC sections in section-header order. */
  alloc: ElfSection[];
  symbols: ElfSymbol[];
  /** RELA entries by the index of the section they patch. */
  relocations: Map<number, ElfRela[]>;
  /** Global and weak symbols the object defines (section, absolute or common). */
  defines: Set<string>;
  /** Global symbols it references but does not define: the linker or the caller must supply them. */
  undefined: Set<string>;
}

export class ObjectError extends Error {
  override name = 'ObjectError';
  constructor(
    readonly file: string,
    /** The message without the file name in front. */
    readonly detail: string,
    /** The user's source line it concerns, when the object's line table knows it. */
    readonly line?: { file: string; line: number },
  ) {
    super(`${file}: ${detail}`);
  }
}

/** Parses an ET_REL x86-64 object. Throws ObjectError naming the file for anything else. */
export function readObject(bytes: Uint8Array, file: string): RelObject {
  let elf: Elf64;
  try {
    elf = new Elf64(bytes);
  } catch (e) {
    const why = e instanceof ElfError ? e.message : 'truncated or malformed ELF';
    throw new ObjectError(
      file,
      `${why} (expected a relocatable x86-64 object, as 'as' or 'make foo.o' writes)`,
    );
  }
  if (elf.machine !== EM_X86_64)
    throw new ObjectError(file, `not an x86-64 object (e_machine ${elf.machine}; x86-64 is ${EM_X86_64})`);
  if (elf.type !== ET_REL)
    throw new ObjectError(
      file,
      `not a relocatable object (ELF type ${elf.type}; ET_REL is ${ET_REL}): give the .o the build ` +
        'made before it was linked, or the .S source',
    );
  const rel = elf.sections.find((s) => s.type === SHT_REL);
  if (rel) throw new ObjectError(file, `section ${rel.name} uses REL relocations; x86-64 objects use RELA`);
  let symbols: ElfSymbol[];
  try {
    symbols = elf.symbols();
  } catch {
    throw new ObjectError(file, 'the symbol table is truncated or malformed');
  }
  const relocations = new Map<number, ElfRela[]>();
  for (const s of elf.sections) {
    if (s.type !== SHT_RELA) continue;
    relocations.set(s.info, elf.relocations(s)); // sh_info: the section these entries patch
  }
  const defines = new Set<string>();
  const undef = new Set<string>();
  for (const s of symbols) {
    if (!s.name || s.bind === STB_LOCAL) continue;
    if (s.shndx === SHN_UNDEF) undef.add(s.name);
    else if (s.shndx === SHN_ABS || s.shndx === SHN_COMMON || s.shndx < elf.sections.length)
      defines.add(s.name);
  }
  return {
    file,
    elf,
    alloc: elf.sections.filter((s) => (s.flags & BigInt(SHF_ALLOC)) !== 0n),
    symbols,
    relocations,
    defines,
    undefined: undef,
  };
}

/** A symbol's display name: its own, or its section's for section symbols. */
export function symbolName(obj: RelObject, index: number): string {
  const s = obj.symbols[index - 1];
  if (!s) return `symbol #${index}`;
  if (s.name) return s.name;
  const sec = obj.elf.sections[s.shndx];
  return sec ? sec.name : `symbol #${index}`;
}
