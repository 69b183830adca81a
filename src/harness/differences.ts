// Known differences of an engine from the CPU (Unicorn's gaps, KVM host quirks), as the spec harness
// sees them. The interpreter follows the SDM and is the reference; when another engine gives a verdict
// the reference does not, and the engine's own list says why, the verdict is "not comparable (<label>:
// <id> — <evidence>)" instead of a failure. A list can only excuse a disagreement with the reference,
// never turn a failure the reference shares into anything but a failure.
//
// How a list plugs in: an engine's module exports entries of the shape `{ id, classify(case) }`, where
// `classify` returns one line of evidence or undefined (src/runner/unicorn/gaps.ts, and for KVM the
// differences this host's probes found, src/runner/kvm/host.ts). One line in LISTS names the label, the
// module and how a case of this harness maps onto that list's case type.

import type { EngineName, RunResult, World } from '../runner/types.ts';

/** One example run under one seed: the world, the engine's result and the reference's. */
export interface DifferenceCase {
  world: World;
  result: RunResult;
  reference: RunResult;
}

export interface KnownDifference {
  /** Which list: 'unicorn gap', 'kvm host'. */
  label: string;
  id: string;
  /** One line: why this case is inside the difference. */
  evidence: string;
}

export type DifferenceClassifier = (c: DifferenceCase) => KnownDifference | undefined;

/** An engine's list entry, whatever its case type. */
export interface ListEntry<C> {
  id: string;
  classify(c: C): string | undefined;
}

/** A classifier from a list: the first entry whose `classify` gives evidence. */
export async function fromList<C>(
  label: string,
  list: Promise<readonly ListEntry<C>[]> | readonly ListEntry<C>[],
  caseOf: (c: DifferenceCase) => C,
): Promise<DifferenceClassifier> {
  const entries = await list;
  return (c) => {
    const mapped = caseOf(c);
    for (const e of entries) {
      const evidence = e.classify(mapped);
      if (evidence) return { label, id: e.id, evidence };
    }
    return undefined;
  };
}

const LISTS: Partial<Record<EngineName, () => Promise<DifferenceClassifier>>> = {
  unicorn: () =>
    fromList(
      'unicorn gap',
      import('../runner/unicorn/gaps.ts').then((m) => m.UNICORN_GAPS),
      (c) => ({ world: c.world, unicorn: c.result, reference: c.reference }),
    ),
  kvm: () =>
    fromList(
      'kvm host',
      import('../runner/kvm/host.ts').then((m) => m.presentDifferences()),
      (c) => ({ world: c.world, interp: c.reference, kvm: c.result }),
    ),
};

const loaded = new Map<EngineName, Promise<DifferenceClassifier | undefined>>();

/** The engine's known-difference classifier, or undefined for the reference and engines with no list. */
export function differencesOf(engine: EngineName): Promise<DifferenceClassifier | undefined> {
  let p = loaded.get(engine);
  if (!p) {
    p = LISTS[engine]?.() ?? Promise.resolve(undefined);
    loaded.set(engine, p);
  }
  return p;
}

/** The engine every other one is compared against. */
export const REFERENCE_ENGINE: EngineName = 'interp';

export function notComparableText(d: KnownDifference): string {
  return `not comparable (${d.label}: ${d.id} — ${d.evidence})`;
}
