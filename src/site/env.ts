// Site settings from the environment, shared by docusaurus.config.ts and `kexec-contract cite` so a
// citation printed on the command line names the same host, base path and version as the site's.
//   KEXEC_CONTRACT_SITE_URL      origin of the deployment (default http://127.0.0.1:3000, `npm start`'s)
//   KEXEC_CONTRACT_BASE_URL      base path (default /)
//   KEXEC_CONTRACT_SPEC_VERSION  version of the unreleased spec (default: package.json's version)

import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface SiteEnv {
  url: string;
  baseUrl: string;
  specVersion: string;
}

export function siteEnv(root: string, env: NodeJS.ProcessEnv = process.env): SiteEnv {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const url = (env.KEXEC_CONTRACT_SITE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const raw = env.KEXEC_CONTRACT_BASE_URL || '/';
  const baseUrl = (raw.startsWith('/') ? raw : '/' + raw).replace(/\/*$/, '/');
  return { url, baseUrl, specVersion: env.KEXEC_CONTRACT_SPEC_VERSION || pkg.version };
}
