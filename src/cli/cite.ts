// `kexec-contract cite <id>...`: print the citation of a clause exactly as the site's Copy citation button
// and /r/<id>.txt give it. Reads the spec and the lock only (extraction, no assembler, no engine).
//   --spec DIR   the spec directory (default ./spec, else the spec this package ships)

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { citationText, citedEdition, clausePermalink } from '../model/cite.ts';
import type { Clause } from '../model/types.ts';
import { loadSpec } from '../markdown/load.ts';
import { readLock, retiredClauses } from '../markdown/lock.ts';
import { CURRENT, SiteEnvError, newestRelease, siteEnv, versionPath, type SiteEnv } from '../site/env.ts';
import { docPermalinkPath } from '../site/routes.ts';
import { tombstonePath } from '../site/ids.ts';
import { defaultSpecDir, missingPath, projectRootOf } from './paths.ts';

const USAGE = 'usage: kexec-contract cite [--spec DIR] <clause-id>...';

function frontMatterOf(file: string): Record<string, unknown> {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(file, 'utf8'));
  const fm = m ? parseYaml(m[1]) : undefined;
  return fm && typeof fm === 'object' ? (fm as Record<string, unknown>) : {};
}

export default async function cite(argv: string[]): Promise<number> {
  let specDir: string | undefined;
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
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else if (a.startsWith('-')) return usageError(`unknown option ${a}`);
    else ids.push(a);
  }
  if (ids.length === 0) return usageError('name at least one clause ID');
  specDir ??= defaultSpecDir();
  const missing = missingPath(specDir);
  if (missing) return usageError(missing, false);
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
