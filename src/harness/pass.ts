// A spec pass: the harness run once per spec tree and content, shared by everything a site build (or
// one remark processor) shows. The site plugin asks for a tree's results; the remark plugin asks for
// the results of the page it is compiling, by the page's path and text. Both get the same objects for
// the same content, so a build runs each tree once; a page whose text differs from the disk's (the dev
// server while a file is edited, a test feeding its own text) gets one new pass over the tree with that
// text. The caches live as long as the pass: a refresh re-runs only what changed.

import type { VFileMessage } from 'vfile-message';
import { sha256 } from '../markdown/hash.ts';
import { displayPath, modelOf, readSpec } from '../markdown/load.ts';
import type { SpecModel } from '../markdown/model.ts';
import { extractSource } from '../markdown/parse.ts';
import type { SpecDocument, Verdict } from '../model/types.ts';
import type { EngineName } from '../runner/types.ts';
import { openCaches, runSpec, type Caches, type CheckResult } from './check.ts';

export interface SpecPassOptions {
  /** Engine that runs the examples (default interp). */
  engine?: EngineName;
  /** Use the on-disk cache under .cache/kexec-contract (default true). */
  cache?: boolean;
  cacheDir?: string;
}

/** The results of one tree's content, and the views the reporters need of them. */
export interface PassResult extends CheckResult {
  model: SpecModel;
  /** Every verdict on a clause, by clause ID, in document and example order. */
  verdictsByClause: Map<string, Verdict[]>;
}

type Sources = { file: string; source: string }[];

/** Passes kept per pass object: the current content and a few edits back (the dev server). */
const KEEP = 8;

export class SpecPass {
  private readonly models = new Map<string, SpecModel>();
  private readonly runs = new Map<string, Promise<PassResult>>();
  private caches?: Caches;

  constructor(private readonly options: SpecPassOptions = {}) {}

  /**
   * No JSON form: a pass is build-time state. Docusaurus serialises the site config, plugin options
   * included, into the client bundle; a pass there would carry its caches (and local paths) to browsers.
   */
  toJSON(): undefined {
    return undefined;
  }

  /** The model of the tree under `dir` as it is on disk (extraction only: nothing runs). */
  async model(dir: string): Promise<SpecModel> {
    return this.modelOf(await readSpec(dir));
  }

  /** The results of the tree under `dir` as it is on disk. */
  async results(dir: string): Promise<PassResult> {
    return this.run(await readSpec(dir));
  }

  /**
   * The results for one page: `file` with `text` in the tree under `dir` (no `dir`: the file alone).
   * A file outside the tree that holds no spec objects does not change the tree: it gets an empty
   * document, and the tree's results are the disk's.
   */
  async forFile(
    dir: string | undefined,
    file: string,
    text: string,
  ): Promise<{ result: PassResult; document: SpecDocument; messages: VFileMessage[] }> {
    const name = displayPath(file);
    const onDisk = dir ? await readSpec(dir) : [];
    const own = onDisk.find((s) => s.file === name);
    let sources: Sources;
    if (own?.source === text) sources = onDisk;
    else if (!own && dir && isEmpty(name, text)) sources = onDisk;
    else sources = [...onDisk.filter((s) => s.file !== name), { file: name, source: text }].sort(byFile);
    const result = await this.run(sources);
    const document = result.documents.find((d) => d.file === name) ?? {
      file: name,
      stages: [],
      clauses: [],
      examples: [],
      runs: [],
    };
    return { result, document, messages: result.messages.filter((m) => m.file === name) };
  }

  private keyOf(sources: Sources): string {
    return sha256(...sources.flatMap((s) => [s.file, s.source]));
  }

  private modelOf(sources: Sources): SpecModel {
    const key = this.keyOf(sources);
    let m = this.models.get(key);
    if (!m) {
      m = modelOf(sources);
      remember(this.models, key, m);
    }
    return m;
  }

  private run(sources: Sources): Promise<PassResult> {
    const key = this.keyOf(sources);
    let p = this.runs.get(key);
    if (!p) {
      const model = this.modelOf(sources);
      this.caches ??= openCaches(this.options.cache ?? true, this.options.cacheDir);
      p = runSpec(model, { engine: this.options.engine, caches: this.caches }).then((r) => ({
        ...r,
        model,
        verdictsByClause: verdictsByClause(r.documents),
      }));
      remember(this.runs, key, p);
      // A failed run is not kept: the next request tries again.
      p.catch(() => this.runs.get(key) === p && this.runs.delete(key));
    }
    return p;
  }
}

function verdictsByClause(documents: SpecDocument[]): Map<string, Verdict[]> {
  const out = new Map<string, Verdict[]>();
  for (const run of documents.flatMap((d) => d.runs))
    for (const v of run.verdicts) {
      const list = out.get(v.clause) ?? [];
      list.push(v);
      out.set(v.clause, list);
    }
  return out;
}

/** A file with nothing for the harness: no stages, clauses or examples, and no problems. */
function isEmpty(file: string, text: string): boolean {
  const f = extractSource(file, text);
  return !f.stages.length && !f.clauses.length && !f.examples.length && !f.messages.length;
}

function byFile(a: { file: string }, b: { file: string }): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.set(key, value);
  if (map.size > KEEP) map.delete(map.keys().next().value!);
}
