// The web dashboard: the page at `/` and its files under `/dashboard/`, served from memory. The page
// reads everything through the REST API like any client (docs/dashboard.md); these routes hold no
// data, so they are open as /docs is, and the page asks for the token when the API wants one (for
// reads too when the served page says `data-reads-need-token`).

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { builtPageDirectory, loadDashboardAssets, withBody, type Asset } from './assets.js';

/**
 * Scripts, styles and connections only from this server; no inline script or style, no frames, no
 * plugins. uPlot sizes its elements through the CSSOM (element.style), which style-src does not govern.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function send(request: FastifyRequest, reply: FastifyReply, file: Asset): FastifyReply {
  reply
    .header('content-type', file.contentType)
    .header('cache-control', file.cacheControl)
    .header('etag', file.etag)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');
  if (file.contentType.startsWith('text/html')) reply.header('content-security-policy', DASHBOARD_CSP).header('x-frame-options', 'DENY');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.send(file.body);
}

const NOT_BUILT = 'The dashboard is not built: run `npm run build` (it compiles the page into dist/service/dashboard/page).\n';

export interface DashboardOptions {
  /** The built page's directory; default: the build's (see assets.ts); null: not built. */
  readonly pageDir?: string | null;
  /**
   * Reads need the bearer token (`api.requireTokenForReads`): the page is served with
   * `<html data-reads-need-token>`, so that it asks for the token before its first read rather
   * than after a 401 (which the browser would log as an error).
   */
  readonly requireTokenForReads?: boolean;
}

/** The page as served: with `data-reads-need-token` on its html element when reads need the token. */
export function servedIndex(index: Asset, isTokenNeededForReads: boolean): Asset {
  if (!isTokenNeededForReads) return index;
  const html = index.body.toString('utf8');
  const marked = html.replace(/<html(\s|>)/i, '<html data-reads-need-token$1');
  if (marked === html) throw new Error('dashboard: the page has no <html> element to mark');
  return withBody(index, Buffer.from(marked, 'utf8'));
}

/** Serves the dashboard; `pageDir` defaults to the built page (see assets.ts). */
export const dashboardRoutes: FastifyPluginAsync<DashboardOptions> = async (app, options) => {
  const pageDir = options.pageDir === undefined ? builtPageDirectory() : options.pageDir;
  const assets = pageDir === null ? new Map<string, Asset>() : loadDashboardAssets(pageDir);
  const built = assets.get('/dashboard/index.html');
  const index = built === undefined ? undefined : servedIndex(built, options.requireTokenForReads ?? false);
  // `docs` access: open like the API's own documents (the page holds no results; its reads carry the token).
  const config = { access: 'docs' as const };
  const schema = { hide: true };

  app.get('/', { config, schema }, async (request, reply) => {
    if (index === undefined) return reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
    return send(request, reply, index);
  });
  app.get('/dashboard/*', { config, schema }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const file = assets.get(path);
    if (file === undefined || path === '/dashboard/index.html') {
      return reply.code(404).type('application/json; charset=utf-8').send({ error: { code: 'NOT_FOUND', message: `no dashboard file ${path.slice(0, 100)}` } });
    }
    return send(request, reply, file);
  });
};
