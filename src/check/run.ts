// Running a real object in a stage's world: build the world from the stage's given (per seed, exactly
// as for a spec example, but with no example code), let the caller adapter do what the C caller does
// before the jump (copy the code, fill variables, set argument registers and the state it sets up),
// and run to the stage's stop point. Clause evaluation stays the harness's: this returns the worlds
// and results it needs (the same shape as its per-seed runs).

import { untilAddress, untilRange, type GivenSpec } from '../model/given.ts';
import { memoryOf } from '../harness/run.ts';
import { buildWorld, collectSnippets, type BuildOptions } from '../harness/world.ts';
import { assemble } from '../runner/assemble.ts';
import { getEngine } from '../runner/engines.ts';
import type { PhysicalMemory } from '../runner/memory.ts';
import { linkObject, type LinkedObject, type RelObject } from '../runner/object/index.ts';
import { setStateItem, stateItems } from '../x86/items.ts';
import type { EngineName, RunResult, World } from '../runner/types.ts';
import { cloneWorld } from '../runner/world.ts';
import { AdapterError, type Adapter, type CallerSetup, type StageContext } from './adapter.ts';
import { adapterById, pickAdapter } from './adapters/index.ts';

/** An object ready for a stage: the adapter chosen and the image linked where the caller puts it. */
export interface ObjectPlan {
  stage: string;
  adapter: Adapter;
  object: RelObject;
  linked: LinkedObject;
}

/** Picks the adapter (by symbols, or `impl`) and links the object for the stage's world. */
export function planObject(
  object: RelObject,
  given: GivenSpec,
  stage: string,
  impl?: string | Adapter,
): ObjectPlan {
  const adapter =
    typeof impl === 'object' ? impl : pickAdapter(object, { stage, ...(impl !== undefined ? { impl } : {}) });
  const linked = linkObject(object, adapter.link(object, { stage, symbols: given.symbols }));
  return { stage, adapter, object, linked };
}

/**
 * The world of one seed: the given's world with no example code, then the caller's part. Returns the
 * caller setup too, for reports. `seedOf` varies single garbage inputs, as the harness's leak check does.
 */
export function objectWorld(
  plan: ObjectPlan,
  given: GivenSpec,
  snippets: { bytes: Uint8Array }[],
  seed: number,
  options: BuildOptions = {},
): {
  world: World;
  until?: bigint[];
  untilRanges?: { start: bigint; end: bigint }[];
  setup: CallerSetup;
} {
  const world = buildWorld(
    given,
    { bytes: new Uint8Array(0), symbols: plan.linked.symbols },
    seed,
    snippets,
    options,
  );
  const before = memoryOf(world);
  const ctx: StageContext = {
    stage: plan.stage,
    symbols: given.symbols,
    state: stateItems(world.state),
    read: (addr, size) => before.read(addr, size),
  };
  const setup = plan.adapter.prepare(plan.object, plan.linked, ctx);
  for (const m of setup.memory) world.image.push({ addr: m.addr, bytes: m.bytes });
  for (const [item, value] of Object.entries(setup.state))
    if (!setStateItem(world.state, item, value))
      throw new AdapterError(`the ${plan.adapter.id} adapter sets '${item}', which is not a state item`);
  world.state.rip = setup.entry;
  const until = untilAddress(given, world.symbols);
  const range = untilRange(given, world.symbols);
  return {
    world,
    ...(until !== undefined && { until: [until] }),
    ...(range && { untilRanges: [range] }),
    setup,
  };
}

export interface ObjectSeedRun {
  seed: number;
  world: World;
  initialMemory: PhysicalMemory;
  result: RunResult;
  until?: bigint[];
}

export interface ObjectRun {
  plan: ObjectPlan;
  /** The caller setup of the first seed. */
  setup: CallerSetup;
  runs: ObjectSeedRun[];
}

export interface ObjectRunInput {
  object: RelObject;
  given: GivenSpec;
  stage: string;
  /** Adapter id or adapter; detected from the object's symbols when absent. */
  impl?: string | Adapter;
  engine: EngineName;
  /** The given's assembled `memory: - asm:` snippets, in order; assembled here when absent. */
  snippets?: { bytes: Uint8Array }[];
  /** Default: 1..given.seeds. */
  seeds?: number[];
  /** Trace the first seed (interp). */
  trace?: boolean;
}

/** Links the object for the stage, builds each seed's world with the caller's part, and runs it. */
export async function runObjectInStage(input: ObjectRunInput): Promise<ObjectRun> {
  const { given } = input;
  const plan = planObject(input.object, given, input.stage, input.impl);
  const snippets = input.snippets ?? (await assembleSnippets(given));
  const engine = await getEngine(input.engine);
  const seeds = input.seeds ?? Array.from({ length: given.seeds }, (_, i) => i + 1);
  const runs: ObjectSeedRun[] = [];
  let first: CallerSetup | undefined;
  for (const [i, seed] of seeds.entries()) {
    const { world, until, setup } = objectWorld(plan, given, snippets, seed);
    first ??= setup;
    const initialMemory = memoryOf(world);
    const result = await engine.run(cloneWorld(world), {
      trace: Boolean(input.trace) && i === 0,
      ...(until ? { until } : {}),
      ...(given.maxSteps !== undefined ? { maxSteps: given.maxSteps } : {}),
    });
    runs.push(until ? { seed, world, initialMemory, result, until } : { seed, world, initialMemory, result });
  }
  return { plan, setup: first!, runs };
}

/** The given's `memory: - asm:` snippets, assembled (an error names the given line). */
export async function assembleSnippets(given: GivenSpec): Promise<{ bytes: Uint8Array }[]> {
  const blocks = collectSnippets(given);
  const out = await assemble(blocks);
  return out.map((o, i) => {
    if (!o.ok)
      throw new AdapterError(
        `the given's asm snippet ${i + 1} does not assemble: ${o.diagnostics.map((d) => `${d.line}: ${d.message}`).join('; ')}`,
      );
    return { bytes: o.bytes };
  });
}

export { adapterById };
