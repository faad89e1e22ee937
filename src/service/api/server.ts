// The REST API server: fastify with zod schemas, one plugin per resource, the OpenAPI document and its docs page.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { silentLogger, type Logger } from '../../ports/logger.js';
import type { JobControl } from '../../runtime/job-control.js';
import { dashboardRoutes } from '../dashboard/plugin.js';
import { TokenCheck, Unauthorized } from './auth.js';
import type { ApiContext } from './context.js';
import { controlRoutes } from './control.js';
import { ApiError, toErrorAnswer } from './errors.js';
import { healthRoutes } from './health.js';
import { metricsRoutes } from './metrics.js';
import { ResultJson } from './result-json.js';
import { requestSchemas, validatorCompiler } from './schemas.js';
import { statusRoutes } from './status.js';
import { DEFAULT_STREAM_LIMITS, streamRoutes, type StreamLimits } from './stream.js';
import { windowRoutes } from './windows.js';

/** Request bodies larger than this get 413. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Connections the server accepts at once; more are refused at the socket. */
const MAX_CONNECTIONS = 1_024;

export interface ApiServerOptions {
  readonly control: JobControl;
  /** The bearer token of control endpoints; null: none (control disabled unless openControl). */
  readonly token?: string | null;
  readonly openControl?: boolean;
  readonly requireTokenForReads?: boolean;
  /** `update`: results carry `revision` and `final`, as the job's sink writes them. Default final. */
  readonly emit?: 'final' | 'update';
  readonly logger?: Logger;
  /** A server already listening (see bindApiPort); default: a new one, bound by listen(). */
  readonly server?: Server;
  readonly streams?: Partial<StreamLimits>;
}

export interface ApiAddress {
  readonly host: string;
  readonly port: number;
  /** http://host:port, ready to print. */
  readonly url: string;
}

export interface ApiServer {
  readonly app: FastifyInstance;
  /** Binds host:port (unless the server is bound already), then serves. Rejects with ApiListenError when it cannot bind. */
  listen(host: string, port: number): Promise<ApiAddress>;
  /** Ends event streams and open connections, and closes the port. */
  close(): Promise<void>;
}

/** The port could not be bound (in use, no permission, no such address): `message` says which in one line. */
export class ApiListenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ApiListenError';
  }
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Requests that came before the routes were ready: held, then answered by them (or 503 after a while). */
const HOLD_MS = 10_000;
const MAX_HELD = 256;

interface HeldRequests {
  readonly listener: RequestListener;
  readonly held: Set<{ readonly request: IncomingMessage; readonly response: ServerResponse; readonly timer: NodeJS.Timeout }>;
}

const holders = new WeakMap<Server, HeldRequests>();

function answerNotReady(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
  response.end(JSON.stringify({ error: { code: 'NOT_READY', message: 'the server is starting' } }));
}

/**
 * A bound server holds what it is asked until its routes serve (a moment: the job opens its
 * outputs and restores its state meanwhile), so that a client (the dashboard polling through a
 * restart, a probe) gets an answer rather than an error; beyond MAX_HELD, or after HOLD_MS, 503.
 */
function holdUntilServing(server: Server): void {
  const held: HeldRequests['held'] = new Set();
  const listener: RequestListener = (request, response) => {
    if (held.size >= MAX_HELD) return answerNotReady(request, response);
    const entry = {
      request,
      response,
      timer: setTimeout(() => {
        held.delete(entry);
        answerNotReady(request, response);
      }, HOLD_MS),
    };
    // A job that fails before it serves must not be kept alive by a waiting request.
    entry.timer.unref();
    held.add(entry);
  };
  holders.set(server, { listener, held });
  server.on('request', listener);
}

/** Hands the requests held so far to the routes, which answer from now on. */
function serveHeld(server: Server, handler: RequestListener): void {
  const holder = holders.get(server);
  if (holder === undefined) return;
  holders.delete(server);
  server.off('request', holder.listener);
  for (const { request, response, timer } of holder.held) {
    clearTimeout(timer);
    handler(request, response);
  }
}

/**
 * Binds host:port before anything else of the job is opened (so that a port in use fails fast,
 * before output files are truncated); requests wait until createApiServer(...).listen serves on it.
 */
export async function bindApiPort(host: string, port: number, server: Server = createServer()): Promise<Server> {
  holdUntilServing(server);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(new ApiListenError(listenProblem(error, host, port), error.code));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
  return server;
}

function listenProblem(error: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `cannot serve the API on ${where}: the port is in use (choose another with api.listen or --api host:port, or turn the API off with --api off)`;
    case 'EACCES':
      return `cannot serve the API on ${where}: no permission to use this port (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `cannot serve the API on ${where}: this machine has no such address`;
    default:
      return `cannot serve the API on ${where}: ${error.message}`;
  }
}

function addressOf(server: Server): ApiAddress {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { host: address.address, port: address.port, url: `http://${host}:${address.port}` };
}

/**
 * The API of one running job. Routes: /healthz, /readyz, /status, /metrics, /windows…, control
 * endpoints, /openapi.json and the docs page at /docs (docs/api.md).
 */
export function createApiServer(options: ApiServerOptions): ApiServer {
  const { control } = options;
  const logger = options.logger ?? silentLogger;
  const auth = new TokenCheck({ token: options.token ?? null, openControl: options.openControl ?? false, requireTokenForReads: options.requireTokenForReads ?? false });
  const server = options.server ?? createServer();
  let handler: ((request: IncomingMessage, response: ServerResponse) => void) | null = null;
  const app = Fastify({
    serverFactory: (h) => {
      handler = h;
      return server;
    },
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    requestIdHeader: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the answers; handlers build them (or their JSON text) themselves.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const context: ApiContext = {
    control,
    schemas: requestSchemas(control.keyBy),
    results: new ResultJson(options.emit === 'update'),
    logger,
  };

  app.addHook('onRequest', async (request, reply) => {
    try {
      // Unknown routes are reads: with requireTokenForReads they ask for the token before saying 404.
      const route = request.routeOptions;
      const isDocsPage = route.url !== undefined && (route.url === '/docs' || route.url.startsWith('/docs/'));
      auth.authorize(route.config.access ?? (isDocsPage ? 'docs' : 'read'), request.headers.authorization);
    } catch (error) {
      if (error instanceof Unauthorized) reply.header('www-authenticate', error.challenge);
      throw error;
    }
  });
  app.setErrorHandler((error, request, reply) => {
    const answer = toErrorAnswer(error);
    if (answer.isInternal) logger.error({ job: control.name, method: request.method, url: request.url, err: error }, 'api: request failed');
    return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const shown = path.length > 100 ? `${path.slice(0, 100)}…` : path;
    const error = new ApiError(404, 'NOT_FOUND', `no route ${request.method} ${shown} (see /docs or /openapi.json)`);
    return reply.code(404).type('application/json; charset=utf-8').send(toErrorAnswer(error).body);
  });

  const started = (async () => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: `Tally: ${control.name}`,
          version: '1',
          description:
            'The REST API of a running Tally job: status, metrics, results, live windows, top keys, event streams and control. ' +
            'Control endpoints need the bearer token; /healthz and /readyz are always open. Errors: `{ "error": { "code", "message", "path"? } }`.',
        },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
        tags: [
          { name: 'health', description: 'Probes (always open)' },
          { name: 'status', description: 'What the job is doing' },
          { name: 'windows', description: 'Window definitions and their results' },
          { name: 'control', description: 'Changes to the running job (bearer token)' },
        ],
      },
      transform: jsonSchemaTransform,
    });
    await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { docExpansion: 'list', deepLinking: true } });
    // The web dashboard at / (docs/dashboard.md): static files, open like /docs; its page reads through the routes below.
    await app.register(dashboardRoutes, { requireTokenForReads: options.requireTokenForReads ?? false });
    const typed = app.withTypeProvider<ZodTypeProvider>();
    typed.get('/openapi.json', { config: { access: 'docs' }, schema: { hide: true } }, async () => app.swagger());
    // Each resource is its own plugin; fastify keeps their hooks apart.
    for (const routes of [healthRoutes, statusRoutes, metricsRoutes, windowRoutes, streamRoutes({ ...DEFAULT_STREAM_LIMITS, ...options.streams }), controlRoutes]) {
      await typed.register(routes, { context });
    }
    await app.ready();
  })();
  // A failure here shows at listen(); do not let it go unhandled meanwhile.
  started.catch(() => undefined);

  let isServing = false;
  return {
    app,
    async listen(host, port) {
      await started;
      if (!server.listening) await bindApiPort(host, port, server);
      server.maxConnections = MAX_CONNECTIONS;
      if (!isServing) {
        const serve = handler as NonNullable<typeof handler>;
        server.on('request', serve);
        serveHeld(server, serve);
      }
      isServing = true;
      return addressOf(server);
    },
    async close() {
      await started.catch(() => undefined);
      await app.close();
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
