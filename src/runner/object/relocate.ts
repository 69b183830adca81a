// x86-64 relocation types: one table row per type (psABI, "Relocation Types"), each saying how wide
// the field is and how its value is computed from S (symbol address), A (addend) and P (the field's
// own address). A type missing from the table is an error naming it, never a silent skip.

export interface RelocationKind {
  name: string;
  /** Field width in bytes (0: R_X86_64_NONE writes nothing). */
  size: 0 | 1 | 2 | 4 | 8;
  /** True when the value is relative to the field's address (S + A - P). */
  pcRelative: boolean;
  /** How the value must fit the field: 'signed', 'unsigned', or either ('bitfield', as GNU ld checks). */
  fit: 'signed' | 'unsigned' | 'bitfield' | 'none';
}

/** Types a kernel, Xen or purgatory object uses. GOT/PLT types need a GOT, which a flat image has not. */
export const RELOCATION_KINDS: Record<number, RelocationKind> = {
  0: { name: 'R_X86_64_NONE', size: 0, pcRelative: false, fit: 'none' },
  1: { name: 'R_X86_64_64', size: 8, pcRelative: false, fit: 'none' },
  2: { name: 'R_X86_64_PC32', size: 4, pcRelative: true, fit: 'signed' },
  // A call to a function: with no PLT the target is the function itself, as ld resolves it statically.
  4: { name: 'R_X86_64_PLT32', size: 4, pcRelative: true, fit: 'signed' },
  10: { name: 'R_X86_64_32', size: 4, pcRelative: false, fit: 'unsigned' },
  11: { name: 'R_X86_64_32S', size: 4, pcRelative: false, fit: 'signed' },
  12: { name: 'R_X86_64_16', size: 2, pcRelative: false, fit: 'bitfield' },
  13: { name: 'R_X86_64_PC16', size: 2, pcRelative: true, fit: 'signed' },
  14: { name: 'R_X86_64_8', size: 1, pcRelative: false, fit: 'bitfield' },
  15: { name: 'R_X86_64_PC8', size: 1, pcRelative: true, fit: 'signed' },
  24: { name: 'R_X86_64_PC64', size: 8, pcRelative: true, fit: 'none' },
};

/** Names of the types we refuse, for the error message (psABI numbering). */
const KNOWN_NAMES: Record<number, string> = {
  3: 'R_X86_64_GOT32',
  5: 'R_X86_64_COPY',
  6: 'R_X86_64_GLOB_DAT',
  7: 'R_X86_64_JUMP_SLOT',
  8: 'R_X86_64_RELATIVE',
  9: 'R_X86_64_GOTPCREL',
  16: 'R_X86_64_DTPMOD64',
  17: 'R_X86_64_DTPOFF64',
  18: 'R_X86_64_TPOFF64',
  19: 'R_X86_64_TLSGD',
  20: 'R_X86_64_TLSLD',
  21: 'R_X86_64_DTPOFF32',
  22: 'R_X86_64_GOTTPOFF',
  23: 'R_X86_64_TPOFF32',
  25: 'R_X86_64_GOTOFF64',
  26: 'R_X86_64_GOTPC32',
  32: 'R_X86_64_SIZE32',
  33: 'R_X86_64_SIZE64',
  41: 'R_X86_64_GOTPCRELX',
  42: 'R_X86_64_REX_GOTPCRELX',
};

export function relocationName(type: number): string {
  return RELOCATION_KINDS[type]?.name ?? KNOWN_NAMES[type] ?? `relocation type ${type}`;
}

export class RelocationError extends Error {
  override name = 'RelocationError';
}

const M64 = (1n << 64n) - 1n;

/**
 * Writes one relocated field into `bytes` at `at`: S + A (- P). Throws RelocationError for a type not
 * in the table or a value that does not fit; `what` names the place and symbol for the message.
 */
export function applyRelocation(
  bytes: Uint8Array,
  at: number,
  type: number,
  S: bigint,
  A: bigint,
  P: bigint,
  what: string,
): void {
  const kind = RELOCATION_KINDS[type];
  if (!kind)
    throw new RelocationError(
      `${relocationName(type)} is not supported (${what}): a flat image has no GOT or PLT; ` +
        'the object must use absolute or PC-relative references',
    );
  if (kind.size === 0) return;
  const value = kind.pcRelative ? S + A - P : S + A;
  const bits = BigInt(kind.size * 8);
  const lo = -(1n << (bits - 1n));
  const hiSigned = (1n << (bits - 1n)) - 1n;
  const hiUnsigned = (1n << bits) - 1n;
  // Values are compared as mathematical integers: S and P are unsigned 64-bit, A signed.
  const signed = BigInt.asIntN(64, value & M64);
  const unsigned = value & M64;
  const fits =
    kind.fit === 'none' ||
    (kind.fit === 'signed' && signed >= lo && signed <= hiSigned) ||
    (kind.fit === 'unsigned' && unsigned <= hiUnsigned) ||
    (kind.fit === 'bitfield' && ((signed >= lo && signed <= hiSigned) || unsigned <= hiUnsigned));
  if (!fits)
    throw new RelocationError(
      `${kind.name} value 0x${unsigned.toString(16)} does not fit ${kind.size * 8} bits ` +
        `(${kind.fit === 'unsigned' ? 'zero' : 'sign'}-extended) (${what})`,
    );
  const field = BigInt.asUintN(kind.size * 8, value);
  for (let i = 0; i < kind.size; i++) bytes[at + i] = Number((field >> BigInt(8 * i)) & 0xffn);
}
