// The syntax tree of the `expect` language (docs/reference/expect-language.md).
// Columns are 1-based positions in the assertion's line as written; `end` is the column just past the
// node, so a message can underline [col, end).

import {
  ACCESS_RIGHTS_FIELDS,
  SEGMENT_CACHE_FIELDS,
  type AccessRightsField,
  type BreakpointRegister,
  type Gpr,
  type SegmentCacheField,
  type SegmentName,
} from '../../x86/registers.ts';
import type { BitRegister } from '../../x86/bits.ts';

export interface Span {
  col: number;
  end: number;
}

/** Fields of a segment register: the cache as stored, and the access-rights bits decoded. */
export const SEGMENT_FIELDS = [...SEGMENT_CACHE_FIELDS, ...ACCESS_RIGHTS_FIELDS] as const;
export type SegmentField = SegmentCacheField | AccessRightsField;

/** A piece of CPU state, without `initial.` (that lives on the node that reads it). */
export type ItemRef =
  | { kind: 'gpr'; name: Gpr }
  | { kind: 'rip' }
  | { kind: 'cr2' }
  /** dr0-dr3, the breakpoint addresses (no named bits). */
  | { kind: 'dr'; name: BreakpointRegister }
  /** cr0, cr3, cr4, efer, rflags, dr6, dr7, optionally one named bit/field of it. */
  | { kind: 'bits'; reg: BitRegister; bit?: string }
  | { kind: 'msr'; index: Expr }
  | { kind: 'seg'; seg: SegmentName; field: SegmentField }
  | { kind: 'dtr'; table: 'gdtr' | 'idtr'; field: 'base' | 'limit' };

export type MemSize = 'byte' | 'word' | 'dword' | 'qword' | 'page';
export const MEM_BYTES: Record<MemSize, number> = { byte: 1, word: 2, dword: 4, qword: 8, page: 4096 };

export type PredicateName = 'identity_mapped' | 'mapped';
export const PREDICATE_ARITY: Record<PredicateName, number> = { identity_mapped: 2, mapped: 1 };

export type BinaryOp = '|' | '^' | '&' | '<<' | '>>' | '+' | '-' | '*';
export type UnaryOp = '~' | '-' | '+';

export type Expr = Span &
  (
    | { kind: 'num'; value: bigint }
    /** A named constant from src/model/constants.ts, resolved while parsing. */
    | { kind: 'const'; name: string; value: bigint }
    /**
     * A world symbol (given `symbols:`, `code`, `code.<label>`), resolved when evaluated. `at` is where
     * the name itself is written (the node's own span grows with the parentheses around it).
     */
    | { kind: 'sym'; name: string; at: Span }
    | { kind: 'item'; item: ItemRef; initial: boolean }
    | { kind: 'mem'; size: MemSize; addr: Expr; initial: boolean }
    | { kind: 'call'; name: PredicateName; args: Expr[]; initial: boolean }
    | { kind: 'unary'; op: UnaryOp; operand: Expr }
    | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  );

export type RelOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** An item or memory read that `unchanged`/`undefined` can name. */
export type Subject = Extract<Expr, { kind: 'item' } | { kind: 'mem' }>;

export type AssertionNode = Span &
  (
    | { kind: 'compare'; op: RelOp; left: Expr; right: Expr; opCol: number }
    /** value in [lo, hi) */
    | { kind: 'range'; value: Expr; lo: Expr; hi: Expr }
    | { kind: 'unchanged'; subject: Subject }
    | { kind: 'undefined'; subject: Subject }
    /** A predicate call standing alone: holds when non-zero. */
    | { kind: 'predicate'; call: Extract<Expr, { kind: 'call' }> }
  );

/** One parsed line of an `expect` block. */
export interface ParsedAssertion {
  /** 1-based line within the block. */
  line: number;
  /** The assertion as written, trimmed, without its comment. */
  source: string;
  /** 'undefined' lines document what may not be relied on; they are never evaluated. */
  kind: 'check' | 'undefined';
  ast: AssertionNode;
}

/** A problem in a block, placed relative to the block (line 1 = first line inside the fence). */
export interface ExpectError {
  line: number;
  column: number;
  /** Column just past the offending text, when known. */
  endColumn?: number;
  message: string;
}
