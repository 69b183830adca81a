// A run as a page carries it (a summary: engine, stop, verdict per clause) and its details (trace,
// final state, the failed assertions), which the site publishes as one static file per run,
// /runs/<hash>.json, fetched when the reader opens the verdicts or the trace. A chapter with dozens of
// runs stays light, and no page prefetches another chapter's traces.
// Build-time only (hashing); the types are in data.ts, which the components may import.

import { createHash } from 'node:crypto';
import type { ExampleRun } from '../model/types.ts';
import { splitRun, type RunSummary } from './data.ts';
import { runDetailPath } from './ids.ts';

/** The details file's text and the hash that names it (the same for the same details in any version). */
export function runDetailFile(run: ExampleRun): { hash: string; path: string; json: string } {
  const json = JSON.stringify(splitRun(run).detail);
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 16);
  return { hash, path: runDetailPath(hash), json };
}

export function runSummary(run: ExampleRun): RunSummary {
  return { ...splitRun(run).summary, detail: runDetailFile(run).hash };
}
