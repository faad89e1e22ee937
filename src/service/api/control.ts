// Control endpoints: add, change and delete windows, set the filter, pause, resume, checkpoint.
// They need the bearer token (auth.ts); the runtime validates every change fully and applies it between batches.

import type { DefinitionChange } from '../../runtime/job-control.js';
import { EngineError } from '../../core/errors.js';
import { windowNamed, type ApiPlugin } from './context.js';
import { ApiError } from './errors.js';
import { windowJson } from './windows.js';
import {
  addWindowBody,
  changeAnswer,
  checkpointAnswer,
  errorResponse,
  pausedAnswer,
  setFilterBody,
  updateWindowBody,
  windowParams,
} from './schemas.js';

/** A change as the API shows it (the runtime may keep more with it, e.g. for checkpoints). */
export function changeJson(change: DefinitionChange): DefinitionChange {
  const { version, atMs, op, window, request, exactFromMs, mixed } = change;
  return { version, atMs, op, window, request, exactFromMs, mixed };
}

const CONTROL_ERRORS = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 413: errorResponse, 415: errorResponse } as const;
const security = [{ bearerAuth: [] }];

export const controlRoutes: ApiPlugin = async (app, { context }) => {
  const { control, schemas } = context;
  const config = { access: 'control' as const };
  // The runtime logs every change and pause itself ('job definition changed', 'job paused').
  const viewOf = (name: string) => {
    const view = control.windows().find((w) => w.spec.name === name);
    return view === undefined ? {} : { window: windowJson(view) };
  };

  app.post(
    '/windows',
    {
      config,
      schema: {
        summary: 'Add a window; it is answered from the slices still held (see exactFromMs)',
        tags: ['control'],
        security,
        querystring: schemas.none,
        body: addWindowBody,
        response: { 201: changeAnswer, ...CONTROL_ERRORS, 409: errorResponse },
      },
    },
    async (request, reply) => {
      const change = changeJson(await control.addWindow(request.body));
      const name = change.window ?? '';
      return reply.code(201).header('location', `/windows/${encodeURIComponent(name)}`).send({ change, ...viewOf(name) });
    },
  );

  app.patch(
    '/windows/:name',
    {
      config,
      schema: {
        summary: "Change a window's length, slide, offset, time zone or gap",
        tags: ['control'],
        security,
        params: windowParams,
        querystring: schemas.none,
        body: updateWindowBody,
        response: { 200: changeAnswer, ...CONTROL_ERRORS, 404: errorResponse, 409: errorResponse },
      },
    },
    async (request) => {
      const { name } = request.params;
      windowNamed(control, name);
      const change = changeJson(await control.updateWindow(name, request.body));
      return { change, ...viewOf(change.window ?? name) };
    },
  );

  app.delete(
    '/windows/:name',
    {
      config,
      schema: {
        summary: 'Delete a window: its open windows are dropped, nothing more is emitted for it',
        tags: ['control'],
        security,
        params: windowParams,
        querystring: schemas.none,
        response: { 200: changeAnswer, ...CONTROL_ERRORS, 404: errorResponse, 409: errorResponse },
      },
    },
    async (request) => {
      const { name } = request.params;
      windowNamed(control, name);
      return { change: changeJson(await control.deleteWindow(name)) };
    },
  );

  app.put(
    '/filter',
    {
      config,
      schema: {
        summary: "Replace the job's filter (null: keep every event)",
        tags: ['control'],
        security,
        querystring: schemas.none,
        body: setFilterBody,
        response: { 200: changeAnswer, ...CONTROL_ERRORS },
      },
    },
    async (request) => {
      let change: DefinitionChange;
      try {
        change = changeJson(await control.setFilter(request.body.filter));
      } catch (error) {
        // The engine's path is a line:column inside the expression (its message shows the column too).
        if (error instanceof EngineError && /^FILTER_/.test(error.code)) throw new ApiError(400, error.code, error.message, 'filter');
        throw error;
      }
      return { change, filter: control.filter() };
    },
  );

  for (const [path, paused] of [['/pause', true], ['/resume', false]] as const) {
    app.post(
      path,
      {
        config,
        schema: {
          summary: paused ? 'Stop taking input; windows stay open (idempotent)' : 'Take input again after /pause (idempotent)',
          tags: ['control'],
          security,
          querystring: schemas.none,
          response: { 200: pausedAnswer, ...CONTROL_ERRORS },
        },
      },
      async () => {
        await (paused ? control.pause() : control.resume());
        return { paused: control.overview().paused };
      },
    );
  }

  app.post(
    '/checkpoint',
    {
      config,
      schema: {
        summary: 'Take a checkpoint now; answers once it is stored (409 when the job has no checkpoint store)',
        tags: ['control'],
        security,
        querystring: schemas.none,
        response: { 200: checkpointAnswer, ...CONTROL_ERRORS, 409: errorResponse },
      },
    },
    async () => ({ checkpoint: await control.checkpoint() }),
  );
};
