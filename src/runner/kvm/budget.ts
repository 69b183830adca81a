// KVM cannot count guest instructions, so an instruction budget becomes wall-clock time: `maxSteps /
// STEPS_PER_MS` milliseconds, never less than MIN_WALL_MS. A module of its own (no native bindings) so
// callers that size budgets, such as `npm run bench`, need not load the engine.

/** Budget steps per millisecond of wall-clock time (a fast host runs simple loops faster than this). */
export const STEPS_PER_MS = 50_000;
export const MIN_WALL_MS = 2_000;

/** The wall-clock limit, in ms, that an instruction budget becomes on kvm. */
export function wallClockMs(maxSteps: number): number {
  return Math.max(MIN_WALL_MS, maxSteps / STEPS_PER_MS);
}

/** The instruction budget that gives a kvm run `ms` milliseconds of wall-clock time. */
export function stepsForWallClock(ms: number): number {
  return ms * STEPS_PER_MS;
}
