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

/** Every released version of a docs instance with its folder, oldest first (`<id>_versions.json` lists newest first). */
export function releases(root: string, docsPluginId = 'spec'): ReleasedSpec[] {
  const file = path.join(root, `${docsPluginId}_versions.json`);
  if (!existsSync(file)) return [];
  const versions = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(versions)) return [];
  return versions
    .filter((v): v is string => typeof v === 'string')
    .map((version) => ({
      version,
      dir: path.join(root, `${docsPluginId}_versioned_docs`, `version-${version}`),
    }))
    .filter((r) => existsSync(r.dir))
    .reverse();
}

export function newestRelease(root: string, docsPluginId = 'spec'): ReleasedSpec | undefined {
  const file = path.join(root, `${docsPluginId}_versions.json`);
  if (!existsSync(file)) return undefined;
  const versions = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const version = Array.isArray(versions) && typeof versions[0] === 'string' ? versions[0] : undefined;
  if (!version) return undefined;
  const dir = path.join(root, `${docsPluginId}_versioned_docs`, `version-${version}`);
  return existsSync(dir) ? { version, dir } : undefined;
}
