// Site settings from the environment, shared by docusaurus.config.ts and `kexec-contract cite` so a
// citation printed on the command line names the same host, base path and version as the site's.
//   KEXEC_CONTRACT_SITE_URL      public origin of the deployment, an absolute http(s) URL with no path
//                                (default: `homepage` in package.json, the published site)
//   KEXEC_CONTRACT_BASE_URL      base path (default /)
//   KEXEC_CONTRACT_SPEC_VERSION  version the working copy (spec/) carries in citations: default `next` once
//                                a release was cut (it is served at /spec/next), else package.json's version

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface SiteEnv {
  /** The public origin citations, canonical links and the sitemap name (`https://host[:port]`). */
  url: string;
  /** Where `url` came from, for the build's message: the variable, or package.json's `homepage`. */
  urlFrom: string;
  baseUrl: string;
  /** The version the working copy (spec/) carries. */
  specVersion: string;
  /** The newest released version (`spec_versions.json`), if one was cut. */
  releasedVersion?: string;
}

/** The working copy's version when KEXEC_CONTRACT_SPEC_VERSION is unset and a release exists. */
export const WORKING_COPY_VERSION = 'next';

/** A setting that cannot be used; the message names the variable and what it should look like. */
export class SiteEnvError extends Error {}

export function siteEnv(root: string, env: NodeJS.ProcessEnv = process.env): SiteEnv {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string;
    homepage?: string;
  };
  const urlFrom = env.KEXEC_CONTRACT_SITE_URL ? 'KEXEC_CONTRACT_SITE_URL' : 'package.json homepage';
  const url = publicOrigin(env.KEXEC_CONTRACT_SITE_URL || pkg.homepage || '', urlFrom);
  const baseUrl = basePath(env.KEXEC_CONTRACT_BASE_URL || '/');
  const releasedVersion = newestRelease(root)?.version;
  const specVersion =
    env.KEXEC_CONTRACT_SPEC_VERSION || (releasedVersion ? WORKING_COPY_VERSION : pkg.version);
  return { url, urlFrom, baseUrl, specVersion, releasedVersion };
}

/**
 * The origin every citation carries, checked: an absolute http(s) URL of a host, nothing after it but
 * one optional `/` (a base path goes in KEXEC_CONTRACT_BASE_URL), so no citation ends up naming a
 * typo, a relative path or a local address by accident of a missing setting.
 */
export function publicOrigin(raw: string, from: string): string {
  const text = raw.trim();
  const fail = (why: string) =>
    new SiteEnvError(
      `${from} = ${JSON.stringify(raw)}: ${why}; expected an absolute http(s) URL such as https://kexec.example.org`,
    );
  if (!text) throw fail('not set');
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw fail('not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw fail(`scheme ${u.protocol} is not http(s)`);
  if (u.username || u.password) throw fail('has credentials');
  if (u.search || u.hash || text.endsWith('?') || text.endsWith('#')) throw fail('has a query or fragment');
  if (u.pathname !== '/')
    throw fail(`has a path (${u.pathname}); put a base path in KEXEC_CONTRACT_BASE_URL`);
  if (!/^https?:\/\/[^/]+\/?$/i.test(text)) throw fail('has something after the host');
  return u.origin;
}

/** The base path, `/` or `/a/b/`: slashes added where missing; no query, fragment, `..` or spaces. */
export function basePath(raw: string): string {
  const p = (raw.startsWith('/') ? raw : '/' + raw).replace(/\/*$/, '/');
  if (!/^(\/[A-Za-z0-9._~-]+)*\/$/.test(p) || p.split('/').some((s) => s === '.' || s === '..'))
    throw new SiteEnvError(
      `KEXEC_CONTRACT_BASE_URL = ${JSON.stringify(raw)}: expected a path such as / or /kexec-contract/`,
    );
  return p;
}

/** The newest released version of a docs instance: the first name in `<id>_versions.json`, and its folder. */
export interface ReleasedSpec {
  version: string;
  /** Absolute path of the released copy of the spec, `<id>_versioned_docs/version-<version>`. */
  dir: string;
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

/** The newest release, if any. */
export function newestRelease(root: string, docsPluginId = 'spec'): ReleasedSpec | undefined {
  return releases(root, docsPluginId)[0];
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
