// Result cache: a run's outcome keyed by a content hash of everything it depends on (the stage's given,
// the example's source and kind, the checks of the stage's clauses, the engine, the seeds and a salt
// that changes with the code). Kept in memory for the process and on disk under .cache/kexec-contract/
// so a warm `npm test` or site rebuild re-runs only the blocks that changed.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const CACHE_DIR = '.cache/kexec-contract';

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
        const v = JSON.parse(await readFile(this.file(key), 'utf8')) as T;
        this.memory.set(key, v);
        this.hits++;
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

  clearMemory(): void {
    this.memory.clear();
  }
}
