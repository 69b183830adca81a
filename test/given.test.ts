import { describe as group, expect, it } from 'vitest';
import { buildWorld, collectSnippets } from '../src/harness/world.ts';
import {
  GivenBuildError,
  garbageInputs,
  parseGiven,
  untilAddress,
  untilRange,
  type GivenSpec,
} from '../src/model/given.ts';
import { hashName, seededBytes, seededValue, splitmix64 } from '../src/model/seeded.ts';
import { BASELINE } from '../src/runner/world.ts';

// The example of docs/reference/spec-format.md, with an asm block scalar and a code label added.
const K2P = `code: control_page            # where an example's code is loaded
symbols:
  control_page: 0x200000
  entry: 0x300000
  src0: 0x400000
  dst0: 0x500000
  ind: 0x600000
memory:
  - at: entry
    asm: hlt
  - at: src0
    fill: garbage
  - at: ind
    qwords: [dst0 | IND_DESTINATION, src0 | 8, IND_DONE, code.done]
  - at: entry + 0x100
    asm: |
      mov $1, %eax
      hlt
  - at: dst0
    fill: 0xcc
    size: 16
  - at: dst0 + 0x20
    bytes: "f4 90"
state:
  rdi: ind | 2
  rsi: control_page
  rdx: entry
  rcx: 0
  rsp: 0x7ff00
  r15: 0xffff_ffff_ffff_ffff
  cr0: 0x80050033
  cr4: 0x3006a0
  efer: 0xd01
  ds: 0
  ss: BOOT_DS
  msr.0x277: 0x0007040600070406
garbage: [rax, rbx, rbp, r8, r9, r10, r11, r12, r13, r14, rflags]
until: entry
seeds: 3
title: Kernel to purgatory
`;

function parsed(text: string): GivenSpec {
  const r = parseGiven(text);
  if (!r.given) throw new Error(JSON.stringify(r.errors));
  return r.given;
}

/** The errors of a block that must not parse, as "line:column message". */
function errors(text: string): string[] {
  const r = parseGiven(text);
  expect(r.given).toBeUndefined();
  return r.errors.map((e) => `${e.line}:${e.column} ${e.message}`);
}

const CODE = { bytes: new Uint8Array([0x90, 0x90, 0xf4]), symbols: { _start: 0x200001n, done: 0x200002n } };

group('seeded garbage', () => {
  it('is splitmix64, keyed by seed and input name', () => {
    // Reference output of splitmix64 seeded with 0 (Vigna's splitmix64.c).
    expect(splitmix64(0n).value).toBe(0xe220a8397b1dcdafn);
    expect(hashName('')).toBe(0xcbf29ce484222325n);
    expect(seededValue(1, 'rax')).toBe(seededValue(1, 'rax'));
    expect(seededValue(1, 'rax')).not.toBe(seededValue(2, 'rax'));
    expect(seededValue(1, 'rax')).not.toBe(seededValue(1, 'rbx'));
    const bytes = seededBytes(1, 'rax', 11);
    expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(seededValue(1, 'rax'));
    expect(seededBytes(1, 'rax', 11)).toEqual(bytes);
  });
});

group('parsing given blocks', () => {
  it('reads every field, keeping 64-bit values exact', () => {
    const g = parsed(K2P);
    expect(g.title).toBe('Kernel to purgatory');
    expect(g.code).toBe(0x200000n);
    expect(g.symbols).toEqual({
      control_page: 0x200000n,
      entry: 0x300000n,
      src0: 0x400000n,
      dst0: 0x500000n,
      ind: 0x600000n,
      code: 0x200000n,
    });
    expect(g.seeds).toBe(3);
    expect(g.memory.map((m) => [m.line, m.addr, m.content.kind, m.input])).toEqual([
      [9, 0x300000n, 'asm', undefined],
      [11, 0x400000n, 'garbage', 'memory[0x400000]'],
      [13, 0x600000n, 'qwords', undefined],
      [15, 0x300100n, 'asm', undefined],
      [19, 0x500000n, 'fill', undefined],
      [22, 0x500020n, 'bytes', undefined],
    ]);
    expect(g.state.map((s) => s.item)).toEqual([
      'rdi',
      'rsi',
      'rdx',
      'rcx',
      'rsp',
      'r15',
      'cr0',
      'cr4',
      'efer',
      'ds.selector',
      'ss.selector',
      'msr.0x277',
    ]);
    expect(g.garbage.map((x) => x.item)).toEqual([
      'rax',
      'rbx',
      'rbp',
      'r8',
      'r9',
      'r10',
      'r11',
      'r12',
      'r13',
      'r14',
      'rflags',
    ]);
    expect(g.garbage[0]).toEqual({ item: 'rax', line: 37, column: 11 });
    expect(g.until).toMatchObject({ text: 'entry', line: 38, column: 8 });
    expect(garbageInputs(g)).toEqual([...g.garbage.map((x) => x.item), 'memory[0x400000]']);
  });

  it('defaults code to the baseline load address and seeds to 4', () => {
    const g = parsed('state:\n  rax: 1\n');
    expect(g.code).toBe(BASELINE.code);
    expect(g.seeds).toBe(4);
    expect(g.symbols).toEqual({ code: BASELINE.code });
  });

  it('lets a symbol use the symbols before it', () => {
    const g = parsed('symbols:\n  a: 0x1000\n  b: a + PAGE_SIZE * 2\n');
    expect(g.symbols.b).toBe(0x3000n);
    expect(errors('symbols:\n  b: a + 1\n  a: 1\n')).toEqual(["2:6 symbol b: unknown name 'a'"]);
  });

  it('places assembly snippets on their Markdown lines', () => {
    const g = parsed(K2P);
    expect(collectSnippets(g, { file: 'spec/k2p.md', lineOffset: 100 })).toEqual([
      { source: 'hlt', base: 0x300000n, file: 'spec/k2p.md', lineOffset: 109 },
      { source: 'mov $1, %eax\nhlt\n', base: 0x300100n, file: 'spec/k2p.md', lineOffset: 116 },
    ]);
  });
});

group('given errors', () => {
  it('reports YAML syntax errors at their place', () => {
    expect(errors('state:\n  rax: [1\n')).toEqual([
      '3:1 YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(errors('seeds: 1\nseeds: 2\n')).toEqual(['2:1 YAML: Map keys must be unique']);
    expect(errors('- 1\n')).toEqual([
      '1:1 a given block is a YAML mapping (code:, symbols:, memory:, state: ...)',
    ]);
  });

  it('reports every problem with its line and column', () => {
    const text = [
      'code: 0x1000', // 1
      'symbols:', // 2
      '  rax: 1', // 3
      '  foo: bar + 1', // 4
      '  ok: 0x1', // 5
      'memory:', // 6
      '  - at: ok', // 7
      '    fill: 0x100', // 8
      '  - at: ok', // 9
      '    bytes: "f4 9"', // 10
      '  - at: ok + code.x', // 11
      '    asm: hlt', // 12
      '  - at: ok', // 13
      '    asm: hlt', // 14
      '    size: 4', // 15
      '  - fill: 0', // 16
      '  - at: ok', // 17
      '    qwords: 5', // 18
      'state:', // 19
      '  rdx: ok + cr0', // 20
      '  cr9: 1', // 21
      '  rbx: 5', // 22
      '  rsi: "ok +"', // 23
      'garbage: [cr0, rbx, xyz]', // 24
      'seedz: 3', // 25
      'until: oj', // 26
      'seeds: many', // 27
    ].join('\n');
    expect(errors(text)).toEqual([
      "3:3 symbol name 'rax' is taken by the language (an item, keyword or constant)",
      "4:8 symbol foo: unknown name 'bar'",
      "8:11 fill is 'garbage' or one byte value (0x00..0xff), not 0x100",
      `10:12 bytes: write two hex digits per byte separated by spaces, e.g. "f4 90" ('9' is not a byte)`,
      "11:14 at cannot use code labels ('code.x'): it is needed before the code is assembled",
      '15:5 size: only applies to fill (the length of asm is what it holds)',
      '16:5 a memory entry needs at: (its physical address)',
      '18:13 qwords must be a list, e.g. [dst0 | IND_DESTINATION, 0]',
      "20:13 state rdx: a given value cannot read CPU state or memory ('cr0')",
      "21:3 'cr9' is not a state item (rax..r15, rip, rflags, cr0, cr2, cr3, cr4, efer, msr.0xNNN, cs.selector, gdtr.base ...)",
      '23:13 state rsi: expected a value, found the end of the line',
      '24:11 garbage: cr0 cannot be garbage (allowed: general-purpose registers, rflags, cr2, msr.0xNNN, fs.base, gs.base)',
      '24:16 garbage: rbx is also set in state; an input is either given or garbage',
      "24:21 garbage: 'xyz' is not a state item (rax..r15, rip, rflags, cr0, cr2, cr3, cr4, efer, msr.0xNNN, cs.selector, gdtr.base ...)",
      "25:1 unknown key 'seedz'; did you mean 'seeds'?",
      "26:8 until: unknown name 'oj'; did you mean 'ok'?",
      "27:8 seeds must be a whole number from 1 to 64, not 'many'",
    ]);
  });

  it('refuses two contents in one memory entry and a state item set twice', () => {
    expect(errors('memory:\n  - at: 0\n    fill: 0\n    bytes: "00"\n')).toEqual([
      '2:5 a memory entry has one of asm, bytes, qwords, fill, not bytes and fill',
    ]);
    expect(errors('state:\n  cs: 0x10\n  cs.selector: 0x10\n')).toEqual(['3:3 cs.selector is set twice']);
  });
});

group('building worlds', () => {
  const g = parsed(K2P);
  const snippets = [{ bytes: new Uint8Array([0xf4]) }, { bytes: new Uint8Array([0xb8, 1, 0, 0, 0, 0xf4]) }];

  it('loads the code, the memory entries in order, and the state', () => {
    const w = buildWorld(g, CODE, 1, snippets);
    expect(w.state.rip).toBe(0x200001n);
    const chunks = w.image
      .slice(-7)
      .map((c) => [c.addr, Buffer.from(c.bytes.slice(0, 8)).toString('hex'), c.bytes.length]);
    expect(chunks).toEqual([
      [0x200000n, '9090f4', 3],
      [0x300000n, 'f4', 1],
      [0x400000n, Buffer.from(seededBytes(1, 'memory[0x400000]', 8)).toString('hex'), 4096],
      [0x600000n, '0100500000000000', 32],
      [0x300100n, 'b801000000f4', 6],
      [0x500000n, 'cccccccccccccccc', 16],
      [0x500020n, 'f490', 2],
    ]);
    const ind = w.image.find((c) => c.addr === 0x600000n)!;
    expect(new DataView(ind.bytes.buffer).getBigUint64(24, true)).toBe(0x200002n); // code.done
    expect(w.state.gpr.rdi).toBe(0x600002n);
    expect(w.state.gpr.r15).toBe(0xffff_ffff_ffff_ffffn);
    expect(w.state.cr4).toBe(0x3006a0n);
    expect(w.state.efer).toBe(0xd01n);
    expect(w.state.msr.get(0x277)).toBe(0x0007040600070406n);
    expect(w.symbols).toMatchObject({
      entry: 0x300000n,
      code: 0x200000n,
      'code._start': 0x200001n,
      'code.done': 0x200002n,
    });
    expect(untilAddress(g, w.symbols)).toBe(0x300000n);
  });

  it('loads a selector with its descriptor from the GDT, a null one as unusable', () => {
    const w = buildWorld(g, CODE, 1, snippets);
    expect(w.state.seg.ss).toEqual({ selector: 0x18, base: 0n, limit: 0xffffffff, attributes: 0xc093 });
    expect(w.state.seg.ds).toEqual({ selector: 0, base: 0n, limit: 0, attributes: 0x10000 });
  });

  it('draws garbage from the seed, one stream per input', () => {
    const a = buildWorld(g, CODE, 1, snippets);
    const b = buildWorld(g, CODE, 2, snippets);
    expect(a.state.gpr.rax).toBe(seededValue(1, 'rax'));
    expect(b.state.gpr.rax).toBe(seededValue(2, 'rax'));
    expect(a.state.rflags & ~0x8d5n).toBe(2n); // only status flags vary
    expect(buildWorld(g, CODE, 1, snippets).state).toEqual(a.state);
  });

  it('rebuilds a world where only one input takes another seed', () => {
    const a = buildWorld(g, CODE, 1, snippets);
    const onlyRbx = buildWorld(g, CODE, 1, snippets, { seedOf: { rbx: 2 } });
    expect(onlyRbx.state.gpr.rbx).toBe(seededValue(2, 'rbx'));
    expect({ ...onlyRbx.state.gpr, rbx: 0n }).toEqual({ ...a.state.gpr, rbx: 0n });
    const onlyMem = buildWorld(g, CODE, 1, snippets, { seedOf: { 'memory[0x400000]': 2 } });
    expect(onlyMem.state).toEqual(a.state);
    const page = onlyMem.image.find((c) => c.addr === 0x400000n)!;
    expect(page.bytes).toEqual(seededBytes(2, 'memory[0x400000]', 4096));
  });

  it('starts at the code base without _start, and fails naming the line when a label is missing', () => {
    const w = buildWorld(parsed('state:\n  rax: 1\n'), { bytes: new Uint8Array([0xf4]), symbols: {} }, 1, []);
    expect(w.state.rip).toBe(BASELINE.code);
    expect(w.state.gpr.rax).toBe(1n);
    expect(() => buildWorld(g, { bytes: CODE.bytes, symbols: {} }, 1, snippets)).toThrow(GivenBuildError);
    try {
      buildWorld(g, { bytes: CODE.bytes, symbols: {} }, 1, snippets);
    } catch (e) {
      expect(e).toMatchObject({
        line: 14,
        column: 58,
        message: "qwords: unknown name 'code.done' (the example defines no such label)",
      });
    }
  });
});

group('caller-state variants', () => {
  const BASE = `symbols:
  pt: 0x9000
state:
  cr4: 0x20
  efer: 0xd01
garbage: [rax]
`;
  it('defaults to one variant that changes nothing', () => {
    expect(parsed(BASE).variants).toEqual([{ name: 'default', state: [], memory: [], line: 0 }]);
  });

  it('lays a variant over the state and memory, and claims the CPUID features of its CR4', () => {
    const g = parsed(`${BASE}variants:
  plain:
  kernel:
    title: a kernel's CR4
    state:
      cr4: CR4_PAE | CR4_SMEP | CR4_LA57
      cr3: pt
    memory:
      - at: pt
        qwords: [0x1000 | 3]
`);
    expect(g.variants.map((v) => [v.name, v.title])).toEqual([
      ['plain', undefined],
      ['kernel', "a kernel's CR4"],
    ]);
    const plain = buildWorld(g, CODE, 1, []);
    expect(plain.state.cr4).toBe(0x20n);
    expect(plain.cpuid?.find((e) => e.leaf === 7)).toBeUndefined();
    const w = buildWorld(g, CODE, 1, [], { variant: g.variants[1]! });
    expect(w.state.cr4).toBe(0x101020n);
    expect(w.state.cr3).toBe(0x9000n);
    expect(w.state.efer).toBe(0xd01n); // not overridden
    expect(w.image.at(-1)).toMatchObject({ addr: 0x9000n });
    const leaf7 = (w.cpuid ?? []).find((e) => e.leaf === 7)!;
    expect(leaf7.ebx & (1 << 7)).not.toBe(0); // SMEP
    expect(leaf7.ecx & (1 << 16)).not.toBe(0); // LA57
    expect((w.cpuid ?? []).find((e) => e.leaf === 0)!.eax).toBe(7);
  });

  it('reports bad variants at their place', () => {
    expect(
      errors(`${BASE}variants:
  Bad_Name: {}
  ok:
    colour: red
    state:
      rax: 1
      nonsense: 2
    memory:
      - at: pt
        fill: garbage
`),
    ).toEqual([
      "8:3 variant name 'Bad_Name' must be lower-case letters, digits and '-'",
      "10:5 unknown variant key 'colour' (keys: title, state, memory, only)",
      '12:7 rax is garbage in this stage; a variant cannot set it',
      "13:7 'nonsense' is not a state item (rax..r15, rip, rflags, cr0, cr2, cr3, cr4, efer, msr.0xNNN, cs.selector, gdtr.base ...)",
      "15:9 a variant's memory holds bytes, qwords or a fill byte, not garbage",
    ]);
  });
});

group('variants for some examples only', () => {
  it('reads only: as a list of example names, placed', () => {
    const g = parsed('variants:\n  a:\n  b:\n    only: [xen, other]\n');
    expect(g.variants[1]!.only).toEqual({ names: ['xen', 'other'], line: 4, column: 11 });
    expect(errors('variants:\n  a:\n  b:\n    only: xen\n')).toEqual([
      '4:11 only is a list of example names, e.g. [xen-kexec-reloc]',
    ]);
  });
});

group('until_in', () => {
  it('reads a stop region, and refuses anything but two addresses', () => {
    const g = parsed('symbols:\n  k: 0x1000000\nuntil_in: [k, k + 0x800000]\n');
    expect(untilRange(g, g.symbols)).toEqual({ start: 0x1000000n, end: 0x1800000n });
    expect(errors('until_in: [1, 2, 3]\n')).toEqual([
      '1:11 until_in is a list of two addresses, [start, end]',
    ]);
  });
});
