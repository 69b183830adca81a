// The `given` language: a YAML description of the world before a handoff (docs/reference/expect-language.md).
// The YAML is read with the failsafe schema, so every scalar stays a string, and each scalar is then an
// expression of the expect language: 64-bit values never pass through a float.
// parseGiven() checks everything that can be checked without the example's code and places every error
// in the block. The rest of this file reads a parsed given (its symbols for an example, its stop point);
// the harness builds the World of one run from it (src/harness/world.ts).

import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node, type Pair, type Scalar } from 'yaml';
import { STATE_ITEM_EXAMPLES, canonicalItemName } from '../x86/items.ts';
import { GPRS } from '../x86/registers.ts';
import { hex } from '../x86/hex.ts';
import type { Expr } from './expect/ast.ts';
import { parseExpression } from './expect/parser.ts';
import { didYouMean, isReservedName } from './expect/names.ts';

/** A problem in a `given` block; line 1 is the first line inside the fence. */
export interface GivenError {
  line: number;
  column: number;
  message: string;
}

/** A scalar read as an expression, with where it was written. */
export interface ExprField {
  text: string;
  expr: Expr;
  line: number;
  column: number;
}

export type MemoryContent =
  /** `line`: the block line of the first assembly line. */
  | { kind: 'asm'; source: string; line: number }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'qwords'; values: ExprField[] }
  | { kind: 'garbage'; size: bigint }
  | { kind: 'fill'; byte: number; size: bigint };

export interface MemoryEntry {
  at: ExprField;
  /** `at` evaluated (it may use the stage's symbols and `code`, not code labels). */
  addr: bigint;
  content: MemoryContent;
  /** For garbage fills: the input name used for seeding and leak reports, e.g. "memory[0x400000]". */
  input?: string;
  line: number;
}

/**
 * A named caller state (`variants:`): state items that replace or add to the stage's `state:`, and
 * memory entries laid over the stage's `memory:`. Every example runs under every variant; the first is
 * the default (its trace and final state are the ones shown). A given without `variants:` has one, named
 * DEFAULT_VARIANT, that changes nothing.
 */
export interface VariantSpec {
  name: string;
  title?: string;
  state: { item: string; value: ExprField; line: number }[];
  memory: MemoryEntry[];
  /**
   * `only:` the examples that run under it (a world only some givers meet, such as a list format only
   * Xen writes); the stage's pass-through runs under every variant. Absent: every example.
   */
  only?: { names: string[]; line: number; column: number };
  line: number;
}

export const DEFAULT_VARIANT = 'default';

export interface GivenSpec {
  title?: string;
  /** Where an example's code is loaded. */
  code: bigint;
  /** The stage's symbols, evaluated in order (a symbol may use the ones before it), plus `code`. */
  symbols: Record<string, bigint>;
  memory: MemoryEntry[];
  /** State items (stateItems names; `cs` alone means `cs.selector`) in the order written. */
  state: { item: string; value: ExprField; line: number }[];
  /** State items set from the seed: GPRs, rflags (status flags only), cr2, msr.0x..., fs.base, gs.base. */
  garbage: { item: string; line: number; column: number }[];
  until?: ExprField;
  /** `until_in: [start, end]`: also stop at the first instruction inside [start, end). */
  untilIn?: [ExprField, ExprField];
  seeds: number;
  /** Instruction budget for a run (`max_steps:`), when the stage needs another than the default. */
  maxSteps?: number;
  /** The caller states every example runs under (at least one; the first is the default). */
  variants: VariantSpec[];
}

export const GIVEN_KEYS = [
  'title',
  'code',
  'symbols',
  'memory',
  'state',
  'garbage',
  'until',
  'until_in',
  'seeds',
  'max_steps',
  'variants',
];
const VARIANT_KEYS = ['title', 'state', 'memory', 'only'];
const MEMORY_KEYS = ['at', 'asm', 'bytes', 'qwords', 'fill', 'size'];
export const DEFAULT_CODE = 0x100000n;
export const DEFAULT_SEEDS = 4;
const PAGE = 4096n;

/** The canonical state item name of a `state:` or `garbage:` key (a bare `cs` is `cs.selector`). */
const stateItemName = (key: string) => canonicalItemName(key, { bareSegment: true });

function garbageAllowed(item: string): boolean {
  return (
    (GPRS as readonly string[]).includes(item) ||
    ['rflags', 'cr2', 'fs.base', 'gs.base'].includes(item) ||
    (item.startsWith('msr.') && item !== 'efer')
  );
}

/** Evaluate an expression that reads no CPU state (the parser refused items in given values). */
export function evaluateConstant(e: Expr, symbols: Record<string, bigint>): bigint {
  const M = (1n << 64n) - 1n;
  const go = (x: Expr): bigint => {
    switch (x.kind) {
      case 'num':
      case 'const':
        return x.value;
      case 'sym': {
        const v = symbols[x.name];
        if (v === undefined) throw new RangeError(`unknown name '${x.name}'`);
        return v & M;
      }
      case 'unary': {
        const v = go(x.operand);
        return x.op === '~' ? ~v & M : x.op === '-' ? -v & M : v;
      }
      case 'binary': {
        const a = go(x.left);
        const b = go(x.right);
        switch (x.op) {
          case '|':
            return a | b;
          case '^':
            return a ^ b;
          case '&':
            return a & b;
          case '+':
            return (a + b) & M;
          case '-':
            return (a - b) & M;
          case '*':
            return (a * b) & M;
          case '<<':
            return b >= 64n ? 0n : (a << b) & M;
          case '>>':
            return b >= 64n ? 0n : a >> b;
        }
      }
      // falls through: items, memory and calls are refused when parsing
      default:
        throw new RangeError('a given value cannot read CPU state or memory');
    }
  };
  return go(e);
}

/** First item/memory/call node in an expression, if any. */
function readsState(e: Expr): Expr | undefined {
  switch (e.kind) {
    case 'item':
    case 'mem':
    case 'call':
      return e;
    case 'unary':
      return readsState(e.operand);
    case 'binary':
      return readsState(e.left) ?? readsState(e.right);
    default:
      return undefined;
  }
}

function usesCodeLabel(e: Expr): Expr | undefined {
  switch (e.kind) {
    case 'sym':
      return e.name.startsWith('code.') ? e : undefined;
    case 'unary':
      return usesCodeLabel(e.operand);
    case 'binary':
      return usesCodeLabel(e.left) ?? usesCodeLabel(e.right);
    default:
      return undefined;
  }
}

class Reader {
  readonly errors: GivenError[] = [];
  readonly lc = new LineCounter();

  pos(node: { range?: [number, number, number] | null } | null | undefined): {
    line: number;
    column: number;
  } {
    const off = node?.range?.[0] ?? 0;
    const p = this.lc.linePos(off);
    return { line: p.line, column: p.col };
  }
  error(node: Parameters<Reader['pos']>[0], message: string): void {
    this.errors.push({ ...this.pos(node), message });
  }

  scalar(
    node: Node | null | undefined,
    what: string,
    parentPlace: Parameters<Reader['pos']>[0],
  ): Scalar | undefined {
    if (isScalar(node) && typeof node.value === 'string') return node;
    this.error(node ?? parentPlace, `${what} must be a single value`);
    return undefined;
  }

  /**
   * Parse a scalar as an expression over `symbols` and any `code.<label>` (fields evaluated before the
   * code exists refuse labels in `value()`, with a message that says why).
   */
  expr(
    node: Node | null | undefined,
    what: string,
    symbols: Iterable<string>,
    parent: Parameters<Reader['pos']>[0],
  ): ExprField | undefined {
    const s = this.scalar(node, what, parent);
    if (!s) return undefined;
    const text = s.value as string;
    const { line, column } = this.pos(s);
    const quoted = s.type === 'QUOTE_DOUBLE' || s.type === 'QUOTE_SINGLE' ? 1 : 0;
    const r = parseExpression(text, { symbols, allowCodeLabels: true });
    if (!r.ok) {
      const col = text.includes('\n') ? column : column + quoted + r.error.column - 1;
      this.errors.push({ line, column: col, message: `${what}: ${r.error.message}` });
      return undefined;
    }
    const bad = readsState(r.expr);
    if (bad) {
      this.errors.push({
        line,
        column: column + quoted + bad.col - 1,
        message: `${what}: a given value cannot read CPU state or memory ('${text.slice(bad.col - 1, bad.end - 1)}')`,
      });
      return undefined;
    }
    return { text, expr: r.expr, line, column };
  }

  /** Evaluate now (symbols known); errors are placed at the field. */
  value(f: ExprField, symbols: Record<string, bigint>, what: string): bigint | undefined {
    const label = usesCodeLabel(f.expr);
    if (label) {
      this.errors.push({
        line: f.line,
        column: f.column + label.col - 1,
        message: `${what} cannot use code labels ('${(label as { name: string }).name}'): it is needed before the code is assembled`,
      });
      return undefined;
    }
    return evaluateConstant(f.expr, symbols);
  }
}

function pairsOf(
  r: Reader,
  node: Node | null | undefined,
  what: string,
  parent: Parameters<Reader['pos']>[0],
): Pair[] {
  if (isMap(node)) return node.items as Pair[];
  r.error(node ?? parent, `${what} must be a mapping of names to values`);
  return [];
}

function keyOf(p: Pair): string {
  return isScalar(p.key) ? String(p.key.value) : String(p.key);
}

/** Parse a `given` block. Every problem is reported, placed relative to the block. */
export function parseGiven(text: string): { given?: GivenSpec; errors: GivenError[] } {
  const r = new Reader();
  const doc = parseDocument(text, {
    schema: 'failsafe',
    lineCounter: r.lc,
    prettyErrors: false,
    uniqueKeys: true,
  });
  for (const e of doc.errors) {
    const p = r.lc.linePos(e.pos[0]);
    r.errors.push({ line: p.line, column: p.col, message: `YAML: ${e.message.split('\n')[0]}` });
  }
  if (r.errors.length) return { errors: r.errors };
  const root = doc.contents;
  if (!isMap(root)) {
    r.errors.push({
      line: 1,
      column: 1,
      message: 'a given block is a YAML mapping (code:, symbols:, memory:, state: ...)',
    });
    return { errors: r.errors };
  }

  const top = new Map<string, Pair>();
  for (const p of root.items as Pair[]) {
    const k = keyOf(p);
    if (!GIVEN_KEYS.includes(k))
      r.error(
        p.key as Node,
        `unknown key '${k}'${didYouMean(k, GIVEN_KEYS) || ` (keys: ${GIVEN_KEYS.join(', ')})`}`,
      );
    else top.set(k, p);
  }
  const node = (k: string) => top.get(k)?.value as Node | null | undefined;
  const keyNode = (k: string) => top.get(k)?.key as Node;

  const spec: GivenSpec = {
    code: DEFAULT_CODE,
    symbols: {},
    memory: [],
    state: [],
    garbage: [],
    seeds: DEFAULT_SEEDS,
    variants: [],
  };

  if (top.has('title')) {
    const s = r.scalar(node('title'), 'title', keyNode('title'));
    if (s) spec.title = String(s.value);
  }

  // Symbols first: each may use the ones before it and the constants.
  const names: string[] = [];
  if (top.has('symbols')) {
    for (const p of pairsOf(r, node('symbols'), 'symbols', keyNode('symbols'))) {
      const name = keyOf(p);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        r.error(p.key as Node, `symbol name '${name}' must be a plain identifier (letters, digits, _)`);
        continue;
      }
      if (name === 'code' || isReservedName(name)) {
        r.error(
          p.key as Node,
          `symbol name '${name}' is taken by the language (an item, keyword or constant)`,
        );
        continue;
      }
      const f = r.expr(p.value as Node, `symbol ${name}`, names, p.key as Node);
      if (!f) continue;
      const v = r.value(f, spec.symbols, `symbol ${name}`);
      if (v === undefined) continue;
      spec.symbols[name] = v;
      names.push(name);
    }
  }

  if (top.has('code')) {
    const f = r.expr(node('code'), 'code', names, keyNode('code'));
    const v = f && r.value(f, spec.symbols, 'code');
    if (v !== undefined) spec.code = v;
  }
  spec.symbols.code = spec.code;
  names.push('code');

  if (top.has('memory')) {
    const list = node('memory');
    if (!isSeq(list)) r.error(list ?? keyNode('memory'), 'memory must be a list of entries (- at: ...)');
    else
      for (const item of list.items as Node[]) {
        const entry = memoryEntry(r, item, names, spec.symbols);
        if (entry) spec.memory.push(entry);
      }
  }

  const stateSeen = new Set<string>();
  if (top.has('state')) {
    for (const p of pairsOf(r, node('state'), 'state', keyNode('state'))) {
      const key = keyOf(p);
      const item = stateItemName(key);
      if (!item) {
        r.error(p.key as Node, `'${key}' is not a state item (${STATE_ITEM_EXAMPLES})`);
        continue;
      }
      if (stateSeen.has(item)) {
        r.error(p.key as Node, `${item} is set twice`);
        continue;
      }
      stateSeen.add(item);
      const f = r.expr(p.value as Node, `state ${key}`, names, p.key as Node);
      if (f) spec.state.push({ item, value: f, line: r.pos(p.key as Node).line });
    }
  }

  if (top.has('garbage')) {
    const list = node('garbage');
    if (!isSeq(list))
      r.error(list ?? keyNode('garbage'), 'garbage must be a list of state items, e.g. [rax, rbx]');
    else
      for (const it of list.items as Node[]) {
        const s = r.scalar(it, 'a garbage item', list);
        if (!s) continue;
        const key = String(s.value);
        const item = stateItemName(key);
        const place = r.pos(s);
        if (!item)
          r.errors.push({
            ...place,
            message: `garbage: '${key}' is not a state item (${STATE_ITEM_EXAMPLES})`,
          });
        else if (!garbageAllowed(item))
          r.errors.push({
            ...place,
            message: `garbage: ${item} cannot be garbage (allowed: general-purpose registers, rflags, cr2, msr.0xNNN, fs.base, gs.base)`,
          });
        else if (stateSeen.has(item))
          r.errors.push({
            ...place,
            message: `garbage: ${item} is also set in state; an input is either given or garbage`,
          });
        else if (spec.garbage.some((g) => g.item === item))
          r.errors.push({ ...place, message: `garbage: ${item} is listed twice` });
        else spec.garbage.push({ item, ...place });
      }
  }

  if (top.has('variants')) spec.variants = variantsOf(r, node('variants'), keyNode('variants'), names, spec);
  if (!spec.variants.length) spec.variants = [{ name: DEFAULT_VARIANT, state: [], memory: [], line: 0 }];

  if (top.has('until')) {
    const f = r.expr(node('until'), 'until', names, keyNode('until'));
    if (f) spec.until = f;
  }

  const count = (k: string, lo: number, hi: number): number | undefined => {
    const s = r.scalar(node(k), k, keyNode(k));
    if (!s) return undefined;
    const t = String(s.value);
    const n = /^[0-9]+$/.test(t) ? Number(t) : NaN;
    if (!(n >= lo && n <= hi)) {
      r.error(s, `${k} must be a whole number from ${lo} to ${hi}, not '${t}'`);
      return undefined;
    }
    return n;
  };
  if (top.has('until_in')) {
    const list = node('until_in');
    if (!isSeq(list) || list.items.length !== 2)
      r.error(list ?? keyNode('until_in'), 'until_in is a list of two addresses, [start, end]');
    else {
      const [a, b] = (list.items as Node[]).map((n) => r.expr(n, 'until_in', names, list));
      if (a && b) spec.untilIn = [a, b];
    }
  }
  if (top.has('seeds')) spec.seeds = count('seeds', 1, 64) ?? DEFAULT_SEEDS;
  if (top.has('max_steps')) {
    const n = count('max_steps', 1, 1e9);
    if (n !== undefined) spec.maxSteps = n;
  }

  r.errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return r.errors.length ? { errors: r.errors } : { given: spec, errors: [] };
}

/** `variants:`: a mapping of names to { title, state, memory }; see VariantSpec. */
function variantsOf(
  r: Reader,
  node: Node | null | undefined,
  place: Node,
  names: string[],
  spec: GivenSpec,
): VariantSpec[] {
  const out: VariantSpec[] = [];
  for (const p of pairsOf(r, node, 'variants', place)) {
    const name = keyOf(p);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
      r.error(p.key as Node, `variant name '${name}' must be lower-case letters, digits and '-'`);
      continue;
    }
    const v: VariantSpec = { name, state: [], memory: [], line: r.pos(p.key as Node).line };
    const body = p.value as Node | null;
    // An empty variant (`4-level: {}` or `4-level:`) is the stage's state as written.
    const fields =
      body === null || (isScalar(body) && body.value === '')
        ? []
        : pairsOf(r, body, `variant ${name}`, p.key as Node);
    for (const f of fields) {
      const k = keyOf(f);
      if (!VARIANT_KEYS.includes(k)) {
        r.error(
          f.key as Node,
          `unknown variant key '${k}'${didYouMean(k, VARIANT_KEYS) || ` (keys: ${VARIANT_KEYS.join(', ')})`}`,
        );
        continue;
      }
      if (k === 'title') {
        const s = r.scalar(f.value as Node, 'title', f.key as Node);
        if (s) v.title = String(s.value);
      } else if (k === 'only') {
        const list = f.value as Node;
        const names = isSeq(list)
          ? (list.items as Node[]).map((n) => (isScalar(n) ? String(n.value) : '')).filter(Boolean)
          : [];
        if (!isSeq(list) || !names.length || names.length !== list.items.length)
          r.error(list ?? f.key, 'only is a list of example names, e.g. [xen-kexec-reloc]');
        else v.only = { names, ...r.pos(list) };
      } else if (k === 'state') {
        const seen = new Set<string>();
        for (const q of pairsOf(r, f.value as Node, `variant ${name} state`, f.key as Node)) {
          const key = keyOf(q);
          const item = stateItemName(key);
          if (!item) {
            r.error(q.key as Node, `'${key}' is not a state item (${STATE_ITEM_EXAMPLES})`);
            continue;
          }
          if (seen.has(item)) {
            r.error(q.key as Node, `${item} is set twice`);
            continue;
          }
          if (spec.garbage.some((g) => g.item === item)) {
            r.error(q.key as Node, `${item} is garbage in this stage; a variant cannot set it`);
            continue;
          }
          seen.add(item);
          const e = r.expr(q.value as Node, `variant ${name} state ${key}`, names, q.key as Node);
          if (e) v.state.push({ item, value: e, line: r.pos(q.key as Node).line });
        }
      } else {
        const list = f.value as Node;
        if (!isSeq(list)) r.error(list ?? f.key, 'memory must be a list of entries (- at: ...)');
        else
          for (const item of list.items as Node[]) {
            const entry = memoryEntry(r, item, names, spec.symbols);
            if (!entry) continue;
            if (entry.content.kind === 'asm' || entry.content.kind === 'garbage') {
              r.error(
                item,
                `a variant's memory holds bytes, qwords or a fill byte, not ${entry.content.kind}`,
              );
              continue;
            }
            v.memory.push(entry);
          }
      }
    }
    if (out.some((o) => o.name === name)) r.error(p.key as Node, `variant ${name} is defined twice`);
    else out.push(v);
  }
  if (isMap(node) && !out.length && !r.errors.length)
    r.error(place, 'variants must name at least one variant');
  return out;
}

function memoryEntry(
  r: Reader,
  item: Node,
  names: string[],
  symbols: Record<string, bigint>,
): MemoryEntry | undefined {
  if (!isMap(item)) {
    r.error(item, 'a memory entry is a mapping: at: plus one of asm, bytes, qwords, fill');
    return undefined;
  }
  const fields = new Map<string, Pair>();
  for (const p of item.items as Pair[]) {
    const k = keyOf(p);
    if (!MEMORY_KEYS.includes(k))
      r.error(
        p.key as Node,
        `unknown memory key '${k}'${didYouMean(k, MEMORY_KEYS) || ` (keys: ${MEMORY_KEYS.join(', ')})`}`,
      );
    else fields.set(k, p);
  }
  const line = r.pos(item).line;
  const at = fields.get('at');
  if (!at) {
    r.error(item, 'a memory entry needs at: (its physical address)');
    return undefined;
  }
  const kinds = ['asm', 'bytes', 'qwords', 'fill'].filter((k) => fields.has(k));
  if (kinds.length !== 1) {
    r.error(
      item,
      kinds.length
        ? `a memory entry has one of asm, bytes, qwords, fill, not ${kinds.join(' and ')}`
        : 'a memory entry needs one of asm, bytes, qwords, fill',
    );
    return undefined;
  }
  const kind = kinds[0]!;
  const atField = r.expr(at.value as Node, 'at', names, at.key as Node);
  const addr = atField && r.value(atField, symbols, 'at');
  if (!atField || addr === undefined) return undefined;
  const p = fields.get(kind)!;
  const sizeP = fields.get('size');
  if (sizeP && kind !== 'fill') {
    r.error(sizeP.key as Node, `size: only applies to fill (the length of ${kind} is what it holds)`);
    return undefined;
  }
  let content: MemoryContent | undefined;
  switch (kind) {
    case 'asm': {
      const s = r.scalar(p.value as Node, 'asm', p.key as Node);
      if (!s) return undefined;
      const block = s.type === 'BLOCK_LITERAL' || s.type === 'BLOCK_FOLDED';
      content = { kind: 'asm', source: String(s.value), line: r.pos(s).line + (block ? 1 : 0) };
      break;
    }
    case 'bytes': {
      const s = r.scalar(p.value as Node, 'bytes', p.key as Node);
      if (!s) return undefined;
      const t = String(s.value).trim();
      const parts = t.split(/\s+/).filter(Boolean);
      const bad = parts.find((x) => !/^[0-9a-fA-F]{2}$/.test(x));
      if (bad !== undefined || !parts.length) {
        r.error(
          s,
          `bytes: write two hex digits per byte separated by spaces, e.g. "f4 90"${bad ? ` ('${bad}' is not a byte)` : ''}`,
        );
        return undefined;
      }
      content = { kind: 'bytes', bytes: Uint8Array.from(parts.map((x) => parseInt(x, 16))) };
      break;
    }
    case 'qwords': {
      const list = p.value as Node;
      if (!isSeq(list)) {
        r.error(list ?? p.key, 'qwords must be a list, e.g. [dst0 | IND_DESTINATION, 0]');
        return undefined;
      }
      const values: ExprField[] = [];
      for (const q of list.items as Node[]) {
        const f = r.expr(q, 'qwords', names, list);
        if (!f) return undefined;
        values.push(f);
      }
      content = { kind: 'qwords', values };
      break;
    }
    case 'fill': {
      let size = PAGE;
      if (sizeP) {
        const f = r.expr(sizeP.value as Node, 'size', names, sizeP.key as Node);
        const v = f && r.value(f, symbols, 'size');
        if (v === undefined) return undefined;
        if (v === 0n || v > 256n << 20n) {
          r.error(sizeP.value as Node, `size must be from 1 byte to 256 MiB, not ${hex(v)}`);
          return undefined;
        }
        size = v;
      }
      const s = r.scalar(p.value as Node, 'fill', p.key as Node);
      if (!s) return undefined;
      const t = String(s.value).trim();
      if (t === 'garbage') content = { kind: 'garbage', size };
      else {
        const f = r.expr(s, 'fill', names, p.key as Node);
        const v = f && r.value(f, symbols, 'fill');
        if (v === undefined) return undefined;
        if (v > 0xffn) {
          r.error(s, `fill is 'garbage' or one byte value (0x00..0xff), not ${hex(v)}`);
          return undefined;
        }
        content = { kind: 'fill', byte: Number(v), size };
      }
      break;
    }
  }
  const entry: MemoryEntry = { at: atField, addr, content: content!, line };
  if (content!.kind === 'garbage') entry.input = `memory[${hex(addr)}]`;
  return entry;
}

/** The names of the garbage inputs of a stage: state items and "memory[0x...]" fills, in order. */
export function garbageInputs(given: GivenSpec): string[] {
  return [...given.garbage.map((g) => g.item), ...given.memory.flatMap((m) => (m.input ? [m.input] : []))];
}

/** The world's symbols for one example: the stage's, `code`, and the code's labels as `code.<label>`. */
export function worldSymbols(given: GivenSpec, codeSymbols: Record<string, bigint>): Record<string, bigint> {
  const out: Record<string, bigint> = { ...given.symbols };
  for (const [name, v] of Object.entries(codeSymbols)) if (!name.startsWith('.L')) out[`code.${name}`] = v;
  return out;
}

export class GivenBuildError extends Error {
  override name = 'GivenBuildError';
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

/** The value of a given field for one example; a code label the example lacks is a GivenBuildError. */
export function fieldValue(f: ExprField, symbols: Record<string, bigint>, what: string): bigint {
  try {
    return evaluateConstant(f.expr, symbols);
  } catch (e) {
    if (e instanceof RangeError)
      throw new GivenBuildError(
        f.line,
        f.column,
        `${what}: ${e.message} (the example defines no such label)`,
      );
    throw e;
  }
}

/** The stop range of a run (`until_in:`), or undefined when the stage has none. */
export function untilRange(
  given: GivenSpec,
  symbols: Record<string, bigint>,
): { start: bigint; end: bigint } | undefined {
  if (!given.untilIn) return undefined;
  const [a, b] = given.untilIn;
  return { start: fieldValue(a, symbols, 'until_in'), end: fieldValue(b, symbols, 'until_in') };
}

/** The stop address of a run (`until:`), or undefined when the stage has none. */
export function untilAddress(given: GivenSpec, symbols: Record<string, bigint>): bigint | undefined {
  return given.until && fieldValue(given.until, symbols, 'until');
}
