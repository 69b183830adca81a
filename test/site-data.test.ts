import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { SpecDocument } from '../src/model/types.ts';
import { buildSiteData, parseImplementations } from '../src/site/data.ts';
import { parseLock, retiredClauses } from '../src/markdown/lock.ts';
import { docPermalinkPath } from '../src/site/routes.ts';

// The fake sample the site is developed against: one stage, an example and a counterexample.
const SAMPLE = path.resolve(import.meta.dirname, '../src/site/sample');
const documents = JSON.parse(readFileSync(path.join(SAMPLE, 'documents.json'), 'utf8')) as SpecDocument[];
const retired = retiredClauses(parseLock(readFileSync(path.join(SAMPLE, 'clauses.lock.json'), 'utf8')));
const implementations = parseImplementations(
  parseYaml(readFileSync(path.join(SAMPLE, 'implementations.yaml'), 'utf8')),
);

/** The site data of the sample's documents, or of a variation of them, as release 1.0. */
function siteDataOf(docs: SpecDocument[], pageOf: (file: string) => string | undefined = () => undefined) {
  return buildSiteData({
    documents: docs,
    retired,
    implementations,
    version: '1.0',
    siteUrl: 'https://kexec.example.org',
    baseUrl: '/kc/',
    pageOf,
  });
}

/** One implementation's row of the matrix: the state of each cell. */
function matrixRow(d: ReturnType<typeof buildSiteData>, id: string): string[] {
  return d.matrix.cells[implementations.findIndex((i) => i.id === id)].map((c) => c.state);
}

const data = siteDataOf(documents, (file) =>
  file === 'src/site/sample/k2p.mdx' ? '/kc/spec/k2p' : undefined,
);

describe('buildSiteData', () => {
  it('makes one clauses.json record per clause and per retired ID', () => {
    expect(data.records.map((r) => [r.id, r.level, r.status, r.checked])).toEqual([
      ['k2p.gpr.zero', 'MUST', 'active', true],
      ['k2p.rflags.if', 'MUST', 'active', true],
      ['k2p.rflags.af', 'undefined', 'active', false],
      ['k2p.stack.zero', 'SHOULD', 'active', false],
      ['k2p.old.r10', 'MUST', 'retired', false],
    ]);
    expect(data.records[0].results).toEqual([
      { example: 'linux-6.18', kind: 'example', held: true },
      { example: 'linux-2.6.32', kind: 'counterexample', held: false },
    ]);
    expect(data.records.every((r) => r.version === '1.0')).toBe(true);
  });

  it('cites clauses at their page and retired IDs at their tombstone', () => {
    expect(data.citations['k2p.gpr.zero'].trimEnd().split('\n').at(-1)).toBe(
      'https://kexec.example.org/kc/spec/k2p#k2p.gpr.zero',
    );
    expect(data.citations['k2p.old.r10']).toMatch(/Replaced by\s+k2p\.gpr\.zero\./);
    expect(data.citations['k2p.old.r10'].trimEnd().split('\n').at(-1)).toBe(
      'https://kexec.example.org/kc/retired/k2p.old.r10',
    );
    expect(data.retired[0].replacementHref).toBe('/kc/spec/k2p#k2p.gpr.zero');
  });

  it('flags clauses without a check or an example on the coverage page', () => {
    const gaps = Object.fromEntries(data.coverage.map((r) => [r.id, r.gaps]));
    expect(gaps['k2p.gpr.zero']).toEqual([]);
    expect(gaps['k2p.stack.zero']).toEqual(['unchecked: needs the control page layout']);
    expect(gaps['k2p.rflags.af']).toEqual([]); // undefined clauses are documentation, not gaps
    expect(data.summary).toMatchObject({
      clauses: 4,
      checked: 2,
      unchecked: 1,
      passed: 2,
      failed: 0,
      retired: 1,
    });
  });

  it("fills the matrix from the verdicts of each implementation's examples", () => {
    expect(data.matrix.clauses.map((c) => c.id)).toEqual(['k2p.gpr.zero', 'k2p.rflags.if']);
    const row = (id: string) => matrixRow(data, id);
    expect(row('linux-6.18')).toEqual(['conforms', 'conforms']);
    expect(row('linux-2.6.32')).toEqual(['violates', 'conforms']);
    expect(row('xen')).toEqual(['n/a', 'n/a']);
    const cell = data.matrix.cells[1][0];
    expect(cell.state === 'violates' && cell.href).toBe('/kc/spec/k2p#example-k2p-linux-2.6.32');
  });

  it('marks a conforming cell "not exercised" where nothing fails the clause', () => {
    // The sample as if nothing failed k2p.rflags.if: neither the pass-through nor a counterexample.
    const docs = documents.map((d) => ({
      ...d,
      exercise: {
        'k2p.gpr.zero': { passThrough: 'default', counterexamples: ['linux-2.6.32'], variants: ['default'] },
        'k2p.rflags.if': { counterexamples: [], variants: [] },
      },
    }));
    const d = siteDataOf(docs);
    const row = (id: string) => matrixRow(d, id);
    expect(row('linux-6.18')).toEqual(['conforms', 'not-exercised']);
    expect(row('linux-2.6.32')).toEqual(['violates', 'not-exercised']);
    const gaps = Object.fromEntries(d.coverage.map((r) => [r.id, r.gaps]));
    expect(gaps['k2p.rflags.if']).toEqual([
      'not exercised: neither the pass-through nor a counterexample fails it',
    ]);
    expect(d.coverage.find((r) => r.id === 'k2p.gpr.zero')!.exercise?.passThrough).toBe('default');
  });

  it('marks a conforming cell "not exercised" where its examples ran under no variant that fails the clause', () => {
    // k2p.gpr.zero fails only under variant b (say, a list format only one giver is handed).
    const docs = documents.map((d) => ({
      ...d,
      runs: d.runs.map((r) => ({ ...r, variants: r.example === 'linux-6.18' ? ['a'] : ['a', 'b'] })),
      exercise: {
        'k2p.gpr.zero': { counterexamples: ['linux-2.6.32'], variants: ['b'] },
        'k2p.rflags.if': { passThrough: 'a', counterexamples: [], variants: ['a'] },
      },
    }));
    const d = siteDataOf(docs);
    const row = (id: string) => matrixRow(d, id);
    expect(row('linux-6.18')).toEqual(['not-exercised', 'conforms']);
    expect(row('linux-2.6.32')).toEqual(['violates', 'conforms']);
  });
});

describe('buildSiteData with a release', () => {
  const gprZero = documents.flatMap((d) => d.clauses).find((c) => c.id === 'k2p.gpr.zero')!;
  const ifClause = documents.flatMap((d) => d.clauses).find((c) => c.id === 'k2p.rflags.if')!;
  const released = buildSiteData({
    documents,
    retired,
    implementations,
    version: '1.1-draft',
    release: {
      version: '1.0',
      clauses: {
        // The same content as the working copy: cited as released.
        'k2p.gpr.zero': { ...gprZero, href: '/kc/spec/k2p#k2p.gpr.zero' },
        // Worded differently in the release: the working copy is cited.
        'k2p.rflags.if': {
          ...ifClause,
          text: 'older text',
          hash: 'sha256:0ld',
          href: '/kc/spec/k2p#k2p.rflags.if',
        },
      },
    },
    siteUrl: 'https://kexec.example.org',
    baseUrl: '/kc/',
    pageOf: (file) => (file === 'src/site/sample/k2p.mdx' ? '/kc/spec/next/k2p' : undefined),
  });
  const record = (id: string) => released.records.find((r) => r.id === id)!;
  const lines = (id: string) => released.citations[id].trimEnd().split('\n');

  it('cites a clause unchanged in the newest release as that release, at its released page', () => {
    expect(record('k2p.gpr.zero').version).toBe('1.0');
    expect(lines('k2p.gpr.zero')[0]).toMatch(/^k2p\.gpr\.zero@1\.0 /);
    expect(lines('k2p.gpr.zero').at(-1)).toBe('https://kexec.example.org/kc/spec/k2p#k2p.gpr.zero');
  });

  it('cites a changed or new clause as the working copy, at its /next page', () => {
    for (const id of ['k2p.rflags.if', 'k2p.stack.zero']) {
      expect(record(id).version).toBe('1.1-draft');
      expect(lines(id)[0].startsWith(`${id}@1.1-draft `)).toBe(true);
      expect(lines(id).at(-1)).toBe(`https://kexec.example.org/kc/spec/next/k2p#${id}`);
    }
    expect(released.citations['k2p.rflags.if']).not.toContain('older text');
  });
});

describe('docPermalinkPath', () => {
  const at = (relative: string, frontMatter: Record<string, unknown> = {}, versionPath = '') =>
    docPermalinkPath({ relative, frontMatter, baseUrl: '/', routeBasePath: 'spec', versionPath });

  it('strips number prefixes and follows slug, id and index the way the docs plugin does', () => {
    expect(at('02-kernel-to-purgatory.md')).toBe('/spec/kernel-to-purgatory');
    expect(at('index.md')).toBe('/spec');
    expect(at('01-stages/03-k2p.md')).toBe('/spec/stages/k2p');
    expect(at('x.md', { slug: '/' })).toBe('/spec');
    expect(at('a/x.md', { slug: 'y' })).toBe('/spec/a/y');
    expect(at('x.md', { id: 'z' })).toBe('/spec/z');
    expect(at('x.md', {}, 'next')).toBe('/spec/next/x');
  });
});

describe('specDirOf', () => {
  it('checks a released version against its own copy of the spec', async () => {
    const { specDirOf } = await import('../src/site/remark.ts');
    expect(specDirOf('spec/02-kernel-to-purgatory.md', 'spec')).toBe('spec');
    expect(specDirOf('spec_versioned_docs/version-1.0/02-kernel-to-purgatory.md', 'spec')).toBe(
      'spec_versioned_docs/version-1.0',
    );
    expect(specDirOf('spec_versioned_docs/version-1.0/sub/x.md', 'spec')).toBe(
      'spec_versioned_docs/version-1.0',
    );
    expect(specDirOf('docs/guides/x.md', 'spec')).toBe('spec');
  });
});
