// How a test file learns whether it may use an engine: available, skipped with one printed line, or
// (when KEXEC_CONTRACT_REQUIRE_ENGINES names it) a failure.
import { existsSync } from 'node:fs';
import { afterEach, expect, test, vi } from 'vitest';
import { engineGate, requiredEngines } from '../src/runner/differential/gate.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

test('KEXEC_CONTRACT_REQUIRE_ENGINES is a list', () => {
  expect(requiredEngines({ KEXEC_CONTRACT_REQUIRE_ENGINES: 'unicorn, kvm' })).toEqual(['unicorn', 'kvm']);
  expect(requiredEngines({})).toEqual([]);
});

test.runIf(!existsSync('/dev/kvm'))(
  'a missing engine prints one line naming what is skipped and how to install',
  async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.stubEnv('KEXEC_CONTRACT_REQUIRE_ENGINES', '');
    const g = await engineGate('kvm', '3 cases');
    expect(g).toMatchObject({ available: false, requiredButMissing: false });
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toMatch(/^kvm: \/dev\/kvm not present — 3 cases skipped \(install: .+\)$/);
  },
);

test.runIf(!existsSync('/dev/kvm'))('a missing engine that is required is reported for failing', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.stubEnv('KEXEC_CONTRACT_REQUIRE_ENGINES', 'unicorn kvm');
  const g = await engineGate('kvm', '3 cases');
  expect(g.requiredButMissing).toBe(true);
  expect(g.line).toContain('REQUIRED');
});

test('an available engine runs without a line', async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const g = await engineGate('interp', 'nothing');
  expect(g).toMatchObject({ available: true, requiredButMissing: false });
  expect(log).not.toHaveBeenCalled();
});
