// `kexec-contract test`: formats, exit status, GitHub annotations; `kexec-contract lint` on the real spec.

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import runTest from '../src/cli/test.ts';
import { SCHEMA_VERSION } from '../src/model/json-report.ts';
import { isEngineName } from '../src/runner/engines.ts';

const env = process.env.KEXEC_CONTRACT_ENGINE ?? 'interp';
const engine = isEngineName(env) ? env : 'interp';
const SAMPLE = 'test/fixtures/sample/sample.md';
const VERDICT = 'test/fixtures/errors/verdict.md';

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

describe('kexec-contract test', () => {
  test('text: one line per test, a closing count, exit 0 when all hold', async () => {
    expect(await runTest([SAMPLE, '--engine', engine, '--no-cache'])).toBe(0);
    const text = out.join('');
    expect(text).toContain('  ok   demo.gpr.zero [counterexample demo-r10-kept]');
    expect(text.trimEnd().split('\n').at(-1)).toBe('15 passed, 0 failed');
  });

  test('a failure exits 1 and is explained with file:line, values, seed and trace', async () => {
    expect(await runTest([VERDICT, '--engine', engine, '--no-cache'])).toBe(1);
    const text = out.join('');
    expect(text).toContain('  FAIL s.rax.zero [wrong]');
    expect(text).toContain(`${VERDICT}:15: s.rax.zero fails for example "wrong" (${VERDICT}:19)`);
    expect(text).toContain('    expected: 0x0\n    actual:   0x5\n    seed:     1 (of 1, 2)');
    expect(text).toMatch(/last 2 instructions \(first seed, \w+\):\n +0x100000 +movl \$5,%eax/);
    expect(text.trimEnd().split('\n').at(-1)).toBe('0 passed, 2 failed');
  });

  test('junit: a testsuite per file, a testcase per example x clause', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kc-junit-'));
    const file = path.join(dir, 'r.xml');
    expect(
      await runTest([VERDICT, '--engine', engine, '--no-cache', '--format', 'junit', '--output', file]),
    ).toBe(1);
    const xml = await readFile(file, 'utf8');
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="kexec-contract" tests="2" failures="2">/,
    );
    expect(xml).toContain(`<testsuite name="${VERDICT}" tests="2" failures="2">`);
    expect(xml).toMatch(
      new RegExp(
        `<testcase classname="${VERDICT}" name="s\\.rax\\.zero \\[wrong\\]" file="${VERDICT}" line="11" time="\\d+\\.\\d{3}">`,
      ),
    );
    // Both places: the clause (file/line) and the example whose code ran.
    expect(xml).toContain(
      `<properties><property name="clause" value="${VERDICT}:11"/><property name="example" value="${VERDICT}:19"/></properties>`,
    );
    expect(err.join('')).toBe('0 passed, 2 failed\n');
  });

  test('json: documents, runs and messages', async () => {
    expect(await runTest([SAMPLE, '--engine', engine, '--no-cache', '--format', 'json'])).toBe(0);
    const j = JSON.parse(out.join(''));
    expect(j).toMatchObject({ schemaVersion: SCHEMA_VERSION, kind: 'test' });
    expect(j.summary).toEqual({ passed: 15, failed: 0, errors: 0, notComparable: 0 });
    expect(j.documents[0].runs.map((r: { example: string }) => r.example)).toEqual([
      'demo-good',
      'demo-r10-kept',
      'demo-stack-leak',
    ]);
  });

  test('GitHub Actions annotations point into the Markdown', async () => {
    process.env.GITHUB_ACTIONS = 'true';
    expect(await runTest([VERDICT, '--engine', engine, '--no-cache'])).toBe(1);
    const lines = out
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('::error '));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(`^::error file=${VERDICT},line=15,col=1,title=kexec-contract verdict::example "wrong"`),
    );
    expect(lines[1]).toMatch(new RegExp(`^::error file=${VERDICT},line=25,col=1,`));
  });

  test('bad usage exits 2', async () => {
    expect(await runTest(['--format', 'xml'])).toBe(2);
    expect(await runTest(['--engine', 'qemu'])).toBe(2);
  });
});
