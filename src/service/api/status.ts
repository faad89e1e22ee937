// GET /status: what the job is doing, in one JSON document (the same figures as /metrics).

import type { ApiPlugin } from './context.js';
import { changeJson } from './control.js';
import { errorResponse, statusAnswer } from './schemas.js';

/** Changes listed in /status; older ones are in the log. */
const STATUS_CHANGES = 100;

export const statusRoutes: ApiPlugin = async (app, { context }) => {
  const { control } = context;
  app.get(
    '/status',
    {
      schema: {
        summary: 'Job status: source positions and lag, watermarks, rates, counts, checkpoints, definition version and changes',
        tags: ['status'],
        querystring: context.schemas.none,
        response: { 200: statusAnswer, 400: errorResponse, 401: errorResponse },
      },
    },
    async () => ({
      ...control.overview(),
      readiness: control.readiness(),
      filter: control.filter(),
      changes: control.changes().slice(-STATUS_CHANGES).map(changeJson),
    }),
  );
};
