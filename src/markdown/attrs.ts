// Attributes in an info string (`asm example stage=k2p name="linux 6.18"`) and in a directive's braces
// (`{#k2p.gpr.zero level=must unchecked="needs hardware"}`).
// A small tokenizer rather than a regex: quoted values may hold spaces and `=`, and every error carries
// the column where it happened so it can be reported at the Markdown position.

export interface Attributes {
  /** Bare words, in order (`example`, `counterexample`). */
  flags: string[];
  /** key=value pairs; `#x` in braces is stored as `id`. */
  values: Record<string, string>;
  /** 0-based offset of each key (and flag) in the input, for error columns. */
  offsets: Record<string, number>;
}

export type ParseAttributes =
  { ok: true; value: Attributes } | { ok: false; message: string; offset: number };

const BARE_VALUE = /[^\s"'=}]/;
const KEY = /[A-Za-z0-9_-]/;

/**
 * Tokenize `word key=value key="quoted value" key='single'`.
 * With `braces`, `#id` is accepted as `id=...` (dots included: clause IDs are dotted).
 */
export function parseAttributes(input: string, options: { braces?: boolean } = {}): ParseAttributes {
  const out: Attributes = { flags: [], values: {}, offsets: {} };
  let i = 0;
  const n = input.length;
  const fail = (message: string, offset: number): ParseAttributes => ({ ok: false, message, offset });

  while (i < n) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (options.braces && c === '#') {
      i++;
      while (i < n && BARE_VALUE.test(input[i]!)) i++;
      const id = input.slice(start + 1, i);
      if (!id) return fail('`#` must be followed by an ID', start);
      if ('id' in out.values) return fail('the ID is given twice', start);
      out.values.id = id;
      out.offsets.id = start;
      continue;
    }
    if (options.braces && c === '.') {
      return fail(
        `classes (\`${readWord(input, i)}\`) are not used here; did you mean #ID with a dotted ID?`,
        start,
      );
    }
    if (!KEY.test(c)) return fail(`unexpected character \`${c}\``, start);
    while (i < n && KEY.test(input[i]!)) i++;
    const key = input.slice(start, i);
    if (input[i] !== '=') {
      if (i < n && !/\s/.test(input[i]!))
        return fail(`unexpected character \`${input[i]}\` after \`${key}\``, i);
      out.flags.push(key);
      out.offsets[key] ??= start;
      continue;
    }
    i++; // '='
    let value: string;
    const q = input[i];
    if (q === '"' || q === "'") {
      const open = i;
      i++;
      value = '';
      while (i < n && input[i] !== q) {
        if (input[i] === '\\' && i + 1 < n) i++;
        value += input[i];
        i++;
      }
      if (i >= n) return fail(`unterminated quoted value for \`${key}\``, open);
      i++; // closing quote
    } else {
      const vstart = i;
      while (i < n && BARE_VALUE.test(input[i]!)) i++;
      value = input.slice(vstart, i);
      if (!value) return fail(`\`${key}=\` needs a value`, vstart);
    }
    if (key in out.values) return fail(`\`${key}\` is given twice`, start);
    out.values[key] = value;
    out.offsets[key] = start;
  }
  return { ok: true, value: out };
}

function readWord(s: string, i: number): string {
  let j = i;
  while (j < s.length && !/\s|}/.test(s[j]!)) j++;
  return s.slice(i, j);
}
