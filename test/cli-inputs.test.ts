// The CLI on bad or unusual input: run from outside the checkout (as after `npm link`), missing and
// wrong paths, nothing to test, usage errors (exit 2, one line), --version, --trace on engines that
// cannot trace, --until naming no symbol, long traces and progress.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.ts';
import { progressReporter } from '../src/cli/progress.ts';
import { buildFixture } from './check-helpers.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'kexec-contract.js');
const SAMPLE = join(ROOT, 'test/fixtures/sample/sample.md');
const outside = mkdtempSync(join(tmpdir(), 'kexec-contract-outside-'));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(outside, name);
  writeFileSync(p, text);
  return p;
}

/** The real bin script in a child process, from `cwd` (default: a directory outside the checkout). */
function cli(args: string[], cwd = outside): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const STACK = /^\s+at .+\(.+:\d+:\d+\)$|ENOENT|node:internal/m;

describe('outside the checkout (as after npm link)', () => {
  it('cite finds the spec the package ships', async () => {
    const { code, stdout, stderr } = await cli(['cite', 'k2p.gpr.zero']);
    expect(stderr).not.toMatch(STACK);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(
      /^k2p\.gpr\.zero@\S+ \(MUST\), hash [0-9a-f]{8}, kexec handoff contract$/,
    );
  });

  it('check finds the spec the package ships', async () => {
    const obj = join(outside, 'conforming.o');
    writeFileSync(obj, buildFixture('linux-conforming'));
    const { code, stdout, stderr } = await cli(['check', obj]);
    expect(stderr).not.toMatch(STACK);
    expect(code).toBe(0);
    expect(stdout).toContain(`stage k2p (${join(ROOT, 'spec', '02-kernel-to-purgatory.md')}:`);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe(`${obj}: 14 held, 0 failed, 10 unchecked`);
  });

  it('lint checks the shipped spec against its own lock', async () => {
    const { code, stdout, stderr } = await cli(['lint']);
    expect(stderr).not.toMatch(STACK);
    expect(code).toBe(0);
    expect(stdout).toContain(`clauses match ${join(ROOT, 'spec', 'clauses.lock.json')}`);
  });

  it('test runs a spec file given by path, and writes no cache into the working directory', async () => {
    const { code, stdout, stderr } = await cli(['test', SAMPLE]);
    expect(stderr).not.toMatch(STACK);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('15 passed, 0 failed');
    expect(existsSync(join(outside, '.cache'))).toBe(false);
  });

  it('--version names the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const { code, stdout } = await cli(['--version']);
    expect(code).toBe(0);
    expect(stdout).toBe(`kexec-contract ${pkg.version}\n`);
  });
});

describe('test: paths that hold nothing to test', () => {
  let err: string[];
  beforeEach(() => {
    err = [];
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());

  it('a missing path: exit 2, one line', async () => {
    const missing = join(outside, 'nope.md');
    expect(await main(['test', missing])).toBe(2);
    expect(err).toEqual([`kexec-contract test: ${missing}: no such file or directory`]);
  });

  it('a .S file: exit 2, pointing at run', async () => {
    const s = file('prog.S', 'hlt\n');
    expect(await main(['test', s])).toBe(2);
    expect(err).toEqual([
      `kexec-contract test: ${s}: not a Markdown spec file (.md, .mdx) (to run an assembly file: kexec-contract run ${s})`,
    ]);
  });

  it('an empty file: nothing to test, exit 1', async () => {
    const md = file('empty.md', '');
    expect(await main(['test', md, '--no-cache'])).toBe(1);
    expect(err.at(-1)).toBe(`kexec-contract test: nothing to test: no examples in ${md}`);
  });

  it('an empty directory: nothing to test, exit 1', async () => {
    const dir = join(outside, 'empty-dir');
    mkdirSync(dir, { recursive: true });
    expect(await main(['test', dir, '--no-cache'])).toBe(1);
    expect(err.at(-1)).toBe(`kexec-contract test: nothing to test: no spec files (.md, .mdx) under ${dir}`);
  });

  it('lint on an empty directory: nothing to check, exit 1', async () => {
    const dir = join(outside, 'empty-dir2');
    mkdirSync(dir, { recursive: true });
    expect(await main(['lint', dir])).toBe(1);
    expect(err).toEqual([`kexec-contract lint: nothing to check: no spec files (.md, .mdx) under ${dir}`]);
  });
});

describe('usage errors: exit 2 with one line', () => {
  it.each([
    [['frobnicate']],
    [['--frob']],
    [['run']],
    [['run', 'a.S', '--bogus']],
    [['run', 'a.S', 'b.S']],
    [['test', '--format', 'xml']],
    [['test', '--engine', 'qemu']],
    [['test', '--bogus']],
    [['lint', '--bogus']],
    [['lint', join(outside, 'missing-dir')]],
    [['cite']],
    [['cite', '--bogus', 'x']],
    [['cite', '--spec', join(outside, 'missing-dir'), 'x']],
  ])('%j', async (args) => {
    const lines: string[] = [];
    const e = vi.spyOn(console, 'error').mockImplementation((...a) => void lines.push(a.join(' ')));
    const w = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    try {
      expect(await main(args)).toBe(2);
    } finally {
      e.mockRestore();
      w.mockRestore();
    }
    const text = lines.join('');
    expect(text.trimEnd().split('\n')).toHaveLength(1);
    expect(text).toMatch(/^kexec-contract( \w+)?: /);
  });
});

describe('run', () => {
  const loop = file('loop.S', '_start:\n  mov $5000, %ecx\n1: dec %ecx\n  jnz 1b\n  hlt\n');

  it('--until names a symbol the file does not have: "no symbol", not "not a number"', async () => {
    const { code, stderr } = await cli(['run', loop, '--until', 'nosuch']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      `kexec-contract run: --until: no symbol "nosuch" in ${loop} (symbols: _start) (see kexec-contract run --help)\n`,
    );
  });

  it('--trace on an engine that cannot trace says so (it does not print an empty trace)', async () => {
    for (const engine of ['unicorn', 'kvm']) {
      const { code, stdout, stderr } = await cli(['run', loop, '--trace', '--engine', engine]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `kexec-contract run: --trace: engine ${engine} cannot trace (use --engine interp) (see kexec-contract run --help)\n`,
      );
    }
  });

  it('a long --trace keeps its first and last steps and says how many it left out', async () => {
    const text = await cli(['run', loop, '--trace', '--trace-keep', '10']);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines.filter((l) => /^ +0x1000/.test(l))).toHaveLength(10);
    expect(lines[5]).toMatch(/^ +\.\.\. 9992 steps left out \.\.\.$/);
    const json = JSON.parse((await cli(['run', loop, '--trace', '--trace-keep', '10', '--json'])).stdout);
    expect(json.trace).toHaveLength(10);
    expect(json.traceOmitted).toBe(10_002 - 10);
  });

  it('an empty file runs into zero-filled memory and stops at the budget, with a warning', async () => {
    const empty = file('empty.S', '');
    const { code, stdout, stderr } = await cli(['run', empty, '--json', '--max-steps', '200000']);
    expect(code).toBe(1);
    expect(stderr).toContain(`${empty}: warning: no code: the run starts in zero-filled memory`);
    const j = JSON.parse(stdout);
    expect(j.stop.reason).toBe('budget');
    expect(j.steps).toBe(200_000);
  });
});

describe('progress on stderr', () => {
  const make = (isTTY: boolean) => {
    let t = 0;
    const out: string[] = [];
    const p = progressReporter({ write: (s: string) => out.push(s) }, { isTTY, now: () => t });
    return { p, out, at: (ms: number) => (t = ms) };
  };
  const ev = (steps: number) => ({ what: 'x.md:3 example "e"', part: 'seed 1/4', steps, maxSteps: 60e6 });

  it('on a terminal: one status line, rewritten, erased at the end', () => {
    const { p, out, at } = make(true);
    p.update(ev(0));
    expect(out).toEqual([]);
    at(300);
    p.update(ev(1 << 20));
    at(400);
    p.update(ev(2 << 20)); // within 200 ms of the last: not shown
    at(600);
    p.update(ev(3 << 20));
    p.done();
    expect(out).toEqual([
      '\r\x1b[Kx.md:3 example "e", seed 1/4: 1.0M of 60.0M steps',
      '\r\x1b[Kx.md:3 example "e", seed 1/4: 3.1M of 60.0M steps',
      '\r\x1b[K',
    ]);
  });

  it('elsewhere: nothing for a run under 10 s, then a line every 10 s', () => {
    const { p, out, at } = make(false);
    p.update(ev(0));
    at(9_000);
    p.update(ev(9 << 20));
    at(10_500);
    p.update(ev(10 << 20));
    at(15_000);
    p.update(ev(15 << 20));
    at(21_000);
    p.update(ev(21 << 20));
    p.done();
    expect(out).toEqual([
      'x.md:3 example "e", seed 1/4: 10.5M of 60.0M steps (11 s)\n',
      'x.md:3 example "e", seed 1/4: 22.0M of 60.0M steps (21 s)\n',
    ]);
  });
});
