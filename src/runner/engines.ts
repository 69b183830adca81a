// The engine registry: one name -> one Engine, loaded on first use. Engines are imported lazily so a
// machine without libunicorn or /dev/kvm never loads their native bindings, and so the interpreter
// alone is enough to run everything.
// KEXEC_CONTRACT_DISABLE_ENGINES (e.g. "kvm" or "unicorn,kvm") makes reference engines report
// themselves unavailable, so a machine that has them can check what happens on one that has not
// (the suite must be green both ways). The interpreter cannot be disabled.

import type { Engine, EngineAvailability, EngineName } from './types.ts';

export const ENGINE_NAMES: readonly EngineName[] = ['interp', 'unicorn', 'kvm'];

/** getEngine() on an engine that cannot run here; the message is the reason plus how to fix it. */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
  constructor(
    readonly engine: EngineName,
    readonly reason: string,
    readonly install: string,
  ) {
    super(`engine ${engine} is unavailable: ${reason} (${install})`);
  }
}

interface EngineModule {
  engine: Engine;
  availability: () => EngineAvailability | Promise<EngineAvailability>;
}

const SOURCES: Record<EngineName, { path: string; load: () => Promise<EngineModule> }> = {
  interp: {
    path: 'src/runner/interp/index.ts',
    load: async () => {
      const m = await import('./interp/index.ts');
      return { engine: m.interpEngine, availability: () => ({ ok: true }) };
    },
  },
  unicorn: {
    path: 'src/runner/unicorn/index.ts',
    load: async () => {
      const m = await import('./unicorn/index.ts');
      return { engine: m.unicornEngine, availability: m.unicornAvailability };
    },
  },
  kvm: {
    path: 'src/runner/kvm/index.ts',
    load: async () => {
      const m = await import('./kvm/index.ts');
      return { engine: m.kvmEngine, availability: m.kvmAvailability };
    },
  },
};

/** The reference engines KEXEC_CONTRACT_DISABLE_ENGINES turns off (unknown names and interp ignored). */
export function disabledEngines(env: NodeJS.ProcessEnv = process.env): EngineName[] {
  return (env.KEXEC_CONTRACT_DISABLE_ENGINES ?? '')
    .split(/[\s,]+/)
    .filter((n): n is EngineName => n !== 'interp' && isEngineName(n));
}

function disabled(name: EngineName): EngineAvailability | undefined {
  if (!disabledEngines().includes(name)) return undefined;
  return {
    ok: false,
    reason: `${name}: disabled by KEXEC_CONTRACT_DISABLE_ENGINES`,
    install: 'unset KEXEC_CONTRACT_DISABLE_ENGINES',
  };
}

const loaded = new Map<EngineName, Promise<EngineModule | EngineAvailability>>();

function load(name: EngineName): Promise<EngineModule | EngineAvailability> {
  let p = loaded.get(name);
  if (!p) {
    const source = SOURCES[name];
    if (!source)
      throw new RangeError(`unknown engine ${JSON.stringify(name)} (known: ${ENGINE_NAMES.join(', ')})`);
    p = source.load().catch((err: unknown): EngineAvailability => ({
      ok: false,
      reason: isMissingModule(err)
        ? `${source.path} is not part of this checkout`
        : `${source.path} failed to load: ${err instanceof Error ? err.message : String(err)}`,
      install: 'update the checkout (git pull) and run npm ci',
    }));
    loaded.set(name, p);
  }
  return p;
}

function isMissingModule(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return (
    e?.code === 'ERR_MODULE_NOT_FOUND' ||
    /Cannot find module|Failed to load url|does not exist/i.test(e?.message ?? '')
  );
}

/** Whether `name` can run on this machine; when not, one line of reason and the install command. */
export async function engineAvailability(name: EngineName): Promise<EngineAvailability> {
  const off = disabled(name);
  if (off) return off;
  const m = await load(name);
  if ('ok' in m) return m;
  return m.availability();
}

/** The engine, ready to run; throws EngineUnavailableError when it cannot run here. */
export async function getEngine(name: EngineName): Promise<Engine> {
  const m = await load(name);
  const availability = disabled(name) ?? ('ok' in m ? m : await m.availability());
  if (!availability.ok) throw new EngineUnavailableError(name, availability.reason, availability.install);
  return (m as EngineModule).engine;
}

export function isEngineName(s: string): s is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(s);
}
