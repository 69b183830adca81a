// Shared by the check tests: build a fixture as a kernel build would (`gcc -c` on the .S with the
// fixture include directory), take a stage's given and clauses from the spec, and judge each clause
// of a run seed by seed with the expect language. The harness's cross-seed leak check and reporting
// are not repeated here: a violating fixture must fail its clause on every seed by value.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpec } from '../src/markdown/load.ts';
import { parseGiven, type GivenSpec } from '../src/model/given.ts';
import { evaluate, parseAssertion } from '../src/model/expect/index.ts';
import type { Clause } from '../src/model/types.ts';
import type { ObjectSeedRun } from '../src/check/run.ts';

export const FIXTURES = 'test/fixtures/check';
export const INCLUDE = `${FIXTURES}/include`;

/** `gcc -c [-g] -I include FILE.S`, as `make foo.o` would, and the object's bytes. */
export function buildFixture(name: string, flags: string[] = []): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'kexec-check-test-'));
  try {
    const out = join(dir, `${name}.o`);
    execFileSync('gcc', ['-c', ...flags, `-I${INCLUDE}`, `${FIXTURES}/${name}.S`, '-o', out]);
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SpecStage {
  given: GivenSpec;
  clauses: Clause[];
}

const stages = new Map<string, Promise<SpecStage>>();

/** The stage's given and its clauses with checked assertions, from spec/. */
export function specStage(id: string): Promise<SpecStage> {
  let p = stages.get(id);
  if (!p) {
    p = loadSpec('spec').then((tree) => {
      const stage = tree.files.flatMap((f) => f.stages).find((s) => s.id === id);
      if (!stage) throw new Error(`spec has no stage ${id}`);
      const r = parseGiven(stage.given);
      if (!r.given) throw new Error(`stage ${id}: ${JSON.stringify(r.errors)}`);
      const clauses = tree.files
        .flatMap((f) => f.clauses)
        .filter((c) => c.stage === id && c.assertions.some((a) => a.kind === 'check'));
      return { given: r.given, clauses };
    });
    stages.set(id, p);
  }
  return p;
}

/** Per clause: held on every seed (and the run reached the stop point). */
export function judge(runs: ObjectSeedRun[], clauses: Clause[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const c of clauses) {
    out[c.id] = runs.every((r) => {
      if (r.result.stop.reason !== 'until') return false;
      return c.assertions
        .filter((a) => a.kind === 'check')
        .every((a) => {
          const p = parseAssertion(a.source, { allowCodeLabels: true });
          if (!p.ok || !p.assertion) throw new Error(`${c.id}: ${a.source}`);
          return evaluate(p.assertion, {
            final: r.result,
            initial: { state: r.world.state, memory: r.initialMemory },
            symbols: r.world.symbols,
          }).held;
        });
    });
  }
  return out;
}

/** The clauses that failed. */
export function failing(verdicts: Record<string, boolean>): string[] {
  return Object.entries(verdicts)
    .filter(([, held]) => !held)
    .map(([id]) => id)
    .sort();
}

/** The line number of the first line of `file` matching `re` (1-based). */
export function lineOf(file: string, re: RegExp): number {
  const i = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`${file}: no line matches ${re}`);
  return i + 1;
}

/** Every fixture: its stage, the adapter that recognises it, and the clauses it is written to fail. */
export interface Case {
  fixture: string;
  stage: 'k2p' | 'p2k';
  impl: string;
  violates: string[];
  /**
   * Those of `violates` it fails only under another caller-state variant than the default (check runs
   * every variant; a run in the stage's default world does not show them).
   */
  onlyUnderVariants?: string[];
}

/** The clauses a fixture fails in the stage's default caller state. */
export const violatesByDefault = (c: Case): string[] =>
  c.violates.filter((id) => !(c.onlyUnderVariants ?? []).includes(id));

export const CASES: Case[] = [
  { fixture: 'linux-conforming', stage: 'k2p', impl: 'linux', violates: [] },
  { fixture: 'linux-violating', stage: 'k2p', impl: 'linux', violates: ['k2p.stack.return-zero'] },
  { fixture: 'linux-legacy-conforming', stage: 'k2p', impl: 'linux-legacy', violates: [] },
  { fixture: 'linux-legacy-violating', stage: 'k2p', impl: 'linux-legacy', violates: ['k2p.gpr.cleared'] },
  { fixture: 'linux-2.6.16-conforming', stage: 'k2p', impl: 'linux-2.6.16', violates: [] },
  {
    fixture: 'linux-2.6.16-violating',
    stage: 'k2p',
    impl: 'linux-2.6.16',
    violates: ['k2p.stack.return-zero'],
  },
  { fixture: 'xen-conforming', stage: 'k2p', impl: 'xen', violates: [] },
  {
    fixture: 'xen-violating',
    stage: 'k2p',
    impl: 'xen',
    violates: ['k2p.gpr.cleared', 'k2p.rflags.clear', 'k2p.stack.return-zero'],
    onlyUnderVariants: ['k2p.rflags.clear'], // df-ac: Xen's cld leaves AC set
  },
  { fixture: 'freebsd-conforming', stage: 'k2p', impl: 'freebsd', violates: [] },
  {
    fixture: 'freebsd-violating',
    stage: 'k2p',
    impl: 'freebsd',
    violates: [
      'k2p.copy.pages',
      'k2p.cr0.bits',
      'k2p.cr4.bits',
      'k2p.gpr.cleared',
      'k2p.rflags.clear',
      'k2p.stack.return-zero',
    ],
    // kernel-cr4: CR4 keeps SMEP, SMAP ...; df-ac: DF and AC kept, so rep movsq copies backwards
    onlyUnderVariants: ['k2p.copy.pages', 'k2p.cr4.bits', 'k2p.rflags.clear'],
  },
  { fixture: 'kexec-tools-conforming', stage: 'p2k', impl: 'kexec-tools', violates: [] },
  { fixture: 'kexec-tools-violating', stage: 'p2k', impl: 'kexec-tools', violates: ['p2k.rsi.boot-params'] },
  { fixture: 'linux-purgatory-conforming', stage: 'p2k', impl: 'linux-purgatory', violates: [] },
  { fixture: 'linux-purgatory-violating', stage: 'p2k', impl: 'linux-purgatory', violates: ['p2k.gdt.flat'] },
];
