// The caller adapters, and picking one for an object: by the symbols it defines, or by `--impl`.

import type { RelObject } from '../../runner/object/index.ts';
import { AdapterError, type Adapter, type CallerSetup, type StageContext } from '../adapter.ts';
import type { LinkOptions, LinkedObject } from '../../runner/object/index.ts';
import { freebsd } from './freebsd.ts';
import { linux, linux614 } from './linux.ts';
import { linux2616, linuxLegacy } from './linux-legacy.ts';
import { kexecToolsPurgatory, linuxPurgatory } from './purgatory.ts';
import { xen } from './xen.ts';

/**
 * No caller: the object is linked section by section at the stage's code address and entered at
 * `_start` (or its first byte), with the world exactly as the given describes it. For code written
 * against a stage directly (a preserve-context callee, a purgatory of one's own); never detected.
 */
export const plain: Adapter = {
  id: 'plain',
  title: 'no caller: sections in order at the stage code address, entered at _start',
  stage: '*',
  recognisedBy: [],
  sources: [],
  link(_obj: RelObject, ctx: Pick<StageContext, 'stage' | 'symbols'>): LinkOptions {
    const base = ctx.symbols.code;
    if (base === undefined) throw new AdapterError(`the ${ctx.stage} world has no code address`);
    return { base, layout: { name: 'plain (sections in order)', rules: [], rest: 'append' } };
  },
  prepare(_obj: RelObject, linked: LinkedObject): CallerSetup {
    return {
      entry: linked.symbols._start ?? linked.base,
      state: {},
      memory: [{ addr: linked.base, bytes: linked.bytes, what: 'the object, sections in order' }],
    };
  },
};

export const ADAPTERS: readonly Adapter[] = [
  linux,
  linux614,
  linuxLegacy,
  linux2616,
  xen,
  freebsd,
  kexecToolsPurgatory,
  linuxPurgatory,
  plain,
];

export function adapterById(id: string): Adapter {
  const a = ADAPTERS.find((x) => x.id === id);
  if (!a)
    throw new AdapterError(`unknown implementation '${id}' (known: ${ADAPTERS.map((x) => x.id).join(', ')})`);
  return a;
}

/** Adapters whose marker symbols the object defines (and whose exclusions it does not), most specific first. */
export function candidates(obj: RelObject, stage?: string): Adapter[] {
  return ADAPTERS.filter(
    (a) =>
      a.recognisedBy.length > 0 &&
      (stage === undefined || a.stage === stage) &&
      a.recognisedBy.every((s) => obj.defines.has(s)) &&
      !(a.excludedBy ?? []).some((s) => obj.defines.has(s)),
  ).sort((a, b) => b.recognisedBy.length - a.recognisedBy.length);
}

/**
 * The adapter for `obj`: `impl` when given (checked against the stage), else the single most specific
 * candidate. Variants of one family that the symbols cannot tell apart (linux and linux-6.14) resolve
 * to the family's default, listed first; `--impl` picks the other.
 */
export function pickAdapter(obj: RelObject, options: { impl?: string; stage?: string } = {}): Adapter {
  if (options.impl !== undefined) {
    const a = adapterById(options.impl);
    if (options.stage !== undefined && a.stage !== '*' && a.stage !== options.stage)
      throw new AdapterError(`--impl ${a.id} runs in the ${a.stage} stage, not ${options.stage}`);
    return a;
  }
  const found = candidates(obj, options.stage);
  if (!found.length) {
    const defined = [...obj.defines].sort().slice(0, 12).join(', ') || 'no global symbols';
    throw new AdapterError(
      `${obj.file}: no caller adapter recognises this object (it defines ${defined}); ` +
        `name one with --impl (${ADAPTERS.map((a) => a.id).join(', ')})`,
    );
  }
  const best = found.filter((a) => a.recognisedBy.length === found[0]!.recognisedBy.length);
  const sameMarkers = best.every((a) => a.recognisedBy.join() === best[0]!.recognisedBy.join());
  if (best.length > 1 && !sameMarkers)
    throw new AdapterError(
      `${obj.file}: the symbols it defines fit ${best.map((a) => a.id).join(' and ')}; choose with --impl`,
    );
  return best[0]!;
}

export { freebsd, linux, linux614, linux2616, linuxLegacy, kexecToolsPurgatory, linuxPurgatory, xen };
