// Citation text for one clause: plain text for an email reply, wrapped at 72 columns.
// One pure function shared by the site (Copy citation button, /r/<id>.txt) and `kexec-contract cite`,
// so the three can never disagree. No Node or DOM APIs here: it runs in the browser too.

import type { Level } from './types.ts';

export const CITATION_WIDTH = 72;

export interface CitationSource {
  id: string;
  level: Level;
  /** The clause prose as Markdown. */
  text: string;
  /** Full content hash as in spec/clauses.lock.json; shown shortened. */
  hash: string;
  /** Spec version the text belongs to, e.g. "1.0" or "0.1.0". */
  version: string;
  /** Absolute URL of the clause (page URL + '#' + id, or the tombstone page). */
  permalink: string;
  /** Set for tombstoned IDs. */
  retired?: { reason?: string; replacement?: string };
}

/** 'must-not' -> 'MUST NOT'; informative and undefined stay lower case (they are not RFC 2119 keywords). */
export function levelLabel(level: Level | string): string {
  if (level === 'informative' || level === 'undefined') return level;
  return level.replace(/-/g, ' ').toUpperCase();
}

/** First 8 hex digits of a hash, without any "sha256:" style prefix. */
export function shortHash(hash: string): string {
  const bare = hash.includes(':') ? hash.slice(hash.lastIndexOf(':') + 1) : hash;
  return bare.slice(0, 8);
}

/** Inline Markdown to plain text: code spans keep their content, emphasis and link syntax go. */
function inlinePlain(s: string): string {
  return s
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<(https?:[^>\s]+)>/g, '$1')
    .replace(/`+([^`]+?)`+/g, '$1')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[\s(])[*_]([^*_\s][^*_]*?)[*_](?=$|[\s).,;:!?])/g, '$1$2')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, '$1');
}

/** One block of plain text: a paragraph, a list item (with its marker) or verbatim code lines. */
interface Block {
  kind: 'para' | 'item' | 'code';
  marker?: string;
  lines: string[];
}

/** Split Markdown prose into blocks. Enough Markdown for clause prose: paragraphs, lists, code fences. */
export function plainBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  let fence: string | null = null;
  for (const raw of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (fence !== null) {
      if (raw.trim().startsWith(fence)) {
        fence = null;
        current = null;
      } else current!.lines.push(raw);
      continue;
    }
    const line = raw.trim();
    const fenceOpen = /^(`{3,}|~{3,})/.exec(line);
    if (fenceOpen) {
      fence = fenceOpen[1];
      current = { kind: 'code', lines: [] };
      blocks.push(current);
      continue;
    }
    if (line === '') {
      current = null;
      continue;
    }
    const item = /^([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (item) {
      current = { kind: 'item', marker: /^\d/.test(item[1]) ? item[1] : '-', lines: [item[2]] };
      blocks.push(current);
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading || current === null || current.kind === 'code') {
      current = { kind: 'para', lines: [heading ? heading[1] : line] };
      blocks.push(current);
      continue;
    }
    current.lines.push(line.replace(/^>\s?/, ''));
  }
  return blocks;
}

/** Greedy word wrap. A word longer than the width (a URL) gets a line of its own, unbroken. */
export function wrap(text: string, width = CITATION_WIDTH, indent = ''): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line === '') line = word;
    else if (indent.length + line.length + 1 + word.length <= width) line += ' ' + word;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Markdown prose as plain text lines wrapped at `width`; blocks separated by one blank line. */
export function plainText(markdown: string, width = CITATION_WIDTH): string[] {
  const out: string[] = [];
  let previous: Block['kind'] | null = null;
  for (const block of plainBlocks(markdown)) {
    const after = previous;
    previous = block.kind;
    if (block.kind === 'code') {
      if (out.length > 0) out.push('');
      out.push(...block.lines.map((l) => '    ' + l.trimEnd()));
      continue;
    }
    const text = inlinePlain(block.lines.join(' '));
    if (block.kind === 'item') {
      const marker = block.marker + ' ';
      const hang = ' '.repeat(marker.length);
      const lines = wrap(text, width, hang);
      // Consecutive list items stay together, without blank lines between them.
      if (out.length > 0 && after !== 'item') out.push('');
      lines.forEach((l, i) => out.push((i === 0 ? marker : hang) + l));
      continue;
    }
    if (out.length > 0) out.push('');
    out.push(...wrap(text, width));
  }
  return out;
}

/**
 * Typographic characters a clause may use, spelled in ASCII: a citation is pasted into mail and
 * terminals, where only ASCII is safe.
 */
const ASCII: Record<string, string> = {
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '--',
  '\u2015': '--',
  '\u2212': '-',
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u2026': '...',
  '\u2022': '-',
  '\u00b7': '.',
  '\u00d7': 'x',
  '\u2190': '<-',
  '\u2192': '->',
  '\u2194': '<->',
  '\u21d2': '=>',
  '\u2264': '<=',
  '\u2265': '>=',
  '\u2260': '!=',
  '\u00a0': ' ',
  '\u202f': ' ',
  '\u2009': ' ',
  '\u00a7': 'S',
};

/** `s` in ASCII: known typography spelled out, accents dropped, anything else as `?`. */
export function toAscii(s: string): string {
  return s
    .replace(/[\u0080-\u{10ffff}]/gu, (ch) => ASCII[ch] ?? ch)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u0080-\u{10ffff}]/gu, '?');
}

/**
 * A clause named at a spec version, `ID@version`: how the site, `cite`, `check` and review mails name
 * one edition of a clause. parseCitation reads it back.
 */
export function clauseCitation(id: string, version: string): string {
  return `${id}@${version}`;
}

/** `ID` or `ID@version` -> its parts (the version absent when not written). */
export function parseCitation(text: string): { id: string; version?: string } {
  const at = text.indexOf('@');
  return at < 0 ? { id: text } : { id: text.slice(0, at), version: text.slice(at + 1) };
}

/**
 * The header fields of a citation, each kept whole on one line: `ID@version (LEVEL),`, `hash XXXXXXXX,`
 * and the document. Most identifying first: when the header wraps, the first line still names the
 * clause, the version and the content it quotes.
 */
export function citationHeader(c: Pick<CitationSource, 'id' | 'level' | 'version' | 'hash'>): string[] {
  return [
    `${clauseCitation(c.id, c.version)} (${levelLabel(c.level)}),`,
    `hash ${shortHash(c.hash)},`,
    'kexec handoff contract',
  ];
}

/** Greedy wrap of whole fields (a field is never split, even when it alone is wider than `width`). */
export function wrapFields(fields: string[], width = CITATION_WIDTH): string[] {
  const lines: string[] = [];
  for (const field of fields) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + field.length <= width) lines[last] += ' ' + field;
    else lines.push(field);
  }
  return lines;
}

/**
 * The citation: a header naming the clause and the spec version it is cited at (`ID@version`), its
 * level and short hash; the clause text; for retired IDs why and what replaced it; the permalink.
 * ASCII only, ends with a newline.
 */
export function citationText(c: CitationSource, width = CITATION_WIDTH): string {
  const lines = wrapFields(citationHeader(c), width);
  if (c.retired) lines.push('RETIRED: this ID is no longer part of the contract.');
  lines.push('');
  // Spelled in ASCII before wrapping, so that `--` or `...` cannot push a line past the width.
  lines.push(...plainText(toAscii(c.text), width));
  if (c.retired) {
    lines.push('');
    const why = [
      c.retired.reason
        ? `Retired: ${inlinePlain(toAscii(c.retired.reason)).replace(/\.?\s*$/, '.')}`
        : 'Retired.',
      c.retired.replacement ? `Replaced by ${c.retired.replacement}.` : 'No replacement.',
    ].join(' ');
    lines.push(...wrap(why, width));
  }
  lines.push('');
  lines.push(c.permalink);
  return toAscii(lines.join('\n') + '\n');
}

/** Absolute permalink: site URL + base URL + page path + '#' + clause ID (paths joined with one slash). */
export function clausePermalink(siteUrl: string, pagePath: string, id?: string): string {
  const base = siteUrl.replace(/\/+$/, '');
  const page = pagePath.startsWith('/') ? pagePath : '/' + pagePath;
  return base + page + (id ? '#' + id : '');
}

/** One edition of a clause: the text of the clause in one spec version and where that version shows it. */
export interface ClauseEdition {
  /** The version the edition belongs to: a release name ("1.0") or the working copy's version. */
  version: string;
  /** Full content hash of the clause in that version. */
  hash: string;
  /** Absolute URL of the clause in that version (page URL + '#' + id). */
  permalink: string;
}

/**
 * The edition a citation names. A clause whose normative content (hash) is the same in the newest
 * release cites that release: its version and its permalink on the released page. A clause that the
 * newest release lacks, or has with other content, cites the edition it was read from (the working
 * copy, or an older release). Shared by the site's Copy citation button, /r/<id>.txt, clauses.json and
 * `kexec-contract cite`, so they name the same version and page.
 */
export function citedEdition<E extends ClauseEdition>(edition: E, newestRelease?: E): E {
  return newestRelease && newestRelease.hash === edition.hash ? newestRelease : edition;
}

/** A clause ID found in free text (a patch, a review mail), with the version it was cited at. */
export interface FoundCitation {
  id: string;
  /** As written after `@`, when it was. */
  version?: string;
  /** 1-based line and column of the ID in the text. */
  line: number;
  column: number;
}

/** Dotted lower-case words, `k2p.gpr.cleared`, optionally `@1.0`; a sentence's final dot is not part of it. */
const CITED_ID = /(?<![\w.@/-])([a-z][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+)(?:@([A-Za-z0-9][A-Za-z0-9.+-]*))?/g;

/**
 * Every clause ID in `text` whose first part is one of `prefixes` (the stage ids and the first parts
 * of known IDs: that keeps file names and host names out, while an unknown ID of a known stage is
 * still found), in order of appearance. A version's trailing dots are punctuation, not version.
 */
export function findCitations(text: string, prefixes: ReadonlySet<string>): FoundCitation[] {
  const out: FoundCitation[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    for (const m of line.matchAll(CITED_ID)) {
      const id = m[1]!;
      if (!prefixes.has(id.slice(0, id.indexOf('.')))) continue;
      const version = m[2]?.replace(/[.+-]+$/, '');
      out.push({ id, ...(version ? { version } : {}), line: i + 1, column: m.index + 1 });
    }
  });
  return out;
}
