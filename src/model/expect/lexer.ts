// Tokens of the `expect` language (and of every `given` scalar). One pass over one line; `#` ends it.
// Identifiers keep their dots (`rflags.IF`, `initial.cr0`, `code._start`): the parser splits them, so
// a dotted name has one column span.

export type TokenKind = 'num' | 'ident' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based column of the first character. */
  col: number;
  /** Column just past the token. */
  end: number;
  /** For numbers. */
  value?: bigint;
}

export class ExpectSyntaxError extends Error {
  constructor(
    readonly column: number,
    readonly endColumn: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExpectSyntaxError';
  }
}

// Longest first so `<<` wins over `<`.
const OPERATORS = [
  '<<',
  '>>',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  '|',
  '^',
  '&',
  '~',
  '+',
  '-',
  '*',
  '(',
  ')',
  '[',
  ']',
  ',',
];

const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);

const MAX = (1n << 64n) - 1n;

/** Split one line into tokens (columns 1-based, `#` starts a comment). Throws ExpectSyntaxError. */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') break;
    const start = i;
    if (isDigit(c)) {
      while (i < line.length && (isIdentPart(line[i]!) || line[i] === '_')) i++;
      const text = line.slice(start, i);
      out.push({ kind: 'num', text, col: start + 1, end: i + 1, value: parseNumber(text, start + 1) });
      continue;
    }
    if (isIdentStart(c)) {
      while (
        i < line.length &&
        (isIdentPart(line[i]!) || (line[i] === '.' && isIdentPart(line[i + 1] ?? '')))
      )
        i++;
      out.push({ kind: 'ident', text: line.slice(start, i), col: start + 1, end: i + 1 });
      continue;
    }
    const op = OPERATORS.find((o) => line.startsWith(o, i));
    if (op) {
      i += op.length;
      out.push({ kind: 'op', text: op, col: start + 1, end: i + 1 });
      continue;
    }
    const hint = c === '=' ? " (comparison is '==')" : c === '!' ? " (use '!=' or '== 0')" : '';
    throw new ExpectSyntaxError(start + 1, start + 2, `unexpected character '${c}'${hint}`);
  }
  out.push({ kind: 'eof', text: '', col: i + 1, end: i + 1 });
  return out;
}

/** Decimal, 0x hex or 0b binary, with optional `_` separators; at most 64 bits. */
function parseNumber(text: string, col: number): bigint {
  const digits = text.replace(/_/g, '');
  const fail = (why: string): never => {
    throw new ExpectSyntaxError(col, col + text.length, `bad number '${text}': ${why}`);
  };
  let value: bigint;
  const lower = digits.toLowerCase();
  if (lower.startsWith('0x')) {
    if (!/^0x[0-9a-f]+$/.test(lower)) fail('expected hex digits after 0x');
    value = BigInt(lower);
  } else if (lower.startsWith('0b')) {
    if (!/^0b[01]+$/.test(lower)) fail('expected binary digits after 0b');
    value = BigInt(lower);
  } else {
    if (!/^[0-9]+$/.test(lower)) fail('expected decimal digits (hex needs 0x)');
    value = BigInt(lower);
  }
  if (value > MAX) fail('does not fit in 64 bits');
  return value;
}
