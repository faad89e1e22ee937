// The job file schema (zod): every key, default and limit of a job definition, and its transform into JobSpec.

import { z } from 'zod';
import {
  AGGREGATE_FUNCTIONS,
  formatAggregation,
  outputName,
  type AggregateFunction,
  type AggregationSpec,
} from '../core/aggregate/aggregation-spec.js';
import { EngineError } from '../core/errors.js';
import { compileFilter } from '../core/filter/index.js';
import type { EmitMode, TimeSpec } from '../core/operator/pipeline-spec.js';
import { isValidTimeZone } from '../core/time/calendar.js';
import type { CalendarUnit, WindowSpec } from '../core/windows/window-spec.js';
import { JOB_DEFAULTS, JOB_LIMITS } from './job-defaults.js';
import type { JobSpec } from './job-spec.js';
import { sideOutputSchema, sinkSchema, sourceSchema } from './io-schema.js';
import { checkpointSchema } from './checkpoint-schema.js';
import { historySchema, historySpecOf } from './history-schema.js';
import { apiSchema, DEFAULT_API_SPEC } from './api-schema.js';
import { partitionedSinkProblem } from './io-schema.js';
import { duration, expectedMessage, expecting, fail, oneOf, patternString, strictObject, wholeNumber } from './schema-kit.js';

export { JOB_DEFAULTS, JOB_LIMITS } from './job-defaults.js';
import { didYouMean, problemsFromIssues, type ConfigProblem } from './problems.js';
import { formatCount, joinWords, spellDuration } from './text.js';
import { gcd } from '../core/util/gcd.js';
import { normalize } from 'node:path';

export const JOB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
export const WINDOW_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The window kinds, in the order the docs list them. */
export const WINDOW_KINDS = ['tumbling', 'sliding', 'calendar', 'session', 'count', 'global'] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];
const CALENDAR_UNITS = ['day', 'week', 'month'] as const satisfies readonly CalendarUnit[];
const EMIT_MODES = ['final', 'update'] as const satisfies readonly EmitMode[];

/** Common names of aggregations that Tally spells differently. */
const AGGREGATION_ALIASES: Readonly<Record<string, AggregateFunction>> = {
  avg: 'mean',
  average: 'mean',
  std: 'stdev',
  stddev: 'stdev',
  var: 'variance',
};

let knownTimeZones: readonly string[] | null = null;

/** The zone names "did you mean" picks from; read from Intl on first use. */
function timeZoneNames(): readonly string[] {
  knownTimeZones ??= ['UTC', ...Intl.supportedValuesOf('timeZone')];
  return knownTimeZones;
}

// ---------------------------------------------------------------------------------------------
// Keys, filter, aggregations

const fieldName = z.string(expecting('a field name'));

const keyBySchema = z
  .union([fieldName, z.array(fieldName, expecting('a field name or a list of field names'))], expecting('a field name or a list of field names'))
  .transform((value, ctx) => {
    const fields = typeof value === 'string' ? [value] : value;
    const seen = new Set<string>();
    fields.forEach((field, i) => {
      const path = typeof value === 'string' ? [] : [i];
      if (field.trim() === '') fail(ctx, 'a key field name must not be empty', path);
      else if (seen.has(field)) fail(ctx, `key field '${field}' is listed twice`, path);
      seen.add(field);
    });
    return fields;
  });

/** A filter expression, checked by compiling it (syntax, linear-time regexes). */
function filterText(emptyMessage: string) {
  return z.string(expecting("a filter expression, e.g. \"page != '/health'\"")).transform((source, ctx) => {
    if (source.trim() === '') {
      fail(ctx, emptyMessage);
      return z.NEVER;
    }
    try {
      compileFilter(source);
    } catch (error) {
      if (!(error instanceof EngineError) || (error.code !== 'FILTER_SYNTAX' && error.code !== 'FILTER_UNSAFE_REGEX')) throw error;
      fail(ctx, oneLineFilterMessage(error.message));
      return z.NEVER;
    }
    return source;
  });
}

const filterSchema = filterText('the filter is empty; leave the key out to keep every event').nullable();

/** A window's own filter: applies after the job's, to this window only. */
const windowFilterSchema = filterText("the window's filter is empty; leave the key out for a window without a filter of its own");

/** Filter errors draw a caret under the source on extra lines; a config problem is one line. */
function oneLineFilterMessage(message: string): string {
  const lines = message.split('\n');
  const head = (lines[0] ?? message).replace(/^filter:\s*/, '');
  const hint = lines.find((line) => line.trim().startsWith('hint:'));
  return hint === undefined ? head : `${head} (${hint.trim()})`;
}

const AGGREGATION_TEXT = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s*$/;
const AGGREGATION_WORDS = 'an aggregation such as count, count(value), sum(value) or { fn: sum, field: value }';

function knownFunction(fn: string, ctx: z.core.$RefinementCtx): AggregateFunction | null {
  if ((AGGREGATE_FUNCTIONS as readonly string[]).includes(fn)) return fn as AggregateFunction;
  const alias = AGGREGATION_ALIASES[fn.toLowerCase()];
  const hint = alias === undefined ? didYouMean(fn, AGGREGATE_FUNCTIONS) : ` — did you mean '${alias}'?`;
  fail(ctx, `unknown aggregation function '${fn}'${hint} (known: ${AGGREGATE_FUNCTIONS.join(', ')})`);
  return null;
}

function toAggregation(fn: AggregateFunction, field: string | null, ctx: z.core.$RefinementCtx, fieldPath: readonly (string | number)[]): AggregationSpec | null {
  if (field !== null && field.trim() === '') {
    fail(ctx, `the field of ${fn} must not be empty${fn === 'count' ? '; write count to count events' : ''}`, fieldPath);
    return null;
  }
  if (field === null && fn !== 'count') {
    fail(ctx, `${fn} needs a field, e.g. ${fn}(value)`);
    return null;
  }
  return { fn, field: field === null ? null : field.trim() };
}

const aggregationSchema = z
  .union(
    [
      z.string(),
      strictObject(
        { fn: oneOf(AGGREGATE_FUNCTIONS, 'aggregation function'), field: z.string(expecting('a field name')).nullable().optional() },
        'a mapping { fn: <function>, field: <field name> }',
      ),
    ],
    expecting(AGGREGATION_WORDS),
  )
  .transform((value, ctx): AggregationSpec => {
    if (typeof value !== 'string') return toAggregation(value.fn, value.field ?? null, ctx, ['field']) ?? z.NEVER;
    const match = AGGREGATION_TEXT.exec(value);
    if (match === null) {
      fail(ctx, `${JSON.stringify(value)} is not an aggregation: write fn or fn(field), e.g. count, sum(value)`);
      return z.NEVER;
    }
    const fn = knownFunction(match[1] as string, ctx);
    if (fn === null) return z.NEVER;
    const field = match[2];
    if (field !== undefined && field.includes(',')) {
      fail(ctx, `${fn} takes one field, found ${JSON.stringify(field.trim())}`);
      return z.NEVER;
    }
    return toAggregation(fn, field ?? null, ctx, []) ?? z.NEVER;
  });

/** A list of aggregations whose output names are distinct. */
function aggregationList(emptyMessage: string) {
  return z
  .array(aggregationSchema, expecting(`a list of aggregations, e.g. [count, sum(value)]`))
  .min(1, emptyMessage)
  // Runs even when some aggregations are invalid: the valid ones are already AggregationSpecs.
  .superRefine(
    (aggregations: readonly unknown[], ctx) => {
      if (!Array.isArray(aggregations)) return;
      const firstIndex = new Map<string, number>();
      const specs = aggregations.map((item: unknown) => (isAggregationSpec(item) ? item : null));
      specs.forEach((spec, i) => {
        if (spec === null) return;
        const name = outputName(spec);
        const first = firstIndex.get(name);
        if (first === undefined) firstIndex.set(name, i);
        else {
          const earlier = formatAggregation(specs[first] as AggregationSpec);
          fail(ctx, `${formatAggregation(spec)} produces the result field '${name}', which aggregations[${first}] (${earlier}) already produces`, [i]);
        }
      });
    },
    { when: () => true },
  );
}

const aggregationsSchema = aggregationList('a job needs at least one aggregation; leave the key out for [count]');

/** A window's own aggregations: its results have these outputs instead of the job's. */
const windowAggregationsSchema = aggregationList("a window's aggregations need at least one; leave the key out for the job's aggregations");

function isAggregationSpec(value: unknown): value is AggregationSpec {
  if (typeof value !== 'object' || value === null) return false;
  const { fn, field } = value as { fn?: unknown; field?: unknown };
  return (
    Object.keys(value).length === 2 &&
    typeof fn === 'string' &&
    (AGGREGATE_FUNCTIONS as readonly string[]).includes(fn) &&
    (field === null || (typeof field === 'string' && field.trim() !== ''))
  );
}

// ---------------------------------------------------------------------------------------------
// Windows

const windowName = patternString(
  'window name',
  WINDOW_NAME_PATTERN,
  'start with a letter or _, then letters, digits or _ (at most 64 characters)',
);

const timeZone = z.string(expecting('an IANA time zone such as UTC or Europe/Berlin')).transform((zone, ctx) => {
  if (!isValidTimeZone(zone)) {
    fail(ctx, `unknown time zone '${zone}'${didYouMean(zone, timeZoneNames())} (use an IANA name such as UTC, Europe/Berlin or Asia/Shanghai)`);
    return z.NEVER;
  }
  return zone;
});

const windowObject = strictObject(
  {
    name: windowName,
    tumbling: duration().optional(),
    sliding: strictObject({ size: duration(), slide: duration() }, 'a mapping { size: <duration>, slide: <duration> }').optional(),
    calendar: strictObject(
      { unit: oneOf(CALENDAR_UNITS, 'calendar unit'), timeZone: timeZone.optional() },
      'a mapping { unit: day | week | month, timeZone: <IANA zone> }',
    ).optional(),
    session: strictObject({ gap: duration() }, 'a mapping { gap: <duration> }').optional(),
    count: strictObject(
      {
        size: z.number(expecting('a whole number of records')),
        slide: z.number(expecting('a whole number of records')).optional(),
      },
      'a mapping { size: <records>, slide: <records> }',
    ).optional(),
    global: z
      .union([z.literal(true), strictObject({ every: duration().optional() }, 'true or { every: <duration> }')], expecting('true or { every: <duration> }'))
      .optional(),
    offset: duration().optional(),
    aggregations: windowAggregationsSchema.optional(),
    filter: windowFilterSchema.optional(),
  },
  'a window: a mapping with a name and one kind (tumbling, sliding, calendar, session, count or global), and optionally its own aggregations and filter',
);

type WindowFields = z.output<typeof windowObject>;
type WindowFieldsInput = z.input<typeof windowObject>;


/** Checks a size or gap: > 0 and ≤ 366 days. */
function checkSpan(ctx: z.core.$RefinementCtx, label: string, ms: number, path: readonly (string | number)[]): boolean {
  if (ms <= 0) {
    fail(ctx, `${label} must be greater than 0`, path);
    return false;
  }
  if (ms > JOB_LIMITS.maxWindowSizeMs) {
    fail(ctx, `${label} (${spellDuration(ms)}) must be at most 366d`, path);
    return false;
  }
  return true;
}

function toWindowSpec(window: WindowFields, ctx: z.core.$RefinementCtx): WindowSpec {
  const kinds = WINDOW_KINDS.filter((kind) => window[kind] !== undefined);
  const name = window.name;
  if (kinds.length !== 1) {
    fail(
      ctx,
      kinds.length === 0
        ? `window '${name}' needs a kind: one of ${WINDOW_KINDS.join(', ')} (e.g. tumbling: 1m)`
        : `window '${name}' has ${joinWords(kinds)}; a window has exactly one kind`,
    );
    return invalidWindow(name);
  }
  const kind = kinds[0] as WindowKind;
  if (window.offset !== undefined && kind !== 'tumbling' && kind !== 'sliding') {
    fail(ctx, `offset applies only to tumbling and sliding windows, not to ${kind} windows`, ['offset']);
  }
  const offsetMs = window.offset ?? 0;
  const errorsBefore = ctx.issues.length;
  let spec: WindowSpec | null = null;
  switch (kind) {
    case 'tumbling': {
      const sizeMs = window.tumbling as number;
      if (checkSpan(ctx, 'size', sizeMs, ['tumbling'])) {
        spec = { kind, name, sizeMs, offsetMs: offsetMs % sizeMs };
      }
      break;
    }
    case 'sliding': {
      const { size: sizeMs, slide: slideMs } = window.sliding as { size: number; slide: number };
      const isSizeValid = checkSpan(ctx, 'size', sizeMs, ['sliding', 'size']);
      if (slideMs <= 0) fail(ctx, 'slide must be greater than 0', ['sliding', 'slide']);
      else if (isSizeValid && slideMs > sizeMs) {
        fail(
          ctx,
          `slide (${spellDuration(slideMs)}) must not exceed size (${spellDuration(sizeMs)}): a slide longer than the size leaves gaps between windows`,
          ['sliding', 'slide'],
        );
      } else if (isSizeValid && Math.ceil(sizeMs / slideMs) > JOB_LIMITS.maxWindowsPerEvent) {
        fail(
          ctx,
          `size ${spellDuration(sizeMs)} with slide ${spellDuration(slideMs)} puts each event in up to ${formatCount(Math.ceil(sizeMs / slideMs))} windows; at most ${formatCount(JOB_LIMITS.maxWindowsPerEvent)} are allowed (use a longer slide)`,
          ['sliding'],
        );
      } else if (isSizeValid) {
        spec = { kind, name, sizeMs, slideMs, offsetMs: offsetMs % slideMs };
      }
      break;
    }
    case 'calendar': {
      const calendar = window.calendar as { unit: CalendarUnit; timeZone?: string | undefined };
      spec = { kind, name, unit: calendar.unit, timeZone: calendar.timeZone ?? JOB_DEFAULTS.calendarTimeZone };
      break;
    }
    case 'session': {
      const gapMs = (window.session as { gap: number }).gap;
      if (checkSpan(ctx, 'gap', gapMs, ['session', 'gap'])) spec = { kind, name, gapMs };
      break;
    }
    case 'count': {
      const count = window.count as { size: number; slide?: number | undefined };
      const size = count.size;
      const max = JOB_LIMITS.maxCountSize;
      if (!Number.isInteger(size) || size < 1 || size > max) {
        fail(ctx, `size must be a whole number of records from 1 to ${formatCount(max)}, found ${formatCount(size)}`, ['count', 'size']);
        break;
      }
      const slide = count.slide ?? size;
      if (!Number.isInteger(slide) || slide < 1 || slide > size) {
        fail(
          ctx,
          `slide must be a whole number of records from 1 to size (${formatCount(size)}), found ${formatCount(slide)}${slide > size ? ': a slide longer than the size leaves records out of every window' : ''}`,
          ['count', 'slide'],
        );
        break;
      }
      const chunks = size / gcd(size, slide);
      if (chunks > JOB_LIMITS.maxCountChunksPerWindow) {
        fail(
          ctx,
          `size ${formatCount(size)} with slide ${formatCount(slide)} gives size / gcd(size, slide) = ${formatCount(chunks)}; at most ${formatCount(JOB_LIMITS.maxCountChunksPerWindow)} is allowed (choose a slide that divides the size, or shares a larger factor with it)`,
          ['count'],
        );
        break;
      }
      spec = { kind, name, size, slide };
      break;
    }
    case 'global': {
      const global = window.global as true | { every?: number | undefined };
      const everyMs = global === true ? JOB_DEFAULTS.globalEveryMs : (global.every ?? JOB_DEFAULTS.globalEveryMs);
      if (everyMs < JOB_LIMITS.minGlobalEveryMs) {
        fail(ctx, `every (${spellDuration(everyMs)}) must be at least 1s`, ['global', 'every']);
      } else {
        spec = { kind, name, everyMs };
      }
      break;
    }
  }
  if (spec === null || ctx.issues.length > errorsBefore) return invalidWindow(name);
  // Only when given: a window without them has the fingerprint it always had.
  return {
    ...spec,
    ...(window.aggregations === undefined ? {} : { aggregations: window.aggregations }),
    ...(window.filter === undefined ? {} : { filter: window.filter }),
  };
}

/**
 * What an invalid window becomes inside the failed parse: never returned to callers (the parse
 * fails), but it keeps the name so that the duplicate-name check still sees every window.
 */
function invalidWindow(name: string): WindowSpec {
  return { name } as unknown as WindowSpec;
}

type KindInput<K extends WindowKind> = {
  readonly name: string;
  readonly aggregations?: WindowFieldsInput['aggregations'];
  readonly filter?: WindowFieldsInput['filter'];
} & { readonly [P in K]-?: NonNullable<WindowFieldsInput[P]> } & {
  readonly [P in Exclude<WindowKind, K>]?: undefined;
} & (K extends 'tumbling' | 'sliding' ? { readonly offset?: WindowFieldsInput['offset'] } : { readonly offset?: undefined });

/**
 * One window of a job file: a name and exactly one kind key, e.g. `{ name: 'per_minute', tumbling: '1m' }`;
 * `offset` only with tumbling and sliding.
 */
export type WindowInput = { [K in WindowKind]: KindInput<K> }[WindowKind];

// The object schema accepts any set of kind keys so that "none" and "several" get a clear message;
// the TypeScript input type says exactly one.
const windowSchema = windowObject.transform(toWindowSpec) as unknown as z.ZodType<WindowSpec, WindowInput>;

/** The input shape of one window (for API schemas and documents); parseWindowInput validates fully. */
export const windowInputSchema = windowObject;

/** One window definition (a job file's `windows` entry, or a REST request body) → WindowSpec, or its problems. */
export function parseWindowInput(input: unknown): { readonly ok: true; readonly spec: WindowSpec } | { readonly ok: false; readonly problems: readonly ConfigProblem[] } {
  const result = windowSchema.safeParse(input);
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, problems: problemsFromIssues(result.error.issues) };
}

const windowsSchema = z
  .array(windowSchema, expecting('a list of windows, e.g. [{ name: per_minute, tumbling: 1m }]'))
  .min(1, 'a job needs at least one window, e.g. [{ name: per_minute, tumbling: 1m }]')
  // Runs even when some windows are invalid (they still have their names), so all problems show at once.
  .superRefine(
    (windows: readonly unknown[], ctx) => {
      if (!Array.isArray(windows)) return;
      const firstIndex = new Map<string, number>();
      windows.forEach((window: unknown, i) => {
        const name: unknown = typeof window === 'object' && window !== null ? (window as { name?: unknown }).name : undefined;
        if (typeof name !== 'string') return;
        const first = firstIndex.get(name);
        if (first === undefined) firstIndex.set(name, i);
        else fail(ctx, `window name '${name}' is already used by windows[${first}]; names must be unique`, [i, 'name']);
      });
    },
    { when: () => true },
  );

// ---------------------------------------------------------------------------------------------
// Time and emit

function boundedDuration(label: string, min: number) {
  return duration().transform((ms, ctx) => {
    if (ms < min) fail(ctx, `${label} must be greater than 0`);
    else if (ms > JOB_LIMITS.maxTimeBoundMs) fail(ctx, `${label} (${spellDuration(ms)}) must be at most 366d`);
    else return ms;
    return z.NEVER;
  });
}

const timeSchema = strictObject(
  {
    maxOutOfOrderness: boundedDuration('maxOutOfOrderness', 0).optional(),
    allowedLateness: boundedDuration('allowedLateness', 0).optional(),
    idleTimeout: boundedDuration('idleTimeout', 1).optional(),
    retainSlices: duration()
      .transform((ms, ctx) => {
        if (ms > JOB_LIMITS.maxTimeBoundMs) fail(ctx, `retainSlices (${spellDuration(ms)}) must be at most 366d`);
        else return ms;
        return z.NEVER;
      })
      .optional(),
  },
  'a mapping { maxOutOfOrderness, allowedLateness, idleTimeout, retainSlices } of durations',
).transform(
  (time): TimeSpec => ({
    maxOutOfOrdernessMs: time.maxOutOfOrderness ?? JOB_DEFAULTS.maxOutOfOrdernessMs,
    allowedLatenessMs: time.allowedLateness ?? JOB_DEFAULTS.allowedLatenessMs,
    idleTimeoutMs: time.idleTimeout ?? JOB_DEFAULTS.idleTimeoutMs,
    ...(time.retainSlices === undefined || time.retainSlices === 0 ? {} : { retainSlicesMs: time.retainSlices }),
  }),
);

const EMIT_WORDS = 'final, update, or { mode: update, interval: <duration> }';

const emitSchema = z
  .union(
    [z.enum(EMIT_MODES), strictObject({ mode: oneOf(EMIT_MODES, 'emit mode'), interval: duration().optional() }, `an emit mode: ${EMIT_WORDS}`)],
    {
      error: (issue) =>
        typeof issue.input === 'string'
          ? `unknown emit mode '${issue.input}'${didYouMean(issue.input, EMIT_MODES)} (one of: ${EMIT_MODES.join(', ')})`
          : expectedMessage(`an emit mode: ${EMIT_WORDS}`, issue.input),
    },
  )
  .transform((emit, ctx): { mode: EmitMode; intervalMs: number } => {
    if (typeof emit === 'string') return { mode: emit, intervalMs: JOB_DEFAULTS.updateIntervalMs };
    if (emit.interval !== undefined && emit.mode !== 'update') {
      fail(ctx, 'interval applies only to emit mode update', ['interval']);
      return z.NEVER;
    }
    if (emit.interval !== undefined && emit.interval <= 0) {
      fail(ctx, 'interval must be greater than 0', ['interval']);
      return z.NEVER;
    }
    return { mode: emit.mode, intervalMs: emit.interval ?? JOB_DEFAULTS.updateIntervalMs };
  });

// ---------------------------------------------------------------------------------------------
// The job

const JOB_WORDS = 'a job: a mapping with name, source, windows and the optional keys keyBy, filter, aggregations, time, emit, sink, deadLetter, lateOutput, maxRecordBytes, checkpoint, history, api';

const jobObject = strictObject(
  {
    name: patternString('job name', JOB_NAME_PATTERN, "start with a letter or digit, then letters, digits, '_', '.' or '-' (at most 100 characters)"),
    source: sourceSchema,
    keyBy: keyBySchema.optional(),
    filter: filterSchema.optional(),
    windows: windowsSchema,
    aggregations: aggregationsSchema.optional(),
    time: timeSchema.optional(),
    emit: emitSchema.optional(),
    sink: sinkSchema.optional(),
    deadLetter: sideOutputSchema.optional(),
    lateOutput: sideOutputSchema.optional(),
    maxRecordBytes: wholeNumber(1, JOB_LIMITS.maxRecordBytes, ' (64 MiB)').optional(),
    checkpoint: checkpointSchema.optional(),
    history: historySchema.optional(),
    api: apiSchema.optional(),
  },
  JOB_WORDS,
);

/** Two outputs writing one file would interleave their lines (and one would truncate the other). */
function checkDistinctOutputFiles(job: z.output<typeof jobObject>, ctx: z.core.$RefinementCtx): void {
  const seen = new Map<string, string>();
  for (const name of ['sink', 'deadLetter', 'lateOutput'] as const) {
    const output = job[name];
    if (output === undefined || output.type !== 'file') continue;
    const path = normalize(output.path);
    const other = seen.get(path);
    if (other !== undefined) fail(ctx, `writes to ${output.path}, which ${other} writes too: give each output its own file`, [name]);
    else seen.set(path, name);
  }
}

/** Checkpoints restore by reading the input again from a position: only some sources can. */
function checkResumableSource(job: z.output<typeof jobObject>, ctx: z.core.$RefinementCtx): void {
  if (job.checkpoint === undefined) return;
  if (job.source.type === 'stdin') {
    fail(ctx, 'cannot be restored from a checkpoint: standard input cannot be read again from a position. Use a file, generator or kafka source, or leave checkpoint out', ['source']);
  }
}

/** Partitioned result files are published with checkpoints (io-schema.ts says when they cannot be). */
function checkPartitionedSink(job: z.output<typeof jobObject>, ctx: z.core.$RefinementCtx): void {
  if (job.sink === undefined) return;
  const problem = partitionedSinkProblem({ sink: job.sink, source: job.source, checkpoint: job.checkpoint ?? null });
  if (problem !== null) fail(ctx, problem, ['sink']);
}

/** The job file (YAML, JSON or a TypeScript object) → JobSpec, with defaults filled in. */
export const jobSchema = jobObject.superRefine(checkDistinctOutputFiles).superRefine(checkResumableSource).superRefine(checkPartitionedSink).transform(
  (job): JobSpec => ({
    name: job.name,
    source: job.source,
    keyBy: job.keyBy ?? JOB_DEFAULTS.keyBy,
    filter: job.filter ?? null,
    windows: job.windows,
    aggregations: job.aggregations ?? JOB_DEFAULTS.aggregations,
    time: job.time ?? {
      maxOutOfOrdernessMs: JOB_DEFAULTS.maxOutOfOrdernessMs,
      allowedLatenessMs: JOB_DEFAULTS.allowedLatenessMs,
      idleTimeoutMs: JOB_DEFAULTS.idleTimeoutMs,
    },
    emit: job.emit?.mode ?? JOB_DEFAULTS.emit,
    sink: job.sink ?? JOB_DEFAULTS.sink,
    deadLetter: job.deadLetter ?? JOB_DEFAULTS.deadLetter,
    lateOutput: job.lateOutput ?? JOB_DEFAULTS.lateOutput,
    maxRecordBytes: job.maxRecordBytes ?? JOB_DEFAULTS.maxRecordBytes,
    updateIntervalMs: job.emit?.intervalMs ?? JOB_DEFAULTS.updateIntervalMs,
    checkpoint: job.checkpoint ?? null,
    history: job.history === undefined ? null : historySpecOf(job.history, job.checkpoint ?? null),
    api: job.api === undefined ? DEFAULT_API_SPEC : job.api,
  }),
);

/** A validated job, or every problem found (each with its field path). */
export type JobValidation = { readonly ok: true; readonly spec: JobSpec } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Validates a decoded job definition (from YAML, JSON or code) against the job schema. */
export function validateJob(input: unknown): JobValidation {
  const result = jobSchema.safeParse(input);
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, problems: problemsFromIssues(result.error.issues) };
}
