// The libunicorn.so.2 C API through koffi: the few functions the engine calls, and the callback types.
// Loading is lazy so that importing this module on a machine without the library does not throw.

import koffi from 'koffi';
import type { TypeObject } from 'koffi';

export interface UnicornLib {
  uc_open(arch: number, mode: number, out: unknown[]): number;
  uc_close(uc: unknown): number;
  uc_strerror(err: number): string;
  uc_version(major: null, minor: null): number;
  uc_mem_map(uc: unknown, addr: bigint, size: number, perms: number): number;
  uc_mem_unmap(uc: unknown, addr: bigint, size: number): number;
  uc_mem_map_ptr(uc: unknown, addr: bigint, size: number, perms: number, ptr: unknown): number;
  uc_mem_write(uc: unknown, addr: bigint, bytes: Uint8Array, size: number): number;
  uc_mem_read(uc: unknown, addr: bigint, bytes: Uint8Array, size: number): number;
  uc_reg_write(uc: unknown, reg: number, value: Uint8Array): number;
  uc_reg_read(uc: unknown, reg: number, value: Uint8Array): number;
  uc_emu_start(uc: unknown, begin: bigint, until: bigint, timeout: bigint, count: number): number;
  uc_emu_stop(uc: unknown): number;
  uc_hook_add: (...args: unknown[]) => unknown;
  uc_hook_del(uc: unknown, hh: bigint): number;
  uc_ctl: (...args: unknown[]) => unknown;
  protos: {
    code: TypeObject;
    intr: TypeObject;
    insnIn: TypeObject;
    insnOut: TypeObject;
    insnCpuid: TypeObject;
    eventMem: TypeObject;
  };
}

export const LIBRARY = 'libunicorn.so.2';

let cached: UnicornLib | Error | undefined;

/** The bound library, or the Error that loading it raised (cached: dlopen is tried once). */
export function loadUnicorn(): UnicornLib | Error {
  if (cached) return cached;
  try {
    const lib = koffi.load(LIBRARY);
    const uc = koffi.opaque('uc_engine');
    const ucp = koffi.pointer(uc);
    cached = {
      uc_open: lib.func('int uc_open(int arch, int mode, _Out_ uc_engine **uc)'),
      uc_close: lib.func('int uc_close(uc_engine *uc)'),
      uc_strerror: lib.func('const char *uc_strerror(int code)'),
      uc_version: lib.func('uint32_t uc_version(uint32_t *major, uint32_t *minor)'),
      uc_mem_map: lib.func('int uc_mem_map(uc_engine *uc, uint64_t address, size_t size, uint32_t perms)'),
      uc_mem_map_ptr: lib.func(
        'int uc_mem_map_ptr(uc_engine *uc, uint64_t address, size_t size, uint32_t perms, void *ptr)',
      ),
      uc_mem_unmap: lib.func('int uc_mem_unmap(uc_engine *uc, uint64_t address, size_t size)'),
      uc_mem_write: lib.func(
        'int uc_mem_write(uc_engine *uc, uint64_t address, const uint8_t *bytes, size_t size)',
      ),
      uc_mem_read: lib.func(
        'int uc_mem_read(uc_engine *uc, uint64_t address, _Out_ uint8_t *bytes, size_t size)',
      ),
      uc_reg_write: lib.func('int uc_reg_write(uc_engine *uc, int regid, const uint8_t *value)'),
      uc_reg_read: lib.func('int uc_reg_read(uc_engine *uc, int regid, _Inout_ uint8_t *value)'),
      uc_emu_start: lib.func(
        'int uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)',
      ),
      uc_emu_stop: lib.func('int uc_emu_stop(uc_engine *uc)'),
      uc_hook_add: lib.func(
        'int uc_hook_add(uc_engine *uc, _Out_ size_t *hh, int type, void *callback, void *user_data, uint64_t begin, uint64_t end, ...)',
      ),
      uc_hook_del: lib.func('int uc_hook_del(uc_engine *uc, size_t hh)'),
      uc_ctl: lib.func('int uc_ctl(uc_engine *uc, uint32_t control, ...)'),
      protos: {
        code: koffi.proto('void uc_cb_code(uc_engine *uc, uint64_t address, uint32_t size, void *user)'),
        intr: koffi.proto('void uc_cb_intr(uc_engine *uc, uint32_t intno, void *user)'),
        insnIn: koffi.proto('uint32_t uc_cb_in(uc_engine *uc, uint32_t port, int size, void *user)'),
        insnOut: koffi.proto(
          'void uc_cb_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)',
        ),
        insnCpuid: koffi.proto('int uc_cb_cpuid(uc_engine *uc, void *user)'),
        eventMem: koffi.proto(
          'bool uc_cb_mem(uc_engine *uc, int type, uint64_t address, int size, int64_t value, void *user)',
        ),
      },
    } as unknown as UnicornLib;
    void ucp;
  } catch (e) {
    cached = e instanceof Error ? e : new Error(String(e));
  }
  return cached;
}
