// The code version salt of the result cache: a hash of the sources that decide a verdict (the runner's
// shared modules, the chosen engine's directory, the model, the harness), so a change to the interpreter
// or the expect language invalidates cached runs without anyone deleting .cache/. Other engines' code
// is left out: editing it cannot change this engine's verdicts.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../markdown/hash.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENGINE_DIRS = new Set(['interp', 'unicorn', 'kvm']);

const salts = new Map<string, string>();

export function codeSalt(engine = 'interp'): string {
  const known = salts.get(engine);
  if (known) return known;
  const parts: string[] = [engine];
  const walk = (dir: string, top = false) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) {
        if (!(top && ENGINE_DIRS.has(e))) walk(p);
      } else if (e.endsWith('.ts')) parts.push(path.relative(SRC, p), readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(SRC, 'x86'));
  walk(path.join(SRC, 'runner'), true);
  walk(path.join(SRC, 'runner', engine));
  walk(path.join(SRC, 'model'));
  walk(path.join(SRC, 'harness'));
  const salt = sha256(...parts).slice(0, 16);
  salts.set(engine, salt);
  return salt;
}
