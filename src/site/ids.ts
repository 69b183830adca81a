// HTML ids and paths the site uses for clauses and examples. Browser-safe (no Node APIs): the React
// components and the build-time plugin both import it, so links and anchors always agree.

/** The HTML id of a clause block is the clause ID itself (`#k2p.gpr.zero`); it never changes. */
export function clauseAnchor(id: string): string {
  return id;
}

/** HTML id of an example block: `example-<stage>-<name>`, restricted to URL-safe characters. */
export function exampleAnchor(stage: string, name: string): string {
  return `example-${stage}-${name}`.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
}

/** Key of an example in the site's indexes: examples are unique per stage. */
export function exampleKey(stage: string, name: string): string {
  return `${stage}/${name}`;
}

/** Route of the tombstone page of a retired clause ID (outside /spec, whose routes the docs plugin owns). */
export function tombstonePath(id: string): string {
  return `/retired/${id}`;
}

/** Path of the static citation text of a clause. */
export function citationPath(id: string): string {
  return `/r/${id}.txt`;
}

export const COVERAGE_PATH = '/coverage';
export const MATRIX_PATH = '/matrix';
export const CHANGELOG_PATH = '/changelog';

/** The coverage page of a spec version (`/coverage/1.0`, `/coverage/next`); no version path: `/coverage`. */
export function coveragePath(versionPath = ''): string {
  return versionPath ? `${COVERAGE_PATH}/${versionPath}` : COVERAGE_PATH;
}

/** The implementation matrix of a spec version, as coveragePath. */
export function matrixPath(versionPath = ''): string {
  return versionPath ? `${MATRIX_PATH}/${versionPath}` : MATRIX_PATH;
}

/** Path of the details (trace, final state, failed assertions) of a run, by their content hash. */
export function runDetailPath(hash: string): string {
  return `/runs/${hash}.json`;
}
