// Bounded traces and bounded decoded code: a long run keeps the first and last halves of its trace
// (counting the steps left out), and a run through zero-filled RAM neither caches a decoded
// instruction per address nor decodes each one afresh.

import { describe, expect, it } from 'vitest';
import { fetchInsn } from '../src/runner/interp/decode.ts';
import { CodeCache, MAX_CODE_PAGES } from '../src/runner/interp/icache.ts';
import { Machine } from '../src/runner/interp/machine.ts';
import { SparseMemory } from '../src/runner/memory.ts';
import { DEFAULT_TRACE_KEEP, PROGRESS_STEPS } from '../src/runner/types.ts';
import { BASE, build, run } from './interp-helpers.ts';

const LOOP = `mov $50000, %ecx; 1: dec %ecx; jnz 1b; hlt`; // 1 + 2 * 50000 + 1 steps

describe('a long traced run', () => {
  it('keeps the first and the last half of the rows and counts the ones left out', async () => {
    const r = await run(LOOP, undefined, { trace: true });
    const t = r.trace!;
    const half = DEFAULT_TRACE_KEEP / 2;
    expect(r.steps).toBe(100_002);
    expect(t).toHaveLength(DEFAULT_TRACE_KEEP);
    expect(r.traceOmitted).toBe(100_002 - DEFAULT_TRACE_KEEP);
    // The first half: from the first step on.
    expect(t[0]).toMatchObject({ rip: BASE, changed: { rcx: 50000n } });
    expect(t[1]).toMatchObject({ text: 'decl %ecx', changed: { rcx: 49999n } });
    expect(t[half - 1]).toMatchObject({ text: 'decl %ecx', changed: { rcx: 49000n } }); // step 1999
    // The last half ends with the last steps, in order.
    expect(t.at(-1)).toMatchObject({ text: 'hlt' });
    expect(t.at(-2)!.text).toMatch(/^jn[ez] /);
    expect(t.at(-3)).toMatchObject({ text: 'decl %ecx', changed: { rcx: 0n } });
    expect(t.at(-5)).toMatchObject({ text: 'decl %ecx', changed: { rcx: 1n } });
    // The last half starts at step 100002 - 2000 (a jnz); dec number k leaves 50000 - k.
    expect(t[half]!.text).toMatch(/^jn[ez] /);
    expect(t[half + 1]).toMatchObject({ text: 'decl %ecx', changed: { rcx: 998n } });
  });

  it('records the same rows as a trace kept whole', async () => {
    const source = `mov $300, %ecx; 1: push %rcx; pop %rax; dec %ecx; jnz 1b; mov %eax, %ds; hlt`;
    const whole = await run(source, undefined, { trace: true, traceKeep: 1_000_000 });
    expect(whole.traceOmitted).toBeUndefined();
    expect(whole.trace).toHaveLength(whole.steps!);
    const kept = await run(source, undefined, { trace: true, traceKeep: 100 });
    expect(kept.traceOmitted).toBe(whole.steps! - 100);
    expect(kept.trace).toEqual([...whole.trace!.slice(0, 50), ...whole.trace!.slice(-50)]);
    expect(kept.state).toEqual(whole.state);
  });

  it('a short run keeps every row', async () => {
    const r = await run(`mov $3, %ecx; 1: dec %ecx; jnz 1b; hlt`, undefined, { trace: true });
    expect(r.trace).toHaveLength(8);
    expect(r.traceOmitted).toBeUndefined();
  });

  it('reports progress every PROGRESS_STEPS steps', async () => {
    const seen: number[] = [];
    const r = await run(`mov $${PROGRESS_STEPS * 2}, %ecx; 1: dec %ecx; jnz 1b; hlt`, undefined, {
      maxSteps: 10_000_000,
      onProgress: (n) => seen.push(n),
    });
    expect(r.stop.reason).toBe('hlt');
    expect(seen).toEqual([1, 2, 3, 4].map((k) => k * PROGRESS_STEPS));
  });
});

describe('code run into zero-filled RAM', () => {
  it('stops at the budget, with a bounded trace', async () => {
    const r = await run(`nop`, undefined, { maxSteps: 300_000, trace: true });
    expect(r.stop.reason).toBe('budget');
    expect(r.trace).toHaveLength(DEFAULT_TRACE_KEEP);
    expect(r.trace!.at(-1)).toMatchObject({
      rip: BASE + 1n + 2n * (300_000n - 2n),
      text: 'addb %al,(%rax)',
    });
  });

  it('caches no decoded page for it, and decodes it once', async () => {
    const w = await build(`nop`);
    const mem = new SparseMemory(w.ram);
    for (const img of w.image) mem.write(img.addr, img.bytes);
    const m = new Machine(mem, w.state);
    const start = 0x400000;
    const pages = 300;
    let last;
    for (let a = start; a < start + pages * 4096; a += 2) last = fetchInsn(m, a, a, false);
    // At most the page of the first decode (when no earlier run decoded these bytes).
    expect(m.icache.size).toBeLessThanOrEqual(1);
    expect(last).toMatchObject({ mn: 'add', ip: start + pages * 4096 - 2, next: start + pages * 4096 });
  });

  it('gives each address its own instruction where the bytes are position-dependent', async () => {
    // Three copies of the same bytes: `lea 0(%rip)` and `jmp 1f` mean something else at each address.
    const r = await run(`
      .rept 3
        lea 0(%rip), %rax
        push %rax
        jmp 1f
        .fill 8, 1, 0xcc
      1:
      .endr
      pop %rbx
      pop %rcx
      pop %rdx
      hlt`);
    expect(r.stop.reason).toBe('hlt');
    expect([r.state.gpr.rdx, r.state.gpr.rcx, r.state.gpr.rbx]).toEqual([BASE + 7n, BASE + 25n, BASE + 43n]);
  });

  it('names the right address when shared bytes are not modelled', async () => {
    const w = await build(`nop`);
    const mem = new SparseMemory(w.ram);
    for (const img of w.image) mem.write(img.addr, img.bytes);
    const fninit = Uint8Array.of(0xdb, 0xe3);
    const [a, b, c] = [0x500000, 0x600000, 0x600100];
    for (const at of [a, b, c]) mem.write(BigInt(at), fninit);
    const m = new Machine(mem, w.state);
    for (const at of [a, b, c]) {
      const insn = fetchInsn(m, at, at, false);
      expect(() => insn.exec(m, insn)).toThrow(
        `instruction 'fninit' at 0x${at.toString(16)} is not modelled`,
      );
    }
  });
});

describe('the decoded-code cache', () => {
  it('holds at most its page limit, dropping the oldest page', () => {
    const c = new CodeCache(2);
    c.set(1, []);
    c.set(2, []);
    c.set(1, []);
    c.set(3, []);
    expect([...c.keys()]).toEqual([2, 3]);
    expect(MAX_CODE_PAGES).toBeGreaterThanOrEqual(64);
  });
});
