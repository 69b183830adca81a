// Reading what the build handed to the components: the remark plugin's JSON attributes and the site
// plugin's global data (clause and example indexes, summary, citations, the newest release's clauses).

import { usePluginData } from '@docusaurus/useGlobalData';
import type { SiteGlobalData } from '../site/data.ts';

/** The remark plugin passes its data as a JSON string attribute; MDX written by hand may pass objects. */
export function parseData<T>(data: string | T): T {
  return typeof data === 'string' ? (JSON.parse(data) as T) : data;
}

const EMPTY: SiteGlobalData = {
  version: '',
  clauseIndex: {},
  exampleIndex: {},
  summary: {
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
  },
  headline: [],
  citations: {},
};

export function useSiteData(): SiteGlobalData {
  return (usePluginData('kexec-contract-site') as SiteGlobalData | undefined) ?? EMPTY;
}
