// GET /healthz (the process serves) and GET /readyz (the job has restored its state and caught up): open for probes.

import type { ApiPlugin } from './context.js';
import { errorResponse, healthAnswer, readyAnswer } from './schemas.js';

export const healthRoutes: ApiPlugin = async (app, { context }) => {
  const { control } = context;

  app.get(
    '/healthz',
    {
      config: { access: 'probe' },
      schema: {
        summary: 'Liveness: the server answers (503 once the job has failed)',
        tags: ['health'],
        querystring: context.schemas.none,
        response: { 200: healthAnswer, 503: healthAnswer },
      },
    },
    async (_request, reply) => {
      const state = control.overview().state;
      return reply.code(state === 'failed' ? 503 : 200).send({ status: state === 'failed' ? 'failed' : 'ok', state });
    },
  );

  app.get(
    '/readyz',
    {
      config: { access: 'probe' },
      schema: {
        summary: 'Readiness: the job has restored its state and is caught up with its input',
        tags: ['health'],
        querystring: context.schemas.none,
        response: { 200: readyAnswer, 503: readyAnswer, 400: errorResponse },
      },
    },
    async (_request, reply) => {
      const readiness = control.readiness();
      return reply.code(readiness.ready ? 200 : 503).send({ ready: readiness.ready, reasons: [...readiness.reasons] });
    },
  );
};
