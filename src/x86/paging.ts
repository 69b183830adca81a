// Paging facts (SDM vol. 3A, 4.5 and 4.7): page-table entry bits and the #PF error code bits.

/** A named page-table entry bit, as the expect language names it (PTE_P ...). */
export interface EntryBit {
  value: bigint;
  doc: string;
}

export const PTE_P = 1n << 0n;
export const PTE_RW = 1n << 1n;
export const PTE_US = 1n << 2n;
export const PTE_PWT = 1n << 3n;
export const PTE_PCD = 1n << 4n;
export const PTE_A = 1n << 5n;
export const PTE_D = 1n << 6n;
export const PTE_PS = 1n << 7n;
export const PTE_G = 1n << 8n;
export const PTE_NX = 1n << 63n;

/** Page-table entry bits (tables 4-15..4-20), by constant name. */
export const PTE_BITS: Readonly<Record<string, EntryBit>> = {
  PTE_P: { value: PTE_P, doc: 'page-table entry: present' },
  PTE_RW: { value: PTE_RW, doc: 'page-table entry: writable' },
  PTE_US: { value: PTE_US, doc: 'page-table entry: user' },
  PTE_PWT: { value: PTE_PWT, doc: 'page-table entry: write-through' },
  PTE_PCD: { value: PTE_PCD, doc: 'page-table entry: cache disable' },
  PTE_A: { value: PTE_A, doc: 'page-table entry: accessed' },
  PTE_D: { value: PTE_D, doc: 'page-table entry: dirty' },
  PTE_PS: { value: PTE_PS, doc: 'page-table entry: large page (PDE/PDPTE)' },
  PTE_G: { value: PTE_G, doc: 'page-table entry: global' },
  PTE_NX: { value: PTE_NX, doc: 'page-table entry: no-execute' },
};

/** Physical-address bits 51:12 of an entry (MAXPHYADDR 52; a smaller one is not modelled). */
export const PTE_ADDR_MASK = 0x000f_ffff_ffff_f000n;

// #PF error code bits (4.7).
export const PF_P = 1;
export const PF_W = 2;
export const PF_U = 4;
export const PF_RSVD = 8;
export const PF_I = 16;
