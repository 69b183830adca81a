// The kexec handoff contract site: the contract from spec/ at /spec, guides from docs/ at /docs.
// Every example in spec/ is assembled and run during the build, once per spec tree: one spec pass
// (src/harness/pass.ts) serves the pages (the remark plugin) and the site data (the site plugin);
// a failing example fails the build with its Markdown file:line. The pages execute nothing.
//
// Environment:
//   KEXEC_CONTRACT_SITE_URL, KEXEC_CONTRACT_BASE_URL, KEXEC_CONTRACT_SPEC_VERSION: see src/site/env.ts
//     (the public URL defaults to package.json's homepage; the build says which URL it published for)
//   KEXEC_CONTRACT_SITE_SAMPLE=1  build the site from the fake sample in src/site/sample (no engines)
//   KEXEC_CONTRACT_SITE_ALLOW_FAILURES=1  publish even when examples fail (to look at the failures)

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import { themes as prismThemes } from 'prism-react-renderer';
import { SpecPass } from './src/harness/pass.ts';
import { releases, siteEnv, versionPath } from './src/site/env.ts';
import remarkSpecPerVersion from './src/site/remark.ts';

const siteDir = __dirname;
const sample = process.env.KEXEC_CONTRACT_SITE_SAMPLE === '1';
/**
 * Publish a spec that does not check (failures shown on the pages, errors printed) instead of failing:
 * on request, and always under `npm start` (NODE_ENV=development), where an author wants to see them.
 * `npm run build` stays strict: a failing example fails it with the Markdown file:line.
 */
const allowFailures =
  process.env.KEXEC_CONTRACT_SITE_ALLOW_FAILURES === '1' || process.env.NODE_ENV === 'development';
/** specVersion: what citations carry for the current (unreleased) spec; released versions carry their own name. */
const { url, urlFrom, baseUrl, specVersion, releasedVersion } = siteEnv(siteDir);
/** Generated static files (clauses.json, r/<id>.txt); the site plugin fills it before webpack copies it. */
const generatedStatic = '.docusaurus/kexec-contract-static';
/**
 * Released spec versions (spec_versions.json), each served at /spec/<name>/ for good, the newest too:
 * a citation of `ID@1.0` names /spec/1.0/...#ID and keeps naming 1.0 after 1.1 is cut. Read from the
 * file, so `docusaurus docs:version:spec 1.1` needs no change here. (The site plugin writes redirects
 * from the unversioned /spec/<chapter> to the newest release's chapter.)
 */
const releasedVersions = releases(siteDir).map((r) => r.version);

export default function createConfig(): Config {
  // The build's one spec pass: each spec tree (spec/, and each released copy) runs once, whoever asks.
  const pass = new SpecPass();
  // The remark plugin (TypeScript, compiled by Docusaurus's config loader) shows every page's results
  // from its spec tree: spec/ for the current docs, spec_versioned_docs/version-X/ for a release.
  const remarkPlugins = sample
    ? []
    : [
        [
          remarkSpecPerVersion,
          {
            jsx: true,
            specDir: 'spec',
            failOnError: !allowFailures,
            pass,
            workingCopyPath: versionPath('current', releasedVersions.length > 0),
          },
        ],
      ];

  return {
    title: 'kexec handoff contract',
    tagline: 'The x86-64 kexec handoff as an executable specification',
    url,
    baseUrl,
    favicon: 'img/favicon.svg',
    // Rspack, SWC and Lightning CSS instead of webpack, Babel and cssnano: the build is CPU-bound and the
    // machine is small (see docs/reference/site.md for the build time).
    // (SSG worker threads need the v4 head flag; CSS cascade layers stay off because Lightning CSS
    // emulates them with specificity that would override the site's own styles.)
    future: { v4: { removeLegacyPostBuildHeadAttribute: true }, faster: true },
    onBrokenLinks: 'throw',
    onBrokenAnchors: 'throw',
    markdown: {
      // .md stays CommonMark (directives still parse: the plugin adds remark-directive); .mdx is MDX.
      format: 'detect',
      hooks: { onBrokenMarkdownLinks: 'throw' },
    },
    staticDirectories: ['static', generatedStatic],
    customFields: { specVersion, sample },
    presets: [
      [
        'classic',
        {
          docs: false,
          blog: false,
          theme: { customCss: './src/css/custom.css' },
        } satisfies Preset.Options,
      ],
    ],
    plugins: [
      [
        '@docusaurus/plugin-content-docs',
        {
          id: 'spec',
          path: sample ? 'src/site/sample' : 'spec',
          routeBasePath: 'spec',
          beforeDefaultRemarkPlugins: remarkPlugins,
          showLastUpdateTime: false,
          // The fake sample has no releases: the released copies are of the real spec.
          ...(sample
            ? { onlyIncludeVersions: ['current'], lastVersion: 'current' }
            : {
                versions: Object.fromEntries(
                  releasedVersions.map((v) => [v, { path: versionPath(v, true) }]),
                ),
              }),
        },
      ],
      [
        '@docusaurus/plugin-content-docs',
        {
          id: 'docs',
          path: 'docs',
          routeBasePath: 'docs',
          beforeDefaultRemarkPlugins: remarkPlugins,
        },
      ],
      [
        './src/site/plugin.ts',
        {
          specDir: sample ? 'src/site/sample' : 'spec',
          documents: sample ? 'src/site/sample/documents.json' : undefined,
          docsPluginId: 'spec',
          version: specVersion,
          staticDir: generatedStatic,
          allowFailures,
          pass,
          publicUrlFrom: urlFrom,
        },
      ],
    ],
    themes: [
      [
        '@easyops-cn/docusaurus-search-local',
        {
          hashed: true,
          indexBlog: false,
          docsRouteBasePath: ['spec', 'docs'],
          docsPluginIdForPreferredVersion: 'spec',
          highlightSearchTermsOnTargetPage: false,
          // Interface labels (stage, Copy citation, checks and runs of a clause) are not clause text: each
          // clause's entry is its ID (its <h3>), its level and its prose.
          ignoreCssSelectors: ['.kc-search-ignore'],
        },
      ],
    ],
    themeConfig: {
      navbar: {
        title: 'kexec handoff contract',
        items: [
          {
            type: 'docSidebar',
            docsPluginId: 'spec',
            sidebarId: 'defaultSidebar',
            label: 'Contract',
            position: 'left',
          },
          { to: '/coverage', label: 'Coverage', position: 'left' },
          { to: '/matrix', label: 'Implementations', position: 'left' },
          { to: '/changelog', label: 'Changelog', position: 'left' },
          {
            type: 'docSidebar',
            docsPluginId: 'docs',
            sidebarId: 'defaultSidebar',
            label: 'Guides',
            position: 'left',
          },
          // Shown once a spec version was cut (`npm run docusaurus -- docs:version:spec 1.0`).
          ...(existsSync(path.join(siteDir, 'spec_versions.json'))
            ? [{ type: 'docsVersionDropdown' as const, docsPluginId: 'spec', position: 'right' as const }]
            : []),
        ],
      },
      footer: {
        style: 'light',
        copyright: `${
          releasedVersion && !sample
            ? `Spec version ${releasedVersion} (working copy: ${specVersion})`
            : `Spec version ${specVersion}`
        }. Every result on this site was produced by the build that published it.`,
      },
      prism: {
        theme: prismThemes.github,
        darkTheme: prismThemes.dracula,
      },
    } satisfies Preset.ThemeConfig,
  };
}
