// Loading a spec tree into its model: list the Markdown files, parse and extract each, validate across
// files. The tree is the unit (a stage's given may live in another file than its clauses), so callers
// that care about one file still load the tree and pick their file's part.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SpecFile, SpecModel } from './model.ts';
import { extractSource } from './parse.ts';
import { validateTree } from './validate.ts';

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

export interface LoadOptions {
  /** Sources to use instead of the disk's, by display path (a host that already holds a file's text). */
  overrides?: Map<string, string>;
}

/** The model of the spec tree under `paths` (files sorted by display path). */
export async function loadSpec(paths: string | string[], options: LoadOptions = {}): Promise<SpecModel> {
  return modelOf(await readSpec(paths, options));
}

/** The display paths and sources of the tree under `paths`, with `overrides` applied. */
export async function readSpec(
  paths: string | string[],
  options: LoadOptions = {},
): Promise<{ file: string; source: string }[]> {
  const overridden = new Set(options.overrides?.keys() ?? []);
  const list = (Array.isArray(paths) ? paths : [paths]).filter((p) => !overridden.has(displayPath(p)));
  const names = list.length ? await listSpecFiles(list) : [];
  for (const f of overridden) if (!names.includes(f)) names.push(f);
  names.sort();
  return Promise.all(
    names.map(async (file) => ({
      file,
      source: options.overrides?.get(file) ?? (await readFile(file, 'utf8')),
    })),
  );
}

/** Extract every file and validate the tree. */
export function modelOf(sources: { file: string; source: string }[]): SpecModel {
  const files: SpecFile[] = sources.map(({ file, source }) => extractSource(file, source));
  const { index, messages } = validateTree(files);
  return { files, index, messages: [...files.flatMap((f) => f.messages), ...messages] };
}
