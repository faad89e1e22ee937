import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { chartLibraryVersion } from './assets.js';
import { DASHBOARD_CSP, dashboardRoutes } from './plugin.js';

/** A page directory as the build makes it (index.html, ui/main.js, the stylesheet). */
function pageDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tally-page-'));
  mkdirSync(join(dir, 'ui'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>\n<html lang="en"><title>t</title></html>');
  writeFileSync(join(dir, 'ui', 'main.js'), 'export {};\n');
  writeFileSync(join(dir, 'dashboard.css'), 'body{}');
  writeFileSync(join(dir, 'notes.txt'), 'not served');
  return dir;
}

async function app(pageDir: string | null, requireTokenForReads?: boolean) {
  const server = Fastify();
  await server.register(dashboardRoutes, requireTokenForReads === undefined ? { pageDir } : { pageDir, requireTokenForReads });
  return server;
}

describe('dashboard routes', () => {
  it('serves the page at / with its content security policy, and revalidates it by ETag', async () => {
    const server = await app(pageDirectory());
    const page = await server.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-cache');
    const again = await server.inject({ url: '/', headers: { 'if-none-match': page.headers.etag as string } });
    expect([again.statusCode, again.body]).toEqual([304, '']);
  });

  it('serves scripts and styles with their types, and the chart library under its version, cached for good', async () => {
    const server = await app(pageDirectory());
    expect((await server.inject('/dashboard/ui/main.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await server.inject('/dashboard/dashboard.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const library = await server.inject(`/dashboard/vendor/uplot-${chartLibraryVersion()}/uPlot.iife.min.js`);
    expect(library.statusCode).toBe(200);
    expect(library.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(library.body).toContain('uPlot');
  });

  it('answers 404 for anything not listed: other files, paths out of the directory', async () => {
    const server = await app(pageDirectory());
    for (const url of ['/dashboard/notes.txt', '/dashboard/../package.json', '/dashboard/%2e%2e/%2e%2e/package.json', '/dashboard/index.html', '/dashboard/ui/']) {
      expect((await server.inject(url)).statusCode, url).toBe(404);
    }
  });

  it('tells the page that reads need the token when the server wants it for reads, and only then', async () => {
    const open = await (await app(pageDirectory())).inject('/');
    expect(open.body).toBe('<!doctype html>\n<html lang="en"><title>t</title></html>');
    const closed = await (await app(pageDirectory(), true)).inject('/');
    expect(closed.body).toBe('<!doctype html>\n<html data-reads-need-token lang="en"><title>t</title></html>');
    expect(closed.headers.etag).not.toBe(open.headers.etag);
    expect((await (await app(pageDirectory(), false)).inject('/')).body).toBe(open.body);
  });

  it('says how to build the page when it is not built', async () => {
    const server = await app(null);
    const page = await server.inject('/');
    expect([page.statusCode, page.body]).toEqual([503, 'The dashboard is not built: run `npm run build` (it compiles the page into dist/service/dashboard/page).\n']);
  });
});
