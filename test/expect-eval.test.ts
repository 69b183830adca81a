import { describe as group, expect, it } from 'vitest';
import { evaluate, parseAssertion, type EvalContext, type EvalResult } from '../src/model/expect/index.ts';
import { SparseMemory } from '../src/runner/memory.ts';
import type { RunResult, TraceStep } from '../src/runner/types.ts';
import type { CpuState } from '../src/x86/registers.ts';
import { BASELINE, baselineWorld, cloneState } from '../src/runner/world.ts';

const CP = 0x200000n; // a symbol: the control page
const SRC = 0x300000n;
const DST = 0x301000n;

/**
 * A run that "happened" on the baseline world: the final state and memory are the initial ones edited by
 * `change`, so each test states exactly what the code under test did.
 */
function context(
  change: (final: CpuState, mem: SparseMemory) => void = () => {},
  extra: { undefinedFlags?: bigint; trace?: TraceStep[] } = {},
): EvalContext {
  const w = baselineWorld();
  const initialMem = new SparseMemory(w.ram);
  for (const c of w.image) initialMem.write(c.addr, c.bytes);
  initialMem.write(SRC, new Uint8Array(4096).fill(0xab));
  const finalMem = initialMem.clone();
  const state = cloneState(w.state);
  change(state, finalMem);
  const final: RunResult = {
    engine: 'interp',
    stop: { reason: 'until', rip: state.rip, message: 'reached the stop address' },
    state,
    memory: finalMem,
    undefinedFlags: extra.undefinedFlags ?? 0n,
    ports: [],
    serial: '',
    events: [],
    ...(extra.trace ? { trace: extra.trace } : {}),
  };
  return {
    final,
    initial: { state: w.state, memory: initialMem },
    symbols: { cp: CP, src0: SRC, dst0: DST },
  };
}

function run(line: string, ctx: EvalContext): EvalResult {
  const p = parseAssertion(line);
  if (!p.ok || !p.assertion) throw new Error(`${line}: ${p.ok ? 'empty' : p.error.message}`);
  return evaluate(p.assertion, ctx);
}

group('comparisons', () => {
  it('compares registers and renders actual and expected', () => {
    const ctx = context((s) => {
      s.gpr.rax = 5n;
    });
    expect(run('rax == 5', ctx)).toEqual({
      held: true,
      actual: '0x5',
      expected: '0x5',
      reads: { rax: 5n },
      relative: false,
    });
    expect(run('rax == 0', ctx)).toMatchObject({ held: false, actual: '0x5', expected: '0x0' });
    expect(run('rax < 0x10', ctx)).toMatchObject({ held: true, expected: '< 0x10' });
    expect(run('rax >= 6', ctx)).toMatchObject({ held: false, actual: '0x5', expected: '>= 0x6' });
  });

  it('shows bit names for control registers on both sides', () => {
    const ctx = context((s) => {
      s.cr0 = 0x80050033n;
    });
    expect(run('cr0 == 0x80000033', ctx)).toMatchObject({
      held: false,
      actual: '0x80050033 (PG|AM|WP|NE|ET|MP|PE)',
      expected: '0x80000033 (PG|NE|ET|MP|PE)',
    });
    expect(run('cr0 & CR0_WP == 0', ctx)).toMatchObject({
      held: false,
      actual: '0x10000 (from cr0 = 0x80050033 (PG|AM|WP|NE|ET|MP|PE))',
      expected: '0x0',
    });
    expect(run('cr0 == CR0_PG | CR0_PE', ctx)).toMatchObject({ held: false, expected: '0x80000001 (PG|PE)' });
    expect(run('cr0.WP == 0', ctx)).toMatchObject({ held: false, actual: '0x1', reads: { 'cr0.WP': 1n } });
    expect(run('cr0.PG == 1', ctx).held).toBe(true);
  });

  it('computes modulo 2^64', () => {
    const ctx = context((s) => {
      s.gpr.rax = 0xffff_ffff_ffff_ffffn;
    });
    expect(run('rax + 1 == 0', ctx).held).toBe(true);
    expect(run('0 - 1 == rax', ctx).held).toBe(true);
    expect(run('~0 == rax', ctx).held).toBe(true);
    expect(run('rax << 63 == 1 << 63', ctx).held).toBe(true);
    expect(run('rax >> 64 == 0', ctx).held).toBe(true);
    expect(run('rax * 2 == 0xffff_ffff_ffff_fffe', ctx).held).toBe(true);
  });

  it('checks half-open ranges', () => {
    const ctx = context((s) => {
      s.gpr.rsp = CP + 0x1000n - 8n;
    });
    expect(run('rsp in [cp, cp + PAGE_SIZE)', ctx)).toMatchObject({
      held: true,
      actual: '0x200ff8',
      expected: 'in [0x200000, 0x201000)',
    });
    expect(run('rsp in [cp, cp + 0xff8)', ctx).held).toBe(false);
  });

  it('reads segment fields, decoded access rights and descriptor tables', () => {
    const ctx = context();
    expect(run('cs.selector == BOOT_CS', ctx).held).toBe(true);
    expect(run('cs.l == 1', ctx).held).toBe(true);
    expect(run('cs.db == 0', ctx).held).toBe(true);
    expect(run('cs.type == 0xb', ctx).held).toBe(true); // execute/read, accessed
    expect(run('cs.dpl == 0', ctx).held).toBe(true);
    expect(run('ds.s == 1', ctx).held).toBe(true);
    expect(run('ds.db == 1', ctx).held).toBe(true);
    expect(run('ds.g == 1', ctx).held).toBe(true);
    expect(run('ss.p == 1', ctx).held).toBe(true);
    expect(run('ldtr.unusable == 1', ctx).held).toBe(true);
    expect(run('ds.limit == 0xffffffff', ctx).held).toBe(true);
    expect(run(`gdtr.base == ${BASELINE.gdt}`, ctx).held).toBe(true);
    expect(run('gdtr.limit == 0x1f', ctx)).toMatchObject({ held: true, reads: { 'gdtr.limit': 0x1fn } });
    expect(run('idtr.limit == 0', ctx).held).toBe(true);
  });

  it('reads MSRs, with EFER as msr[MSR_EFER]', () => {
    const ctx = context((s) => {
      s.msr.set(0x277, 0x0007040600070406n);
    });
    expect(run('msr[MSR_PAT] == 0x0007040600070406', ctx)).toMatchObject({
      held: true,
      reads: { 'msr.0x277': 0x0007040600070406n },
    });
    expect(run('msr[0xc0000080] == EFER_LME | EFER_LMA', ctx)).toMatchObject({
      held: true,
      reads: { efer: 0x500n },
    });
    expect(run('msr[0x1b] == 0', ctx)).toMatchObject({
      held: false,
      message: 'msr[0x1b] is not part of the final state (no engine or world set it)',
    });
  });

  it('fails a line naming a symbol the world does not define, with a suggestion', () => {
    expect(run('rsi == cpp', context())).toEqual({
      held: false,
      error: true,
      column: 8,
      message: "unknown name 'cpp'; did you mean 'cp'?",
      reads: { rsi: 0n },
      relative: false,
    });
  });
});

group('initial values', () => {
  it('compares with the state on entry and marks the line relative', () => {
    const ctx = context((s) => {
      s.gpr.rbx = 7n;
      s.gpr.rdx = 0n;
    });
    ctx.initial.state.gpr.rdx = 0x1234n;
    expect(run('rbx unchanged', ctx)).toEqual({
      held: false,
      actual: '0x7',
      expected: '0x0',
      reads: { rbx: 7n, 'initial.rbx': 0n },
      relative: true,
    });
    expect(run('rcx unchanged', ctx).held).toBe(true);
    expect(run('initial.rdx == 0x1234', ctx)).toMatchObject({
      held: true,
      relative: true,
      reads: { 'initial.rdx': 0x1234n },
    });
    expect(run('rdx == 0', ctx).relative).toBe(false);
  });
});

group('undefined flags', () => {
  // The code that ran: xor %eax,%eax; nop (the trace's text, the bytes in memory).
  const xor: TraceStep = { rip: 0x100010n, text: 'xor %eax,%eax', changed: { rax: 0n, rflags: 0x46n } };
  const ctx = () =>
    context(
      (s, m) => {
        s.rflags = 0x46n;
        m.write(0x100010n, new Uint8Array([0x31, 0xc0, 0x90]));
      },
      { undefinedFlags: 0x10n, trace: [xor, { rip: 0x100012n, text: 'nop', changed: {} }] },
    );

  it('names the last instruction that wrote the flag, even when it changed no value', () => {
    const c = context(
      (s, m) => {
        s.rflags = 0x46n;
        m.write(0x100010n, new Uint8Array([0x31, 0xc0, 0x31, 0xdb, 0x90]));
      },
      {
        undefinedFlags: 0x10n,
        trace: [
          xor,
          { rip: 0x100012n, text: 'xor %ebx,%ebx', changed: { rbx: 0n } },
          { rip: 0x100014n, text: 'nop', changed: {} },
        ],
      },
    );
    expect(run('rflags.AF == 0', c).message).toBe(
      'rflags.AF is architecturally undefined after `xor %ebx,%ebx` at 0x100012; declare it `undefined`',
    );
  });

  it('refuses to read an undefined flag, naming the instruction that left it so', () => {
    expect(run('rflags.AF == 0', ctx())).toEqual({
      held: false,
      error: true,
      column: 1,
      message:
        'rflags.AF is architecturally undefined after `xor %eax,%eax` at 0x100010; declare it `undefined`',
      reads: {},
      relative: false,
    });
  });

  it('refuses a whole-RFLAGS comparison that depends on it, and accepts it masked out', () => {
    expect(run('rflags == 0x46', ctx())).toMatchObject({
      held: false,
      error: true,
      message:
        'rflags.AF is architecturally undefined after `xor %eax,%eax` at 0x100010; the left side depends on it: mask it out with `& ~RFLAGS_AF`',
    });
    expect(run('rflags & ~RFLAGS_AF == 0x46', ctx())).toMatchObject({ held: true, reads: { rflags: 0x46n } });
    expect(run('rflags | RFLAGS_AF == 0x56', ctx()).held).toBe(true);
    expect(run('rflags & RFLAGS_IF == 0', ctx()).held).toBe(true);
    expect(run('(rflags >> 4) & 1 == 0', ctx()).error).toBe(true);
    expect(run('(rflags + 0) & RFLAGS_ZF == RFLAGS_ZF', ctx()).error).toBe(true);
    expect(run('rflags.ZF == 1', ctx()).held).toBe(true);
    expect(run('initial.rflags == 0x2', ctx()).held).toBe(true);
  });

  it('says which instruction when there is no trace', () => {
    const c = context(() => {}, { undefinedFlags: 0x11n });
    expect(run('rflags == 2', c).message).toBe(
      'rflags.CF, rflags.AF are architecturally undefined after the last instruction that wrote the flags; the left side depends on them: mask them out with `& ~(RFLAGS_CF | RFLAGS_AF)`',
    );
  });

  it('compares only the defined flags for `rflags unchanged`', () => {
    const c = context(
      (s) => {
        s.rflags = 0x12n; // AF set by the run, undefined
      },
      { undefinedFlags: 0x10n },
    );
    expect(run('rflags unchanged', c)).toMatchObject({
      held: true,
      actual: '0x12 (AF)',
      expected: '0x2',
      message: 'compared without the undefined bits 0x10 (AF)',
      reads: { rflags: 0x2n, 'initial.rflags': 0x2n },
    });
  });

  it('does not evaluate `undefined` lines', () => {
    expect(run('rflags.AF undefined', ctx())).toEqual({
      held: true,
      message: 'documented as undefined; not checked',
      reads: {},
      relative: false,
    });
  });
});

group('memory', () => {
  it('reads sized little-endian values at linear addresses', () => {
    const ctx = context((s, m) => {
      s.gpr.rsp = CP + 0xff8n;
      m.writeU64(CP + 0xff8n, 0x1122334455667788n);
    });
    expect(run('qword [rsp] == 0x1122334455667788', ctx)).toMatchObject({
      held: true,
      reads: { rsp: CP + 0xff8n, 'qword [0x200ff8]': 0x1122334455667788n },
    });
    expect(run('dword [rsp + 4] == 0x11223344', ctx).held).toBe(true);
    expect(run('word [rsp] == 0x7788', ctx).held).toBe(true);
    expect(run('byte [rsp + 7] == 0x11', ctx).held).toBe(true);
    expect(run('qword [rsp] unchanged', ctx)).toMatchObject({
      held: false,
      actual: '0x1122334455667788',
      expected: '0x0',
    });
  });

  it('translates through the final page tables, and initial reads through the initial ones', () => {
    // The code under test remapped linear [2 MiB, 4 MiB) to physical [6 MiB, 8 MiB).
    const ctx = context((_s, m) => {
      m.writeU64(0x3008n, 0x600000n | 0x83n); // PD entry 1: 2 MiB page, present, writable
      m.writeU64(0x600000n + 0x10n, 0xfeedn);
    });
    expect(run('qword [0x200010] == 0xfeed', ctx).held).toBe(true);
    expect(run('initial.qword [0x200010] == 0', ctx).held).toBe(true);
    expect(run('identity_mapped(cp, PAGE_SIZE)', ctx)).toMatchObject({
      held: false,
      message: 'identity_mapped(0x200000, 0x1000) is false: linear 0x200000 maps to physical 0x600000',
      reads: { 'identity_mapped(0x200000, 0x1000)': 0n },
    });
    expect(run('initial.identity_mapped(cp, PAGE_SIZE)', ctx)).toMatchObject({ held: true, relative: true });
  });

  it('fails naming the address when memory is unmapped, outside RAM or not canonical', () => {
    const ctx = context();
    expect(run('qword [0x40000000] == 0', ctx)).toMatchObject({
      held: false,
      message:
        'qword [0x40000000]: linear 0x40000000 is not mapped (page walk fails with #PF error code 0x0)',
    });
    expect(run('qword [0x5000000] == 0', ctx)).toMatchObject({
      held: false,
      message: "qword [0x5000000]: linear 0x5000000 is physical 0x5000000, outside the world's RAM",
    });
    expect(run('byte [0x8000000000000000] == 0', ctx)).toMatchObject({
      held: false,
      message: 'byte [0x8000000000000000]: linear 0x8000000000000000 is not canonical',
    });
    // A read that crosses out of RAM names the first byte that is not there.
    expect(run('qword [0x3fffffc] == 0', ctx).message).toBe(
      "qword [0x3fffffc]: linear 0x4000000 is physical 0x4000000, outside the world's RAM",
    );
    expect(run('qword [0x5000000] == 0', ctx).error).toBeUndefined();
  });

  it('compares whole pages', () => {
    const ctx = context((_s, m) => {
      m.write(DST, new Uint8Array(4096).fill(0xab));
    });
    expect(run('page [dst0] == initial.page [src0]', ctx)).toMatchObject({ held: true, relative: true });
    expect(run('page [src0] == 0xab', ctx).held).toBe(true);
    expect(run('page [dst0 + PAGE_SIZE] == 0', ctx).held).toBe(true);
    const bad = context((_s, m) => {
      m.write(DST, new Uint8Array(4096).fill(0xab));
      m.write(DST + 0x18n, new Uint8Array([0]));
    });
    expect(run('page [dst0] == page [src0]', bad)).toMatchObject({
      held: false,
      message: 'the pages differ: first difference at offset 0x18: 0x0 vs 0xab',
    });
    expect(run('page [dst0] != page [src0]', bad).held).toBe(true);
    expect(run('page [dst0] == 0x100', bad)).toMatchObject({
      held: false,
      error: true,
      message: 'a page compares with another page or with a byte value (every byte equal to it)',
    });
    expect(Object.keys(run('page [dst0] == page [src0]', bad).reads)).toEqual([
      'page [0x301000]',
      'page [0x300000]',
    ]);
  });

  it('checks mappings with predicates', () => {
    const ctx = context();
    expect(run('mapped(0x3fffffff)', ctx)).toMatchObject({ held: true, reads: { 'mapped(0x3fffffff)': 1n } });
    expect(run('mapped(0x40000000)', ctx)).toMatchObject({
      held: false,
      message:
        'mapped(0x40000000) is false: linear 0x40000000 is not mapped (page walk fails with #PF error code 0x0)',
    });
    expect(run('identity_mapped(0, 0x4000000)', ctx).held).toBe(true);
    expect(run('identity_mapped(0x3ffff000, 0x2000)', ctx).held).toBe(false);
    expect(run('identity_mapped(0x1234, 0)', ctx).held).toBe(true);
    expect(run('mapped(cp) == 1', ctx).held).toBe(true);
  });

  it('checks identity mappings page by page through 4 KiB, 2 MiB and whole-GiB ranges', () => {
    // The code under test split [2 MiB, 4 MiB) into 4 KiB pages, all identity but 0x205000.
    const PT = 0x10000n;
    const ctx = context((_s, m) => {
      for (let i = 0n; i < 512n; i++) m.writeU64(PT + i * 8n, (0x200000n + i * 0x1000n) | 3n);
      m.writeU64(PT + 5n * 8n, 0x900000n | 3n);
      m.writeU64(0x3008n, PT | 3n); // PD entry 1 -> the page table
    });
    expect(run('identity_mapped(0x200000, 0x5000)', ctx).held).toBe(true);
    expect(run('identity_mapped(0x200000, 0x10000)', ctx).message).toBe(
      'identity_mapped(0x200000, 0x10000) is false: linear 0x205000 maps to physical 0x900000',
    );
    expect(run('identity_mapped(0x206000, 0x1fa000)', ctx).held).toBe(true);
    expect(run('identity_mapped(0, 0x40000000)', context()).held).toBe(true);
    expect(run('identity_mapped(0x3ffff000, 0x2000)', context()).message).toBe(
      'identity_mapped(0x3ffff000, 0x2000) is false: linear 0x40000000 is not mapped (page walk fails with #PF error code 0x0)',
    );
  });
});
