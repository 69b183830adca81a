// Loading a spec tree: list the Markdown files, parse and extract each, validate across files.
// The tree is the unit (a stage's given may live in another file than its clauses), so callers that
// care about one file still load the tree and pick their file's part.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { VFileMessage } from 'vfile-message';
import type { Extracted, ExpectLineParser } from '../plugin/extract.ts';
import { extractSource } from '../plugin/parse.ts';
import { validateTree } from '../plugin/validate.ts';
import type { SpecIndex } from '../plugin/validate.ts';

export interface LoadedFile {
  /** Path as reported in places: relative to the working directory, forward slashes. */
  file: string;
  source: string;
  extracted: Extracted;
}

export interface LoadedTree {
  files: LoadedFile[];
  index: SpecIndex;
  /** Extraction and validation messages of every file. */
  messages: VFileMessage[];
}

const MARKDOWN = /\.mdx?$/;

/** Every Markdown file under the given paths (files are taken as given), sorted for stable output. */
export async function listSpecFiles(paths: string | string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const s = await stat(p);
    if (s.isDirectory()) {
      const entries = await readdir(p);
      for (const e of entries.sort()) {
        if (e.startsWith('.') || e === 'node_modules') continue;
        const child = path.join(p, e);
        const cs = await stat(child);
        if (cs.isDirectory()) await walk(child);
        else if (MARKDOWN.test(e)) out.push(child);
      }
    } else out.push(p);
  };
  for (const p of Array.isArray(paths) ? paths : [paths]) await walk(p);
  return [...new Set(out.map(displayPath))].sort();
}

/** The path as shown in messages: relative to the working directory when inside it. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), path.resolve(p));
  const shown = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
  return shown.split(path.sep).join('/');
}

const extractCache = new Map<string, Extracted>();

/** Parse and extract one file; memoised by path and content (the site rebuilds often). */
export function extractCached(file: string, source: string, parseExpectLine?: ExpectLineParser): Extracted {
  const key = `${file}\0${source}`;
  let e = extractCache.get(key);
  if (!e) {
    e = extractSource(file, source, parseExpectLine);
    if (extractCache.size > 500) extractCache.clear();
    extractCache.set(key, e);
  }
  return e;
}

export interface LoadOptions {
  parseExpectLine?: ExpectLineParser;
  /** Sources to use instead of the disk's (a host that already holds a file's text). */
  overrides?: Map<string, string>;
}

export async function loadTree(paths: string | string[], options: LoadOptions = {}): Promise<LoadedTree> {
  const overridden = new Set(options.overrides?.keys() ?? []);
  const list = (Array.isArray(paths) ? paths : [paths]).filter((p) => !overridden.has(displayPath(p)));
  const names = list.length ? await listSpecFiles(list) : [];
  for (const f of overridden) if (!names.includes(f)) names.push(f);
  names.sort();
  const files = await Promise.all(
    names.map(async (file): Promise<LoadedFile> => {
      const source = options.overrides?.get(file) ?? (await readFile(file, 'utf8'));
      return { file, source, extracted: extractCached(file, source, options.parseExpectLine) };
    }),
  );
  const { index, messages } = validateTree(files.map((f) => f.extracted));
  return { files, index, messages: [...files.flatMap((f) => f.extracted.messages), ...messages] };
}
