// `kexec-contract run` end to end: the real bin script in a child process, as a user runs it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'kexec-contract.js');
const dir = mkdtempSync(join(tmpdir(), 'kexec-contract-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000, env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const HEX = /^0x[0-9a-f]+$/;

describe('kexec-contract run --json', () => {
  it('prints the final state in the documented shape and exits 0 on hlt', async () => {
    const src = file('hlt.S', ['_start:', '  movl $0x1234, %eax', '  hlt']);
    const { code, stdout, stderr } = await cli(['run', src, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const j = JSON.parse(stdout);
    // The shared envelope (docs/reference/json-output.md): schemaVersion and kind first.
    expect(Object.keys(j).slice(0, 3)).toEqual(['schemaVersion', 'kind', 'tool']);
    expect(j).toMatchObject({ schemaVersion: 1, kind: 'run' });
    expect(j.stop).toMatchObject({ reason: 'hlt', rip: '0x100006' });
    const regs = [
      ...['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp'],
      ...['r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'rflags'],
    ];
    expect(Object.keys(j.regs)).toEqual(regs);
    for (const r of regs) expect(j.regs[r]).toMatch(HEX);
    expect(j.regs.rax).toBe('0x1234');
    expect(j.regs.rsp).toBe('0x80000');
    expect(j.regs.rip).toBe('0x100006');
    expect(j.cr).toEqual({ cr0: '0x80050033', cr2: '0x0', cr3: '0x1000', cr4: '0x20' });
    expect(j.efer).toBe('0x500');
    expect(Object.keys(j.segments)).toEqual(['cs', 'ds', 'es', 'fs', 'gs', 'ss']);
    expect(j.segments.cs).toEqual({
      selector: '0x10',
      base: '0x0',
      limit: '0xffffffff',
      attributes: '0xa09b',
    });
    expect(j.segments.ss.selector).toBe('0x18');
    expect(j.gdtr).toEqual({ base: '0x4000', limit: '0x1f' });
    expect(j.idtr).toEqual({ base: '0x0', limit: '0x0' });
    expect(j.steps).toBe(2);
    expect(j.undefinedFlags).toMatch(HEX);
    expect(j.serial).toBe('');
  });

  it('stops at --until (a symbol), applies --set, collects serial output', async () => {
    const src = file('until.S', [
      '_start:',
      '  addq $1, %rbx',
      '  movw $0x3f8, %dx',
      "  movb $'K', %al",
      '  outb %al, %dx',
      'done:',
      '  ud2',
    ]);
    const { code, stdout } = await cli(['run', src, '--json', '--until', 'done', '--set', 'rbx=0x41']);
    expect(code).toBe(0);
    const j = JSON.parse(stdout);
    expect(j.stop.reason).toBe('until');
    expect(j.regs.rbx).toBe('0x42');
    expect(j.serial).toBe('K');
    expect(j.stop.rip).toBe(j.regs.rip);
  });

  it('loads at --base and accepts an address for --until', async () => {
    const src = file('base.S', ['nop', 'nop', 'hlt']);
    const { code, stdout } = await cli(['run', src, '--json', '--base', '0x200000', '--until', '0x200002']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).stop).toMatchObject({ reason: 'until', rip: '0x200002' });
  });

  it('exits 1 on a triple fault, reporting the vector', async () => {
    const src = file('ud2.S', ['_start:', '  nop', '  ud2']);
    const { code, stdout } = await cli(['run', src, '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).stop).toMatchObject({ reason: 'triple-fault', vector: 6, rip: '0x100001' });
  });

  it('exits 1 when the budget runs out', async () => {
    const src = file('loop.S', ['_start:', '  jmp _start']);
    const { code, stdout } = await cli(['run', src, '--json', '--max-steps', '100']);
    expect(code).toBe(1);
    const j = JSON.parse(stdout);
    expect(j.stop.reason).toBe('budget');
    expect(j.steps).toBe(100);
  });

  it('prints a trace with --trace', async () => {
    const src = file('trace.S', ['_start:', '  movl $7, %ecx', '  hlt']);
    const { code, stdout } = await cli(['run', src, '--json', '--trace']);
    expect(code).toBe(0);
    const j = JSON.parse(stdout);
    expect(j.trace[0]).toMatchObject({ rip: '0x100000' });
    expect(j.trace[0].changed.rcx).toBe('0x7');
  });
});

describe('kexec-contract run (text)', () => {
  it('prints a register dump', async () => {
    const src = file('text.S', ['  movq $-1, %r15', '  hlt']);
    const { code, stdout } = await cli(['run', src]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/stop:\s+hlt/);
    expect(stdout).toMatch(/r15 0xffffffffffffffff/);
    expect(stdout).toMatch(/cr0 0x0000000080050033/);
  });
});

describe('kexec-contract run errors', () => {
  it('reports an assembly error as FILE:LINE and exits 2', async () => {
    const src = file('bad.S', ['_start:', '  nop', '  movq %rax, %nosuch', '  hlt']);
    const { code, stderr, stdout } = await cli(['run', src]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^${src.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: .*nosuch`, 'm'));
  });

  it('refuses .incbin with its line', async () => {
    const src = file('incbin.S', ['nop', '.incbin "/etc/hostname"']);
    const { code, stderr } = await cli(['run', src]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${src}:2: .incbin is refused`);
  });

  it('exits 2 on a usage error', async () => {
    const { code, stderr } = await cli(['run', file('usage.S', ['hlt']), '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--bogus/);
  });

  it('exits 2 on every kind of usage error (in process)', async () => {
    const src = file('ok.S', ['hlt']);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const args of [
        ['run'],
        ['run', src, src],
        ['run', src, '--engine', 'qemu'],
        ['run', src, '--base', 'lots'],
        ['run', src, '--set', 'xmm0=1'],
        ['run', src, '--set', 'rax'],
        ['run', src, '--set', 'rax=nosuchsymbol'],
        ['run', src, '--until', 'nosuchsymbol'],
        ['run', src, '--max-steps', '0'],
        ['run', join(dir, 'missing.S')],
        ['frobnicate'],
        [],
      ]) {
        errors.mockClear();
        expect({ args, code: await main(args) }).toEqual({ args, code: 2 });
        expect(errors).toHaveBeenCalled();
      }
    } finally {
      errors.mockRestore();
    }
  });

  it('exits 2 naming what is missing when an engine cannot run here', async () => {
    // KEXEC_CONTRACT_DISABLE_ENGINES makes kvm unavailable on every machine, /dev/kvm or not.
    const src = file('kvm.S', ['hlt']);
    const env = { ...process.env, KEXEC_CONTRACT_DISABLE_ENGINES: 'kvm' };
    const { code, stderr } = await cli(['run', src, '--engine', 'kvm'], env);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      'kexec-contract run: engine kvm is unavailable: kvm: disabled by KEXEC_CONTRACT_DISABLE_ENGINES (unset KEXEC_CONTRACT_DISABLE_ENGINES)',
    );
  });

  it('prints help with exit 0', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/run/);
    const run = await cli(['run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--max-steps/);
  });
});
