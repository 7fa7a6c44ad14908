// Serves the page (web/) and the libraries it uses from node_modules: nothing comes from the internet.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';

const require = createRequire(import.meta.url);
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** Library files by URL, from their packages. */
const ASSETS: Record<string, () => string> = {
  '/assets/uplot.js': () => require.resolve('uplot/dist/uPlot.iife.min.js'),
  '/assets/uplot.css': () => require.resolve('uplot/dist/uPlot.min.css'),
  '/assets/elk.js': () => require.resolve('elkjs/lib/elk.bundled.js'),
};

/** Pages by path, as files of web/. A manager names its own (its console at '/'); the kit's are always there. */
export type Pages = Readonly<Record<string, string>>;

/** The kit's pages, whatever the manager: the state charts and the instructor's console. */
export const KIT_PAGES: Pages = { '/debug': 'debug.html', '/training': 'training.html' };

/** The libraries never change while the server runs: read once (elkjs is 1.6 MB), then served from memory. */
const assetCache = new Map<string, Buffer>();

/**
 * The web directory, found upward from this file: from the sources (src/kit/web/), the compiled
 * code (dist/src/kit/web/) or a bundle (dist/bundle/ or dist/bundle/chunks/), whichever this is.
 * fileURLToPath, not URL.pathname: the package may be installed under a path with spaces or
 * Cyrillic letters (percent-encoded in the URL) or on Windows (a drive letter, backslashes).
 */
function findWebDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [2, 3, 4, 5].map((up) => resolve(here, ...Array<string>(up).fill('..'), 'web'));
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

let webDirFound: string | null = null;
function webDir(): string {
  return (webDirFound ??= findWebDir());
}

export async function serveStatic(pathname: string, res: ServerResponse, pages: Pages = KIT_PAGES): Promise<boolean> {
  const cached = assetCache.get(pathname);
  if (cached) {
    res.writeHead(200, { 'content-type': TYPES[extname(pathname)] ?? 'application/octet-stream', 'cache-control': 'max-age=3600' }).end(cached);
    return true;
  }
  let file: string | null = null;
  if (ASSETS[pathname]) file = ASSETS[pathname]();
  else if (pages[pathname]) file = join(webDir(), pages[pathname]);
  else if (pathname.startsWith('/web/')) {
    const relative = normalize(pathname.slice('/web/'.length));
    if (relative.startsWith('..') || relative.includes('\0')) return false;
    file = join(webDir(), relative);
  }
  if (!file) return false;
  try {
    const body = await readFile(file);
    if (ASSETS[pathname]) assetCache.set(pathname, body);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' }).end(body);
    return true;
  } catch {
    return false;
  }
}
