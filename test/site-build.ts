// Test helpers for the built site: build it once when build/ is missing or older than its inputs, and
// serve build/ on a free localhost port with a tiny static server (no dev server, no network).

import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BUILD = path.join(ROOT, 'build');
const MARKER = path.join(BUILD, '.kexec-contract-build.json');
const INPUTS = [
  'spec',
  'spec_versioned_docs',
  'spec_versioned_sidebars',
  'spec_versions.json',
  'docs',
  'src',
  'static',
  'docusaurus.config.ts',
  'package.json',
  'package-lock.json',
];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const e of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

export function sampleMode(): boolean {
  return process.env.KEXEC_CONTRACT_SITE_SAMPLE === '1';
}

/** The settings a build depends on besides its inputs; a build made with others is rebuilt. */
function buildSettings(): { sample: boolean; url: string; allowFailures: boolean } {
  return {
    sample: sampleMode(),
    url: process.env.KEXEC_CONTRACT_SITE_URL ?? '',
    allowFailures: process.env.KEXEC_CONTRACT_SITE_ALLOW_FAILURES === '1',
  };
}

/**
 * True when build/ was produced, in the same mode, after the last change to any input. A build made by
 * `npm run build` (no marker) counts when this run uses the default settings.
 */
export function buildIsFresh(): boolean {
  const index = path.join(BUILD, 'index.html');
  if (!existsSync(index)) return false;
  const want = buildSettings();
  const marker = existsSync(MARKER)
    ? (JSON.parse(readFileSync(MARKER, 'utf8')) as Partial<typeof want>)
    : { sample: false, url: '', allowFailures: false };
  if (
    marker.sample !== want.sample ||
    marker.url !== want.url ||
    (marker.allowFailures ?? false) !== want.allowFailures
  ) {
    return false;
  }
  const built = statSync(index).mtimeMs;
  return INPUTS.every((i) => newestMtime(path.join(ROOT, i)) < built);
}

/** `docusaurus build` into build/ unless it is fresh; rejects with the end of the build log. */
export async function ensureBuild(): Promise<void> {
  if (buildIsFresh()) return;
  const started = Date.now();
  const log: string[] = [];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules/@docusaurus/core/bin/docusaurus.mjs'), 'build', '--out-dir', BUILD],
      {
        cwd: ROOT,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.on('data', (d: Buffer) => log.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => log.push(d.toString()));
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`docusaurus build failed (exit ${code}):\n${log.join('').slice(-6000)}`);
  writeFileSync(
    MARKER,
    JSON.stringify({ ...buildSettings(), seconds: (Date.now() - started) / 1000 }) + '\n',
  );
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.xml': 'application/xml',
};

/** Serve `dir` at http://127.0.0.1:<port>/ the way a static host does (dir/ -> dir/index.html). */
export async function serve(dir: string): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file = path.join(dir, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    const candidates = [file, path.join(file, 'index.html'), file + '.html'];
    file = candidates.find((f) => existsSync(f) && statSync(f).isFile()) ?? '';
    const status = file ? 200 : 404;
    if (!file) file = path.join(dir, '404.html');
    res.writeHead(status, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
