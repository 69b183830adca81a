// A seeded generator of small user-level x86-64 programs for differential testing.
// The same seed always gives the same program (text, initial registers, data area), so a failing seed
// is reproduced with one command (see repro.ts). Programs exercise ALU ops of every width, shifts and
// rotates at edge counts, mul/div (never #DE), stack ops, string ops with rep and DF, bit ops,
// setcc/cmovcc, lea forms and pushfq/popfq; each ends in hlt. Results whose value the SDM leaves
// undefined are avoided (bsf/bsr of zero, 16-bit shld/shrd beyond 16) or masked by the caller
// (RunResult.undefinedFlags).

import { DATA_BASE, DATA_SIZE } from '../../../src/runner/program-world.ts';
import type { Gpr } from '../../../src/x86/registers.ts';

export interface Program {
  seed: number;
  /** AT&T assembly, one instruction per line, ending in hlt. */
  text: string;
  /** Initial general-purpose registers (rsp and r15 are set by the world/program). */
  gpr: Partial<Record<Gpr, bigint>>;
  /** Initial contents of the data area at DATA_BASE. */
  data: Uint8Array;
}

/** mulberry32: small, fast, and the same everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  /** A value biased towards edges: 0, 1, -1, sign bits, small numbers, random. */
  value(): bigint {
    switch (this.int(8)) {
      case 0:
        return this.pick([0n, 1n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn]);
      case 1:
        return this.pick([
          0x80n,
          0x7fn,
          0xffn,
          0x8000n,
          0x7fffn,
          0xffffn,
          0x8000_0000n,
          0x7fff_ffffn,
          0xffff_ffffn,
        ]);
      case 2:
        return BigInt(this.int(256));
      default:
        return this.u64();
    }
  }
}

type Width = 8 | 16 | 32 | 64;
const WIDTHS: Width[] = [8, 16, 32, 64];
const SUFFIX: Record<Width, string> = { 8: 'b', 16: 'w', 32: 'l', 64: 'q' };

/** Registers the generator may clobber: not rsp (stack), not r15 (points at the data area). */
const REGS64 = [
  'rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rbp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
] as const;
type Reg = (typeof REGS64)[number];

function reg(r: Reg, w: Width): string {
  const legacy: Record<string, [string, string, string]> = {
    rax: ['eax', 'ax', 'al'],
    rbx: ['ebx', 'bx', 'bl'],
    rcx: ['ecx', 'cx', 'cl'],
    rdx: ['edx', 'dx', 'dl'],
    rsi: ['esi', 'si', 'sil'],
    rdi: ['edi', 'di', 'dil'],
    rbp: ['ebp', 'bp', 'bpl'],
  };
  const l = legacy[r];
  if (w === 64) return `%${r}`;
  if (l) return `%${w === 32 ? l[0] : w === 16 ? l[1] : l[2]}`;
  return `%${r}${w === 32 ? 'd' : w === 16 ? 'w' : 'b'}`;
}

const CONDS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const SHIFT_COUNTS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63];

function imm(rng: Rng, w: Width): string {
  // Immediates are sign-extended 8/16/32-bit values in the encoding; pick one that fits.
  const v = rng.value();
  if (w === 8) return `$${Number(v & 0xffn)}`;
  if (w === 16) return `$${Number(v & 0xffffn)}`;
  const i32 = BigInt.asIntN(32, v);
  return `$${i32}`;
}

/** A memory operand in the data area through r15. */
function mem(rng: Rng, w: Width): string {
  const off = rng.int(DATA_SIZE / 2 - 64) & ~(w / 8 - 1);
  return `${off}(%r15)`;
}

export function generateProgram(seed: number, length = 12 + (seed % 9)): Program {
  const rng = new Rng(seed);
  const out: string[] = [];
  const gpr: Partial<Record<Gpr, bigint>> = {};
  for (const r of REGS64) gpr[r] = rng.value();
  const data = new Uint8Array(DATA_SIZE);
  const words = new Uint32Array(data.buffer);
  for (let i = 0; i < words.length; i++) words[i] = rng.u32(); // little-endian hosts only (x86-64)
  out.push(`movabs $${DATA_BASE}, %r15`);
  let depth = 0; // qwords pushed and not popped
  const r = () => rng.pick(REGS64);

  const gens: (() => void)[] = [
    // two-operand ALU, every width, reg/imm/mem sources and destinations
    () => {
      const op = rng.pick(['add', 'sub', 'and', 'or', 'xor', 'adc', 'sbb', 'cmp', 'test']);
      const w = rng.pick(WIDTHS);
      const form = rng.int(4);
      if (form === 0) out.push(`${op}${SUFFIX[w]} ${reg(r(), w)}, ${reg(r(), w)}`);
      else if (form === 1) out.push(`${op}${SUFFIX[w]} ${imm(rng, w)}, ${reg(r(), w)}`);
      else if (form === 2) out.push(`${op}${SUFFIX[w]} ${mem(rng, w)}, ${reg(r(), w)}`);
      else out.push(`${op}${SUFFIX[w]} ${reg(r(), w)}, ${mem(rng, w)}`);
    },
    () => {
      const op = rng.pick(['inc', 'dec', 'neg', 'not']);
      const w = rng.pick(WIDTHS);
      out.push(rng.chance(0.25) ? `${op}${SUFFIX[w]} ${mem(rng, w)}` : `${op}${SUFFIX[w]} ${reg(r(), w)}`);
    },
    // shifts and rotates with edge counts, immediate or %cl
    () => {
      const op = rng.pick(['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr']);
      const w = rng.pick(WIDTHS);
      const dst = reg(rng.pick(REGS64.filter((x) => x !== 'rcx')), w);
      if (rng.chance(0.5)) out.push(`${op}${SUFFIX[w]} $${rng.pick(SHIFT_COUNTS)}, ${dst}`);
      else {
        out.push(`movb $${rng.chance(0.7) ? rng.pick(SHIFT_COUNTS) : rng.int(256)}, %cl`);
        out.push(`${op}${SUFFIX[w]} %cl, ${dst}`);
      }
    },
    // double shifts (32/64 only: 16-bit counts above 16 give undefined results)
    () => {
      const op = rng.pick(['shld', 'shrd']);
      const w = rng.pick([32, 64] as const);
      const a = rng.pick(REGS64.filter((x) => x !== 'rcx'));
      const b = rng.pick(REGS64.filter((x) => x !== 'rcx'));
      if (rng.chance(0.5))
        out.push(`${op}${SUFFIX[w]} $${rng.pick(SHIFT_COUNTS)}, ${reg(a, w)}, ${reg(b, w)}`);
      else {
        out.push(`movb $${rng.int(256)}, %cl`);
        out.push(`${op}${SUFFIX[w]} %cl, ${reg(a, w)}, ${reg(b, w)}`);
      }
    },
    // multiplication, all forms
    () => {
      const w = rng.pick(WIDTHS);
      const form = rng.int(4);
      const src = rng.pick(REGS64.filter((x) => x !== 'rax' && x !== 'rdx'));
      if (form === 0) out.push(`${rng.pick(['mul', 'imul'])}${SUFFIX[w]} ${reg(src, w)}`);
      else if (w === 8) out.push(`mulb ${reg(src, 8)}`);
      else if (form === 1) out.push(`imul${SUFFIX[w]} ${reg(r(), w)}, ${reg(r(), w)}`);
      else if (form === 2) out.push(`imul${SUFFIX[w]} ${imm(rng, w)}, ${reg(r(), w)}, ${reg(r(), w)}`);
      else out.push(`imul${SUFFIX[w]} ${mem(rng, w)}, ${reg(r(), w)}`);
    },
    // division without #DE: high half from zero/sign extension, a divisor that is never 0 or -1
    () => {
      const w = rng.pick(WIDTHS);
      const signed = rng.chance(0.5);
      const d = rng.pick(REGS64.filter((x) => x !== 'rax' && x !== 'rdx'));
      out.push(`mov${SUFFIX[w]} $${2 + rng.int(w === 8 ? 120 : 30000)}, ${reg(d, w)}`);
      if (w === 8) out.push(signed ? 'cbtw' : 'movzbw %al, %ax');
      else if (signed) out.push({ 16: 'cwtd', 32: 'cltd', 64: 'cqto' }[w]);
      else out.push(`xor${SUFFIX[w]} ${reg('rdx', w)}, ${reg('rdx', w)}`);
      out.push(`${signed ? 'idiv' : 'div'}${SUFFIX[w]} ${reg(d, w)}`);
    },
    // stack: qword pushes and pops kept balanced enough to stay inside the stack area, word pairs
    () => {
      const k = rng.int(5);
      if (k === 4) {
        out.push(`pushw ${imm(rng, 16)}`, `popw ${reg(r(), 16)}`);
      } else if (depth > 0 && rng.chance(0.5)) {
        out.push(`pop ${rng.chance(0.8) ? reg(r(), 64) : mem(rng, 64)}`);
        depth--;
      } else if (depth < 48) {
        out.push(
          k === 0 ? `push ${reg(r(), 64)}` : k === 1 ? `pushq ${imm(rng, 32)}` : `pushq ${mem(rng, 64)}`,
        );
        depth++;
      }
    },
    // pushfq / popfq with arithmetic flags and DF
    () => {
      if (rng.chance(0.5)) {
        out.push(`pushq $${(rng.u32() & 0xcd5) | 2}`, 'popfq');
      } else {
        out.push('pushfq', `pop ${reg(r(), 64)}`);
      }
    },
    // string operations, with and without rep, both directions
    () => {
      const size = rng.pick(['b', 'w', 'l', 'q']);
      const op = rng.pick(['movs', 'stos', 'lods', 'cmps', 'scas']);
      out.push(rng.chance(0.5) ? 'std' : 'cld');
      out.push(`lea ${0x4000 + rng.int(0x2000)}(%r15), %rsi`);
      out.push(`lea ${0x4000 + rng.int(0x2000)}(%r15), %rdi`);
      out.push(`mov $${rng.int(20)}, %ecx`);
      const prefix =
        op === 'cmps' || op === 'scas'
          ? rng.pick(['', 'repe ', 'repne '])
          : op === 'lods'
            ? rng.pick(['', 'rep '])
            : rng.pick(['', 'rep ']);
      out.push(`${prefix}${op}${size}`);
      if (rng.chance(0.5)) out.push('cld');
    },
    // bit operations
    () => {
      const w = rng.pick([16, 32, 64] as const);
      const k = rng.int(5);
      if (k === 0)
        out.push(`${rng.pick(['bt', 'bts', 'btr', 'btc'])}${SUFFIX[w]} $${rng.int(w)}, ${reg(r(), w)}`);
      else if (k === 1) {
        const idx = r();
        out.push(`${rng.pick(['bt', 'bts', 'btr', 'btc'])}${SUFFIX[w]} ${reg(idx, w)}, ${reg(r(), w)}`);
      } else if (k === 2) {
        // bsf/bsr of zero leave the destination undefined: make the source non-zero first
        const src = r();
        out.push(`or${SUFFIX[w]} $${1 << rng.int(15)}, ${reg(src, w)}`);
        out.push(`${rng.pick(['bsf', 'bsr'])}${SUFFIX[w]} ${reg(src, w)}, ${reg(r(), w)}`);
      } else if (k === 3) out.push(`bswap ${reg(r(), rng.pick([32, 64] as const))}`);
      else out.push(`${rng.pick(['movzb', 'movsb'])}${SUFFIX[w]} ${reg(r(), 8)}, ${reg(r(), w)}`);
    },
    // setcc / cmovcc
    () => {
      const cc = rng.pick(CONDS);
      if (rng.chance(0.5)) out.push(`set${cc} ${rng.chance(0.2) ? mem(rng, 8) : reg(r(), 8)}`);
      else {
        const w = rng.pick([16, 32, 64] as const);
        out.push(`cmov${cc}${SUFFIX[w]} ${reg(r(), w)}, ${reg(r(), w)}`);
      }
    },
    // lea forms
    () => {
      const scale = rng.pick([1, 2, 4, 8]);
      const disp = rng.pick([0, 1, -1, 0x7f, -0x80, 0x12345678, -0x7fffffff]);
      const k = rng.int(4);
      if (k === 0) out.push(`lea ${disp}(${reg(r(), 64)},${reg(r(), 64)},${scale}), ${reg(r(), 64)}`);
      else if (k === 1) out.push(`lea ${disp}(${reg(r(), 32)},${reg(r(), 32)},${scale}), ${reg(r(), 32)}`);
      else if (k === 2)
        out.push(`lea ${disp}(,${reg(r(), 64)},${scale}), ${reg(r(), rng.pick([16, 32, 64] as const))}`);
      else out.push(`lea ${disp}(%rip), ${reg(r(), 64)}`);
    },
    // moves, exchanges, extensions, flag instructions
    () => {
      const k = rng.int(7);
      const w = rng.pick(WIDTHS);
      if (k === 0) out.push(`mov${SUFFIX[w]} ${imm(rng, w)}, ${reg(r(), w)}`);
      else if (k === 1) out.push(`movabs $${rng.value()}, ${reg(r(), 64)}`);
      else if (k === 2) out.push(`xchg ${reg(r(), w)}, ${reg(r(), w)}`);
      else if (k === 3) out.push(rng.pick(['cbtw', 'cwtl', 'cltq', 'cwtd', 'cltd', 'cqto']));
      else if (k === 4) out.push(rng.pick(['clc', 'stc', 'cmc', 'lahf', 'sahf']));
      else if (k === 5) out.push(`movslq ${reg(r(), 32)}, ${reg(r(), 64)}`);
      else out.push(`xadd${SUFFIX[w]} ${reg(r(), w)}, ${reg(r(), w)}`);
    },
  ];

  for (let i = 0; i < length; i++) rng.pick(gens)();
  out.push('hlt');
  return { seed, text: defineFlagsBeforeReaders(out).join('\n'), gpr, data };
}

/** Instructions after which some arithmetic flag may be undefined (SDM), conservatively. */
const LEAVES_UNDEFINED =
  /^(mul|imul|div|idiv|shl|shr|sar|rol|ror|rcl|rcr|shld|shrd|bsf|bsr|and|or|xor|test|bt)/;
/** Instructions that read arithmetic flags (AF included: lahf and pushfq copy it into a register). */
const READS_FLAGS = /^(adc|sbb|set|cmov|rcl|rcr|lahf|pushf|cmc)/;
/** Instructions that define all six arithmetic flags. */
const DEFINES_ALL = /^(add|sub|cmp|neg|popf|sahf|xadd)/;
/** Sets all six flags, changes no register: separates undefined flags from the next reader. */
export const FLAG_FENCE = 'add $0, %rbx';

/**
 * A flag the SDM leaves undefined must not reach a register (setcc, cmov, adc, lahf, pushfq ...), or the
 * engines would legitimately disagree on a GPR. Where a reader follows an instruction that may leave
 * flags undefined, put FLAG_FENCE in between.
 */
export function defineFlagsBeforeReaders(lines: string[]): string[] {
  const out: string[] = [];
  let undefinedFlags = false;
  for (const line of lines) {
    if (READS_FLAGS.test(line) && undefinedFlags) {
      out.push(FLAG_FENCE);
      undefinedFlags = false;
    }
    out.push(line);
    if (LEAVES_UNDEFINED.test(line)) undefinedFlags = true;
    else if (DEFINES_ALL.test(line)) undefinedFlags = false;
  }
  return out;
}
