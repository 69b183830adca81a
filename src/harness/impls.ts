// Examples name the implementation they model (`impl=`); the matrix rows come from
// spec/implementations.yaml, so an impl= that the file does not list would be a row with no name.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Example } from '../model/types.ts';

/** `impl=` must name an entry of implementations.yaml (in the first path, when it is a directory with one). */
export async function unknownImplementations(examples: Example[], paths: string[]): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path.join(paths[0]!, 'implementations.yaml'), 'utf8');
  } catch {
    return [];
  }
  const doc = parseYaml(text) as unknown;
  const list = Array.isArray(doc) ? doc : ((doc as { implementations?: unknown[] })?.implementations ?? []);
  const ids = new Set(list.map((x) => String((x as { id?: unknown })?.id)));
  return examples
    .filter((e) => e.impl && !ids.has(e.impl))
    .map(
      (e) =>
        `${e.place.file}:${e.place.line}: ${e.kind} "${e.name}" names impl=${e.impl}, which ` +
        `${path.join(paths[0]!, 'implementations.yaml')} does not list`,
    );
}
