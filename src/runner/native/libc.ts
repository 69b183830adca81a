// The few libc calls the native engines need, through koffi: open/close/ioctl for /dev/kvm, and
// mmap/munmap/mincore for guest RAM that is host memory we own (KVM memory slots, unicorn's
// uc_mem_map_ptr). mincore tells which pages were ever touched, so reading back a 64 MiB guest costs
// only the pages the run used: a first touch of an anonymous page is a page fault, which is slow.

import koffi from 'koffi';

export const O_RDWR = 2;
export const O_CLOEXEC = 0o2000000;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;
export const HOST_PAGE = 4096;

export interface Libc {
  open(path: string, flags: number): number;
  close(fd: number): number;
  /** ioctl with an integer argument (or none). */
  ioctlInt(fd: number, request: number, arg: number): number;
  /** ioctl with a pointer to a buffer we own. */
  ioctlPtr(fd: number, request: number, arg: Uint8Array): number;
  mmap(addr: null, len: number, prot: number, flags: number, fd: number, off: number): unknown;
  munmap(addr: unknown, len: number): number;
  mincore(addr: unknown, len: number, vec: Uint8Array): number;
  errno(): number;
}

let cached: Libc | Error | undefined;

export function loadLibc(): Libc | Error {
  if (cached) return cached;
  try {
    const lib = koffi.load('libc.so.6');
    const ioctlInt = lib.func('int ioctl(int fd, unsigned long request, ...)');
    cached = {
      open: lib.func('int open(const char *path, int flags)'),
      close: lib.func('int close(int fd)'),
      ioctlInt: (fd, request, arg) => ioctlInt(fd, request, 'unsigned long', arg) as number,
      ioctlPtr: (fd, request, arg) => ioctlInt(fd, request, 'uint8_t *', arg) as number,
      mmap: lib.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)'),
      munmap: lib.func('int munmap(void *addr, size_t len)'),
      mincore: lib.func('int mincore(void *addr, size_t len, _Out_ uint8_t *vec)'),
      errno: () => koffi.errno(),
    } as Libc;
  } catch (e) {
    cached = e instanceof Error ? e : new Error(String(e));
  }
  return cached;
}

/** Anonymous zeroed host memory that the caller must release with `free()`. */
export class HostMemory {
  readonly bytes: Uint8Array;
  private freed = false;

  constructor(
    private readonly libc: Libc,
    readonly ptr: unknown,
    readonly size: number,
  ) {
    this.bytes = new Uint8Array(koffi.view(ptr, size));
  }

  static alloc(libc: Libc, size: number): HostMemory {
    const ptr = libc.mmap(
      null,
      size,
      PROT_READ | PROT_WRITE,
      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
      -1,
      0,
    );
    if (ptr === null || koffi.address(ptr) === 0xffff_ffff_ffff_ffffn)
      throw new Error(`mmap of ${size} bytes failed (errno ${libc.errno()})`);
    return new HostMemory(libc, ptr, size);
  }

  /** Offsets of pages that were ever touched (read or written); all others are zero. */
  touchedPages(): number[] {
    const vec = new Uint8Array(Math.ceil(this.size / HOST_PAGE));
    // Should mincore fail, every page counts as touched: slower, never wrong.
    const all = this.libc.mincore(this.ptr, this.size, vec) !== 0;
    const out: number[] = [];
    vec.forEach((v, i) => {
      if (all || v & 1) out.push(i * HOST_PAGE);
    });
    return out;
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.libc.munmap(this.ptr, this.size);
  }
}
