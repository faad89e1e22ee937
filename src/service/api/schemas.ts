// Zod schemas of every request part and response body: fastify validates requests with them and the
// OpenAPI document (/openapi.json) is generated from them, so the two cannot drift apart.

import { z } from 'zod';
import { windowInputSchema } from '../../config/schema.js';
import { didYouMean, formatPath, problemsFromIssues } from '../../config/problems.js';
import { KEY_PREFIX, readTime } from './query-keys.js';
import { ApiError } from './errors.js';

/** `limit` and `n`: whole numbers in this range. */
export const MAX_PAGE = 1000;
export const DEFAULT_RESULTS_LIMIT = 100;
export const DEFAULT_LIVE_LIMIT = 100;
export const DEFAULT_TOP_N = 10;
const MAX_CURSOR_LENGTH = 512;
const MAX_FILTER_LENGTH = 4096;
const WINDOW_FIELDS = ['name', 'tumbling', 'sliding', 'calendar', 'session', 'count', 'global', 'offset', 'aggregations', 'filter'];

type Shape = Record<string, z.ZodType>;

function shown(value: unknown): string {
  if (Array.isArray(value)) return 'the parameter given more than once';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** One query parameter given once, as text (a repeated one arrives as a list and is refused). */
function param(what: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? `missing; expected ${what}` : `expected ${what}, found ${shown(issue.input)}`) });
}

function wholeParam(min: number, max: number) {
  return param(`a whole number from ${min} to ${max}`).transform((text, ctx) => {
    const n = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= min && n <= max)) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, found ${shown(text)}` });
      return z.NEVER;
    }
    return n;
  });
}

function timeParam(name: string) {
  return param('epoch milliseconds or ISO-8601 with a zone').transform((text, ctx) => {
    try {
      return readTime(text, name);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof ApiError ? error.message : 'is not a time' });
      return z.NEVER;
    }
  });
}

/** A query object that refuses parameters it does not know, naming them (key fields by the job's keyBy). */
function query<S extends Shape>(shape: S, keyBy: readonly string[]) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return 'expected query parameters';
      return issue.keys
        .map((key) => {
          const name = JSON.stringify(key).slice(1, -1);
          if (key.startsWith(KEY_PREFIX) && known.some((k) => k.startsWith(KEY_PREFIX))) {
            return `unknown key field '${name.slice(KEY_PREFIX.length)}' (the job groups by ${keyBy.join(', ')})`;
          }
          if (key.startsWith(KEY_PREFIX) && keyBy.length === 0) return `unknown key field '${name.slice(KEY_PREFIX.length)}': the job has one group (keyBy: []), nothing to filter on`;
          return `unknown query parameter '${name}'${didYouMean(key, known)}${known.length === 0 ? ' (this endpoint takes none)' : ` (known: ${known.join(', ')})`}`;
        })
        .join('\n');
    },
  });
}

/** `key.<field>` parameters, one per keyBy field, documented in the OpenAPI document for this job. */
function keyParams(keyBy: readonly string[]): Shape {
  const shape: Shape = {};
  for (const field of keyBy) {
    shape[`${KEY_PREFIX}${field}`] = param('a key value')
      .optional()
      .describe(`Only results of groups whose ${field} equals this: a JSON number (42), a JSON-quoted string ("42"), or any other text as it is (alice)`);
  }
  return shape;
}

export const windowParams = z.strictObject({ name: z.string().describe('The window name, as in the job file') });

/** Every request schema of one server: query schemas name the job's key fields and output names. */
export function requestSchemas(keyBy: readonly string[]) {
  const keys = keyParams(keyBy);
  const none = query({}, keyBy);
  return {
    none,
    results: query(
      {
        ...keys,
        from: timeParam('from').optional().describe('Windows starting at or after this time (epoch ms or ISO-8601 with a zone)'),
        to: timeParam('to').optional().describe('Windows starting before this time'),
        order: z
          .enum(['newest', 'oldest'], { error: (issue) => `must be newest or oldest, found ${shown(issue.input)}` })
          .default('newest')
          .describe('By window start: newest first (the default) or oldest first'),
        limit: wholeParam(1, MAX_PAGE).default(DEFAULT_RESULTS_LIMIT).describe(`Results per page, 1 to ${MAX_PAGE} (default ${DEFAULT_RESULTS_LIMIT})`),
        cursor: param('the nextCursor of the previous page')
          .max(MAX_CURSOR_LENGTH, `is longer than ${MAX_CURSOR_LENGTH} characters: pass the nextCursor of the previous page as it is`)
          .optional()
          .describe('The nextCursor of the previous page (the same query otherwise)'),
      },
      keyBy,
    ),
    live: query(
      {
        ...keys,
        limit: wholeParam(1, MAX_PAGE).default(DEFAULT_LIVE_LIMIT).describe(`Open windows returned at most, 1 to ${MAX_PAGE} (default ${DEFAULT_LIVE_LIMIT})`),
      },
      keyBy,
    ),
    top: query(
      {
        by: z
          .string({ error: (issue) => `expected one output name, found ${shown(issue.input)}` })
          .max(200, 'is longer than any output name')
          .optional()
          .describe("The output of the window to rank by (default: count when the window has it, else its first output)"),
        n: wholeParam(1, MAX_PAGE).default(DEFAULT_TOP_N).describe(`How many keys, 1 to ${MAX_PAGE} (default ${DEFAULT_TOP_N})`),
        at: timeParam('at').optional().describe('The window instance holding this time: the newest start at or before it (default: the newest instance)'),
      },
      keyBy,
    ),
    stream: query(keys, keyBy),
  };
}

export type RequestSchemas = ReturnType<typeof requestSchemas>;

export const streamHeaders = z.looseObject({
  'last-event-id': z.string().optional().describe('The id of the last event received: the stream goes on after it'),
});

// ---------------------------------------------------------------------------------------------
// Bodies

/** POST /windows: one window as in a job file's `windows` list (the runtime validates it fully). */
export const addWindowBody = windowInputSchema.describe('A window definition, as in the job file: a name and one kind, e.g. { "name": "per_5m", "tumbling": "5m" }');

/** PATCH /windows/{name}: the fields to change, merged into the window's definition (nested mappings too). */
const windowShape = windowInputSchema.shape;
export const updateWindowBody = z
  .strictObject(
    {
      name: windowShape.name.optional(),
      tumbling: windowShape.tumbling,
      sliding: windowShape.sliding.unwrap().partial().optional(),
      calendar: windowShape.calendar.unwrap().partial().optional(),
      session: windowShape.session,
      count: windowShape.count.unwrap().partial().optional(),
      global: windowShape.global,
      offset: windowShape.offset,
      aggregations: windowShape.aggregations.unwrap().nullable().optional().describe("The window's own aggregations, e.g. [\"count\", \"max(duration_ms)\"]; null: the job's again"),
      filter: windowShape.filter.unwrap().nullable().optional().describe("The window's own filter, applied after the job's; null: none"),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => `unknown field '${JSON.stringify(key).slice(1, -1)}'${didYouMean(key, WINDOW_FIELDS)} (a window has ${WINDOW_FIELDS.join(', ')})`).join('\n')
          : 'expected a JSON object of the window fields to change, e.g. { "tumbling": "5m" }',
    },
  )
  .describe('The fields to change, merged into the definition (JSON merge patch: null removes a field): { "tumbling": "5m" }, { "sliding": { "slide": "30s" } }, { "calendar": { "timeZone": "Asia/Shanghai" } }, { "aggregations": ["count", "max(duration_ms)"] }, { "filter": "action == \'buy\'" }; a new kind replaces the old one');

export const setFilterBody = z
  .strictObject(
    {
      filter: z
        .string({ error: (issue) => (issue.input === undefined ? 'missing; expected a filter expression or null' : `expected a filter expression or null, found ${shown(issue.input)}`) })
        .max(MAX_FILTER_LENGTH, `the filter is longer than ${MAX_FILTER_LENGTH} characters`)
        .nullable()
        .describe("The job's new filter (docs/filter.md), or null to keep every event"),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((k) => `unknown field '${k}' (known: filter)`).join('\n') : 'expected { "filter": "<expression>" | null }') },
  )
  .describe('{ "filter": "page != \'/health\'" } or { "filter": null }');

// ---------------------------------------------------------------------------------------------
// Responses (documentation: handlers build these shapes; the integration tests check them)

export const errorResponse = z
  .object({
    error: z.object({
      code: z.string().describe('A stable code: BAD_REQUEST, UNAUTHORIZED, … or an engine code such as CONFIG_INVALID_WINDOW'),
      message: z.string(),
      path: z.string().optional().describe('The parameter, header or body field the problem is about'),
    }),
  })
  .describe('An error');

const keyObject = z.record(z.string(), z.unknown()).describe('The group-by fields and their values');

/** One result as the job writes it to its sink (NDJSON), so that every channel shows one format. */
export const resultJson = z
  .looseObject({
    window: z.string(),
    start: z.number(),
    end: z.number(),
    start_iso: z.string().nullable(),
    end_iso: z.string().nullable(),
    key: keyObject,
    window_index: z.number().optional().describe('Count windows only'),
    revision: z.number().optional().describe('Update mode only'),
    final: z.boolean().optional().describe('Update mode only'),
  })
  .catchall(z.number().nullable())
  .describe('A window result: the window, its bounds, the key and one field per output (count, sum_value…; null when not finite)');

export const resultsPage = z.object({
  window: z.string(),
  results: z.array(resultJson),
  nextCursor: z.string().nullable().describe('Pass it as cursor for the next page; null when there is none now'),
});

export const livePage = z.object({
  window: z.string(),
  watermarkMs: z.number().nullable(),
  live: z.array(resultJson).describe('Open windows of the matching keys, aggregated over what has arrived so far (not final)'),
});

export const topPage = z.object({
  window: z.string(),
  by: z.string(),
  start: z.number().nullable().describe('The window instance ranked (null: the history holds none)'),
  end: z.number().nullable(),
  results: z.array(resultJson).describe('Largest first; equal values in key order'),
});

export const windowView = z.object({
  name: z.string(),
  kind: z.enum(['tumbling', 'sliding', 'calendar', 'session', 'count', 'global']),
  spec: z.record(z.string(), z.unknown()).describe('The definition with durations in milliseconds (sizeMs, slideMs, offsetMs, gapMs, everyMs), and its own aggregations and filter when it has them'),
  outputs: z.array(z.string()).readonly().describe("The window's output names (its own aggregations', or the job's)"),
  version: z.number().describe('The definition version that last added or changed it (0: the job file)'),
  exactFromMs: z.number().nullable().describe('Results of windows starting before this are not emitted (null: from the start)'),
});

export const windowsList = z.object({ windows: z.array(windowView) });

export const definitionChange = z.object({
  version: z.number(),
  atMs: z.number(),
  op: z.enum(['add-window', 'update-window', 'delete-window', 'set-filter']),
  window: z.string().nullable(),
  request: z.unknown(),
  exactFromMs: z.record(z.string(), z.number().nullable()).describe('Per window: from which window start its results are exactly those of a fresh run (null: all of them)'),
  mixed: z.array(z.string()).readonly().describe('Windows that go on with what they hold under a new filter (count and global windows)'),
});

export const changeAnswer = z.object({ change: definitionChange, window: windowView.optional(), filter: z.string().nullable().optional() });

export const healthAnswer = z.object({ status: z.enum(['ok', 'failed']), state: z.string() });
export const readyAnswer = z.object({ ready: z.boolean(), reasons: z.array(z.string()).readonly() });
export const pausedAnswer = z.object({ paused: z.boolean() });
export const checkpointAnswer = z.object({
  checkpoint: z.object({ id: z.number(), completedAtMs: z.number(), bytes: z.number(), pauseMs: z.number(), writeMs: z.number() }),
});

const rate = z.object({ m1: z.number(), m5: z.number() }).describe('Per second over the last 1 and 5 minutes');

export const statusAnswer = z
  .object({
    name: z.string(),
    state: z.enum(['created', 'running', 'stopping', 'finished', 'stopped', 'failed']),
    paused: z.boolean(),
    startedAtMs: z.number().nullable(),
    uptimeMs: z.number(),
    definitionVersion: z.number().describe('Changes made since the start (0: as in the job file)'),
    source: z.object({
      description: z.string(),
      partitions: z
        .array(z.object({ partition: z.union([z.string(), z.number()]), position: z.number().nullable(), lag: z.number().nullable(), unit: z.enum(['bytes', 'records', 'messages']) }))
        .readonly()
        .describe('Per partition: the position of the next record and the input not read yet (null: unknown)'),
    }),
    watermarkMs: z.number().nullable(),
    partitionWatermarks: z.array(z.object({ partition: z.union([z.string(), z.number()]), maxEventTimeMs: z.number().nullable(), idle: z.boolean() })).readonly(),
    rates: z.object({ recordsIn: rate, resultsOut: rate }),
    counts: z.object({
      records: z.number(),
      badRecords: z.number(),
      blankLines: z.number(),
      events: z.number(),
      filteredOut: z.number(),
      lateRecords: z.number(),
      results: z.number(),
      replayedResults: z.number(),
      lateByWindow: z.record(z.string(), z.number()),
    }),
    gauges: z.object({ watermarkMs: z.number().nullable(), openSlices: z.number(), openWindows: z.number(), openSessions: z.number(), keys: z.number() }),
    checkpoint: z
      .object({
        store: z.string(),
        intervalMs: z.number(),
        restoredFrom: z.number().nullable(),
        completed: z.number(),
        failed: z.number(),
        last: z.object({ id: z.number(), completedAtMs: z.number(), bytes: z.number(), pauseMs: z.number(), writeMs: z.number() }).nullable(),
        lastError: z.object({ id: z.number(), atMs: z.number(), message: z.string() }).nullable(),
        isWriting: z.boolean(),
      })
      .nullable()
      .describe('Null when the job has no checkpoint store'),
    recentBadRecords: z.array(z.object({ atMs: z.number(), reason: z.string(), message: z.string(), raw: z.string() })).readonly(),
    error: z.string().nullable(),
    readiness: readyAnswer,
    filter: z.string().nullable(),
    changes: z.array(definitionChange).readonly().describe('The latest 100 changes, oldest first'),
  })
  .describe('What the job is doing: positions and lag per source partition, watermarks, rates, counts, checkpoints, definition version');

// ---------------------------------------------------------------------------------------------
// Validation

/**
 * fastify's validator compiler for these schemas: a failed parse is a BAD_REQUEST ApiError naming
 * every problem, with `path` at the first one. Query strings and parameters come back parsed
 * (numbers, times, defaults); a body comes back as sent, because the runtime reads it as the job
 * file's input (`"5m"`, not 300000) and validates it fully itself.
 */
export function validatorCompiler({ schema, httpPart }: { schema: z.ZodType; httpPart?: string }) {
  return (data: unknown): { value: unknown } | { error: Error } => {
    const result = schema.safeParse(data);
    if (result.success) return { value: httpPart === 'body' ? data : result.data };
    const problems = problemsFromIssues(result.error.issues).map((problem) => ({
      // A query parameter's name is the path as it is (`key.user_id`, not `["key.user_id"]`).
      path: httpPart === 'body' ? formatPath(problem.path) : problem.path.map(String).join('.'),
      message: problem.message,
    }));
    const where = httpPart === 'body' ? 'body' : httpPart === 'params' ? 'path' : httpPart === 'headers' ? 'header' : 'query';
    const message = problems.map((p) => (p.path === '' ? `${where}: ${p.message}` : `${p.path}: ${p.message}`)).join('; ');
    return { error: new ApiError(400, 'BAD_REQUEST', message, problems[0]?.path) };
  };
}
