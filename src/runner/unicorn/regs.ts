// Unicorn 2.0.1 constants, written out from /usr/include/unicorn/{unicorn,x86}.h (libunicorn-dev 2.0.1).
// They live in code because machines that run the tests have the library but not its headers.
// The x86 register enum has gaps (UC_X86_REG_ES = EIP + 2, RSI = RIP + 2 ...), so every id is explicit.

import type { DebugRegister, Gpr, SegmentRegister } from '../../x86/registers.ts';

export const UC_ARCH_X86 = 4;
export const UC_MODE_64 = 8;
export const UC_PROT_ALL = 7;

export const UC_ERR = {
  OK: 0,
  READ_UNMAPPED: 6,
  WRITE_UNMAPPED: 7,
  FETCH_UNMAPPED: 8,
  INSN_INVALID: 10,
  EXCEPTION: 21,
} as const;

export const UC_HOOK = {
  INTR: 1,
  INSN: 2,
  CODE: 4,
  BLOCK: 8,
  MEM_READ_UNMAPPED: 16,
  MEM_WRITE_UNMAPPED: 32,
  MEM_FETCH_UNMAPPED: 64,
  /** READ|WRITE|FETCH unmapped. */
  MEM_UNMAPPED: 112,
} as const;

export const UC_X86_INS = { IN: 218, OUT: 500, CPUID: 113 } as const;

export const UC_GPR: Record<Gpr, number> = {
  rax: 35,
  rbx: 37,
  rcx: 38,
  rdx: 40,
  rsi: 43,
  rdi: 39,
  rbp: 36,
  rsp: 44,
  r8: 106,
  r9: 107,
  r10: 108,
  r11: 109,
  r12: 110,
  r13: 111,
  r14: 112,
  r15: 113,
};

export const UC_SEG: Record<SegmentRegister, number> = { cs: 11, ds: 17, es: 28, fs: 32, gs: 33, ss: 49 };

export const UC_REG = {
  rip: 41,
  eflags: 25,
  rflags: 253,
  cr0: 50,
  cr2: 52,
  cr3: 53,
  cr4: 54,
  idtr: 242,
  gdtr: 243,
  ldtr: 244,
  tr: 245,
  /** Takes a uc_x86_msr { uint32 rid; uint64 value } (16 bytes, value at 8). */
  msr: 248,
} as const;

/** UC_X86_REG_DR0 = UC_X86_REG_CR8 + 8 = 66, then DR1..DR7 in order (DR4 and DR5 are 70 and 71). */
export const UC_DR: Record<DebugRegister, number> = { dr0: 66, dr1: 67, dr2: 68, dr3: 69, dr6: 72, dr7: 73 };

/** uc_x86_mmr: { uint16 selector; uint64 base; uint32 limit; uint32 flags } = 24 bytes. */
export const MMR = { size: 24, selector: 0, base: 8, limit: 16, flags: 20 } as const;
export const MSR_STRUCT = { size: 16, rid: 0, value: 8 } as const;
