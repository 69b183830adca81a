// The remark plugin as the docs plugin uses it: one spec tree per docs version. A released version lives
// in spec_versioned_docs/version-X/ and must be checked against its own files, not against spec/ (whose
// clauses would collide with its copies). Wraps remarkKexecContract with `specDir` chosen per file, trims
// the elements' data to what the site's components show, and points a page's links to the coverage page
// and the matrix at its own version's (`/matrix` on a 1.0 page -> `/matrix/1.0`).

import path from 'node:path';
import type { Link, Root } from 'mdast';
import { visit } from 'unist-util-visit';
import type { Processor } from 'unified';
import type { VFile } from 'vfile';
import remarkKexecContract, {
  type ClauseData,
  type ElementTrim,
  type ExampleData,
  type RemarkKexecContractOptions,
} from '../plugin/index.ts';
import type { SiteExampleData } from './data.ts';
import { runSummary } from './runs.ts';

type Transform = (tree: Root, file: VFile) => Promise<void>;

/** The spec tree a Markdown file belongs to: its versioned docs folder, else `fallback` (spec/). */
export function specDirOf(file: string | undefined, fallback: string): string {
  if (!file) return fallback;
  const parts = path.resolve(file).split(path.sep);
  const at = parts.findIndex((p, i) => /_versioned_docs$/.test(p) && /^version-/.test(parts[i + 1] ?? ''));
  if (at < 0) return fallback;
  const dir = parts.slice(0, at + 2).join(path.sep);
  return path.relative(process.cwd(), dir) || '.';
}

export interface RemarkSpecPerVersionOptions extends RemarkKexecContractOptions {
  /** The path segment of the working copy's pages (`next` once a release exists, else empty). */
  workingCopyPath?: string;
}

export default function remarkSpecPerVersion(
  this: Processor,
  { workingCopyPath = '', ...options }: RemarkSpecPerVersionOptions = {},
) {
  const fallback = options.specDir ?? 'spec';
  const byDir = new Map<string, Transform>();
  return async (tree: Root, file: VFile): Promise<void> => {
    const specDir = specDirOf(file.path, fallback);
    let transform = byDir.get(specDir);
    if (!transform) {
      transform = remarkKexecContract.call(this, { ...options, specDir, trim: SITE_TRIM }) as Transform;
      byDir.set(specDir, transform);
    }
    await transform(tree, file);
    const release = /(?:^|[\\/])version-([^\\/]+)$/.exec(specDir)?.[1];
    // Guides (docs/) are not a spec version: their links stay on the newest release's pages.
    const ownVersion = release ?? (path.resolve(specDir) === path.resolve(fallback) ? workingCopyPath : '');
    if (ownVersion && isInside(file.path, specDir)) versionSiteLinks(tree, ownVersion);
  };
}

function isInside(file: string | undefined, dir: string): boolean {
  return !!file && !path.relative(path.resolve(dir), path.resolve(file)).startsWith('..');
}

/** `/coverage` and `/matrix` (with an optional #fragment) -> the same page of `versionPath`. */
export function versionSiteLinks(tree: Root, versionPath: string): void {
  visit(tree, 'link', (node: Link) => {
    const m = /^\/(coverage|matrix)\/?(#.*)?$/.exec(node.url);
    if (m) node.url = `/${m[1]}/${versionPath}${m[2] ?? ''}`;
  });
}

/**
 * What no component shows is left out of the elements' JSON, so a chapter's page stays light: a clause
 * lists its runs by name and verdict only (the example's own table has the details), and an example
 * carries its run's summary; the trace, the final state and the failed assertions are in the run's
 * details file (src/site/runs.ts), fetched when the reader opens them.
 */
export const SITE_TRIM: ElementTrim = {
  clause: (d: ClauseData) => ({ ...d, verdicts: d.verdicts.map((v) => ({ ...v, assertions: [] })) }),
  example: (d: ExampleData): SiteExampleData =>
    d.run ? { example: d.example, run: runSummary(d.run) } : { example: d.example },
};
