// `kexec-contract check`: every fixture's per-clause verdicts on the interpreter and on KVM, failures at
// the fixture's own line; a trampoline in a kernel-style tree (headers, SYM_* macros, sections) built
// with cpp and as here and checked from its object with no shim; formats, annotations and exit codes.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { checkObject } from '../src/check/check.ts';
import { main } from '../src/cli/main.ts';
import { loadSpec } from '../src/markdown/load.ts';
import type { SpecModel } from '../src/markdown/model.ts';
import type { ObjectCheck } from '../src/model/types.ts';
import { engineAvailability } from '../src/runner/engines.ts';
import { readObject } from '../src/runner/object/index.ts';
import type { EngineName } from '../src/runner/types.ts';
import { CASES, FIXTURES, INCLUDE, buildFixture, lineOf } from './check-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'kexec-check-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let spec: SpecModel;
beforeAll(async () => {
  spec = await loadSpec('spec');
});

const kvm = await engineAvailability('kvm');
if (!kvm.ok) console.warn(`check on kvm: skipped, ${kvm.reason}`);

async function check(fixture: string, engine: EngineName): Promise<ObjectCheck> {
  const object = readObject(buildFixture(fixture, ['-g']), `${fixture}.o`);
  return checkObject({ object, spec, versionOf: () => 'test', engine });
}

const ids = (c: ObjectCheck, status: string) =>
  c.verdicts
    .filter((v) => v.status === status)
    .map((v) => v.clause)
    .sort();

/** `kexec-contract check FIXTURE.o --engine ENGINE --format json`: the exit code and the report. */
async function checkCli(fixture: string, engine: EngineName): Promise<{ code: number; c: ObjectCheck }> {
  const obj = join(dir, `${fixture}.o`);
  writeFileSync(obj, buildFixture(fixture, ['-g']));
  out = [];
  const code = await main(['check', obj, '--engine', engine, '--format', 'json']);
  return { code, c: JSON.parse(out.join('')).check as ObjectCheck };
}

describe.each(['interp', 'kvm'] as const)('kexec-contract check on %s', (engine) => {
  for (const c of CASES)
    test.skipIf(engine === 'kvm' && !kvm.ok)(
      `${c.fixture}: ${c.violates.length ? `fails ${c.violates.join(', ')}` : 'holds every checked clause'}`,
      async () => {
        const { code, c: r } = await checkCli(c.fixture, engine);
        expect(code).toBe(c.violates.length ? 1 : 0);
        expect(r.impl).toMatchObject({ id: c.impl, chosenBy: 'symbols' });
        expect(r.stage.id).toBe(c.stage);
        expect(r.engine).toBe(engine);
        expect(r.fault).toBeUndefined();
        expect(ids(r, 'failed')).toEqual([...c.violates].sort());
        expect(ids(r, 'not-run')).toEqual([]);
        // every clause of the stage has a verdict: checked ones held or failed, the rest unchecked
        const stageClauses = spec.files.flatMap((f) => f.clauses).filter((x) => x.stage === c.stage);
        expect(r.verdicts.map((v) => v.clause)).toEqual(stageClauses.map((x) => x.id));
        expect(ids(r, 'held').length + ids(r, 'failed').length).toBe(
          stageClauses.filter((x) => x.assertions.some((a) => a.kind === 'check')).length,
        );
        expect(r.verdicts.every((v) => v.citation.startsWith(`${v.clause}@`))).toBe(true);
        expect(r.ok).toBe(c.violates.length === 0);
        for (const v of r.verdicts.filter((x) => x.status === 'failed')) {
          // the user's own line: the fixture (or a header it includes), never the spec
          expect(v.at?.file).toMatch(/^test\/fixtures\/check\/.*\.[Sh]$/);
          expect(v.at?.line).toBeGreaterThan(0);
          expect(v.assertions.some((a) => !a.held && (a.expected !== undefined || a.message))).toBe(true);
        }
      },
    );
});

test('a failure names the instruction that last wrote the value the clause read', async () => {
  const r = await check('linux-legacy-violating', 'interp');
  const v = r.verdicts.find((x) => x.clause === 'k2p.gpr.cleared')!;
  expect(v.at).toMatchObject({ why: expect.stringMatching(/^last wrote r(9|10)$/) });
  const text = readFileSync(`${FIXTURES}/linux-legacy-violating.S`, 'utf8').split('\n')[v.at!.line! - 1]!;
  expect(text).toMatch(/%r(9|10)\b/);
});

// ---------------------------------------------------------------------------------------------------
// The CLI, in process.

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ') + '\n'));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ') + '\n'));
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.GITHUB_ACTIONS;
});
const stdout = () => out.join('');
const stderr = () => err.join('');

const TREE = `${FIXTURES}/tree`;
const TRAMPOLINE = `${TREE}/arch/x86/kernel/relocate_kernel_64.S`;

/** cpp then as, as Kbuild runs them for a .S (-I include -I arch/x86/include), with line info. */
function kbuild(name: string, defines: string[] = []): string {
  const pre = join(dir, `${name}.s`);
  const obj = join(dir, `${name}.o`);
  execFileSync('gcc', [
    '-E',
    '-x',
    'assembler-with-cpp',
    '-D__ASSEMBLY__',
    ...defines.map((d) => `-D${d}`),
    `-I${TREE}/include`,
    `-I${TREE}/arch/x86/include`,
    TRAMPOLINE,
    '-o',
    pre,
  ]);
  execFileSync('as', ['--64', '-g', '-o', obj, pre]);
  return obj;
}

describe('a kernel-style tree, checked from its object', () => {
  test('the conforming build: every checked clause holds, exit 0', async () => {
    const obj = kbuild('conforming');
    expect(await main(['check', obj])).toBe(0);
    expect(stdout()).toContain(`${obj}: linux (`);
    expect(stdout()).toContain(`entry ${TRAMPOLINE}:${lineOf(TRAMPOLINE, /^SYM_CODE_START_NOALIGN/) + 1}:`);
    expect(stdout().trimEnd().split('\n').at(-1)).toBe(`${obj}: 14 held, 0 failed, 10 unchecked`);
  });

  test('-DKEEP_R13: k2p.gpr.cleared fails at the line that last wrote %r13, exit 1', async () => {
    const obj = kbuild('keep-r13', ['KEEP_R13']);
    expect(await main(['check', obj])).toBe(1);
    const line = lineOf(TRAMPOLINE, /andl\t\$\(X86_CR4_PAE \| X86_CR4_LA57\), %r13d/);
    expect(stdout()).toMatch(
      new RegExp(`\\n${TRAMPOLINE}:${line}: k2p\\.gpr\\.cleared@\\S+ \\(MUST\\) failed \\(spec/`),
    );
    expect(stdout()).toContain('r13 == 0\n    expected: 0x0\n    actual:   0x20');
    expect(stdout()).toContain('(last wrote r13)');
    expect(stdout().trimEnd().split('\n').at(-1)).toBe(`${obj}: 13 held, 1 failed, 10 unchecked`);
  });

  test.each(['interp', 'kvm'] as const)(
    '-DARM_DR7 on %s: k2p.debug.off fails at the mov to %%dr7',
    async (engine) => {
      if (engine === 'kvm' && !kvm.ok) return console.warn(`skipped: ${kvm.reason}`);
      const obj = kbuild(`arm-dr7-${engine}`, ['ARM_DR7']);
      expect(await main(['check', obj, '--engine', engine, '--format', 'json'])).toBe(1);
      const c = JSON.parse(stdout()).check as ObjectCheck;
      expect(ids(c, 'failed')).toEqual(['k2p.debug.off']);
      const v = c.verdicts.find((x) => x.clause === 'k2p.debug.off')!;
      expect(v.at).toMatchObject({
        file: TRAMPOLINE,
        line: lineOf(TRAMPOLINE, /movq\t%rax, %dr7/),
        why: 'last wrote dr7',
      });
    },
  );

  test('-DARM_DR7 on unicorn: every clause not comparable, so nothing is verified and the check fails', async () => {
    const obj = kbuild('arm-dr7-unicorn', ['ARM_DR7']);
    expect(await main(['check', obj, '--engine', 'unicorn'])).toBe(1);
    expect(stdout()).toContain('\nnot comparable (unicorn gap: debug-registers');
    expect(stdout().trimEnd().split('\n').at(-1)).toMatch(
      /0 held, 0 failed, .*\(nothing verified on unicorn: use another engine\)$/,
    );
  });

  test('-DKEEP_CET: the fault under the cet variant is reported once, at the CR0 write, exit 1', async () => {
    const obj = kbuild('keep-cet', ['KEEP_CET']);
    expect(await main(['check', obj, '--format', 'json'])).toBe(1);
    const c = JSON.parse(stdout()).check as ObjectCheck;
    expect(c.stop.reason).toBe('until'); // the default caller state reaches the stop point
    expect(c.fault).toMatchObject({
      reason: 'triple-fault',
      variant: 'cet',
      at: { file: TRAMPOLINE, line: lineOf(TRAMPOLINE, /movq\t%rax, %cr0/) },
    });
    expect(c.fault!.message).toMatch(
      /^under caller-state variant cet: .*clearing CR0\.WP while CR4\.CET is set/,
    );
    expect(ids(c, 'failed')).toEqual([]);
    expect(ids(c, 'not-run')).toHaveLength(14);
    out = [];
    expect(await main(['check', obj])).toBe(1);
    expect(stdout().match(/the run stopped by/g)).toHaveLength(1);
  });

  test('the .S itself with -I and -D gives the same verdicts', async () => {
    expect(
      await main([
        'check',
        TRAMPOLINE,
        '-I',
        `${TREE}/include`,
        `-I${TREE}/arch/x86/include`,
        '-D',
        'KEEP_R13',
      ]),
    ).toBe(1);
    expect(stdout()).toContain(`${TRAMPOLINE}: 13 held, 1 failed, 10 unchecked`);
  });
});

describe('formats', () => {
  const violating = () => kbuild('formats', ['KEEP_R13']);

  test('json: the shared envelope and one verdict per clause', async () => {
    expect(await main(['check', violating(), '--format', 'json'])).toBe(1);
    const j = JSON.parse(stdout());
    expect(j).toMatchObject({ schemaVersion: 1, kind: 'check', check: { ok: false, stage: { id: 'k2p' } } });
    expect(typeof j.seconds).toBe('number');
    const v = j.check.verdicts.find((x: { clause: string }) => x.clause === 'k2p.gpr.cleared');
    expect(v).toMatchObject({ status: 'failed', at: { file: TRAMPOLINE, why: 'last wrote r13' } });
    expect(stderr()).toContain('13 held, 1 failed');
  });

  test('junit: test cases at the user file and line, with time and the clause place', async () => {
    expect(await main(['check', violating(), '--format', 'junit'])).toBe(1);
    const xml = stdout();
    const line = lineOf(TRAMPOLINE, /X86_CR4_LA57\), %r13d/);
    expect(xml).toMatch(
      /<testsuites name="kexec-contract check" tests="25" failures="1" skipped="10" time="/,
    );
    expect(xml).toMatch(
      new RegExp(
        `<testcase classname="kexec-contract.check.k2p" name="k2p.gpr.cleared@\\S+" file="${TRAMPOLINE}" line="${line}" time="\\d+\\.\\d{3}">`,
      ),
    );
    expect(xml).toMatch(/<property name="clause" value="spec\/02-kernel-to-purgatory.md:\d+"\/>/);
    expect(xml).toMatch(/name="\S+ reaches the k2p stop point" file="\S+" line="\d+" time="\d+\.\d{3}"/);
  });

  test('GitHub annotations point at the user line', async () => {
    process.env.GITHUB_ACTIONS = 'true';
    expect(await main(['check', violating()])).toBe(1);
    const ann = stdout()
      .split('\n')
      .filter((l) => l.startsWith('::error'));
    const line = lineOf(TRAMPOLINE, /X86_CR4_LA57\), %r13d/);
    expect(ann).toHaveLength(1);
    expect(ann[0]).toMatch(
      new RegExp(`^::error file=${TRAMPOLINE},line=${line},title=kexec-contract k2p.gpr.cleared@\\S+::`),
    );
  });
});

describe('exit codes and input errors', () => {
  const source = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  test('a fault is reported once, at its line; the clauses are not run; exit 1', async () => {
    const f = source(
      'fault.S',
      '\t.text\n\t.globl _start\n_start:\n\tmovabsq $0x8000000000000000, %rcx\n\tmovq (%rcx), %rdx\n\thlt\n',
    );
    expect(await main(['check', f, '--impl', 'plain', '--stage', 'k2p', '--format', 'json'])).toBe(1);
    const c = JSON.parse(stdout()).check as ObjectCheck;
    expect(c.fault).toMatchObject({ reason: 'triple-fault', at: { file: f, line: 5 } });
    expect(c.verdicts.filter((v) => v.status === 'failed')).toEqual([]);
    expect(c.verdicts.filter((v) => v.status === 'not-run').length).toBe(14);
    out = [];
    expect(await main(['check', f, '--impl', 'plain', '--stage', 'k2p'])).toBe(1);
    expect(stdout().match(/the run stopped by/g)).toHaveLength(1);
    expect(stdout()).toContain(`${f}:5: the run stopped by triple-fault`);
  });

  test('not an ELF: exit 2, one line naming the file', async () => {
    const f = source('junk.o', 'not an object\n');
    expect(await main(['check', f])).toBe(2);
    expect(stderr()).toMatch(new RegExp(`^${f}: not an ELF64`));
    expect(stderr().trim().split('\n')).toHaveLength(1);
  });

  test('an undefined symbol: exit 2 at the line that references it', async () => {
    const f = source(
      'undef.S',
      '\t.section .text..relocate_kernel, "ax"\n\t.globl relocate_kernel\nrelocate_kernel:\n\tnop\n\tcall missing_fn\n',
    );
    expect(await main(['check', f, '--impl', 'linux'])).toBe(2);
    expect(stderr()).toMatch(new RegExp(`^${f}:5: undefined symbol missing_fn`));
  });

  test('a .S that does not assemble: exit 2 at its line', async () => {
    const f = source('bad.S', '\t.text\n\tmovq %rax\n');
    expect(await main(['check', f, '--impl', 'plain', '--stage', 'k2p'])).toBe(2);
    expect(stderr()).toMatch(new RegExp(`${f}:2: `));
  });

  test('unknown --impl lists the known ones; an unrecognised object asks for --impl', async () => {
    const obj = join(dir, 'conf.o');
    writeFileSync(obj, buildFixture('linux-conforming'));
    expect(await main(['check', obj, '--impl', 'nope'])).toBe(2);
    expect(stderr()).toContain(
      'unknown --impl "nope" (known: linux, linux-6.14, linux-legacy, linux-2.6.16, xen, freebsd, kexec-tools, linux-purgatory, plain)',
    );
    err = [];
    const f = source('anon.S', '\t.text\n\t.globl _start\n_start:\thlt\n');
    expect(await main(['check', f])).toBe(2);
    expect(stderr()).toMatch(
      /no caller adapter recognises this object \(it defines _start\); name one with --impl/,
    );
  });

  test('usage: no file, two files, a bad format, -I on an object', async () => {
    expect(await main(['check'])).toBe(2);
    expect(await main(['check', 'a.o', 'b.o'])).toBe(2);
    expect(await main(['check', `${FIXTURES}/linux-conforming.S`, '--format', 'xml'])).toBe(2);
    const obj = join(dir, 'conf2.o');
    writeFileSync(obj, buildFixture('linux-conforming'));
    expect(await main(['check', obj, '-I', INCLUDE])).toBe(2);
    expect(stderr()).toContain('-I and -D apply to a .S source');
  });
});
