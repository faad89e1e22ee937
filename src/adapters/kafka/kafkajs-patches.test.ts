// The patches/ to kafkajs' producer (applied by `npm ci`): in place, and encoding as before.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const source = (path: string): string => readFileSync(require.resolve(`kafkajs/src/${path}`), 'utf8');

type Message = { readonly key: string; readonly n: number };
type Group = (args: { topic: string; partitionMetadata: readonly unknown[]; messages: readonly Message[]; partitioner: (a: { message: Message }) => number }) => Record<string, Message[]>;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as Group;

type Encoded = { readonly buffer: Buffer };
type RecordArgs = { key: Buffer | string | null; value: Buffer | string | null; headers?: Record<string, string | Buffer | (string | Buffer)[]>; offsetDelta?: number; timestampDelta?: number };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (args: RecordArgs) => Encoded;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (args: { records: Encoded[]; lastOffsetDelta?: number }) => Promise<Encoded> };
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (decoder: unknown) => Promise<{ records: { key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | Buffer[]>; offset: string }[] }>;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;

describe('kafkajs, as patched', () => {
  it('has the patches in place (npm ci applies them; a failed patch fails the install)', () => {
    expect(source('producer/groupMessagesPerPartition.js')).toContain('Patched by Tally');
    expect(source('protocol/encoder.js')).toContain('Patched by Tally');
    expect(source('protocol/recordBatch/record/v0/index.js')).toContain('Patched by Tally');
  });

  it('groups a request’s messages by partition, in their order, as the unpatched reduce did', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ key: fc.string({ maxLength: 3 }), n: fc.nat() }), { maxLength: 300 }), fc.integer({ min: 1, max: 7 }), (messages, partitions) => {
        const partitioner = ({ message }: { message: Message }): number => (message.key.length * 31 + message.n) % partitions;
        const expected: Record<string, Message[]> = {};
        for (const m of messages) expected[partitioner({ message: m })] = [...(expected[partitioner({ message: m })] ?? []), m];
        const metadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i }));
        expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: metadata, messages, partitioner })).toEqual(expected);
        expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual({});
      }),
      { seed: 20261124, numRuns: 200 },
    );
  });

  it('encodes records that decode to their keys, values and headers (with and without headers, short and long)', async () => {
    const bytes = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 1200 }), fc.uint8Array({ maxLength: 700 }).map((a) => Buffer.from(a)));
    const header = fc.oneof(fc.string({ maxLength: 8 }), fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 }));
    const recordArb = fc.record({
      key: fc.option(bytes, { nil: null }),
      value: fc.option(bytes, { nil: null }),
      headers: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), header, { maxKeys: 3 }), { nil: undefined }),
    });
    const asBuffer = (v: Buffer | string | null): Buffer | null => (v === null ? null : Buffer.from(v));
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { minLength: 1, maxLength: 20 }), async (records) => {
        const encoded = records.map((r, i) => Record({ key: r.key, value: r.value, ...(r.headers === undefined ? {} : { headers: r.headers }), offsetDelta: i }));
        const batch = await RecordBatch({ records: encoded, lastOffsetDelta: records.length - 1 });
        const decoded = await decodeBatch(new Decoder(batch.buffer));
        expect(decoded.records).toHaveLength(records.length);
        decoded.records.forEach((d, i) => {
          const r = records[i] as (typeof records)[number];
          expect(d.offset).toBe(String(i));
          expect(d.key).toEqual(asBuffer(r.key));
          expect(d.value).toEqual(asBuffer(r.value));
          const headers: Record<string, Buffer | Buffer[]> = {};
          for (const [k, v] of Object.entries(r.headers ?? {})) headers[k] = Array.isArray(v) ? (v.length === 1 ? [Buffer.from(v[0] as string)] : v.map((x) => Buffer.from(x))) : Buffer.from(v);
          // A header list of one decodes as the value alone (kafkajs' own rule, unpatched).
          for (const [k, v] of Object.entries(headers)) if (Array.isArray(v) && v.length === 1) headers[k] = v[0] as Buffer;
          expect(d.headers).toEqual(headers);
        });
      }),
      { seed: 20261124, numRuns: 150 },
    );
  });
});
