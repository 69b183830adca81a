// The KVM userspace ABI (x86-64) the engine uses, written out from linux/kvm.h and asm/kvm.h
// (Linux UAPI; the layout has been stable since KVM_API_VERSION 12). Structs are koffi types so their
// sizes and offsets can be checked by test/kvm-abi.test.ts on any machine, with or without /dev/kvm;
// the engine encodes them with DataView at the offsets koffi computes.

import koffi from 'koffi';
import type { TypeObject } from 'koffi';

// ---- ioctl numbers: asm-generic/ioctl.h ----------------------------------------------------
const IOC_NONE = 0;
const IOC_WRITE = 1;
const IOC_READ = 2;
const ioc = (dir: number, type: number, nr: number, size: number): number =>
  ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
const IO = (nr: number): number => ioc(IOC_NONE, KVMIO, nr, 0);
const IOR = (nr: number, size: number): number => ioc(IOC_READ, KVMIO, nr, size);
const IOW = (nr: number, size: number): number => ioc(IOC_WRITE, KVMIO, nr, size);
const IOWR = (nr: number, size: number): number => ioc(IOC_READ | IOC_WRITE, KVMIO, nr, size);
const KVMIO = 0xae;

// ---- structs ---------------------------------------------------------------------------------
export const kvm_regs = koffi.struct('kvm_regs', {
  rax: 'uint64_t',
  rbx: 'uint64_t',
  rcx: 'uint64_t',
  rdx: 'uint64_t',
  rsi: 'uint64_t',
  rdi: 'uint64_t',
  rsp: 'uint64_t',
  rbp: 'uint64_t',
  r8: 'uint64_t',
  r9: 'uint64_t',
  r10: 'uint64_t',
  r11: 'uint64_t',
  r12: 'uint64_t',
  r13: 'uint64_t',
  r14: 'uint64_t',
  r15: 'uint64_t',
  rip: 'uint64_t',
  rflags: 'uint64_t',
});

export const kvm_segment = koffi.struct('kvm_segment', {
  base: 'uint64_t',
  limit: 'uint32_t',
  selector: 'uint16_t',
  type: 'uint8_t',
  present: 'uint8_t',
  dpl: 'uint8_t',
  db: 'uint8_t',
  s: 'uint8_t',
  l: 'uint8_t',
  g: 'uint8_t',
  avl: 'uint8_t',
  unusable: 'uint8_t',
  padding: 'uint8_t',
});

export const kvm_dtable = koffi.struct('kvm_dtable', {
  base: 'uint64_t',
  limit: 'uint16_t',
  padding: koffi.array('uint16_t', 3),
});

export const kvm_sregs = koffi.struct('kvm_sregs', {
  cs: kvm_segment,
  ds: kvm_segment,
  es: kvm_segment,
  fs: kvm_segment,
  gs: kvm_segment,
  ss: kvm_segment,
  tr: kvm_segment,
  ldt: kvm_segment,
  gdt: kvm_dtable,
  idt: kvm_dtable,
  cr0: 'uint64_t',
  cr2: 'uint64_t',
  cr3: 'uint64_t',
  cr4: 'uint64_t',
  cr8: 'uint64_t',
  efer: 'uint64_t',
  apic_base: 'uint64_t',
  interrupt_bitmap: koffi.array('uint64_t', 4),
});

/** struct kvm_debugregs (KVM_CAP_DEBUGREGS): DR0-DR3, DR6, DR7; flags must be zero. */
export const kvm_debugregs = koffi.struct('kvm_debugregs', {
  db: koffi.array('uint64_t', 4),
  dr6: 'uint64_t',
  dr7: 'uint64_t',
  flags: 'uint64_t',
  reserved: koffi.array('uint64_t', 9),
});

export const kvm_userspace_memory_region = koffi.struct('kvm_userspace_memory_region', {
  slot: 'uint32_t',
  flags: 'uint32_t',
  guest_phys_addr: 'uint64_t',
  memory_size: 'uint64_t',
  userspace_addr: 'uint64_t',
});

export const kvm_cpuid_entry2 = koffi.struct('kvm_cpuid_entry2', {
  function: 'uint32_t',
  index: 'uint32_t',
  flags: 'uint32_t',
  eax: 'uint32_t',
  ebx: 'uint32_t',
  ecx: 'uint32_t',
  edx: 'uint32_t',
  padding: koffi.array('uint32_t', 3),
});

/** struct kvm_cpuid2 { __u32 nent; __u32 padding; struct kvm_cpuid_entry2 entries[]; } (header only). */
export const kvm_cpuid2 = koffi.struct('kvm_cpuid2', { nent: 'uint32_t', padding: 'uint32_t' });

export const kvm_msr_entry = koffi.struct('kvm_msr_entry', {
  index: 'uint32_t',
  reserved: 'uint32_t',
  data: 'uint64_t',
});
/** struct kvm_msrs { __u32 nmsrs; __u32 pad; struct kvm_msr_entry entries[]; } (header only). */
export const kvm_msrs = koffi.struct('kvm_msrs', { nmsrs: 'uint32_t', pad: 'uint32_t' });

/** The exit payload of KVM_EXIT_IO inside the kvm_run union. */
export const kvm_run_io = koffi.struct('kvm_run_io', {
  direction: 'uint8_t',
  size: 'uint8_t',
  port: 'uint16_t',
  count: 'uint32_t',
  data_offset: 'uint64_t',
});

/** The fixed head of struct kvm_run; the exit union starts right after it (offset 32). */
export const kvm_run_head = koffi.struct('kvm_run_head', {
  request_interrupt_window: 'uint8_t',
  immediate_exit: 'uint8_t',
  padding1: koffi.array('uint8_t', 6),
  exit_reason: 'uint32_t',
  ready_for_interrupt_injection: 'uint8_t',
  if_flag: 'uint8_t',
  flags: 'uint16_t',
  cr8: 'uint64_t',
  apic_base: 'uint64_t',
});

export const sizes = {
  regs: koffi.sizeof(kvm_regs),
  segment: koffi.sizeof(kvm_segment),
  dtable: koffi.sizeof(kvm_dtable),
  sregs: koffi.sizeof(kvm_sregs),
  debugregs: koffi.sizeof(kvm_debugregs),
  memoryRegion: koffi.sizeof(kvm_userspace_memory_region),
  cpuid2: koffi.sizeof(kvm_cpuid2),
  cpuidEntry2: koffi.sizeof(kvm_cpuid_entry2),
  msrs: koffi.sizeof(kvm_msrs),
  msrEntry: koffi.sizeof(kvm_msr_entry),
  runHead: koffi.sizeof(kvm_run_head),
};

export const off = (t: TypeObject, field: string): number => koffi.offsetof(t, field);

export const ioctls = {
  KVM_GET_API_VERSION: IO(0x00),
  KVM_CREATE_VM: IO(0x01),
  KVM_CHECK_EXTENSION: IO(0x03),
  KVM_GET_VCPU_MMAP_SIZE: IO(0x04),
  KVM_GET_SUPPORTED_CPUID: IOWR(0x05, sizes.cpuid2),
  KVM_CREATE_VCPU: IO(0x41),
  KVM_SET_USER_MEMORY_REGION: IOW(0x46, sizes.memoryRegion),
  KVM_SET_TSS_ADDR: IO(0x47),
  KVM_RUN: IO(0x80),
  KVM_GET_REGS: IOR(0x81, sizes.regs),
  KVM_SET_REGS: IOW(0x82, sizes.regs),
  KVM_GET_SREGS: IOR(0x83, sizes.sregs),
  KVM_SET_SREGS: IOW(0x84, sizes.sregs),
  KVM_GET_MSRS: IOWR(0x88, sizes.msrs),
  KVM_SET_MSRS: IOW(0x89, sizes.msrs),
  KVM_SET_CPUID2: IOW(0x90, sizes.cpuid2),
  KVM_GET_DEBUGREGS: IOR(0xa1, sizes.debugregs),
  KVM_SET_DEBUGREGS: IOW(0xa2, sizes.debugregs),
} as const;

export const KVM_API_VERSION = 12;

export const EXIT = {
  UNKNOWN: 0,
  EXCEPTION: 1,
  IO: 2,
  DEBUG: 4,
  HLT: 5,
  MMIO: 6,
  SHUTDOWN: 8,
  FAIL_ENTRY: 9,
  INTR: 10,
  INTERNAL_ERROR: 17,
  SYSTEM_EVENT: 24,
} as const;

export const EXIT_IO_IN = 0;
export const EXIT_IO_OUT = 1;
/** Offset of the exit union in kvm_run. */
export const RUN_EXIT_UNION = 32;
