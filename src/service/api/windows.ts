// GET /windows, and per window: results (from the results history), live (open windows) and top (keys ranked).

import type { JobControl, WindowView } from '../../runtime/job-control.js';
import type { HistoryQuery, ResultsHistory } from '../../ports/results-history.js';
import { didYouMean } from '../../config/problems.js';
import { sendJsonText, windowNamed, type ApiPlugin } from './context.js';
import { badRequest, conflict } from './errors.js';
import { readKeyMatch } from './query-keys.js';
import { jsonList } from './result-json.js';
import { errorResponse, livePage, resultsPage, topPage, windowParams, windowsList } from './schemas.js';

/** A window as the API lists it: its name and kind, the definition in milliseconds, version and exact-from time. */
export function windowJson(view: WindowView) {
  return { name: view.spec.name, kind: view.spec.kind, spec: { ...view.spec }, outputs: view.outputs, version: view.version, exactFromMs: view.exactFromMs };
}

function historyOf(control: JobControl): ResultsHistory {
  if (control.history === null) throw conflict('this job keeps no results history: add `history: true` to the job file to query results');
  return control.history;
}

const READ_ERRORS = { 400: errorResponse, 401: errorResponse, 404: errorResponse } as const;

export const windowRoutes: ApiPlugin = async (app, { context }) => {
  const { control, schemas, results } = context;
  const quote = (text: string): string => JSON.stringify(text);

  app.get(
    '/windows',
    {
      schema: { summary: 'The window definitions the job runs now', tags: ['windows'], querystring: schemas.none, response: { 200: windowsList, 400: errorResponse, 401: errorResponse } },
    },
    async () => ({ windows: control.windows().map(windowJson) }),
  );

  app.get(
    '/windows/:name/results',
    {
      schema: {
        summary: 'Results of a window from the results history, a page at a time',
        description: 'Needs a results history (`history:` in the job file; 409 without). Follow nextCursor for the next page.',
        tags: ['windows'],
        params: windowParams,
        querystring: schemas.results,
        response: { 200: resultsPage, ...READ_ERRORS, 409: errorResponse },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const history = historyWindow(control, name);
      const q = request.query;
      if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw badRequest('from must be before to', 'from');
      const query: HistoryQuery = {
        window: name,
        key: readKeyMatch(q, control.keyBy),
        order: q.order,
        limit: q.limit,
        ...(q.from === undefined ? {} : { from: q.from }),
        ...(q.to === undefined ? {} : { to: q.to }),
        ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
      };
      const problem = history.checkQuery(query);
      if (problem !== null) throw badRequest(problem, q.cursor === undefined ? undefined : 'cursor');
      const page = history.query(query);
      const body = `{"window":${quote(name)},"results":${jsonList(page.results.map((r) => results.stored(r)))},"nextCursor":${page.nextCursor === null ? 'null' : quote(page.nextCursor)}}`;
      return sendJsonText(reply, body);
    },
  );

  app.get(
    '/windows/:name/live',
    {
      schema: {
        summary: 'Open (not yet final) windows of the matching keys, aggregated over what has arrived so far',
        tags: ['windows'],
        params: windowParams,
        querystring: schemas.live,
        response: { 200: livePage, ...READ_ERRORS },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const view = windowNamed(control, name);
      const key = readKeyMatch(request.query, control.keyBy);
      const open = control.live(name, key, request.query.limit);
      const watermarkMs = control.overview().watermarkMs;
      const body = `{"window":${quote(name)},"watermarkMs":${watermarkMs ?? 'null'},"live":${jsonList(open.map((w) => results.open(w, view.spec.kind)))}}`;
      return sendJsonText(reply, body);
    },
  );

  app.get(
    '/windows/:name/top',
    {
      schema: {
        summary: 'The keys of one window instance with the largest value of an output, from the results history',
        description: 'Without `at`, the newest window instance in the history. Needs a results history (409 without).',
        tags: ['windows'],
        params: windowParams,
        querystring: schemas.top,
        response: { 200: topPage, ...READ_ERRORS, 409: errorResponse },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const history = historyWindow(control, name);
      const { n, at } = request.query;
      // The instance: the newest start at or before `at` (or the newest of all).
      const newest = history.query({ window: name, order: 'newest', limit: 1, ...(at === undefined ? {} : { to: at + 1 }) }).results[0];
      const by = rankedOutput(control, name, request.query.by, newest === undefined ? null : Object.keys(newest.values));
      const ranked = newest === undefined ? [] : history.top({ window: name, start: newest.start, by, n });
      const body =
        `{"window":${quote(name)},"by":${quote(by)},"start":${newest?.start ?? 'null'},"end":${newest?.end ?? 'null'},` +
        `"results":${jsonList(ranked.map((r) => results.stored(r)))}}`;
      return sendJsonText(reply, body);
    },
  );
};

/**
 * The history of a window: one the job runs now, or one deleted while it ran whose results the
 * history still holds. An unknown window is NOT_FOUND; a job without a history CONFLICT.
 */
function historyWindow(control: JobControl, name: string): ResultsHistory {
  const history = control.history;
  const isCurrent = control.windows().some((w) => w.spec.name === name);
  if (!isCurrent && (history === null || history.query({ window: name, order: 'newest', limit: 1 }).results.length === 0)) windowNamed(control, name);
  return historyOf(control);
}

/**
 * The output `top` ranks by: one of the window's outputs (a window deleted while the job ran: those
 * of its newest stored result). Default: count when the window has it, else its first output.
 */
function rankedOutput(control: JobControl, name: string, by: string | undefined, storedNames: readonly string[] | null): string {
  const outputs = control.windows().find((w) => w.spec.name === name)?.outputs ?? storedNames ?? control.outputNames;
  if (by === undefined) return outputs.includes('count') ? 'count' : (outputs[0] ?? 'count');
  if (!outputs.includes(by)) throw badRequest(`unknown output '${by}'${didYouMean(by, outputs)} (window ${name} has: ${outputs.join(', ')})`, 'by');
  return by;
}
