// The site's public URL and base path are checked settings: what every citation, canonical link and the
// sitemap name, shared by the build and `kexec-contract cite`.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SiteEnvError, basePath, publicOrigin, siteEnv } from '../src/site/env.ts';
import { ROOT } from './site-build.ts';

describe('publicOrigin', () => {
  it('accepts an absolute http(s) origin, with or without one trailing slash', () => {
    expect(publicOrigin('https://kexec.example.org', 'X')).toBe('https://kexec.example.org');
    expect(publicOrigin('https://kexec.example.org/', 'X')).toBe('https://kexec.example.org');
    expect(publicOrigin('http://127.0.0.1:3000', 'X')).toBe('http://127.0.0.1:3000');
    expect(publicOrigin('HTTPS://Kexec.Example.org', 'X')).toBe('https://kexec.example.org');
  });

  it.each([
    ['', 'not set'],
    ['kexec.example.org', 'not a URL'],
    ['/spec', 'not a URL'],
    ['ftp://kexec.example.org', 'not http(s)'],
    ['https://user:pw@kexec.example.org', 'credentials'],
    ['https://kexec.example.org/kc', 'has a path'],
    ['https://kexec.example.org//', 'has a path'],
    ['https://kexec.example.org?x=1', 'query or fragment'],
    ['https://kexec.example.org#top', 'query or fragment'],
    ['https://kexec.example.org?', 'query or fragment'],
  ])('rejects %j (%s), naming the variable', (raw, why) => {
    expect(() => publicOrigin(raw, 'KEXEC_CONTRACT_SITE_URL')).toThrow(SiteEnvError);
    expect(() => publicOrigin(raw, 'KEXEC_CONTRACT_SITE_URL')).toThrow(
      new RegExp(`^KEXEC_CONTRACT_SITE_URL = .*${why.replace(/[()]/g, '\\$&')}`),
    );
  });
});

describe('basePath', () => {
  it('adds the slashes a base path needs', () => {
    expect(basePath('/')).toBe('/');
    expect(basePath('kc')).toBe('/kc/');
    expect(basePath('/kc/docs')).toBe('/kc/docs/');
  });
  it.each(['/a b/', '/a/../b', '/kc?x', '/kc#y', 'https://host/'])('rejects %j', (raw) => {
    expect(() => basePath(raw)).toThrow(/^KEXEC_CONTRACT_BASE_URL = /);
  });
});

describe('siteEnv', () => {
  it("defaults to package.json's homepage, the published site, and says so", () => {
    const env = siteEnv(ROOT, {});
    expect(env.url).toMatch(/^https:\/\/[^/]+$/);
    expect(env.url).not.toMatch(/127\.0\.0\.1|localhost/);
    expect(env.urlFrom).toBe('package.json homepage');
  });

  it('takes KEXEC_CONTRACT_SITE_URL over the default, checked', () => {
    const env = siteEnv(ROOT, { KEXEC_CONTRACT_SITE_URL: 'https://mirror.example.net/' });
    expect(env).toMatchObject({ url: 'https://mirror.example.net', urlFrom: 'KEXEC_CONTRACT_SITE_URL' });
    expect(() => siteEnv(ROOT, { KEXEC_CONTRACT_SITE_URL: 'https://mirror.example.net/kc' })).toThrow(
      SiteEnvError,
    );
  });

  it('without a homepage and without the variable, fails instead of guessing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kc-env-'));
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.0.0' }));
    expect(() => siteEnv(dir, {})).toThrow(/not set/);
  });
});
