// `kexec-contract cite <id>...`: print the citation of a clause exactly as the site's Copy citation button
// and /r/<id>.txt give it. Reads the spec and the lock only (extraction, no assembler, no engine).
//   --spec DIR   the spec directory (default ./spec, else the spec this package ships)

import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  citationText,
  citedEdition,
  clauseCitation,
  clausePermalink,
  findCitations,
  shortHash,
} from '../model/cite.ts';
import type { Clause } from '../model/types.ts';
import { loadSpec } from '../markdown/load.ts';
import { readLock, retiredClauses } from '../markdown/lock.ts';
import { CURRENT, SiteEnvError, newestRelease, siteEnv, versionPath, type SiteEnv } from '../site/env.ts';
import { docPermalinkPath } from '../site/routes.ts';
import { tombstonePath } from '../site/ids.ts';
import { defaultSpecDir, missingPath, projectRootOf } from './paths.ts';

const USAGE = `usage: kexec-contract cite [--spec DIR] <clause-id>...
       kexec-contract cite [--spec DIR] --check FILE|-

Prints each clause's citation (ID@version, level, hash, text, permalink). With --check, reads a patch
or a review mail (- for stdin), finds the clause IDs in it (with or without @version) and reports each
that is unknown, retired, or changed since the version it cites; exit 1 if any is.`;

function frontMatterOf(file: string): Record<string, unknown> {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(file, 'utf8'));
  const fm = m ? parseYaml(m[1]) : undefined;
  return fm && typeof fm === 'object' ? (fm as Record<string, unknown>) : {};
}

export default async function cite(argv: string[]): Promise<number> {
  let specDir: string | undefined;
  let checkFile: string | undefined;
  const ids: string[] = [];
  const usageError = (message: string, help = true) => {
    process.stderr.write(
      `kexec-contract cite: ${message}${help ? ' (see kexec-contract cite --help)' : ''}\n`,
    );
    return 2;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--spec') {
      specDir = argv[++i];
      if (!specDir) return usageError('--spec needs a directory');
    } else if (a === '--check') {
      checkFile = argv[++i];
      if (!checkFile) return usageError('--check needs a file (or - for stdin)');
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else if (a.startsWith('-')) return usageError(`unknown option ${a}`);
    else ids.push(a);
  }
  if (checkFile !== undefined && ids.length) return usageError('--check takes a file, not clause IDs');
  if (checkFile === undefined && ids.length === 0) return usageError('name at least one clause ID');
  specDir ??= defaultSpecDir();
  const missing = missingPath(specDir);
  if (missing) return usageError(missing, false);
  if (checkFile !== undefined) {
    const fileMissing = checkFile === '-' ? undefined : missingPath(checkFile);
    if (fileMissing) return usageError(fileMissing, false);
    return checkCitations(specDir, checkFile);
  }
  // The release and the site settings belong to the project the spec is in, not to the working directory.
  const root = projectRootOf(specDir);
  let env: SiteEnv;
  try {
    env = siteEnv(root);
  } catch (e) {
    if (e instanceof SiteEnvError) return usageError(e.message, false);
    throw e;
  }
  const tree = await loadSpec(specDir);
  const clauses = new Map<string, { clause: Pick<Clause, 'hash' | 'level' | 'text'>; file: string }>();
  for (const f of tree.files) for (const c of f.clauses) clauses.set(c.id, { clause: c, file: f.file });
  const retired = retiredClauses(await readLock(path.join(specDir, 'clauses.lock.json')));
  // The newest release, served at /spec/<version>/...; the working copy at /spec/next/... once one exists.
  const release = newestRelease(root);
  const released = new Map<string, { clause: Pick<Clause, 'hash' | 'level' | 'text'>; file: string }>();
  if (release) {
    const releasedTree = await loadSpec(release.dir);
    for (const f of releasedTree.files)
      for (const c of f.clauses) released.set(c.id, { clause: c, file: f.file });
  }
  const pageOf = (file: string, dir: string, versionPath: string) =>
    docPermalinkPath({
      relative: path.relative(dir, file),
      frontMatter: frontMatterOf(file),
      baseUrl: env.baseUrl,
      routeBasePath: 'spec',
      versionPath,
    });

  let status = 0;
  const out: string[] = [];
  for (const id of ids) {
    const found = clauses.get(id);
    if (found) {
      const c = found.clause;
      const inRelease = release && released.get(id);
      const cited = citedEdition(
        {
          version: env.specVersion,
          hash: c.hash,
          permalink: clausePermalink(
            env.url,
            pageOf(found.file, specDir, versionPath(CURRENT, !!release)),
            id,
          ),
          level: c.level,
          text: c.text,
        },
        inRelease && {
          version: release.version,
          hash: inRelease.clause.hash,
          permalink: clausePermalink(
            env.url,
            pageOf(inRelease.file, release.dir, versionPath(release.version, true)),
            id,
          ),
          level: inRelease.clause.level,
          text: inRelease.clause.text,
        },
      );
      out.push(citationText({ id, ...cited }));
      continue;
    }
    const r = retired.find((x) => x.id === id);
    if (r) {
      out.push(
        citationText({
          id,
          level: r.level,
          text: r.text,
          hash: r.hash,
          version: env.specVersion,
          permalink: clausePermalink(env.url, env.baseUrl.replace(/\/$/, '') + tombstonePath(id)),
          retired: { reason: r.reason, replacement: r.replacement },
        }),
      );
      continue;
    }
    process.stderr.write(`kexec-contract cite: no clause "${id}" in ${specDir} or its lock\n`);
    status = 1;
  }
  process.stdout.write(out.join('\n'));
  return status;
}

/** Everything read from stdin. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `cite --check`: every clause ID in the text, judged against the spec and the lock of the version it
 * cites (spec_versioned_docs/version-X/clauses.lock.json; the working copy's for its own version).
 */
async function checkCitations(specDir: string, file: string): Promise<number> {
  const root = projectRootOf(specDir);
  const env = siteEnv(root);
  const tree = await loadSpec(specDir);
  const current = new Map<string, string>();
  for (const f of tree.files) for (const c of f.clauses) current.set(c.id, c.hash);
  const lock = await readLock(path.join(specDir, 'clauses.lock.json'));
  const retired = new Map(retiredClauses(lock).map((r) => [r.id, r]));
  const releases = releaseVersions(root);
  const newest = releases[0];
  const releaseLocks = new Map<string, Awaited<ReturnType<typeof readLock>>>();
  const lockOf = async (v: string) => {
    let l = releaseLocks.get(v);
    if (!l) {
      l = await readLock(path.join(root, 'spec_versioned_docs', `version-${v}`, 'clauses.lock.json'));
      releaseLocks.set(v, l);
    }
    return l;
  };
  const newestLock = newest ? await lockOf(newest) : undefined;
  /** The version a clause is cited at today: the newest release when its content is the same there. */
  const citeAs = (id: string) =>
    newest && newestLock?.clauses[id]?.hash === current.get(id) ? newest : env.specVersion;

  const prefixes = new Set([
    ...tree.files.flatMap((f) => f.stages.map((s) => s.id)),
    ...[...current.keys(), ...retired.keys()].map((id) => id.slice(0, id.indexOf('.'))),
  ]);
  const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  const name = file === '-' ? '<stdin>' : file;
  const found = findCitations(text, prefixes);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const f of found) {
    const key = `${f.id}@${f.version ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const at = `${name}:${f.line}:${f.column}`;
    const cited = f.version ? clauseCitation(f.id, f.version) : f.id;
    const r = retired.get(f.id);
    if (r) {
      const url = clausePermalink(env.url, env.baseUrl.replace(/\/$/, '') + tombstonePath(f.id));
      problems.push(
        `${at}: ${cited} is retired (${r.reason?.replace(/\.\s*$/, '') ?? 'no reason given'}` +
          `${r.replacement ? `; replaced by ${r.replacement}` : ''}): ${url}`,
      );
      continue;
    }
    const hash = current.get(f.id);
    if (hash === undefined) {
      problems.push(`${at}: ${cited} is not a clause of the contract (nor a retired one)`);
      continue;
    }
    if (!f.version || f.version === env.specVersion) continue;
    if (!releases.includes(f.version)) {
      const known = [...releases, env.specVersion].join(', ');
      problems.push(`${at}: ${cited} cites version ${f.version}, which is not a release (known: ${known})`);
      continue;
    }
    const then = (await lockOf(f.version)).clauses[f.id];
    if (!then) {
      problems.push(
        `${at}: ${cited}: release ${f.version} has no clause ${f.id} (it came later): cite ${clauseCitation(f.id, citeAs(f.id))}`,
      );
      continue;
    }
    if (then.hash !== hash)
      problems.push(
        `${at}: ${cited} changed since ${f.version} (hash ${shortHash(then.hash)} then, ${shortHash(hash)} now): ` +
          `read it again and cite ${clauseCitation(f.id, citeAs(f.id))}`,
      );
  }
  for (const p of problems) process.stdout.write(p + '\n');
  const n = seen.size;
  process.stdout.write(
    `cite --check: ${n} clause citation${n === 1 ? '' : 's'} in ${name}, ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`,
  );
  return problems.length ? 1 : 0;
}

/** The released versions, newest first (spec_versions.json), none when nothing was released. */
function releaseVersions(root: string): string[] {
  const file = path.join(root, 'spec_versions.json');
  if (!existsSync(file)) return [];
  const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
