// What every route plugin of the API gets: the job, its request schemas, the result format and the logger.

import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Logger } from '../../ports/logger.js';
import type { JobControl } from '../../runtime/job-control.js';
import type { Access } from './auth.js';
import { notFound } from './errors.js';
import type { ResultJson } from './result-json.js';
import type { RequestSchemas } from './schemas.js';

export interface ApiContext {
  readonly control: JobControl;
  readonly schemas: RequestSchemas;
  readonly results: ResultJson;
  readonly logger: Logger;
}

/** One resource's routes: a fastify plugin with zod-typed schemas, given the context. */
export type ApiPlugin = FastifyPluginAsyncZod<{ readonly context: ApiContext }>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (see auth.ts); routes without one are reads. */
    access?: Access;
  }
}

/** The window's current definition, or NOT_FOUND naming the windows there are. */
export function windowNamed(control: JobControl, name: string) {
  const views = control.windows();
  const view = views.find((w) => w.spec.name === name);
  if (view === undefined) {
    const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
    throw notFound(`no window named ${shown} (the job has ${views.map((w) => w.spec.name).join(', ') || 'none'})`);
  }
  return view;
}

/** Answers with JSON text built by hand (from the result formatter's text), sent as it is. */
export function sendJsonText(reply: unknown, text: string): FastifyReply {
  return (reply as FastifyReply).type('application/json; charset=utf-8').send(text);
}
