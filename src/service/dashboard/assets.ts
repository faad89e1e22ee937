// The dashboard's files: the page (compiled by the build into dist/service/dashboard/page) and the
// chart library (uPlot, served from its npm package), read once into memory with their content
// types, ETags and cache lifetimes. Only files listed here are served: no path from a URL reaches the disk.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly cacheControl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The page's own files may change with every build: revalidate each time (a 304 costs little). */
const REVALIDATE = 'no-cache';
/** Library files are served under their version, so a URL's content never changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Where the built page is: beside this file in dist, or, when this file runs from src (the tests),
 * in dist of the same checkout. Null when the page has not been built.
 */
export function builtPageDirectory(): string | null {
  const candidates = [join(here, 'page'), join(here, '..', '..', '..', 'dist', 'service', 'dashboard', 'page')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'ui', 'main.js'))) ?? null;
}

const etagOf = (body: Buffer): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

function asset(body: Buffer, path: string, cacheControl: string): Asset {
  const contentType = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
  return { body, contentType, etag: etagOf(body), cacheControl };
}

/** The same file with another body (and so another ETag). */
export function withBody(file: Asset, body: Buffer): Asset {
  return { ...file, body, etag: etagOf(body) };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** uPlot's version, which names the URL its files are served under. */
export function chartLibraryVersion(): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Every file the dashboard serves, by URL path: `/dashboard/…` for the page's scripts and styles
 * (index.html is served at `/`), `/dashboard/vendor/uplot-<version>/…` for the chart library.
 */
export function loadDashboardAssets(pageDir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const path of filesUnder(pageDir)) {
    if (!(extname(path) in CONTENT_TYPES)) continue;
    const url = `/dashboard/${relative(pageDir, path).split(sep).join('/')}`;
    assets.set(url, asset(readFileSync(path), path, REVALIDATE));
  }
  const require = createRequire(import.meta.url);
  const version = chartLibraryVersion();
  for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
    const path = require.resolve(`uplot/dist/${file}`);
    assets.set(`/dashboard/vendor/uplot-${version}/${file}`, asset(readFileSync(path), path, IMMUTABLE));
  }
  return assets;
}
