// Recursive-descent parser of the `expect` language: one assertion per line, C precedence for the
// arithmetic (| lowest, then ^, &, << >>, + -, *, unary ~ - +). Names are resolved here as far as
// the text allows: items, bits, memory reads, predicates and constants; anything else is a world
// symbol, checked against `options.symbols` when the caller knows them.

import {
  BREAKPOINT_REGISTERS,
  GPRS,
  SEGMENT_NAMES,
  type BreakpointRegister,
  type Gpr,
  type SegmentName,
} from '../../x86/registers.ts';
import { CONSTANTS } from '../constants.ts';
import { BIT_REGISTERS, REGISTER_BITS, type BitRegister } from '../../x86/bits.ts';
import {
  PREDICATE_ARITY,
  SEGMENT_FIELDS,
  type AssertionNode,
  type BinaryOp,
  type Expr,
  type ExpectError,
  type MemSize,
  type ParsedAssertion,
  type PredicateName,
  type RelOp,
  type SegmentField,
  type Subject,
} from './ast.ts';
import { ExpectSyntaxError, tokenize, type Token } from './lexer.ts';
import { KEYWORDS, MEMORY_SIZES, PREDICATES, didYouMean, itemNames } from './names.ts';

export interface ParseOptions {
  /**
   * The world symbols names may refer to (given `symbols:`, `code`, `code.<label>` ...). When given,
   * an unknown name is a parse error with a suggestion; when absent, names are checked at evaluation.
   */
  symbols?: Iterable<string>;
  /** Accept any `code.<label>` even when `symbols` does not list it (labels differ per example). */
  allowCodeLabels?: boolean;
}

const RELOPS: readonly string[] = ['==', '!=', '<', '<=', '>', '>='];

// Binary operator precedence levels, lowest first.
const LEVELS: readonly (readonly BinaryOp[])[] = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*']];

class Parser {
  private pos = 0;
  private readonly symbols?: Set<string>;

  constructor(
    private readonly toks: Token[],
    private readonly options: ParseOptions,
  ) {
    if (options.symbols) this.symbols = new Set(options.symbols);
  }

  private peek(): Token {
    return this.toks[this.pos]!;
  }
  private next(): Token {
    return this.toks[this.pos++]!;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }
  private fail(t: { col: number; end: number }, message: string): never {
    throw new ExpectSyntaxError(t.col, t.end, message);
  }
  private expectOp(text: string, what: string): Token {
    const t = this.peek();
    if (t.kind === 'op' && t.text === text) return this.next();
    this.fail(t, `expected '${text}' ${what}, found ${describeToken(t)}`);
  }

  /** Fail unless every token was used. */
  end(what: string): void {
    const rest = this.peek();
    if (rest.kind !== 'eof') this.fail(rest, `unexpected ${describeToken(rest)} ${what}`);
  }

  assertion(): AssertionNode | null {
    if (this.peek().kind === 'eof') return null;
    const first = this.peek();
    const left = this.expr();
    const t = this.peek();
    let node: AssertionNode;
    if (t.kind === 'ident' && (t.text === 'unchanged' || t.text === 'undefined')) {
      this.next();
      const subject = asSubject(left);
      if (!subject)
        this.fail(
          left,
          `'${t.text}' applies to an item or a memory read (e.g. 'rbx ${t.text}'), not an expression`,
        );
      if (subject.initial) this.fail(left, `'${t.text}' takes the final item, not 'initial.'`);
      node = { kind: t.text, subject, col: first.col, end: t.end };
    } else if (t.kind === 'ident' && t.text === 'in') {
      this.next();
      this.expectOp('[', "to open the range 'in [low, high)'");
      const lo = this.expr();
      this.expectOp(',', 'between the bounds of the range');
      const hi = this.expr();
      const close = this.peek();
      if (close.kind === 'op' && close.text === ']')
        this.fail(close, "ranges are half-open: write 'in [low, high)' with ')'");
      const c = this.expectOp(')', "to close the range 'in [low, high)'");
      node = { kind: 'range', value: left, lo, hi, col: first.col, end: c.end };
    } else if (t.kind === 'op' && RELOPS.includes(t.text)) {
      this.next();
      const right = this.expr();
      node = {
        kind: 'compare',
        op: t.text as RelOp,
        left,
        right,
        opCol: t.col,
        col: first.col,
        end: right.end,
      };
    } else if (t.kind === 'eof' && left.kind === 'call') {
      node = { kind: 'predicate', call: left, col: left.col, end: left.end };
    } else if (t.kind === 'eof') {
      this.fail(
        t,
        "expected a comparison ('==', '!=', '<', '<=', '>', '>='), 'in [low, high)', 'unchanged' or 'undefined'",
      );
    } else {
      this.fail(t, `unexpected ${describeToken(t)}`);
    }
    this.end('after the assertion');
    checkPages(node);
    return node;
  }

  expr(level = 0): Expr {
    if (level === LEVELS.length) return this.unary();
    let left = this.expr(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !(LEVELS[level] as readonly string[]).includes(t.text)) return left;
      this.next();
      const right = this.expr(level + 1);
      left = { kind: 'binary', op: t.text as BinaryOp, left, right, col: left.col, end: right.end };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '~' || t.text === '-' || t.text === '+')) {
      this.next();
      const operand = this.unary();
      return { kind: 'unary', op: t.text, operand, col: t.col, end: operand.end };
    }
    return this.atom();
  }

  private atom(): Expr {
    const t = this.next();
    if (t.kind === 'num') return { kind: 'num', value: t.value!, col: t.col, end: t.end };
    if (t.kind === 'op' && t.text === '(') {
      const e = this.expr();
      const c = this.expectOp(')', 'to close the parenthesis');
      return { ...e, col: t.col, end: c.end };
    }
    if (t.kind === 'ident') return this.name(t);
    this.fail(t, `expected a value, found ${describeToken(t)}`);
  }

  /** A name: `[initial.] item | memory | call`, a constant or a symbol. */
  private name(t: Token): Expr {
    const parts = t.text.split('.');
    let initial = false;
    if (parts[0] === 'initial') {
      initial = true;
      parts.shift();
      if (parts.length === 0) this.fail(t, "expected an item after 'initial.'");
    }
    const head = parts[0]!;
    const span = { col: t.col, end: t.end };
    // Where the part after `head.` starts, for errors about a bit or field name.
    const tail = { col: t.col + (initial ? 'initial.'.length : 0) + head.length + 1, end: t.end };
    const one = (what: string) => {
      if (parts.length > 1) this.fail(tail, `${head} has no field '${parts.slice(1).join('.')}' (${what})`);
    };

    if ((MEMORY_SIZES as readonly string[]).includes(head)) {
      one('a memory read is written `qword [address]`');
      this.expectOp('[', `after '${head}' (a memory read is written '${head} [address]')`);
      const addr = this.expr();
      const c = this.expectOp(']', 'to close the memory address');
      return { kind: 'mem', size: head as MemSize, addr, initial, col: t.col, end: c.end };
    }
    if ((PREDICATES as readonly string[]).includes(head)) {
      one('a predicate is called like `mapped(address)`');
      const name = head as PredicateName;
      this.expectOp('(', `after '${head}'`);
      const args: Expr[] = [];
      if (!this.isOp(')')) {
        args.push(this.expr());
        while (this.isOp(',')) {
          this.next();
          args.push(this.expr());
        }
      }
      const c = this.expectOp(')', `to close the arguments of '${head}'`);
      const want = PREDICATE_ARITY[name];
      if (args.length !== want)
        this.fail(
          { col: t.col, end: c.end },
          `${head} takes ${want} argument${want === 1 ? '' : 's'} (${name === 'mapped' ? 'address' : 'start, length'}), found ${args.length}`,
        );
      return { kind: 'call', name, args, initial, col: t.col, end: c.end };
    }
    if (head === 'msr') {
      one('an MSR is read as `msr[number]`');
      this.expectOp('[', "after 'msr' (an MSR is read as 'msr[0xc0000080]')");
      const index = this.expr();
      const c = this.expectOp(']', 'to close the MSR number');
      return { kind: 'item', item: { kind: 'msr', index }, initial, col: t.col, end: c.end };
    }
    if ((GPRS as readonly string[]).includes(head)) {
      one('a general-purpose register is read whole');
      return { kind: 'item', item: { kind: 'gpr', name: head as Gpr }, initial, ...span };
    }
    if (head === 'rip' || head === 'cr2') {
      one(`${head} has no named bits`);
      return { kind: 'item', item: { kind: head }, initial, ...span };
    }
    if ((BREAKPOINT_REGISTERS as readonly string[]).includes(head)) {
      one(`${head} has no named bits`);
      return { kind: 'item', item: { kind: 'dr', name: head as BreakpointRegister }, initial, ...span };
    }
    if ((BIT_REGISTERS as readonly string[]).includes(head)) {
      const reg = head as BitRegister;
      if (parts.length === 1) return { kind: 'item', item: { kind: 'bits', reg }, initial, ...span };
      const bit = parts.slice(1).join('.');
      const names = REGISTER_BITS[reg].map((f) => f.name);
      if (!names.includes(bit))
        this.fail(
          tail,
          `${reg} has no bit '${bit}'${didYouMean(bit, names) || ` (its bits: ${names.join(' ')})`}`,
        );
      return { kind: 'item', item: { kind: 'bits', reg, bit }, initial, ...span };
    }
    if (/^cr[0-9]+$/.test(head))
      this.fail(t, `${head} is not a control register the contract models (cr0, cr2, cr3, cr4)`);
    if (/^dr[0-9]+$/.test(head))
      this.fail(
        t,
        `${head} is not a debug register the contract models (dr0, dr1, dr2, dr3, dr6, dr7; DR4 and DR5 are DR6 and DR7 under another number)`,
      );
    if ((SEGMENT_NAMES as readonly string[]).includes(head)) {
      const fields: readonly string[] = SEGMENT_FIELDS;
      const field = parts.slice(1).join('.');
      if (parts.length === 1)
        this.fail(t, `${head} needs a field, e.g. '${head}.selector' (fields: ${fields.join(' ')})`);
      if (!fields.includes(field))
        this.fail(
          tail,
          `${head} has no field '${field}'${didYouMean(field, fields) || ` (fields: ${fields.join(' ')})`}`,
        );
      return {
        kind: 'item',
        item: { kind: 'seg', seg: head as SegmentName, field: field as SegmentField },
        initial,
        ...span,
      };
    }
    if (head === 'gdtr' || head === 'idtr') {
      const field = parts.slice(1).join('.');
      if (field !== 'base' && field !== 'limit')
        this.fail(
          field ? tail : t,
          `${head} has the fields 'base' and 'limit'${field ? `, not '${field}'` : ''}`,
        );
      return { kind: 'item', item: { kind: 'dtr', table: head, field }, initial, ...span };
    }
    if ((KEYWORDS as readonly string[]).includes(t.text))
      this.fail(t, `'${t.text}' is a keyword and cannot stand here`);
    if (initial)
      this.fail(t, `'initial.' applies to items and memory reads; '${parts.join('.')}' is not one`);
    if (Object.hasOwn(CONSTANTS, t.text))
      return { kind: 'const', name: t.text, value: CONSTANTS[t.text]!.value, ...span };
    if (this.symbols) {
      const unknown = unknownNameMessage(t.text, this.symbols, this.options.allowCodeLabels);
      if (unknown) this.fail(t, unknown);
    }
    return { kind: 'sym', name: t.text, at: span, ...span };
  }
}

/** "unknown name ..." when `name` is not a symbol of `symbols` (nor an allowed `code.<label>`). */
function unknownNameMessage(
  name: string,
  symbols: Set<string>,
  allowCodeLabels: boolean | undefined,
): string | undefined {
  if (symbols.has(name)) return undefined;
  if (allowCodeLabels && name.startsWith('code.')) return undefined;
  const candidates = [...itemNames(), ...Object.keys(CONSTANTS), ...symbols, ...MEMORY_SIZES, ...PREDICATES];
  return `unknown name '${name}'${didYouMean(name, candidates)}`;
}

/**
 * Names in a parsed assertion checked against the world's symbols, as `parseAssertion` with
 * `options.symbols` would have: the first (leftmost) unknown name, or undefined. Lets a line be parsed
 * once, without knowing its stage, and its names checked once the stage's symbols are known.
 */
export function checkNames(assertion: ParsedAssertion, options: ParseOptions): ExpectError | undefined {
  if (!options.symbols) return undefined;
  const symbols = new Set(options.symbols);
  const names: Extract<Expr, { kind: 'sym' }>[] = [];
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'sym':
        names.push(e);
        return;
      case 'item':
        if (e.item.kind === 'msr') visit(e.item.index);
        return;
      case 'mem':
        visit(e.addr);
        return;
      case 'call':
        e.args.forEach(visit);
        return;
      case 'unary':
        visit(e.operand);
        return;
      case 'binary':
        visit(e.left);
        visit(e.right);
        return;
      default:
        return;
    }
  };
  const node = assertion.ast;
  switch (node.kind) {
    case 'compare':
      visit(node.left);
      visit(node.right);
      break;
    case 'range':
      [node.value, node.lo, node.hi].forEach(visit);
      break;
    case 'unchanged':
    case 'undefined':
      visit(node.subject);
      break;
    case 'predicate':
      visit(node.call);
      break;
  }
  names.sort((a, b) => a.at.col - b.at.col);
  for (const n of names) {
    const message = unknownNameMessage(n.name, symbols, options.allowCodeLabels);
    if (message) return { line: assertion.line, column: n.at.col, endColumn: n.at.end, message };
  }
  return undefined;
}

function describeToken(t: Token): string {
  return t.kind === 'eof' ? 'the end of the line' : `'${t.text}'`;
}

function asSubject(e: Expr): Subject | undefined {
  return e.kind === 'item' || e.kind === 'mem' ? e : undefined;
}

/** A `page [x]` is 4096 bytes: only a whole operand of == / != (or the subject of unchanged). */
function checkPages(node: AssertionNode): void {
  const nested = (e: Expr): void => {
    switch (e.kind) {
      case 'mem':
        if (e.size === 'page')
          throw new ExpectSyntaxError(
            e.col,
            e.end,
            "'page [...]' is 4096 bytes: it can only be compared whole with '==' or '!='",
          );
        nested(e.addr);
        return;
      case 'item':
        if (e.item.kind === 'msr') nested(e.item.index);
        return;
      case 'call':
        e.args.forEach(nested);
        return;
      case 'unary':
        nested(e.operand);
        return;
      case 'binary':
        nested(e.left);
        nested(e.right);
        return;
      default:
        return;
    }
  };
  const operand = (e: Expr, pageOk: boolean) => {
    if (e.kind === 'mem' && e.size === 'page' && pageOk) nested(e.addr);
    else nested(e);
  };
  switch (node.kind) {
    case 'compare': {
      const eq = node.op === '==' || node.op === '!=';
      operand(node.left, eq);
      operand(node.right, eq);
      return;
    }
    case 'range':
      [node.value, node.lo, node.hi].forEach(nested);
      return;
    case 'unchanged':
    case 'undefined':
      operand(node.subject, true);
      return;
    case 'predicate':
      nested(node.call);
      return;
  }
}

export type ParseLineResult =
  { ok: true; assertion: ParsedAssertion | null } | { ok: false; error: ExpectError };

/** Parse one assertion line (`line` is its 1-based number in the block). Empty/comment lines give null. */
export function parseAssertion(text: string, options: ParseOptions = {}, line = 1): ParseLineResult {
  try {
    const ast = new Parser(tokenize(text), options).assertion();
    if (!ast) return { ok: true, assertion: null };
    const source = text.slice(ast.col - 1, ast.end - 1).trim();
    return {
      ok: true,
      assertion: { line, source, kind: ast.kind === 'undefined' ? 'undefined' : 'check', ast },
    };
  } catch (e) {
    if (e instanceof ExpectSyntaxError)
      return { ok: false, error: { line, column: e.column, endColumn: e.endColumn, message: e.message } };
    throw e;
  }
}

/** Parse a whole `expect` block: every line is parsed, so one bad line does not hide the others. */
export function parseExpectBlock(
  text: string,
  options: ParseOptions = {},
): { assertions: ParsedAssertion[]; errors: ExpectError[] } {
  const assertions: ParsedAssertion[] = [];
  const errors: ExpectError[] = [];
  text.split('\n').forEach((lineText, i) => {
    const r = parseAssertion(lineText, options, i + 1);
    if (!r.ok) errors.push(r.error);
    else if (r.assertion) assertions.push(r.assertion);
  });
  return { assertions, errors };
}

export type ParseExprResult = { ok: true; expr: Expr } | { ok: false; error: ExpectError };

/** Parse a lone expression (a `given` scalar). Columns are relative to `text`. */
export function parseExpression(text: string, options: ParseOptions = {}): ParseExprResult {
  try {
    const p = new Parser(tokenize(text), options);
    const expr = p.expr();
    p.end('after the expression');
    return { ok: true, expr };
  } catch (e) {
    if (e instanceof ExpectSyntaxError)
      return { ok: false, error: { line: 1, column: e.column, endColumn: e.endColumn, message: e.message } };
    throw e;
  }
}
