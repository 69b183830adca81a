// Architectural MSR numbers (SDM vol. 4), with the names the expect language gives them (MSR_EFER ...).

export interface Msr {
  index: number;
  doc: string;
}

export const MSR_EFER = 0xc000_0080;
export const MSR_STAR = 0xc000_0081;
export const MSR_LSTAR = 0xc000_0082;
export const MSR_CSTAR = 0xc000_0083;
export const MSR_SYSCALL_MASK = 0xc000_0084;
export const MSR_FS_BASE = 0xc000_0100;
export const MSR_GS_BASE = 0xc000_0101;
export const MSR_KERNEL_GS_BASE = 0xc000_0102;
export const MSR_APIC_BASE = 0x1b;
export const MSR_MISC_ENABLE = 0x1a0;
export const MSR_PAT = 0x277;
export const MSR_U_CET = 0x6a0;
export const MSR_S_CET = 0x6a2;

/** Every named MSR, by its constant name. */
export const MSRS: Readonly<Record<string, Msr>> = {
  MSR_EFER: { index: MSR_EFER, doc: 'IA32_EFER' },
  MSR_STAR: { index: MSR_STAR, doc: 'IA32_STAR' },
  MSR_LSTAR: { index: MSR_LSTAR, doc: 'IA32_LSTAR' },
  MSR_CSTAR: { index: MSR_CSTAR, doc: 'IA32_CSTAR' },
  MSR_SYSCALL_MASK: { index: MSR_SYSCALL_MASK, doc: 'IA32_FMASK' },
  MSR_FS_BASE: { index: MSR_FS_BASE, doc: 'IA32_FS_BASE' },
  MSR_GS_BASE: { index: MSR_GS_BASE, doc: 'IA32_GS_BASE' },
  MSR_KERNEL_GS_BASE: { index: MSR_KERNEL_GS_BASE, doc: 'IA32_KERNEL_GS_BASE' },
  MSR_APIC_BASE: { index: MSR_APIC_BASE, doc: 'IA32_APIC_BASE' },
  MSR_MISC_ENABLE: { index: MSR_MISC_ENABLE, doc: 'IA32_MISC_ENABLE' },
  MSR_PAT: { index: MSR_PAT, doc: 'IA32_PAT' },
  MSR_U_CET: { index: MSR_U_CET, doc: 'IA32_U_CET' },
  MSR_S_CET: { index: MSR_S_CET, doc: 'IA32_S_CET' },
};
