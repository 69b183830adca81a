// Result cache: a run's outcome keyed by a content hash of everything it depends on (the stage's given,
// the example's source and kind, the checks of the stage's clauses, the engine, the seeds and a salt
// that changes with the code). Kept in memory for as long as its owner (one harness run, one site
// build's spec pass) and on disk under .cache/kexec-contract/, so a warm `npm test` or site rebuild
// re-runs only the blocks that changed.

import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const CACHE_DIR = '.cache/kexec-contract';

/** Bounds of the on-disk cache: every edit of a check adds a set of outcomes, so old ones must go. */
export const CACHE_LIMITS = { maxBytes: 256 * 1024 * 1024, maxAgeMs: 14 * 24 * 3600 * 1000 };

export class ResultCache<T> {
  private readonly memory = new Map<string, T>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly dir: string | null = CACHE_DIR,
    private readonly namespace = 'runs',
  ) {}

  private file(key: string): string {
    return path.join(this.dir!, this.namespace, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<T | undefined> {
    const m = this.memory.get(key);
    if (m !== undefined) {
      this.hits++;
      return m;
    }
    if (this.dir) {
      try {
        const f = this.file(key);
        const v = JSON.parse(await readFile(f, 'utf8')) as T;
        this.memory.set(key, v);
        this.hits++;
        // Mark it used, so pruning keeps what is still being read.
        const now = new Date();
        await utimes(f, now, now).catch(() => {});
        return v;
      } catch {
        // absent or unreadable: a miss
      }
    }
    this.misses++;
    return undefined;
  }

  async set(key: string, value: T): Promise<void> {
    this.memory.set(key, value);
    if (!this.dir) return;
    const f = this.file(key);
    try {
      await mkdir(path.dirname(f), { recursive: true });
      // Write then rename, so a concurrent reader never sees half a file.
      const tmp = `${f}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(value));
      await rename(tmp, f);
    } catch {
      // A read-only checkout still works, only slower.
    }
  }
}

const pruned = new Set<string>();

/** Prune `dir` in the background, once per process (housekeeping; see CACHE_LIMITS). */
export function pruneOnce(dir: string): void {
  if (pruned.has(dir)) return;
  pruned.add(dir);
  void pruneCache(dir);
}

/**
 * Delete cache files older than `maxAgeMs` (by last use), then the least recently used ones until the
 * directory holds at most `maxBytes`. Errors are ignored: pruning is housekeeping, never a failure.
 */
export async function pruneCache(dir: string, limits = CACHE_LIMITS, now = Date.now()): Promise<number> {
  const files: { path: string; size: number; mtime: number }[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name.endsWith('.json')) {
        const s = await stat(p).catch(() => undefined);
        if (s) files.push({ path: p, size: s.size, mtime: s.mtimeMs });
      }
    }
  };
  await walk(dir);
  files.sort((a, b) => b.mtime - a.mtime); // newest first
  let total = 0;
  let removed = 0;
  for (const f of files) {
    total += f.size;
    if (now - f.mtime > limits.maxAgeMs || total > limits.maxBytes) {
      await rm(f.path, { force: true }).catch(() => {});
      removed++;
    }
  }
  return removed;
}
