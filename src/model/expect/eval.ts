// Evaluating one `expect` assertion against one run.
// Arithmetic is on unsigned 64-bit values (bigint mod 2^64). Besides its value, every intermediate
// result carries the mask of bits that are architecturally undefined (RFLAGS bits the last flag writer
// left undefined), propagated through the operators: `rflags & ~RFLAGS_AF == 0x46` is a fine check,
// `rflags == 0x46` is an error when AF is undefined. Every item, memory read and predicate the line
// uses is recorded in `reads` under a canonical name, for the harness's cross-seed leak check.

import { MemoryError, type PhysicalMemory } from '../../runner/memory.ts';
import { isCanonical, translate } from '../../runner/paging.ts';
import type { RunResult } from '../../runner/types.ts';
import { accessRights, type AccessRightsField, type CpuState, type Segment } from '../../x86/registers.ts';
import { MSR_EFER } from '../../x86/msr.ts';
import { CR0_PG, CR4_LA57, REGISTER_BITS, describe, fieldMask, findBit } from '../../x86/bits.ts';
import { PTE_ADDR_MASK } from '../../x86/paging.ts';
import { hex } from '../../x86/hex.ts';
import { MEM_BYTES, type AssertionNode, type Expr, type ItemRef, type ParsedAssertion } from './ast.ts';
import { lastWriter } from './flag-writer.ts';
import { didYouMean } from './names.ts';

function isAccessRightsField(f: string): f is AccessRightsField {
  return f !== 'selector' && f !== 'base' && f !== 'limit' && f !== 'attributes';
}

export interface EvalContext {
  final: RunResult;
  initial: { state: CpuState; memory: PhysicalMemory };
  /** The world's symbols (given `symbols:`, `code`, `code.<label>`). */
  symbols: Record<string, bigint>;
}

export interface EvalResult {
  held: boolean;
  /** The left-hand value as people read it, e.g. "0x80000033 (PG|NE|ET|MP|PE)". */
  actual?: string;
  /** What it was compared with, e.g. "0x80000033 (PG|NE|ET|MP|PE)", "< 0x80000", "in [0x1000, 0x2000)". */
  expected?: string;
  /** Why it failed when that is not a plain mismatch (unmapped memory, undefined flag read ...). */
  message?: string;
  /**
   * The line itself is wrong for this run rather than the state (it reads an architecturally undefined
   * flag, or names a symbol the world does not define): report it as an error on the line.
   */
  error?: boolean;
  /** 1-based column in the line of what `message` is about, when it is about one part. */
  column?: number;
  /**
   * Every value the line read, by canonical name: "rax", "rflags", "cr0.WP", "cs.dpl", "msr.0x277",
   * "qword [0x7fff8]" (linear address), "page [0x500000]" (64-bit FNV-1a hash of the 4096 bytes),
   * "mapped(0x200000)" (1 or 0), and the same with "initial." in front for initial-state reads.
   * RFLAGS read whole is recorded with its undefined bits cleared.
   */
  reads: Record<string, bigint>;
  /** The line compares with the initial state (`initial.`, `unchanged`): its values follow the inputs by design. */
  relative: boolean;
}

const MASK64 = (1n << 64n) - 1n;
const u64 = (v: bigint) => v & MASK64;

/** A number with the mask of its undefined bits, or a page of bytes. */
type Val = { v: bigint; u: bigint; page?: undefined } | { page: Uint8Array; v?: undefined; u?: undefined };

class EvalFailure extends Error {
  constructor(
    message: string,
    readonly error: boolean,
    readonly column?: number,
  ) {
    super(message);
  }
}

/** All bits from the lowest set bit of `u` upward: what a carry chain can spoil. */
function smear(u: bigint): bigint {
  if (u === 0n) return 0n;
  const low = u & -u;
  return u64(~(low - 1n));
}

function fnv1a64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = u64((h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

const EFER = BigInt(MSR_EFER);

class Evaluator {
  readonly reads: Record<string, bigint> = {};
  relative = false;

  constructor(private readonly ctx: EvalContext) {}

  private state(initial: boolean): CpuState {
    return initial ? this.ctx.initial.state : this.ctx.final.state;
  }
  private memory(initial: boolean): PhysicalMemory {
    return initial ? this.ctx.initial.memory : this.ctx.final.memory;
  }
  private record(key: string, value: bigint, initial: boolean): void {
    if (initial) this.relative = true;
    this.reads[(initial ? 'initial.' : '') + key] = value;
  }

  /** A number; pages are refused (the parser only lets them stand where `value()` reads them). */
  num(e: Expr): { v: bigint; u: bigint } {
    const r = this.value(e);
    if (r.page) throw new EvalFailure("'page [...]' cannot be used as a number", true, e.col);
    return r;
  }

  /** A number with no undefined bits (addresses, MSR numbers, shift counts). */
  defined(e: Expr, what: string): bigint {
    const r = this.num(e);
    if (r.u !== 0n) this.undefinedBits(r.u, e.col, what);
    return r.v;
  }

  value(e: Expr): Val {
    switch (e.kind) {
      case 'num':
      case 'const':
        return { v: e.value, u: 0n };
      case 'sym': {
        const v = this.ctx.symbols[e.name];
        if (v === undefined)
          throw new EvalFailure(
            `unknown name '${e.name}'${didYouMean(e.name, Object.keys(this.ctx.symbols))}`,
            true,
            e.col,
          );
        return { v: u64(v), u: 0n };
      }
      case 'item':
        return this.item(e.item, e.initial, e.col);
      case 'mem':
        return this.mem(e);
      case 'call':
        return { v: this.call(e), u: 0n };
      case 'unary': {
        const x = this.num(e.operand);
        if (e.op === '~') return { v: u64(~x.v), u: x.u };
        if (e.op === '-') return { v: u64(-x.v), u: smear(x.u) };
        return x;
      }
      case 'binary': {
        const a = this.num(e.left);
        const b = this.num(e.right);
        switch (e.op) {
          case '&':
            return { v: a.v & b.v, u: (a.u & (b.v | b.u)) | (b.u & (a.v | a.u)) };
          case '|':
            return { v: a.v | b.v, u: (a.u & ~(b.v & ~b.u)) | (b.u & ~(a.v & ~a.u)) };
          case '^':
            return { v: a.v ^ b.v, u: a.u | b.u };
          case '+':
            return { v: u64(a.v + b.v), u: smear(a.u | b.u) };
          case '-':
            return { v: u64(a.v - b.v), u: smear(a.u | b.u) };
          case '*':
            return { v: u64(a.v * b.v), u: smear(a.u | b.u) };
          case '<<':
          case '>>': {
            if (b.u !== 0n) return { v: 0n, u: MASK64 };
            if (b.v >= 64n) return { v: 0n, u: 0n };
            return e.op === '<<'
              ? { v: u64(a.v << b.v), u: u64(a.u << b.v) }
              : { v: a.v >> b.v, u: a.u >> b.v };
          }
        }
      }
    }
  }

  /** The canonical name of an item (without `initial.`). */
  itemKey(item: ItemRef, msrIndex?: bigint): string {
    switch (item.kind) {
      case 'gpr':
        return item.name;
      case 'rip':
      case 'cr2':
        return item.kind;
      case 'dr':
        return item.name;
      case 'bits':
        return item.bit ? `${item.reg}.${item.bit}` : item.reg;
      case 'msr':
        return msrIndex === EFER ? 'efer' : `msr.${hex(msrIndex ?? 0n)}`;
      case 'seg':
        return `${item.seg}.${item.field}`;
      case 'dtr':
        return `${item.table}.${item.field}`;
    }
  }

  item(item: ItemRef, initial: boolean, col: number): { v: bigint; u: bigint } {
    const s = this.state(initial);
    let v: bigint;
    let u = 0n;
    let msrIndex: bigint | undefined;
    switch (item.kind) {
      case 'gpr':
        v = s.gpr[item.name];
        break;
      case 'rip':
        v = s.rip;
        break;
      case 'cr2':
        v = s.cr2;
        break;
      case 'dr':
        v = s[item.name];
        break;
      case 'bits': {
        const whole = s[item.reg];
        const undef = item.reg === 'rflags' && !initial ? this.ctx.final.undefinedFlags & ~2n : 0n;
        if (item.bit) {
          const f = findBit(item.reg, item.bit)!;
          const m = fieldMask(f);
          if ((undef & m) !== 0n) this.undefinedBits(undef & m, col);
          v = (whole & m) >> BigInt(f.bit);
        } else {
          v = whole;
          u = undef;
        }
        break;
      }
      case 'msr': {
        msrIndex = this.defined(item.index, 'an MSR number');
        if (msrIndex === EFER) v = s.efer;
        else {
          const m = s.msr.get(Number(msrIndex));
          if (m === undefined)
            throw new EvalFailure(
              `msr[${hex(msrIndex)}] is not part of the ${initial ? 'initial' : 'final'} state (no engine or world set it)`,
              false,
              col,
            );
          v = m;
        }
        break;
      }
      case 'seg': {
        const seg: Segment = item.seg === 'ldtr' ? s.ldtr : item.seg === 'tr' ? s.tr : s.seg[item.seg];
        v = isAccessRightsField(item.field)
          ? BigInt(accessRights(seg.attributes, item.field))
          : BigInt(seg[item.field]);
        break;
      }
      case 'dtr':
        v = BigInt(s[item.table][item.field]);
        break;
    }
    v = u64(v);
    this.record(this.itemKey(item, msrIndex), v & ~u, initial);
    return { v, u };
  }

  /** Fail the line for reading undefined RFLAGS bits; names them and the instruction that left them so. */
  private undefinedBits(spread: bigint, col: number, what?: string): never {
    // Arithmetic spreads undefined bits upward; name the flags the run left undefined.
    const u = spread & this.ctx.final.undefinedFlags || spread;
    const fields = REGISTER_BITS.rflags.filter((f) => (fieldMask(f) & u) !== 0n);
    const names = fields.map((f) => `rflags.${f.name}`);
    const flags = names.length ? names.join(', ') : `rflags bits ${hex(u)}`;
    const [verb, them] = names.length > 1 ? ['are', 'them'] : ['is', 'it'];
    const masks = fields.map((f) => `RFLAGS_${f.name}`).join(' | ');
    const fix = what
      ? `${what} depends on ${them}: mask ${them} out with \`& ~${names.length > 1 ? `(${masks})` : masks}\``
      : `declare ${them} \`undefined\``;
    throw new EvalFailure(
      `${flags} ${verb} architecturally undefined after ${this.lastFlagWriter(u)}; ${fix}`,
      true,
      col,
    );
  }

  private lastFlagWriter(flags: bigint): string {
    const { trace, traceOmitted, memory, state } = this.ctx.final;
    // A long run's trace has a gap in the middle: look only after it, never across.
    const rows = trace && traceOmitted ? trace.slice(trace.length / 2) : trace;
    const step = rows && lastWriter(rows, flags, memory, state);
    return step ? `\`${step.text}\` at ${hex(step.rip)}` : 'the last instruction that wrote the flags';
  }

  /** Read `n` bytes at a linear address through the paging state of `state`. */
  private readLinear(
    key: string,
    linear: bigint,
    n: number,
    state: CpuState,
    mem: PhysicalMemory,
    col: number,
  ): Uint8Array {
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const a = u64(linear + BigInt(done));
      const chunk = Math.min(n - done, 4096 - Number(a & 0xfffn));
      const phys = this.phys(key, a, state, mem, col);
      try {
        out.set(mem.read(phys, chunk), done);
      } catch (err) {
        if (err instanceof MemoryError)
          throw new EvalFailure(
            `${key}: linear ${hex(a)} is physical ${hex(phys)}, outside the world's RAM`,
            false,
            col,
          );
        throw err;
      }
      done += chunk;
    }
    return out;
  }

  /** Translate one linear address or fail naming it. */
  private phys(key: string, a: bigint, state: CpuState, mem: PhysicalMemory, col: number): bigint {
    const paging = (state.cr0 & CR0_PG) !== 0n;
    if (paging && !isCanonical(a, (state.cr4 & CR4_LA57) !== 0n))
      throw new EvalFailure(`${key}: linear ${hex(a)} is not canonical`, false, col);
    try {
      const t = translate(mem, state, a);
      if (!t.ok)
        throw new EvalFailure(
          `${key}: linear ${hex(a)} is not mapped (page walk fails with #PF error code ${hex(BigInt(t.errorCode))})`,
          false,
          col,
        );
      return t.phys;
    } catch (err) {
      if (err instanceof MemoryError)
        throw new EvalFailure(
          `${key}: the page walk for linear ${hex(a)} reads physical ${hex(err.address)}, outside the world's RAM`,
          false,
          col,
        );
      throw err;
    }
  }

  mem(e: Extract<Expr, { kind: 'mem' }>): Val {
    const addr = this.defined(e.addr, 'a memory address');
    const n = MEM_BYTES[e.size];
    const key = `${e.size} [${hex(addr)}]`;
    const full = (e.initial ? 'initial.' : '') + key;
    const bytes = this.readLinear(full, addr, n, this.state(e.initial), this.memory(e.initial), e.col);
    if (e.size === 'page') {
      this.record(key, fnv1a64(bytes), e.initial);
      return { page: bytes };
    }
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
    this.record(key, v, e.initial);
    return { v, u: 0n };
  }

  call(e: Extract<Expr, { kind: 'call' }>): bigint {
    const state = this.state(e.initial);
    const mem = this.memory(e.initial);
    const args = e.args.map((a) => this.defined(a, `an argument of ${e.name}`));
    const key = `${e.name}(${args.map(hex).join(', ')})`;
    const result = (ok: boolean, why?: string): bigint => {
      this.record(key, ok ? 1n : 0n, e.initial);
      if (why) this.why = `${key} is false: ${why}`;
      return ok ? 1n : 0n;
    };
    const look = (a: bigint): { phys?: bigint; why?: string } => {
      try {
        return { phys: this.phys(key, a, state, mem, e.col) };
      } catch (err) {
        if (err instanceof EvalFailure) return { why: err.message.slice(key.length + 2) };
        throw err;
      }
    };
    if (e.name === 'mapped') {
      const r = look(args[0]!);
      return result(r.phys !== undefined, r.why);
    }
    const [start, len] = args as [bigint, bigint];
    if (len === 0n) return result(true);
    const first = start & ~0xfffn;
    const last = u64(start + len - 1n) & ~0xfffn;
    if (last < first) return result(false, 'the range wraps around the address space');
    // Walk leaf page by leaf page: an identity-mapped 2 MiB or 1 GiB page is identity throughout.
    let steps = 0;
    for (let p = first; p <= last;) {
      if (++steps > 1 << 24)
        throw new EvalFailure(`${key}: more than 2^24 pages to check; check the range in parts`, true, e.col);
      const r = look(p);
      if (r.phys === undefined) return result(false, r.why);
      if (r.phys !== p) return result(false, `linear ${hex(p)} maps to physical ${hex(r.phys)}`);
      const size = leafSize(mem, state, p);
      if (size === undefined) break; // paging off: identity everywhere
      const next = (p & ~(size - 1n)) + size;
      if (next > MASK64) break;
      p = next;
    }
    return result(true);
  }

  /** Why the last predicate call was false, for the message. */
  why?: string;
}

/**
 * The size of the leaf page that maps `linear` (4 KiB, 2 MiB or 1 GiB), read from the page tables;
 * undefined when paging is off. Only called after `translate` succeeded, so every entry is present.
 */
function leafSize(mem: PhysicalMemory, s: CpuState, linear: bigint): bigint | undefined {
  if ((s.cr0 & CR0_PG) === 0n) return undefined;
  const ADDR = PTE_ADDR_MASK;
  let table = s.cr3 & ADDR;
  for (let shift = (s.cr4 & CR4_LA57) !== 0n ? 48n : 39n; shift > 12n; shift -= 9n) {
    const entry = mem.readU64(table + ((linear >> shift) & 0x1ffn) * 8n);
    if (shift <= 30n && (entry & 0x80n) !== 0n) return 1n << shift;
    table = entry & ADDR;
  }
  return 0x1000n;
}

/** How a value reads next to an item: bit names for the registers that have them. */
function render(e: Expr, v: bigint, ev: Evaluator, other?: Expr): string {
  if (e.kind === 'item') return describe(ev.itemKey(e.item), v);
  // The value an item is compared with reads like that item: `cr0 == CR0_PG | CR0_PE` shows (PG|PE).
  if (other?.kind === 'item' && other.item.kind !== 'msr') return describe(ev.itemKey(other.item), v);
  return hex(v);
}

function pageDifference(a: Uint8Array, b: Uint8Array | number): string {
  for (let i = 0; i < a.length; i++) {
    const want = typeof b === 'number' ? b : b[i]!;
    if (a[i] !== want)
      return `first difference at offset ${hex(BigInt(i))}: ${hex(BigInt(a[i]!))} vs ${hex(BigInt(want))}`;
  }
  return 'no difference';
}

function compare(op: string, a: bigint, b: bigint): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function run(node: AssertionNode, ev: Evaluator): Omit<EvalResult, 'reads' | 'relative'> {
  switch (node.kind) {
    case 'undefined':
      return { held: true, message: 'documented as undefined; not checked' };
    case 'unchanged': {
      ev.relative = true;
      const initial = { ...node.subject, initial: true };
      const a = ev.value(node.subject);
      const b = ev.value(initial);
      if (a.page || b.page) {
        const pa = a.page!;
        const pb = b.page!;
        const held = pa.every((x, i) => x === pb[i]);
        return held ? { held } : { held, message: `the page changed: ${pageDifference(pa, pb)}` };
      }
      // Only defined bits can be claimed unchanged: `rflags unchanged` after an xor ignores AF.
      const undef = a.u! | b.u!;
      const r: Omit<EvalResult, 'reads' | 'relative'> = {
        held: (a.v! & ~undef) === (b.v! & ~undef),
        actual: render(node.subject, a.v!, ev),
        expected: render(node.subject, b.v!, ev),
      };
      if (undef !== 0n) r.message = `compared without the undefined bits ${describe('rflags', undef)}`;
      return r;
    }
    case 'range': {
      const x = ev.defined(node.value, 'the value');
      const lo = ev.defined(node.lo, 'the range');
      const hi = ev.defined(node.hi, 'the range');
      return {
        held: lo <= x && x < hi,
        actual: render(node.value, x, ev),
        expected: `in [${hex(lo)}, ${hex(hi)})`,
      };
    }
    case 'predicate': {
      const v = ev.defined(node.call, 'the predicate');
      return v !== 0n
        ? { held: true, actual: 'true' }
        : { held: false, actual: 'false', expected: 'true', message: ev.why };
    }
    case 'compare': {
      const a = ev.value(node.left);
      const b = ev.value(node.right);
      const eq = node.op === '==';
      if (a.page || b.page) {
        const [page, other, otherExpr] = a.page ? [a.page, b, node.right] : [b.page!, a, node.left];
        let want: Uint8Array | number;
        if (other.page) want = other.page;
        else {
          if (other.u !== 0n || other.v > 0xffn)
            throw new EvalFailure(
              'a page compares with another page or with a byte value (every byte equal to it)',
              true,
              otherExpr.col,
            );
          want = Number(other.v);
        }
        const same =
          typeof want === 'number' ? page.every((x) => x === want) : page.every((x, i) => x === want[i]);
        const held = eq ? same : !same;
        if (held) return { held };
        return {
          held,
          message: same ? 'the pages are equal' : `the pages differ: ${pageDifference(page, want)}`,
        };
      }
      if (a.u !== 0n) ev.defined(node.left, 'the left side');
      if (b.u !== 0n) ev.defined(node.right, 'the right side');
      const opText = node.op === '==' ? '' : `${node.op} `;
      return {
        held: compare(node.op, a.v, b.v),
        actual: render(node.left, a.v, ev, node.right) + context(node.left, ev),
        expected: opText + render(node.right, b.v, ev, node.left),
      };
    }
  }
}

/** For a computed side (`cr0 & CR0_WP`), the items it read: " (from cr0 = 0x... (PG|...))". */
function context(e: Expr, ev: Evaluator): string {
  if (e.kind !== 'binary' && e.kind !== 'unary') return '';
  const keys: string[] = [];
  const walk = (x: Expr): void => {
    if (x.kind === 'item' && x.item.kind !== 'msr')
      keys.push((x.initial ? 'initial.' : '') + ev.itemKey(x.item));
    else if (x.kind === 'binary') {
      walk(x.left);
      walk(x.right);
    } else if (x.kind === 'unary') walk(x.operand);
  };
  walk(e);
  const parts = keys.filter((k) => k in ev.reads).map((k) => `${k} = ${describe(k, ev.reads[k]!)}`);
  return parts.length ? ` (from ${[...new Set(parts)].join(', ')})` : '';
}

/** Evaluate one assertion against one run. Never throws for anything the line or the run can cause. */
export function evaluate(assertion: ParsedAssertion | AssertionNode, ctx: EvalContext): EvalResult {
  const node = 'ast' in assertion ? assertion.ast : assertion;
  const ev = new Evaluator(ctx);
  try {
    const r = run(node, ev);
    return { ...r, reads: ev.reads, relative: ev.relative };
  } catch (err) {
    if (!(err instanceof EvalFailure)) throw err;
    const r: EvalResult = { held: false, message: err.message, reads: ev.reads, relative: ev.relative };
    if (err.error) r.error = true;
    if (err.column !== undefined) r.column = err.column;
    return r;
  }
}
