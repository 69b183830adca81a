// How a test file learns whether it may use an engine: available, skipped with one printed line, or
// (when KEXEC_CONTRACT_REQUIRE_ENGINES names it) a failure. KEXEC_CONTRACT_DISABLE_ENGINES makes a
// present engine look missing, so these run the same on machines with and without /dev/kvm.
import { afterEach, expect, test, vi } from 'vitest';
import { engineGate, requiredEngines } from './support/differential/gate.ts';
import {
  EngineUnavailableError,
  disabledEngines,
  engineAvailability,
  getEngine,
} from '../src/runner/engines.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

test('KEXEC_CONTRACT_REQUIRE_ENGINES is a list', () => {
  expect(requiredEngines({ KEXEC_CONTRACT_REQUIRE_ENGINES: 'unicorn, kvm' })).toEqual(['unicorn', 'kvm']);
  expect(requiredEngines({})).toEqual([]);
});

test('KEXEC_CONTRACT_DISABLE_ENGINES is a list of reference engines', () => {
  expect(disabledEngines({ KEXEC_CONTRACT_DISABLE_ENGINES: 'kvm, unicorn' })).toEqual(['kvm', 'unicorn']);
  // The interpreter runs everything when nothing else can; unknown names change nothing.
  expect(disabledEngines({ KEXEC_CONTRACT_DISABLE_ENGINES: 'interp nosuch' })).toEqual([]);
  expect(disabledEngines({})).toEqual([]);
});

test('a disabled engine is unavailable, with the reason and how to undo it', async () => {
  vi.stubEnv('KEXEC_CONTRACT_DISABLE_ENGINES', 'kvm');
  expect(await engineAvailability('kvm')).toEqual({
    ok: false,
    reason: 'kvm: disabled by KEXEC_CONTRACT_DISABLE_ENGINES',
    install: 'unset KEXEC_CONTRACT_DISABLE_ENGINES',
  });
  await expect(getEngine('kvm')).rejects.toBeInstanceOf(EngineUnavailableError);
  expect((await engineAvailability('interp')).ok).toBe(true);
});

test('a missing engine prints one line naming what is skipped and how to install', async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.stubEnv('KEXEC_CONTRACT_REQUIRE_ENGINES', '');
  vi.stubEnv('KEXEC_CONTRACT_DISABLE_ENGINES', 'kvm');
  const g = await engineGate('kvm', '3 cases');
  expect(g).toMatchObject({ available: false, requiredButMissing: false });
  expect(log).toHaveBeenCalledTimes(1);
  expect(log.mock.calls[0]![0]).toMatch(/^kvm: .+ — 3 cases skipped \(install: .+\)$/);
});

test('a missing engine that is required is reported for failing', async () => {
  vi.spyOn(console, 'log').mockImplementation(() => {});
  vi.stubEnv('KEXEC_CONTRACT_REQUIRE_ENGINES', 'unicorn kvm');
  vi.stubEnv('KEXEC_CONTRACT_DISABLE_ENGINES', 'kvm');
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
