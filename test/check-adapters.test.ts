// Caller adapters: recognition by symbols, what each does before the jump, and every fixture run in
// its stage's world from spec/ on the interpreter and on KVM, judged clause by clause: a conforming
// fixture holds every checked clause, a violating one fails exactly the clauses it names.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdapterError } from '../src/check/adapter.ts';
import { adapterById, candidates, pickAdapter } from '../src/check/adapters/index.ts';
import { FREEBSD_LAYOUT, segmentsOfList } from '../src/check/adapters/freebsd.ts';
import { objectWorld, planObject, runObjectInStage, type ObjectRun } from '../src/check/run.ts';
import { engineAvailability } from '../src/runner/engines.ts';
import { readObject, type RelObject } from '../src/runner/object/index.ts';
import { stateItems } from '../src/x86/items.ts';
import type { EngineName } from '../src/runner/types.ts';
import {
  CASES,
  buildFixture,
  failing,
  judge,
  specStage,
  type Case,
  type SpecStage,
  violatesByDefault,
} from './check-helpers.ts';

const objects = new Map<string, RelObject>();
function fixtureObject(name: string): RelObject {
  let o = objects.get(name);
  if (!o) {
    o = readObject(buildFixture(name), `${name}.o`);
    objects.set(name, o);
  }
  return o;
}

let k2p: SpecStage;
let p2k: SpecStage;
beforeAll(async () => {
  [k2p, p2k] = await Promise.all([specStage('k2p'), specStage('p2k')]);
});
const stageOf = (c: { stage: string }) => (c.stage === 'k2p' ? k2p : p2k);

const u64 = (b: Uint8Array, at = 0) => new DataView(b.buffer, b.byteOffset).getBigUint64(at, true);
const write = (run: ObjectRun, what: RegExp) => {
  const m = run.setup.memory.find((w) => what.test(w.what));
  if (!m) throw new Error(`no write matches ${what}: ${run.setup.memory.map((w) => w.what).join('; ')}`);
  return m;
};

describe('recognition by symbols', () => {
  for (const c of CASES)
    it(`${c.fixture} is ${c.impl}`, () => {
      expect(pickAdapter(fixtureObject(c.fixture)).id).toBe(c.impl);
      expect(pickAdapter(fixtureObject(c.fixture), { stage: c.stage }).id).toBe(c.impl);
    });

  it('resolves the linux variants the symbols cannot tell apart to the family default', () => {
    expect(candidates(fixtureObject('linux-conforming')).map((a) => a.id)).toEqual(['linux', 'linux-6.14']);
  });

  it('takes --impl as an override, checked against the stage', () => {
    expect(pickAdapter(fixtureObject('linux-conforming'), { impl: 'linux-6.14' }).id).toBe('linux-6.14');
    expect(() => pickAdapter(fixtureObject('linux-conforming'), { impl: 'xen', stage: 'p2k' })).toThrow(
      /--impl xen runs in the k2p stage, not p2k/,
    );
    expect(() => adapterById('bsd')).toThrow(/unknown implementation 'bsd' \(known: linux, linux-6\.14/);
  });

  it('says what an unrecognised object defines and how to choose', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kexec-adapt-'));
    try {
      writeFileSync(join(dir, 'x.s'), '\t.globl my_trampoline\nmy_trampoline:\tret\n');
      execFileSync('as', ['--64', '-o', join(dir, 'x.o'), join(dir, 'x.s')]);
      const obj = readObject(new Uint8Array(readFileSync(join(dir, 'x.o'))), 'x.o');
      expect(() => pickAdapter(obj)).toThrow(
        /x\.o: no caller adapter recognises this object \(it defines my_trampoline\); name one with --impl/,
      );
      expect(pickAdapter(obj, { impl: 'plain' }).id).toBe('plain');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not fooled by a purgatory in a k2p world', () => {
    expect(() => pickAdapter(fixtureObject('kexec-tools-conforming'), { stage: 'k2p' })).toThrow(
      /no caller adapter/,
    );
  });
});

describe('what each caller does before the jump', () => {
  const run = (fixture: string, stage: SpecStage, stageId: string, impl?: string) =>
    runObjectInStage({
      object: fixtureObject(fixture),
      given: stage.given,
      stage: stageId,
      engine: 'interp',
      seeds: [1],
      ...(impl ? { impl } : {}),
    });

  it('linux: copies the bracketed range to the control page, fills the variables, calls relocate_kernel there', async () => {
    const r = await run('linux-conforming', k2p, 'k2p');
    const s = k2p.given.symbols;
    const { linked } = r.plan;
    expect(r.setup.entry).toBe(s.control_page);
    expect(linked.symbols.__relocate_kernel_start).toBe(s.control_page);
    expect(write(r, /copied into the control page/).bytes.length).toBe(linked.bytes.length);
    expect(u64(write(r, /^kexec_pa_table_page/).bytes)).toBe(s.pgt);
    expect(u64(write(r, /^kexec_va_control_page/).bytes)).toBe(s.control_page);
    expect(u64(write(r, /^kexec_pa_swap_page/).bytes)).toBe(s.swap_page);
    expect(r.setup.state).toMatchObject({ rdi: s.ind0! | 2n, rsi: s.control_page, rdx: s.entry, rcx: 0n });
    expect(r.setup.state.rflags! & 0x200n).toBe(0n);
    expect(r.setup.state.r8).toBeUndefined();
    // The kernel symbol the preserve-context path names is supplied by the adapter, not left undefined.
    expect(Object.keys(linked.externsUsed)).toEqual(['saved_context']);
  });

  it('plain: no caller, the object entered at _start in the stage world (a preserve-context callee)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kexec-plain-'));
    try {
      writeFileSync(join(dir, 'callee.s'), '\t.text\n\t.globl _start\n_start:\tret\n');
      execFileSync('as', ['--64', '-o', join(dir, 'callee.o'), join(dir, 'callee.s')]);
      const object = readObject(new Uint8Array(readFileSync(join(dir, 'callee.o'))), 'callee.o');
      expect(() => pickAdapter(object, { stage: 'pcx' })).toThrow(/no caller adapter/);
      const pcx = await specStage('pcx');
      const r = await runObjectInStage({
        object,
        given: pcx.given,
        stage: 'pcx',
        impl: 'plain',
        engine: 'interp',
      });
      expect(r.setup.entry).toBe(pcx.given.symbols.entry);
      expect(failing(judge(r.runs, pcx.clauses))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('linux-6.14: the same, with host_mem_enc_active = 0 in %r8', async () => {
    const r = await run('linux-conforming', k2p, 'k2p', 'linux-6.14');
    expect(r.setup.state.r8).toBe(0n);
    expect(failing(judge(r.runs, k2p.clauses))).toEqual([]);
  });

  it('linux: fills kexec_debug_idt with 16 trap gates to the exception stubs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kexec-idt-'));
    try {
      writeFileSync(
        join(dir, 'idt.s'),
        [
          '\t.section .data..relocate_kernel, "aw"',
          '\t.globl kexec_pa_table_page, kexec_debug_idt',
          'kexec_pa_table_page: .quad 0',
          'kexec_debug_idt: .skip 0x100',
          '\t.section .text..relocate_kernel, "ax"',
          '\t.globl relocate_kernel, kexec_debug_exc_vectors',
          'relocate_kernel: hlt',
          '\t.balign 16',
          'kexec_debug_exc_vectors: .skip 96, 0x90',
        ].join('\n') + '\n',
      );
      execFileSync('as', ['--64', '-o', join(dir, 'idt.o'), join(dir, 'idt.s')]);
      const obj = readObject(new Uint8Array(readFileSync(join(dir, 'idt.o'))), 'idt.o');
      const plan = planObject(obj, k2p.given, 'k2p');
      const { setup } = objectWorld(
        plan,
        k2p.given,
        [{ bytes: new Uint8Array([0xf4]) }, { bytes: new Uint8Array([0xf4]) }],
        1,
      );
      const idt = setup.memory.find((m) => m.what.startsWith('kexec_debug_idt'))!;
      expect(idt.addr).toBe(plan.linked.symbols.kexec_debug_idt);
      const v = new DataView(idt.bytes.buffer);
      const vectors = plan.linked.symbols.kexec_debug_exc_vectors!;
      for (let i = 0; i < 16; i++) {
        const target = BigInt(v.getUint16(16 * i, true)) | (BigInt(v.getUint16(16 * i + 6, true)) << 16n);
        expect(target).toBe(vectors + BigInt(6 * i));
        expect(v.getUint16(16 * i + 2, true)).toBe(0x10);
        expect(v.getUint16(16 * i + 4, true)).toBe(0x8f00);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('linux-legacy: page_list[] on the caller stack, GDTR and IDTR emptied, 2048 bytes copied', async () => {
    const r = await run('linux-legacy-conforming', k2p, 'k2p');
    const s = k2p.given.symbols;
    const list = write(r, /^page_list/);
    expect(r.setup.state.rsi).toBe(list.addr);
    expect([0, 8, 16, 24].map((o) => u64(list.bytes, o))).toEqual([
      s.control_page,
      s.control_page,
      s.pgt,
      s.swap_page,
    ]);
    expect(r.setup.state.rsp).toBe(list.addr - 8n);
    expect(write(r, /2048 bytes/).bytes.length).toBe(2048);
    expect(r.setup.state).toMatchObject({ 'gdtr.limit': 0n, 'idtr.limit': 0n, rdx: s.entry, rcx: 0n });
    const final = stateItems(r.runs[0]!.result.state);
    expect(final['gdtr.limit']).toBe(0n);
  });

  it('linux-2.6.16: the page table in %rcx and relocate_new_kernel_size bytes copied', async () => {
    const r = await run('linux-2.6.16-conforming', k2p, 'k2p');
    const s = k2p.given.symbols;
    expect(r.setup.state).toMatchObject({ rdi: s.ind0! | 2n, rsi: s.control_page, rdx: s.entry, rcx: s.pgt });
    const code = write(r, /control code buffer/);
    const sym = r.plan.linked.symbols;
    expect(BigInt(code.bytes.length)).toBe(sym.relocate_new_kernel_end! - sym.relocate_new_kernel!);
    const low = write(r, /low half/);
    expect(low.addr).toBe(s.kpgt);
    expect(u64(low.bytes)).toBe(0x2003n); // the identity table's first entry
  });

  it('xen: code page, page table, untagged list page, entry and flags in its own order', async () => {
    const r = await run('xen-conforming', k2p, 'k2p');
    const s = k2p.given.symbols;
    expect(r.setup.state).toMatchObject({
      rdi: s.control_page,
      rsi: s.pgt,
      rdx: s.ind0,
      rcx: s.entry,
      r8: 0n,
    });
    expect(r.setup.entry).toBe(s.control_page);
    expect(r.plan.linked.symbols.kexec_reloc_end).toBe(
      s.control_page! + BigInt(write(r, /kexec_reloc copied/).bytes.length),
    );
  });

  it('freebsd: the indirection list as staged segments in struct kexec_image', async () => {
    const r = await run('freebsd-conforming', k2p, 'k2p');
    const s = k2p.given.symbols;
    const image = write(r, /^struct kexec_image/);
    expect(image.addr).toBe(r.plan.linked.symbols.kexec_saved_image);
    expect(image.what).toMatch(/2 segments/);
    const seg = (i: number, field: number) => u64(image.bytes, i * FREEBSD_LAYOUT.STAGE_SIZE + field);
    expect([
      seg(0, FREEBSD_LAYOUT.SEG_TARGET),
      seg(0, FREEBSD_LAYOUT.SEG_MAP),
      seg(0, FREEBSD_LAYOUT.SEG_SIZE),
    ]).toEqual([s.dst0, s.src0, 0x2000n]);
    expect([
      seg(1, FREEBSD_LAYOUT.SEG_TARGET),
      seg(1, FREEBSD_LAYOUT.SEG_MAP),
      seg(1, FREEBSD_LAYOUT.SEG_SIZE),
    ]).toEqual([s.entry, s.src2, 0x1000n]);
    expect(u64(image.bytes, FREEBSD_LAYOUT.IMAGE_ENTRY)).toBe(s.entry);
    expect(r.setup.entry).toBe(r.plan.linked.symbols.kexec_do_reboot_trampoline);
    expect(r.setup.state).toMatchObject({ rdi: s.pgt, rsi: s.control_page });
  });

  it('freebsd: refuses a list it cannot stage', () => {
    const mem = new Map<bigint, bigint>([[0x1000n, 0x5000n | 1n]]);
    expect(() => segmentsOfList(0x1000n | 2n, (a) => mem.get(a) ?? 0n, 100)).toThrow(
      /no IND_DONE within 100 entries/,
    );
    expect(() => segmentsOfList(0x5000n | 8n, () => 0n)).toThrow(/does not start with an IND_INDIRECTION/);
  });

  it('purgatories: entry64_regs filled in each loader order, cmdline_end for kexec-tools', async () => {
    const s = p2k.given.symbols;
    const kt = await run('kexec-tools-conforming', p2k, 'p2k');
    const ktRegs = write(kt, /^entry64_regs/).bytes;
    const stackEnd = kt.plan.linked.symbols.stack_end!;
    expect([0x08, 0x20, 0x30, 0x80].map((o) => u64(ktRegs, o))).toEqual([
      0n,
      s.boot_params,
      stackEnd,
      s.kernel_entry,
    ]);
    expect(u64(write(kt, /^cmdline_end/).bytes)).toBe(s.cmdline! + 13n);
    expect(kt.setup.entry).toBe(kt.plan.linked.symbols.purgatory_start);
    // NOBITS last: the stack follows text and data.
    expect(stackEnd).toBe(kt.plan.linked.base + BigInt(kt.plan.linked.bytes.length));

    const lp = await run('linux-purgatory-conforming', p2k, 'p2k');
    const lpRegs = write(lp, /^entry64_regs/).bytes;
    const lpStack = lp.plan.linked.symbols.stack_end!;
    expect([0x18, 0x20, 0x30, 0x80].map((o) => u64(lpRegs, o))).toEqual([
      0n,
      lpStack,
      s.boot_params,
      s.kernel_entry,
    ]);
  });

  it('names a symbol the world lacks', () => {
    const bare = { ...k2p.given, symbols: { ...k2p.given.symbols } };
    delete bare.symbols.pgt;
    const plan = planObject(fixtureObject('linux-conforming'), bare, 'k2p');
    expect(() =>
      objectWorld(plan, bare, [{ bytes: new Uint8Array([0xf4]) }, { bytes: new Uint8Array([0xf4]) }], 1),
    ).toThrow(AdapterError);
    expect(() =>
      objectWorld(plan, bare, [{ bytes: new Uint8Array([0xf4]) }, { bytes: new Uint8Array([0xf4]) }], 1),
    ).toThrow(/the k2p world defines no symbol 'pgt', which the linux adapter needs/);
  });
});

async function engineOk(engine: EngineName): Promise<boolean> {
  const a = await engineAvailability(engine);
  if (!a.ok) console.warn(`check-adapters: skipping the ${engine} runs: ${a.reason}`);
  return a.ok;
}

for (const engine of ['interp', 'kvm'] as const) {
  describe(`every fixture in its stage's world (${engine})`, async () => {
    const available = await engineOk(engine);
    for (const c of CASES) {
      it.skipIf(!available)(
        `${c.fixture} ${violatesByDefault(c).length ? `fails exactly ${violatesByDefault(c).join(', ')}` : 'holds every clause'} (default caller state)`,
        async () => {
          const stage = stageOf(c);
          const r = await runObjectInStage({
            object: fixtureObject(c.fixture),
            given: stage.given,
            stage: c.stage,
            engine,
          });
          expect(r.plan.adapter.id).toBe(c.impl);
          expect(r.runs.map((x) => x.result.stop.reason)).toEqual(r.runs.map(() => 'until'));
          expect(failing(judge(r.runs, stage.clauses))).toEqual([...violatesByDefault(c)].sort());
          checkState(c, r);
        },
      );
    }
  });
}

/** The final state the clauses describe, asserted directly (the deviation itself for violating ones). */
function checkState(c: Case, r: ObjectRun): void {
  const s = c.stage === 'k2p' ? k2p.given.symbols : p2k.given.symbols;
  for (const run of r.runs) {
    const f = stateItems(run.result.state);
    const top = run.result.memory.readU64(f.rsp!);
    const nonzero = Object.entries(f)
      .filter(([k, v]) => /^r(ax|bx|cx|dx|si|di|bp|8|9|1[0-5])$/.test(k) && v !== 0n)
      .map(([k]) => k);
    switch (c.fixture) {
      case 'linux-conforming':
      case 'linux-legacy-conforming':
      case 'linux-2.6.16-conforming':
      case 'freebsd-conforming':
        expect(nonzero).toEqual([]);
        expect(f.rsp).toBe(s.control_page! + 0xff8n);
        expect(top).toBe(0n);
        break;
      case 'xen-conforming':
        expect(nonzero).toEqual([]);
        expect(top).toBe(0n);
        expect(f.rsp! > s.control_page! && f.rsp! < s.control_page! + 0x1000n).toBe(true);
        break;
      case 'linux-violating':
      case 'linux-2.6.16-violating':
        expect(nonzero).toEqual([]);
        expect(f.rsp).toBe(s.control_page! + 0x1000n); // [rsp] is the garbage page's first qword
        expect(top).not.toBe(0n);
        break;
      case 'linux-legacy-violating':
        expect(nonzero).toEqual(['r9', 'r10']);
        expect(f.r9).toBe(s.swap_page);
        expect(f.r10).toBe(s.swap_page);
        break;
      case 'xen-violating':
        // the call's return address: the ud2 after `call *%rbp`, in the copy
        expect(top > s.control_page! && top < s.control_page! + 0x1000n).toBe(true);
        expect(f.rbp).toBe(s.entry);
        break;
      case 'freebsd-violating':
        expect(f.cr0! & (1n << 16n)).not.toBe(0n); // WP as the kernel had it
        expect(f.rsp).toBe(s.control_page! + 0x1000n);
        break;
      case 'kexec-tools-conforming':
      case 'linux-purgatory-conforming':
        expect(f.rsi).toBe(s.boot_params);
        expect(f['cs.selector']).toBe(0x10n);
        expect(f['gdtr.limit']).toBe(0x1fn);
        break;
      case 'kexec-tools-violating':
        expect(f.rsi).toBe(r.plan.linked.symbols.stack_end);
        break;
      case 'linux-purgatory-violating':
        expect(f['gdtr.limit']).toBe(0n);
        break;
    }
  }
}

describe('the .S path end to end', () => {
  it('a kernel-style .S through cpp and as runs like its gcc -c object', async () => {
    const { assembleSource } = await import('../src/runner/object/index.ts');
    const built = await assembleSource('test/fixtures/check/linux-violating.S', {
      includes: ['test/fixtures/check/include'],
    });
    if (!built.ok) throw new Error(JSON.stringify(built.diagnostics));
    const object = readObject(built.bytes, 'test/fixtures/check/linux-violating.S');
    const r = await runObjectInStage({ object, given: k2p.given, stage: 'k2p', engine: 'interp' });
    expect(failing(judge(r.runs, k2p.clauses))).toEqual(['k2p.stack.return-zero']);
    // The instruction that leaves the stack one slot short is on the fixture's own line.
    const ret = r.runs[0]!.result.stop.rip;
    expect(ret).toBe(k2p.given.symbols.entry);
    const lines = [...r.plan.linked.lines.values()].map((l) => `${l.file}:${l.line}`);
    expect(lines).toContain(`test/fixtures/check/linux-violating.S:${lineOfPush()}`);
  });
});

function lineOfPush(): number {
  return (
    readFileSync('test/fixtures/check/linux-violating.S', 'utf8')
      .split('\n')
      .findIndex((l) => l === '\tpushq\t%rdx') + 1
  );
}
