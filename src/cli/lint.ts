// `kexec-contract lint [--update] [--retire ID --reason TEXT [--replacement ID]] [paths]`
// Checks clause IDs against spec/clauses.lock.json (see src/markdown/lock.ts) and the spec's structure
// (IDs, levels, stages, references, expect syntax), without running anything.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { unknownImplementations } from '../harness/impls.ts';
import { loadSpec } from '../markdown/load.ts';
import { lintLock, readLock, retire, updateLock, writeLock } from '../markdown/lock.ts';
import { formatMessage, isError } from '../markdown/messages.ts';
import { badSpecPath, defaultSpecDir, lockPathFor } from './paths.ts';

const USAGE = `usage: kexec-contract lint [paths...] [--lock FILE | --no-lock] [--update]
       kexec-contract lint --retire ID --reason TEXT [--replacement ID]

Checks that every clause ID is in the lock (default: clauses.lock.json in the first path's directory,
or beside it for a file; the path defaults to ./spec, else the spec this package ships) with its
current normative content, that no ID disappeared without a tombstone, and that no retired ID is
reused. A file of a larger tree is checked against that tree's lock with the whole tree's clauses, so
the other files' clauses do not count as disappeared; a file of your own (outside the contract's spec)
gets its own lock beside it, or --lock FILE, or none with --no-lock.
  --no-lock       check the structure only (IDs, levels, stages, expect syntax), not a lock
  --update        record new clauses and deliberate changes in the lock (never retires anything)
  --retire ID     turn a removed clause into a tombstone (needs --reason; --replacement names its successor)`;

export default async function lint(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        update: { type: 'boolean' },
        retire: { type: 'string' },
        reason: { type: 'string' },
        replacement: { type: 'string' },
        lock: { type: 'string' },
        'no-lock': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    console.error(`kexec-contract lint: ${(e as Error).message} (see kexec-contract lint --help)`);
    return 2;
  }
  const o = args.values;
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  const paths = args.positionals.length ? args.positionals : [defaultSpecDir()];
  for (const p of paths) {
    const bad = badSpecPath(p);
    if (bad) {
      console.error(`kexec-contract lint: ${bad}`);
      return 2;
    }
  }
  if (o['no-lock'] && (o.lock !== undefined || o.update || o.retire !== undefined)) {
    console.error('kexec-contract lint: --no-lock cannot go with --lock, --update or --retire');
    return 2;
  }
  const lockPath = o.lock ?? lockPathFor(paths[0]!);
  const tree = await loadSpec(paths);
  if (tree.files.length === 0) {
    console.error(
      `kexec-contract lint: nothing to check: no spec files (.md, .mdx) under ${paths.join(', ')}`,
    );
    return 1;
  }
  const clauses = tree.files.flatMap((f) => f.clauses);
  // The lock speaks for the whole tree beside it: judge disappearance (and update) with all its clauses.
  const lockTree = o['no-lock'] ? [] : await treeOfLock(paths, lockPath);
  const all = [...clauses, ...lockTree.filter((c) => !clauses.some((x) => x.id === c.id))];
  let lock = await readLock(lockPath);

  if (o.retire !== undefined) {
    if (!o.reason) {
      console.error('--retire needs --reason "why the clause is retired"');
      return 2;
    }
    const still = all.find((c) => c.id === o.retire);
    if (still) {
      console.error(
        `${still.place.file}:${still.place.line}: "${o.retire}" is still in the spec: remove it first`,
      );
      return 1;
    }
    if (o.replacement && !all.some((c) => c.id === o.replacement)) {
      console.error(`--replacement "${o.replacement}" is not a clause of the spec`);
      return 1;
    }
    try {
      lock = retire(lock, o.retire, o.reason, o.replacement);
    } catch (e) {
      console.error((e as Error).message);
      return 1;
    }
    await writeLock(lock, lockPath);
    console.log(`retired ${o.retire} in ${lockPath}`);
  }

  if (o.update) {
    const before = JSON.stringify(lock);
    lock = updateLock(all, lock);
    if (JSON.stringify(lock) !== before) {
      await writeLock(lock, lockPath);
      console.log(`updated ${lockPath}`);
    }
  }

  let failed = 0;
  for (const m of tree.messages) {
    console.error(formatMessage(m));
    if (isError(m)) failed++;
  }
  for (const p of await unknownImplementations(
    tree.files.flatMap((f) => f.examples),
    paths,
  )) {
    console.error(p);
    failed++;
  }
  for (const p of o['no-lock'] ? [] : lintLock(all, lock, lockPath)) {
    console.error(p.place ? `${p.place.file}:${p.place.line}: ${p.message}` : `${lockPath}: ${p.message}`);
    failed++;
  }
  if (failed) {
    console.error(`lint: ${failed} problem${failed === 1 ? '' : 's'}`);
    return 1;
  }
  console.log(
    o['no-lock']
      ? `lint: ${clauses.length} clauses, no problems (no lock checked)`
      : `lint: ${clauses.length} clauses match ${lockPath}`,
  );
  return 0;
}

const inside = (p: string, dir: string) => {
  const rel = path.relative(path.resolve(dir), path.resolve(p));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/**
 * The clauses of the tree a lock belongs to, when the paths are only part of it (one file of the
 * spec): the lock's directory holds the rest. None when the paths are the tree, or lie outside it.
 */
async function treeOfLock(paths: string[], lockPath: string) {
  const dir = path.dirname(lockPath);
  if (!existsSync(lockPath) || !paths.every((p) => inside(p, dir))) return [];
  return (await loadSpec(dir)).files.flatMap((f) => f.clauses);
}

export { lint };
