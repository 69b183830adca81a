// A wall-clock limit for KVM_RUN. KVM cannot count guest instructions and a guest spinning without
// exits never returns to us, so a POSIX timer sends SIGALRM to *this* thread (SIGEV_THREAD_ID) every
// `intervalMs`: a pending signal makes KVM_RUN return EINTR, and the run loop checks the clock.
// Node gets a no-op SIGALRM listener meanwhile, so the signal never takes the default action (exit).

import koffi from 'koffi';
import type { Libc } from '../native/libc.ts';

const CLOCK_MONOTONIC = 1;
const SIGALRM = 14;
const SIGEV_THREAD_ID = 4;
const SYS_gettid = 186; // x86-64
/** struct sigevent (64 bytes): sigev_value @0, sigev_signo @8, sigev_notify @12, _tid @16. */
const SIGEVENT_SIZE = 64;

interface TimerLib {
  timer_create(clock: number, sev: Uint8Array, out: Uint8Array): number;
  timer_settime(timer: bigint, flags: number, spec: Uint8Array, old: null): number;
  timer_delete(timer: bigint): number;
  syscall(n: number): number;
}

let lib: TimerLib | undefined;
function timerLib(): TimerLib {
  if (lib) return lib;
  const c = koffi.load('libc.so.6');
  lib = {
    timer_create: c.func('int timer_create(int clock, const uint8_t *sev, _Out_ uint8_t *timer)'),
    timer_settime: c.func('int timer_settime(uint64_t timer, int flags, const uint8_t *spec, void *old)'),
    timer_delete: c.func('int timer_delete(uint64_t timer)'),
    syscall: c.func('long syscall(long n)'),
  } as TimerLib;
  return lib;
}

const noop = (): void => {};

export class WallClockTimer {
  private id: bigint | undefined;

  constructor(
    private readonly libc: Libc,
    intervalMs: number,
  ) {
    const t = timerLib();
    process.on('SIGALRM', noop);
    const sev = new DataView(new ArrayBuffer(SIGEVENT_SIZE));
    sev.setInt32(8, SIGALRM, true);
    sev.setInt32(12, SIGEV_THREAD_ID, true);
    sev.setInt32(16, Number(t.syscall(SYS_gettid)), true);
    const out = new Uint8Array(8);
    if (t.timer_create(CLOCK_MONOTONIC, new Uint8Array(sev.buffer), out) !== 0) {
      process.off('SIGALRM', noop);
      throw new Error(`kvm: timer_create failed (errno ${this.libc.errno()})`);
    }
    this.id = new DataView(out.buffer).getBigUint64(0, true);
    const spec = new DataView(new ArrayBuffer(32)); // itimerspec { interval, value } of timespec
    const sec = BigInt(Math.floor(intervalMs / 1000));
    const nsec = BigInt((intervalMs % 1000) * 1_000_000);
    spec.setBigInt64(0, sec, true);
    spec.setBigInt64(8, nsec, true);
    spec.setBigInt64(16, sec, true);
    spec.setBigInt64(24, nsec, true);
    t.timer_settime(this.id, 0, new Uint8Array(spec.buffer), null);
  }

  stop(): void {
    if (this.id === undefined) return;
    timerLib().timer_delete(this.id);
    this.id = undefined;
    process.off('SIGALRM', noop);
  }
}
