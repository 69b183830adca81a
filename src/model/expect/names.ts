// The vocabulary of the languages: which words are items, keywords, predicates, memory sizes, and
// the did-you-mean suggestion used by every "unknown name" message.

import { BREAKPOINT_REGISTERS, GPRS, SEGMENT_NAMES } from '../../x86/registers.ts';
import { CONSTANTS } from '../constants.ts';
import { BIT_REGISTERS, REGISTER_BITS } from '../../x86/bits.ts';
import { SEGMENT_FIELDS } from './ast.ts';

export const MEMORY_SIZES = ['byte', 'word', 'dword', 'qword', 'page'] as const;
export const PREDICATES = ['identity_mapped', 'mapped'] as const;
export const KEYWORDS = ['in', 'unchanged', 'undefined', 'initial'] as const;

/** Every word a line can start a name with, for suggestions: items with their fields and bits. */
export function itemNames(): string[] {
  const out: string[] = [...GPRS, 'rip', 'cr2', ...BREAKPOINT_REGISTERS, 'msr'];
  for (const reg of BIT_REGISTERS) {
    out.push(reg);
    for (const f of REGISTER_BITS[reg]) out.push(`${reg}.${f.name}`);
  }
  for (const s of SEGMENT_NAMES) for (const f of SEGMENT_FIELDS) out.push(`${s}.${f}`);
  for (const t of ['gdtr', 'idtr']) out.push(`${t}.base`, `${t}.limit`);
  return out;
}

/** Names that a world symbol may not take, because the language already gives them a meaning. */
export function isReservedName(name: string): boolean {
  const head = name.split('.')[0]!;
  return (
    (KEYWORDS as readonly string[]).includes(head) ||
    (MEMORY_SIZES as readonly string[]).includes(head) ||
    (PREDICATES as readonly string[]).includes(head) ||
    (GPRS as readonly string[]).includes(head) ||
    (BIT_REGISTERS as readonly string[]).includes(head) ||
    (SEGMENT_NAMES as readonly string[]).includes(head) ||
    ['rip', 'cr1', 'cr2', 'msr', 'gdtr', 'idtr'].includes(head) ||
    /^dr[0-9]+$/.test(head) ||
    Object.hasOwn(CONSTANTS, name)
  );
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate (case-insensitive match first), or undefined when nothing is close. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    if (c === word) continue;
    const d = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  const limit = Math.max(1, Math.floor(word.length / 3));
  return bestD <= limit ? best : undefined;
}

/** "; did you mean 'x'?" or "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const s = suggest(word, candidates);
  return s === undefined ? '' : `; did you mean '${s}'?`;
}
