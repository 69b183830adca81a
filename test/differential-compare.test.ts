// What the differential comparison treats as "the same" (test/support/differential/compare.ts): stops by
// reason and RIP, never by wording; a fault the interpreter saw delivered ends as its handler's hlt on an
// engine that cannot see delivery; after a triple fault on both sides RFLAGS.RF and CR2 are left out.
import { expect, test } from 'vitest';
import {
  NOT_COMPARED_AFTER_SHUTDOWN,
  firstSystemDifference,
  sameStopReason,
} from './support/differential/compare.ts';
import { baseState } from '../src/runner/program-world.ts';
import { SparseMemory } from '../src/runner/memory.ts';
import type { EngineName, RunResult, Stop } from '../src/runner/types.ts';
import type { CpuState } from '../src/x86/registers.ts';

function result(engine: EngineName, stop: Stop, edit: (s: CpuState) => void = () => {}): RunResult {
  const state = baseState();
  edit(state);
  return {
    engine,
    stop,
    state,
    memory: new SparseMemory([{ base: 0n, size: 1n << 20n }]),
    undefinedFlags: 0n,
    ports: [],
    serial: '',
    events: [],
  };
}

const delivered: Stop = {
  reason: 'fault',
  rip: 0x10_0002n,
  vector: 0,
  message: "#DE at 0x100002 was delivered to the guest's handler, which did not return (hlt at 0x7010)",
};
const hlt: Stop = { reason: 'hlt', rip: 0x7011n, message: 'hlt at 0x7010' };
const shutdown = (rip: bigint, vector?: number): Stop => ({
  reason: 'triple-fault',
  rip,
  ...(vector === undefined ? {} : { vector }),
  message: `triple fault near 0x${rip.toString(16)}`,
});
const compare = (a: RunResult, b: RunResult) => firstSystemDifference(a, b, 0n, { caches: true });

test('a delivered fault and the hlt of its handler are the same end; other reasons are not', () => {
  expect(sameStopReason('fault', 'hlt')).toBe(true);
  expect(sameStopReason('budget', 'fault')).toBe(true);
  expect(sameStopReason('fault', 'triple-fault')).toBe(false);
  expect(sameStopReason('hlt', 'triple-fault')).toBe(false);
  expect(sameStopReason('hlt', 'until')).toBe(false);
});

test('the interpreter\'s "delivered ... (hlt at X)" and kvm\'s "hlt at X" agree; the end RIP is compared', () => {
  const at = (rip: bigint) => (s: CpuState) => void (s.rip = rip);
  expect(compare(result('interp', delivered, at(0x7011n)), result('kvm', hlt, at(0x7011n)))).toBeUndefined();
  expect(compare(result('interp', delivered, at(0x7011n)), result('kvm', hlt, at(0x10_000cn)))).toEqual({
    item: 'rip',
    a: '0x7011',
    b: '0x10000c',
  });
});

test('wording never matters; a different reason does, and is shown with both messages', () => {
  const a = result('interp', { ...hlt, message: 'hlt at 0x7010 (interp words)' });
  expect(compare(a, result('kvm', hlt))).toBeUndefined();
  const d = compare(a, result('kvm', shutdown(0x10_0008n)));
  expect(d?.item).toBe('stop');
  expect(d?.a).toContain('hlt (hlt at 0x7010 (interp words))');
  expect(d?.b).toContain('triple-fault');
});

test('the vector is compared where both engines report one', () => {
  expect(compare(result('interp', shutdown(0x10n, 13)), result('kvm', shutdown(0x10n)))).toBeUndefined();
  expect(compare(result('interp', shutdown(0x10n, 13)), result('unicorn', shutdown(0x10n, 6)))).toEqual({
    item: 'stop.vector',
    a: '13',
    b: '6',
  });
});

test('after a triple fault on both sides RF and CR2 are not compared, everything else is', () => {
  expect(NOT_COMPARED_AFTER_SHUTDOWN).toEqual(['rflags.RF', 'cr2']);
  const interp = result('interp', shutdown(0x10_0008n, 13), (s) => (s.rflags = 0x3n));
  const kvm = (edit: (s: CpuState) => void) =>
    result('kvm', shutdown(0x10_0008n), (s) => {
      s.rflags = 0x1_0003n; // the RF a fault sets in the image it was about to push
      s.cr2 = 0x7fff_ffff_fff8n;
      edit(s);
    });
  expect(
    compare(
      interp,
      kvm(() => {}),
    ),
  ).toBeUndefined();
  expect(
    compare(
      interp,
      kvm((s) => (s.rflags = 0x1_0002n)),
    )?.item,
  ).toBe('rflags.CF');
  expect(
    compare(
      interp,
      kvm((s) => (s.cr0 |= 1n << 16n)),
    )?.item,
  ).toBe('cr0');
  expect(
    compare(
      interp,
      kvm((s) => (s.gpr.rax = 1n)),
    )?.item,
  ).toBe('rax');
});

test('RF and CR2 are compared whenever the run did not end in a triple fault on both sides', () => {
  const a = result('interp', hlt);
  expect(
    compare(
      a,
      result('kvm', hlt, (s) => (s.rflags = 0x1_0002n)),
    )?.item,
  ).toBe('rflags.RF');
  expect(
    compare(
      a,
      result('kvm', hlt, (s) => (s.cr2 = 0x1000n)),
    )?.item,
  ).toBe('cr2');
});
