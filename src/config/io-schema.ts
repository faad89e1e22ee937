// The job schema's sources, sinks and side outputs.

import { z } from 'zod';
import { readTimestamp } from '../core/event/timestamp.js';
import { JOB_DEFAULTS, JOB_LIMITS } from './job-defaults.js';
import type { SideOutputSpec, SinkSpec, SourceSpec } from './job-spec.js';
import { kafkaOutputSchema, kafkaSinkSchema, kafkaSourceSchema } from './kafka-schema.js';
import { expecting, fail, nonEmptyString, strictObject, typedUnion, wholeNumber } from './schema-kit.js';

// ---------------------------------------------------------------------------------------------
// Source, sink, side outputs

const filePath = nonEmptyString('a file path');

const generatorObject = strictObject(
  {
    type: z.literal('generator'),
    eventsPerSecond: wholeNumber(1, JOB_LIMITS.maxEventsPerSecond).optional(),
    users: wholeNumber(1, JOB_LIMITS.maxUsers).optional(),
    pages: wholeNumber(1, JOB_LIMITS.maxPages).optional(),
    seed: wholeNumber(0, Number.MAX_SAFE_INTEGER).optional(),
    maxEvents: wholeNumber(1, Number.MAX_SAFE_INTEGER).nullable().optional(),
    startTime: z
      .union([z.string(), z.number()], expecting("epoch milliseconds or ISO-8601 text with a zone, e.g. '2026-11-23T00:00:00Z'"))
      .nullable()
      .optional(),
    realtime: z.boolean(expecting('true or false')).optional(),
  },
  'a generator source: { type: generator, eventsPerSecond, users, pages, seed, maxEvents, startTime, realtime }',
);

const SOURCE_TYPES = ['file', 'stdin', 'generator', 'kafka'];

export const sourceSchema = typedUnion('source', SOURCE_TYPES, 'a source: { type: file, path: <file> }, { type: stdin }, { type: generator, … } or { type: kafka, … }', [
  strictObject({ type: z.literal('file'), path: filePath }, 'a file source: { type: file, path: <file> }'),
  strictObject({ type: z.literal('stdin') }, 'a stdin source: { type: stdin }'),
  generatorObject,
  kafkaSourceSchema,
]).transform((source, ctx): SourceSpec => {
  if (source.type !== 'generator') return source;
  let startTimeMs: number | null = null;
  if (source.startTime !== undefined && source.startTime !== null) {
    startTimeMs = readTimestamp(source.startTime);
    if (startTimeMs === null) {
      fail(
        ctx,
        `${JSON.stringify(source.startTime)} is not a start time: use epoch milliseconds (0 to 8.64e15) or ISO-8601 text with a zone, e.g. '2026-11-23T00:00:00Z'`,
        ['startTime'],
      );
      return z.NEVER;
    }
  }
  const defaults = JOB_DEFAULTS.generator;
  return {
    type: 'generator',
    eventsPerSecond: source.eventsPerSecond ?? defaults.eventsPerSecond,
    users: source.users ?? defaults.users,
    pages: source.pages ?? defaults.pages,
    seed: source.seed ?? defaults.seed,
    maxEvents: source.maxEvents ?? null,
    startTimeMs,
    realtime: source.realtime ?? defaults.realtime,
  };
});

export const sinkSchema = typedUnion('sink', ['file', 'stdout', 'kafka'], 'a sink: { type: stdout }, { type: file, path: <file> } or { type: kafka, brokers, topic }', [
  strictObject({ type: z.literal('file'), path: filePath }, 'a file sink: { type: file, path: <file> }'),
  strictObject({ type: z.literal('stdout') }, 'a stdout sink: { type: stdout }'),
  kafkaSinkSchema,
]);

const SIDE_OUTPUT_WORDS = "a file path, 'stdout', 'stderr', { type: file, path: <file> } or { type: kafka, brokers, topic }";

export const sideOutputSchema = z
  .union(
    [
      z.string(),
      typedUnion('output', ['file', 'stdout', 'stderr', 'kafka'], SIDE_OUTPUT_WORDS, [
        strictObject({ type: z.literal('file'), path: filePath }, 'a file output: { type: file, path: <file> }'),
        strictObject({ type: z.literal('stdout') }, 'an output { type: stdout }'),
        strictObject({ type: z.literal('stderr') }, 'an output { type: stderr }'),
        kafkaOutputSchema,
      ]),
    ],
    expecting(SIDE_OUTPUT_WORDS),
  )
  .transform((output, ctx): SideOutputSpec => {
    if (typeof output !== 'string') return output;
    if (output.trim() === '') {
      fail(ctx, `must not be empty; expected ${SIDE_OUTPUT_WORDS}`);
      return z.NEVER;
    }
    if (output === 'stdout' || output === 'stderr') return { type: output };
    return { type: 'file', path: output };
  });
