// The code version salt of the result cache: a hash of the sources that decide a verdict (runner,
// model, harness) and of the package version, so a change to the interpreter or the expect language
// invalidates cached runs without anyone deleting .cache/.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../plugin/hash.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIRS = ['runner', 'model', 'harness'];

let salt: string | undefined;

export function codeSalt(): string {
  if (salt) return salt;
  const parts: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.ts')) parts.push(path.relative(SRC, p), readFileSync(p, 'utf8'));
    }
  };
  for (const d of DIRS) walk(path.join(SRC, d));
  salt = sha256(...parts).slice(0, 16);
  return salt;
}
