// The page route of a spec file, computed the way Docusaurus's docs plugin does it (front matter `slug`
// or `id`, number prefixes such as `02-` stripped, index/README naming the folder). The site takes
// permalinks from the docs plugin itself; `kexec-contract cite` has no build and uses this, and the
// browser test checks that both agree.

import path from 'node:path';

const NUMBER_PREFIX = /^\d+\s*[-_.]+\s*(?=[^-_.\s])/;

function stripPrefix(segment: string): string {
  return segment.replace(NUMBER_PREFIX, '');
}

export interface RouteInput {
  /** File path relative to the docs directory, forward slashes (e.g. `02-kernel-to-purgatory.md`). */
  relative: string;
  frontMatter: Record<string, unknown>;
  /** e.g. `/` */
  baseUrl: string;
  /** e.g. `spec` */
  routeBasePath: string;
  /** Path segment of the docs version (`next` for the unreleased spec once versions exist, else empty). */
  versionPath?: string;
}

export function docPermalinkPath(input: RouteInput): string {
  const rel = input.relative.split(path.sep).join('/');
  const dir = path.posix.dirname(rel);
  const dirSlug = dir === '.' ? '' : dir.split('/').map(stripPrefix).join('/');
  const base = path.posix.basename(rel).replace(/\.mdx?$/, '');
  const fmSlug = typeof input.frontMatter.slug === 'string' ? input.frontMatter.slug : undefined;
  const fmId = typeof input.frontMatter.id === 'string' ? input.frontMatter.id : undefined;
  let slug: string;
  if (fmSlug !== undefined) {
    slug = fmSlug.startsWith('/') ? fmSlug : path.posix.join('/', dirSlug, fmSlug);
  } else {
    const name = fmId ?? stripPrefix(base);
    const isIndex =
      !fmId && (/^(index|readme)$/i.test(base) || (dirSlug !== '' && name === path.posix.basename(dirSlug)));
    slug = '/' + [dirSlug, isIndex ? '' : name].filter(Boolean).join('/');
  }
  const parts = [input.baseUrl, input.routeBasePath, input.versionPath ?? '', slug].map((p) =>
    p.replace(/^\/+|\/+$/g, ''),
  );
  const joined = '/' + parts.filter(Boolean).join('/');
  return joined;
}
