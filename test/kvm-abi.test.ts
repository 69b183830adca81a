// The KVM ABI as written in src/runner/kvm/abi.ts against the values a C compiler gives for
// linux/kvm.h (x86-64, Linux UAPI; gathered with gcc from the kernel headers). This part of the KVM
// engine is tested everywhere, also where /dev/kvm does not exist.
import koffi from 'koffi';
import { describe, expect, test } from 'vitest';
import {
  RUN_EXIT_UNION,
  ioctls,
  kvm_cpuid2,
  kvm_cpuid_entry2,
  kvm_debugregs,
  kvm_dtable,
  kvm_regs,
  kvm_run_head,
  kvm_run_io,
  kvm_segment,
  kvm_sregs,
  kvm_userspace_memory_region,
  kvm_msrs,
  kvm_msr_entry,
  EXIT,
} from '../src/runner/kvm/abi.ts';
import { msrBuffer, readSegment, writeSegment } from '../src/runner/kvm/index.ts';

describe('kvm ABI layouts match linux/kvm.h', () => {
  test('ioctl numbers (_IO/_IOR/_IOW/_IOWR computed from the struct sizes)', () => {
    expect(ioctls).toEqual({
      KVM_GET_API_VERSION: 0xae00,
      KVM_CREATE_VM: 0xae01,
      KVM_CHECK_EXTENSION: 0xae03,
      KVM_GET_VCPU_MMAP_SIZE: 0xae04,
      KVM_GET_SUPPORTED_CPUID: 0xc008ae05,
      KVM_CREATE_VCPU: 0xae41,
      KVM_SET_USER_MEMORY_REGION: 0x4020ae46,
      KVM_SET_TSS_ADDR: 0xae47,
      KVM_RUN: 0xae80,
      KVM_GET_REGS: 0x8090ae81,
      KVM_SET_REGS: 0x4090ae82,
      KVM_GET_SREGS: 0x8138ae83,
      KVM_SET_SREGS: 0x4138ae84,
      KVM_GET_MSRS: 0xc008ae88,
      KVM_SET_MSRS: 0x4008ae89,
      KVM_SET_CPUID2: 0x4008ae90,
      KVM_GET_DEBUGREGS: 0x8080aea1,
      KVM_SET_DEBUGREGS: 0x4080aea2,
    });
  });

  test('struct kvm_regs', () => {
    expect(koffi.sizeof(kvm_regs)).toBe(144);
    expect(koffi.offsetof(kvm_regs, 'rip')).toBe(128);
    expect(koffi.offsetof(kvm_regs, 'rflags')).toBe(136);
    expect(koffi.offsetof(kvm_regs, 'rsp')).toBe(48);
    expect(koffi.offsetof(kvm_regs, 'rbp')).toBe(56);
  });

  test('struct kvm_segment and kvm_dtable', () => {
    expect(koffi.sizeof(kvm_segment)).toBe(24);
    const seg = {
      base: 0,
      limit: 8,
      selector: 12,
      type: 14,
      present: 15,
      dpl: 16,
      db: 17,
      s: 18,
      l: 19,
      g: 20,
      avl: 21,
      unusable: 22,
    };
    for (const [f, o] of Object.entries(seg)) expect([f, koffi.offsetof(kvm_segment, f)]).toEqual([f, o]);
    expect(koffi.sizeof(kvm_dtable)).toBe(16);
    expect(koffi.offsetof(kvm_dtable, 'limit')).toBe(8);
  });

  test('struct kvm_sregs', () => {
    expect(koffi.sizeof(kvm_sregs)).toBe(312);
    const f = {
      tr: 144,
      ldt: 168,
      gdt: 192,
      idt: 208,
      cr0: 224,
      cr2: 232,
      cr3: 240,
      cr4: 248,
      cr8: 256,
      efer: 264,
      apic_base: 272,
      interrupt_bitmap: 280,
    };
    for (const [k, o] of Object.entries(f)) expect([k, koffi.offsetof(kvm_sregs, k)]).toEqual([k, o]);
  });

  test('struct kvm_debugregs', () => {
    expect(koffi.sizeof(kvm_debugregs)).toBe(128);
    const f = { db: 0, dr6: 32, dr7: 40, flags: 48, reserved: 56 };
    for (const [k, o] of Object.entries(f)) expect([k, koffi.offsetof(kvm_debugregs, k)]).toEqual([k, o]);
  });

  test('memory region, cpuid, msrs', () => {
    expect(koffi.sizeof(kvm_userspace_memory_region)).toBe(32);
    expect(koffi.offsetof(kvm_userspace_memory_region, 'guest_phys_addr')).toBe(8);
    expect(koffi.offsetof(kvm_userspace_memory_region, 'memory_size')).toBe(16);
    expect(koffi.offsetof(kvm_userspace_memory_region, 'userspace_addr')).toBe(24);
    expect(koffi.sizeof(kvm_cpuid2)).toBe(8);
    expect(koffi.sizeof(kvm_cpuid_entry2)).toBe(40);
    expect(koffi.offsetof(kvm_cpuid_entry2, 'eax')).toBe(12);
    expect(koffi.offsetof(kvm_cpuid_entry2, 'padding')).toBe(28);
    expect(koffi.sizeof(kvm_msrs)).toBe(8);
    expect(koffi.sizeof(kvm_msr_entry)).toBe(16);
  });

  test('struct kvm_run head and the io exit', () => {
    expect(koffi.offsetof(kvm_run_head, 'immediate_exit')).toBe(1);
    expect(koffi.offsetof(kvm_run_head, 'exit_reason')).toBe(8);
    expect(koffi.offsetof(kvm_run_head, 'if_flag')).toBe(13);
    expect(koffi.offsetof(kvm_run_head, 'cr8')).toBe(16);
    expect(koffi.offsetof(kvm_run_head, 'apic_base')).toBe(24);
    expect(koffi.sizeof(kvm_run_head)).toBe(RUN_EXIT_UNION);
    expect(RUN_EXIT_UNION).toBe(32);
    // io: direction @32, size @33, port @34, count @36, data_offset @40 (relative to the union: 0,1,2,4,8)
    expect(
      ['direction', 'size', 'port', 'count', 'data_offset'].map((f) => koffi.offsetof(kvm_run_io, f)),
    ).toEqual([0, 1, 2, 4, 8]);
  });

  test('exit reasons', () => {
    expect(EXIT).toMatchObject({
      IO: 2,
      HLT: 5,
      MMIO: 6,
      SHUTDOWN: 8,
      FAIL_ENTRY: 9,
      INTR: 10,
      INTERNAL_ERROR: 17,
    });
  });

  test('segment attributes round-trip through struct kvm_segment', () => {
    const d = new DataView(new ArrayBuffer(24));
    for (const s of [
      { selector: 0x10, base: 0n, limit: 0xffffffff, attributes: 0xa09b },
      { selector: 0x18, base: 0x1234_5678n, limit: 0xfffff, attributes: 0xc093 },
      { selector: 0, base: 0n, limit: 0, attributes: 0x10000 },
      { selector: 0x2b, base: 0xffff_8880_0000_0000n, limit: 0x67, attributes: 0x8b | (3 << 5) },
    ]) {
      writeSegment(d, 0, s);
      expect(readSegment(d, 0)).toEqual(s);
    }
  });

  test('struct kvm_msrs encoding', () => {
    const b = msrBuffer([[0xc0000080, 0xd01n]]);
    const d = new DataView(b.buffer);
    expect([b.length, d.getUint32(0, true), d.getUint32(8, true), d.getBigUint64(16, true)]).toEqual([
      24,
      1,
      0xc0000080,
      0xd01n,
    ]);
  });
});
