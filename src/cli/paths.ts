// Where the CLI finds things when run from anywhere (after `npm link` or `npx`, outside the checkout):
// paths the user gives are taken relative to the working directory; defaults are the working
// directory's spec/ when it has one, else the spec this package ships. Nothing is looked up relative
// to the working directory just because that is where the process happens to be.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The package's own directory (the one holding package.json and spec/). */
export const PACKAGE_ROOT = path.resolve(import.meta.dirname, '../..');

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** `spec` when the working directory has one, else the package's spec directory. */
export function defaultSpecDir(cwd = process.cwd()): string {
  return isDir(path.join(cwd, 'spec')) ? 'spec' : path.join(PACKAGE_ROOT, 'spec');
}

/**
 * The project a spec path belongs to: the nearest directory above it with a package.json, else this
 * package. Its release (spec_versions.json), site settings and result cache are the project's.
 */
export function projectRootOf(specPath: string): string {
  let dir = path.dirname(path.resolve(specPath));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return PACKAGE_ROOT;
    dir = up;
  }
}

/** The lock next to the spec: `<dir>/clauses.lock.json` for a directory, beside a file for a file. */
export function lockPathFor(specPath: string): string {
  const dir = isDir(specPath) ? specPath : path.dirname(specPath);
  return path.join(dir, 'clauses.lock.json');
}

/** One line for a path the user gave that is not there, or undefined when it is. */
export function missingPath(p: string): string | undefined {
  return existsSync(p) ? undefined : `${p}: no such file or directory`;
}

const MARKDOWN = /\.mdx?$/i;

/**
 * One line for a path that cannot hold spec files: missing, or a file that is not Markdown (an
 * assembly file belongs to `kexec-contract run`).
 */
export function badSpecPath(p: string): string | undefined {
  const missing = missingPath(p);
  if (missing) return missing;
  if (isDir(p) || MARKDOWN.test(p)) return undefined;
  const hint = /\.(s|asm)$/i.test(p) ? ` (to run an assembly file: kexec-contract run ${p})` : '';
  return `${p}: not a Markdown spec file (.md, .mdx)${hint}`;
}
