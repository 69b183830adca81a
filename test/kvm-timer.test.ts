// The wall-clock budget of the KVM engine, tested without /dev/kvm: the per-thread timer must make a
// blocking system call in this thread return EINTR (as it makes KVM_RUN return), and stop cleanly.
import koffi from 'koffi';
import { expect, test } from 'vitest';
import { loadLibc } from '../src/runner/native/libc.ts';
import { WallClockTimer } from '../src/runner/kvm/timer.ts';

test('a blocking syscall returns EINTR while the timer runs', () => {
  const libc = loadLibc();
  if (libc instanceof Error) throw libc;
  const pause = koffi.load('libc.so.6').func('int pause(void)');
  const timer = new WallClockTimer(libc, 20);
  try {
    expect(pause()).toBe(-1);
    expect(libc.errno()).toBe(4); // EINTR
    expect(pause()).toBe(-1);
  } finally {
    timer.stop();
  }
  expect(process.listenerCount('SIGALRM')).toBe(0);
});
