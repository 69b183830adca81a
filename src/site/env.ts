// Site settings from the environment, shared by docusaurus.config.ts and `kexec-contract cite` so a
// citation printed on the command line names the same host, base path and version as the site's.
//   KEXEC_CONTRACT_SITE_URL      origin of the deployment (default http://127.0.0.1:3000, `npm start`'s)
//   KEXEC_CONTRACT_BASE_URL      base path (default /)
//   KEXEC_CONTRACT_SPEC_VERSION  version the working copy (spec/) carries in citations: default `next` once
//                                a release was cut (it is served at /spec/next), else package.json's version

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface SiteEnv {
  url: string;
  baseUrl: string;
  /** The version the working copy (spec/) carries. */
  specVersion: string;
  /** The newest released version (`spec_versions.json`), if one was cut. */
  releasedVersion?: string;
}

/** The working copy's version when KEXEC_CONTRACT_SPEC_VERSION is unset and a release exists. */
export const WORKING_COPY_VERSION = 'next';

export function siteEnv(root: string, env: NodeJS.ProcessEnv = process.env): SiteEnv {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const url = (env.KEXEC_CONTRACT_SITE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const raw = env.KEXEC_CONTRACT_BASE_URL || '/';
  const baseUrl = (raw.startsWith('/') ? raw : '/' + raw).replace(/\/*$/, '/');
  const releasedVersion = newestRelease(root)?.version;
  const specVersion =
    env.KEXEC_CONTRACT_SPEC_VERSION || (releasedVersion ? WORKING_COPY_VERSION : pkg.version);
  return { url, baseUrl, specVersion, releasedVersion };
}

/** The newest released version of a docs instance: the first name in `<id>_versions.json`, and its folder. */
export interface ReleasedSpec {
  version: string;
  /** Absolute path of the released copy of the spec, `<id>_versioned_docs/version-<version>`. */
  dir: string;
}

export function newestRelease(root: string, docsPluginId = 'spec'): ReleasedSpec | undefined {
  return releases(root, docsPluginId)[0];
}

/** Every released version of a docs instance, newest first (`<id>_versions.json`), with its folder. */
export function releases(root: string, docsPluginId = 'spec'): ReleasedSpec[] {
  const file = path.join(root, `${docsPluginId}_versions.json`);
  if (!existsSync(file)) return [];
  const versions = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(versions)) return [];
  return versions
    .filter((v): v is string => typeof v === 'string' && v !== '')
    .map((version) => ({
      version,
      dir: path.join(root, `${docsPluginId}_versioned_docs`, `version-${version}`),
    }))
    .filter((r) => existsSync(r.dir));
}

/**
 * The path segment a spec version is served under: every release at its own name (`/spec/1.0/...`, also
 * while it is the newest, so a citation of 1.0 keeps its URL after 1.1 is cut), the working copy at
 * `/spec/next/...` once a release exists (at `/spec/...` before).
 */
export function versionPath(docsVersion: string, hasReleases: boolean): string {
  if (docsVersion !== CURRENT) return docsVersion;
  return hasReleases ? WORKING_COPY_VERSION : '';
}

/** The docs plugin's name for the working copy (spec/). */
export const CURRENT = 'current';
