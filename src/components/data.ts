// Reading what the build handed to the components: the remark plugin's JSON attributes and the site
// plugin's global data (per spec version: where its clauses and examples are, its summary; the newest
// release's clause hashes for citations).

import { usePluginData } from '@docusaurus/useGlobalData';
import { useActiveDocContext } from '@docusaurus/plugin-content-docs/client';
import type { SiteGlobalData, Summary, VersionGlobalData } from '../site/data.ts';

/** The remark plugin passes its data as a JSON string attribute; MDX written by hand may pass objects. */
export function parseData<T>(data: string | T): T {
  return typeof data === 'string' ? (JSON.parse(data) as T) : data;
}

const NO_SUMMARY: Summary = {
  clauses: 0,
  byLevel: {},
  checked: 0,
  unchecked: 0,
  unexercised: 0,
  retired: 0,
  examples: 0,
  counterexamples: 0,
  passed: 0,
  failed: 0,
  engines: [],
};

const NO_VERSION: VersionGlobalData = {
  name: 'current',
  label: '',
  path: '',
  clauses: {},
  examples: {},
  summary: NO_SUMMARY,
};

const EMPTY: SiteGlobalData = { latest: 'current', versions: {}, headline: [] };

export function useSiteData(): SiteGlobalData {
  return (usePluginData('kexec-contract-site') as SiteGlobalData | undefined) ?? EMPTY;
}

/**
 * The spec version of the page being shown: a chapter's own docs version (so a page of 1.0 links only
 * inside 1.0), else the newest release (home, hand-written pages).
 */
export function useVersionData(): VersionGlobalData {
  const site = useSiteData();
  const active = useActiveDocContext('spec').activeVersion?.name;
  return site.versions[active ?? site.latest] ?? site.versions[site.latest] ?? NO_VERSION;
}
