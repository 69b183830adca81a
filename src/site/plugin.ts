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
import type { Clause, SpecDocument } from '../model/types.ts';
import {
  buildSiteData,
  parseImplementations,
  type Release,
  type SiteData,
  type SiteGlobalData,
} from './data.ts';
import { newestRelease, releases } from './env.ts';
import { CHANGELOG_PATH, COVERAGE_PATH, MATRIX_PATH, citationPath, tombstonePath } from './ids.ts';
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
}

/** A clause of the newest released version, by the file it is written in (hrefs come later). */
interface ReleasedSource {
  version: string;
  clauses: { id: string; level: Clause['level']; text: string; hash: string; file: string }[];
}

interface Loaded {
  documents: SpecDocument[];
  retired: RetiredClause[];
  implementations: ReturnType<typeof parseImplementations>;
  release?: ReleasedSource;
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

    getPathsToWatch() {
      return [path.join(specDir, '**/*.{md,mdx,yaml,json}')];
    },

    async loadContent() {
      const documents = await loadSpecDocuments(
        pass,
        specDir,
        options.documents && path.resolve(context.siteDir, options.documents),
        options.allowFailures,
      );
      const implText = await readOptional(path.join(specDir, 'implementations.yaml'));
      return {
        documents,
        retired: retiredClauses(await readLock(path.join(specDir, 'clauses.lock.json'))),
        implementations: parseImplementations(implText ? parseYaml(implText) : undefined),
        release: options.documents ? undefined : await loadRelease(pass, context.siteDir, docsPluginId),
        changelog: changelog(
          await Promise.all(
            releases(context.siteDir, docsPluginId).map(async (r) => ({
              version: r.version,
              lock: await readLock(path.join(r.dir, 'clauses.lock.json')),
            })),
          ),
          await readLock(path.join(specDir, 'clauses.lock.json')),
        ),
      };
    },

    async allContentLoaded({ allContent, actions }) {
      const loaded = allContent[PLUGIN_NAME]?.default as Loaded | undefined;
      if (!loaded) return;
      // Map each spec file to the permalink of the page the docs plugin rendered from it.
      const versions = (
        allContent['docusaurus-plugin-content-docs']?.[docsPluginId] as
          | { loadedVersions: { versionName: string; docs: { source: string; permalink: string }[] }[] }
          | undefined
      )?.loadedVersions;
      const pagesOf = (versionName: string) => {
        const pages = new Map<string, string>();
        for (const d of versions?.find((v) => v.versionName === versionName)?.docs ?? []) {
          pages.set(path.resolve(context.siteDir, d.source.replace(/^@site\//, '')), d.permalink);
        }
        return pages;
      };
      const pages = pagesOf('current');
      // The newest release, when the docs plugin renders it: its clauses at their released pages.
      let release: Release | undefined;
      const releasedPages = loaded.release ? pagesOf(loaded.release.version) : undefined;
      if (loaded.release && releasedPages && releasedPages.size > 0) {
        release = { version: loaded.release.version, clauses: {} };
        for (const c of loaded.release.clauses) {
          const page = releasedPages.get(path.resolve(context.siteDir, c.file));
          if (page)
            release.clauses[c.id] = { level: c.level, text: c.text, hash: c.hash, href: `${page}#${c.id}` };
        }
      }
      const data = buildSiteData({
        documents: loaded.documents,
        retired: loaded.retired,
        implementations: loaded.implementations,
        version: options.version,
        release,
        siteUrl: context.siteConfig.url,
        baseUrl: context.siteConfig.baseUrl,
        pageOf: (file) =>
          pages.get(path.resolve(context.siteDir, file)) ?? pages.get(path.resolve(specDir, file)),
      });

      await writeStaticFiles(staticDir, data);

      const global: SiteGlobalData = {
        version: data.version,
        release: data.release,
        clauseIndex: data.clauseIndex,
        exampleIndex: data.exampleIndex,
        summary: data.summary,
        headline: data.headline,
        citations: data.citations,
      };
      actions.setGlobalData(global);

      const withBase = (p: string) => context.siteConfig.baseUrl.replace(/\/+$/, '') + p;
      actions.addRoute({
        path: withBase(COVERAGE_PATH),
        component: component('CoveragePage.tsx'),
        exact: true,
        modules: {
          data: await actions.createData(
            'coverage.json',
            JSON.stringify({ rows: data.coverage, summary: data.summary }),
          ),
        },
      });
      actions.addRoute({
        path: withBase(MATRIX_PATH),
        component: component('MatrixPage.tsx'),
        exact: true,
        modules: { data: await actions.createData('matrix.json', JSON.stringify(data.matrix)) },
      });
      // Each change links to the clause now: its page, or its tombstone.
      const hrefOf = (id: string) => data.clauseIndex[id]?.href ?? withBase(tombstonePath(id));
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
      for (const r of data.retired) {
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

/** The clauses of the newest released spec version (its model; its pages show its results). */
async function loadRelease(
  pass: SpecPass,
  siteDir: string,
  docsPluginId: string,
): Promise<ReleasedSource | undefined> {
  const release = newestRelease(siteDir, docsPluginId);
  if (!release) return undefined;
  const model = await pass.model(release.dir);
  return {
    version: release.version,
    clauses: model.files.flatMap((f) =>
      f.clauses.map((c) => ({
        id: c.id,
        level: c.level,
        text: c.text,
        hash: c.hash,
        file: f.file,
      })),
    ),
  };
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

/** clauses.json and one citation file per clause, replacing whatever an earlier build left. */
async function writeStaticFiles(dir: string, data: SiteData): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'r'), { recursive: true });
  await writeFile(path.join(dir, 'clauses.json'), JSON.stringify(data.records, null, 2) + '\n');
  for (const [id, text] of Object.entries(data.citations)) {
    await writeFile(path.join(dir, citationPath(id)), text);
  }
}
