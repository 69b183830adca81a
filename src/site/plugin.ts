// The local Docusaurus plugin that turns the checked spec into site data: it takes the spec tree's
// results from the build's spec pass (loadContent; the remark plugin shows the same results on the
// pages), then, knowing every doc's permalink (allContentLoaded), publishes clauses.json, /r/<id>.txt
// citations, tombstone pages, the coverage page, the implementation matrix and the changelog (from
// the clause locks of every release and the working copy, src/markdown/changelog.ts).
// Everything on those pages was produced by this build; the browser executes nothing.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadContext, Plugin } from '@docusaurus/types';
import type { Compiler } from 'webpack';
import { parse as parseYaml } from 'yaml';
import { SpecPass } from '../harness/pass.ts';
import { readLock, retiredClauses, type RetiredClause } from '../markdown/lock.ts';
import { changelog, type ChangelogEntry } from '../markdown/changelog.ts';
import type { ExampleRun, SpecDocument } from '../model/types.ts';
import { runDetailFile } from './runs.ts';
import {
  buildSiteData,
  type VersionNav,
  parseImplementations,
  type Release,
  type SiteData,
  type SiteGlobalData,
} from './data.ts';
import { CURRENT, releases, versionPath } from './env.ts';
import { CHANGELOG_PATH, citationPath, coveragePath, matrixPath, tombstonePath } from './ids.ts';
import { loadSpecDocuments } from './load.ts';

export interface SitePluginOptions {
  /** The spec directory (default: spec/ in the site directory). */
  specDir?: string;
  /** The id of the docs plugin instance that renders specDir. */
  docsPluginId?: string;
  /** Spec version carried by citations and clauses.json. */
  version: string;
  /** A JSON file of SpecDocument[] used instead of running checkSpec (site development with fake data). */
  documents?: string;
  /** Publish a spec that does not check instead of failing the build (errors are printed). */
  allowFailures?: boolean;
  /** Where the static files (clauses.json, r/*.txt) are written; must be one of the site's staticDirectories. */
  staticDir: string;
  /** The build's spec pass, shared with the remark plugin (default: one of this plugin's own). */
  pass?: SpecPass;
  /** Where the site's public URL came from (printed after the build: the URL every citation names). */
  publicUrlFrom?: string;
}

/** One spec version as the build checked it: the working copy (spec/) or a release. */
interface LoadedVersion {
  /** The docs plugin's version name: `current`, or a release (`1.0`). */
  name: string;
  /** The version its citations carry: the release's name, or the working copy's (`next`, `1.1-draft`). */
  label: string;
  specDir: string;
  documents: SpecDocument[];
  retired: RetiredClause[];
  implementations: ReturnType<typeof parseImplementations>;
}

interface Loaded {
  /** The working copy first, then the releases, newest first. */
  versions: LoadedVersion[];
  changelog: ChangelogEntry[];
}

export const PLUGIN_NAME = 'kexec-contract-site';

async function readOptional(file: string): Promise<string | undefined> {
  return existsSync(file) ? readFile(file, 'utf8') : undefined;
}

export default function kexecContractSite(context: LoadContext, options: SitePluginOptions): Plugin<Loaded> {
  const specDir = path.resolve(context.siteDir, options.specDir ?? 'spec');
  const docsPluginId = options.docsPluginId ?? 'spec';
  const staticDir = path.resolve(context.siteDir, options.staticDir);
  const component = (name: string) => path.join(context.siteDir, 'src/components/site', name);
  const pass = options.pass ?? new SpecPass();

  return {
    name: PLUGIN_NAME,

    configureWebpack(_config, isServer) {
      // package.json says "type": "module". Two consequences for the bundler's CommonJS-flavoured output:
      // - the generated registry would be parsed as strict ESM, leaving `require.resolveWeak` untranslated;
      // - the server bundle's chunks under build/__server would load as ES modules during SSG.
      // Let the bundler detect the registry's module type, and mark the server output as CommonJS.
      return {
        module: { rules: [{ test: /\.js$/, include: [context.generatedFilesDir], type: 'javascript/auto' }] },
        plugins: isServer ? [new CommonJsOutputMarker()] : [],
      };
    },

    postBuild({ siteConfig }) {
      const published = siteConfig.url + siteConfig.baseUrl;
      console.log(
        `[kexec-contract] Published for ${published} (from ${options.publicUrlFrom ?? 'the site config'}):` +
          ' citations, /r/<id>.txt, canonical links and sitemap.xml name it.',
      );
    },

    getPathsToWatch() {
      return [path.join(specDir, '**/*.{md,mdx,yaml,json}')];
    },

    async loadContent() {
      const current = await loadVersion(pass, CURRENT, options.version, specDir, {
        documents: options.documents && path.resolve(context.siteDir, options.documents),
        allowFailures: options.allowFailures,
      });
      // Each release runs its own examples against its own copy of the spec (the pages show the same).
      const released = options.documents
        ? []
        : await Promise.all(
            releases(context.siteDir, docsPluginId).map((r) =>
              loadVersion(pass, r.version, r.version, r.dir, { allowFailures: options.allowFailures }),
            ),
          );
      const log = changelog(
        await Promise.all(
          // changelog() takes them oldest first
          [...releases(context.siteDir, docsPluginId)].reverse().map(async (r) => ({
            version: r.version,
            lock: await readLock(path.join(r.dir, 'clauses.lock.json')),
          })),
        ),
        await readLock(path.join(specDir, 'clauses.lock.json')),
      );
      return { versions: [current, ...released], changelog: log };
    },

    async allContentLoaded({ allContent, actions }) {
      const loaded = allContent[PLUGIN_NAME]?.default as Loaded | undefined;
      if (!loaded) return;
      // Map each spec file to the permalink of the page the docs plugin rendered from it, per version.
      const docsVersions = (
        allContent['docusaurus-plugin-content-docs']?.[docsPluginId] as
          | { loadedVersions: { versionName: string; docs: { source: string; permalink: string }[] }[] }
          | undefined
      )?.loadedVersions;
      const pagesOf = (versionName: string) => {
        const pages = new Map<string, string>();
        for (const d of docsVersions?.find((v) => v.versionName === versionName)?.docs ?? []) {
          pages.set(path.resolve(context.siteDir, d.source.replace(/^@site\//, '')), d.permalink);
        }
        return pages;
      };
      // Only the versions the docs plugin renders get pages (the sample renders the working copy only).
      const shown = loaded.versions.filter((v) => v.name === CURRENT || pagesOf(v.name).size > 0);
      const hasReleases = shown.some((v) => v.name !== CURRENT);
      const newest = shown.find((v) => v.name !== CURRENT);
      const release = newest && releaseOf(newest, pagesOf(newest.name), context.siteDir);

      const data = new Map<string, SiteData>();
      for (const v of shown) {
        const pages = pagesOf(v.name);
        const dir = path.resolve(context.siteDir, v.specDir);
        data.set(
          v.name,
          buildSiteData({
            documents: v.documents,
            retired: v.retired,
            implementations: v.implementations,
            version: v.label,
            release,
            siteUrl: context.siteConfig.url,
            baseUrl: context.siteConfig.baseUrl,
            pageOf: (file) =>
              pages.get(path.resolve(context.siteDir, file)) ?? pages.get(path.resolve(dir, file)),
          }),
        );
      }
      // clauses.json, /r/<id>.txt and the tombstones speak for the working copy (its citations name the
      // newest release wherever a clause is unchanged since).
      const working = data.get(CURRENT)!;
      await writeStaticFiles(staticDir, working);
      await writeRunDetails(
        staticDir,
        shown.flatMap((v) => v.documents.flatMap((d) => d.runs)),
      );
      await writeLatestRedirects(staticDir, context.siteConfig.baseUrl, newest && pagesOf(newest.name));

      // The unversioned pages (home, /coverage, /matrix) show the newest release, else the working copy.
      const latest = newest?.name ?? CURRENT;
      const global: SiteGlobalData = {
        latest,
        versions: Object.fromEntries(
          shown.map((v) => {
            const d = data.get(v.name)!;
            return [
              v.name,
              {
                name: v.name,
                label: v.label,
                path: versionPath(v.name, hasReleases),
                clauses: Object.fromEntries(Object.values(d.clauseIndex).map((c) => [c.id, c.href])),
                examples: Object.fromEntries(Object.entries(d.exampleIndex).map(([key, e]) => [key, e.href])),
                summary: d.summary,
              },
            ];
          }),
        ),
        release: release && {
          version: release.version,
          clauses: Object.fromEntries(
            Object.entries(release.clauses).map(([id, c]) => [id, { hash: c.hash, href: c.href }]),
          ),
        },
        headline: data.get(latest)!.headline,
      };
      actions.setGlobalData(global);

      const withBase = (p: string) => context.siteConfig.baseUrl.replace(/\/+$/, '') + p;
      // Every version's coverage and matrix at /coverage/<version> and /matrix/<version>; the newest
      // release (else the working copy) also at /coverage and /matrix.
      const nav = (page: (versionPath: string) => string): VersionNav['links'] =>
        shown.map((v) => ({
          name: v.name,
          label: v.name === CURRENT ? `${v.label} (working copy)` : v.label,
          href: withBase(page(versionPath(v.name, hasReleases))),
        }));
      for (const v of shown) {
        const d = data.get(v.name)!;
        const vp = versionPath(v.name, hasReleases);
        const paths = (page: (p: string) => string) =>
          [...new Set([page(vp), ...(v.name === latest ? [page('')] : [])])].map(withBase);
        const version: VersionNav = { name: v.name, label: v.label, links: [] };
        /** One page of this version: its data written once (with the version menu), routed at each path. */
        const addVersionPage = async (
          name: string,
          page: (versionPath: string) => string,
          pageComponent: string,
          payload: object,
        ) => {
          const module = await actions.createData(
            `${name}-${v.name}.json`,
            JSON.stringify({ ...payload, version: { ...version, links: nav(page) } }),
          );
          for (const p of paths(page))
            actions.addRoute({
              path: p,
              component: component(pageComponent),
              exact: true,
              modules: { data: module },
            });
        };
        await addVersionPage('coverage', coveragePath, 'CoveragePage.tsx', {
          rows: d.coverage,
          summary: d.summary,
        });
        await addVersionPage('matrix', matrixPath, 'MatrixPage.tsx', d.matrix);
      }
      // Each change links to the clause now: its page in the working copy, or its tombstone.
      const hrefOf = (id: string) => working.clauseIndex[id]?.href ?? withBase(tombstonePath(id));
      actions.addRoute({
        path: withBase(CHANGELOG_PATH),
        component: component('ChangelogPage.tsx'),
        exact: true,
        modules: {
          data: await actions.createData(
            'changelog.json',
            JSON.stringify(
              loaded.changelog.map((e) => ({
                ...e,
                changes: e.changes.map((c) => ({ ...c, href: hrefOf(c.id) })),
              })),
            ),
          ),
        },
      });
      for (const r of working.retired) {
        actions.addRoute({
          path: withBase(tombstonePath(r.id)),
          component: component('TombstonePage.tsx'),
          exact: true,
          modules: { data: await actions.createData(`retired-${r.id}.json`, JSON.stringify(r)) },
        });
      }
    },
  };
}

/** A spec tree's results, tombstones and implementations (one spec pass serves the pages as well). */
async function loadVersion(
  pass: SpecPass,
  name: string,
  label: string,
  dir: string,
  opts: { documents?: string; allowFailures?: boolean },
): Promise<LoadedVersion> {
  // The remark plugin names a release's tree relative to the working directory: the same key, one run.
  const specDir = path.relative(process.cwd(), dir) || '.';
  const implText = await readOptional(path.join(dir, 'implementations.yaml'));
  return {
    name,
    label,
    specDir,
    documents: await loadSpecDocuments(pass, specDir, opts.documents, opts.allowFailures),
    retired: retiredClauses(await readLock(path.join(dir, 'clauses.lock.json'))),
    implementations: parseImplementations(implText ? parseYaml(implText) : undefined),
  };
}

/** The newest release's clauses at their released pages, for citing unchanged clauses as released. */
function releaseOf(v: LoadedVersion, pages: Map<string, string>, siteDir: string): Release {
  const release: Release = { version: v.name, clauses: {} };
  const dir = path.resolve(siteDir, v.specDir);
  for (const doc of v.documents) {
    const page = pages.get(path.resolve(siteDir, doc.file)) ?? pages.get(path.resolve(dir, doc.file));
    if (!page) continue;
    for (const c of doc.clauses)
      release.clauses[c.id] = { level: c.level, text: c.text, hash: c.hash, href: `${page}#${c.id}` };
  }
  return release;
}

/**
 * /spec/<chapter> (the newest release's chapters without a version, as published before releases had
 * numbered paths) -> /spec/<newest>/<chapter>, keeping the #clause: a small static page per chapter.
 */
async function writeLatestRedirects(
  dir: string,
  baseUrl: string,
  pages: Map<string, string> | undefined,
): Promise<void> {
  if (!pages) return;
  const specRoot = baseUrl.replace(/\/+$/, '') + '/spec/';
  for (const target of pages.values()) {
    const rest = target.slice(specRoot.length).split('/').slice(1).join('/');
    if (!target.startsWith(specRoot) || !rest) continue;
    const file = path.join(dir, 'spec', ...rest.split('/'), 'index.html');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, redirectPage(target));
  }
}

function redirectPage(target: string): string {
  const t = JSON.stringify(target);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Moved to ${target}</title>
<link rel="canonical" href="${target}">
<script>location.replace(${t} + location.hash)</script>
<noscript><meta http-equiv="refresh" content="0; url=${target}"></noscript>
</head><body><p>This chapter of the newest release is at <a href="${target}">${target}</a>.</p></body></html>
`;
}

/** Emits package.json {"type":"commonjs"} next to the server bundle (webpack and Rspack alike). */
class CommonJsOutputMarker {
  apply(compiler: Compiler): void {
    const { Compilation, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap('kexec-contract-commonjs', (compilation) => {
      compilation.hooks.processAssets.tap(
        { name: 'kexec-contract-commonjs', stage: Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL },
        () => compilation.emitAsset('package.json', new sources.RawSource('{ "type": "commonjs" }\n')),
      );
    });
  }
}

/** Each run's details (trace, final state, failed assertions) under the content hash its page names. */
async function writeRunDetails(dir: string, runs: ExampleRun[]): Promise<void> {
  await mkdir(path.join(dir, 'runs'), { recursive: true });
  const written = new Set<string>();
  for (const run of runs) {
    const file = runDetailFile(run);
    if (written.has(file.hash)) continue;
    written.add(file.hash);
    await writeFile(path.join(dir, file.path), file.json);
  }
}

/** clauses.json and one citation file per clause, replacing whatever an earlier build left. */
async function writeStaticFiles(dir: string, data: SiteData): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'r'), { recursive: true });
  await writeFile(path.join(dir, 'clauses.json'), JSON.stringify(data.records, null, 2) + '\n');
  for (const [id, text] of Object.entries(data.citations)) {
    await writeFile(path.join(dir, citationPath(id)), text);
  }
}
