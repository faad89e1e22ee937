// The patches/ to kafkajs' producer (applied by `npm ci`): in place, and encoding as before.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';

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
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (buffer: Buffer) => number;

interface EncoderLike {
  readonly buffer: Buffer;
  size(): number;
  writeInt16(v: number): EncoderLike;
  writeInt32(v: number): EncoderLike;
  writeString(v: string | null): EncoderLike;
  writeArray(v: unknown[]): EncoderLike;
  writeEncoder(v: EncoderLike): EncoderLike;
}
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => EncoderLike;
type LongLike = object;
const Long = require('kafkajs/src/utils/long.js') as { fromInt(n: number): LongLike; fromNumber(n: number): LongLike };
type ProduceMessage = { key: Buffer | string | null; value: Buffer | string | null; headers?: Record<string, string>; timestamp?: string | number };
type PartitionData = { partition: number; messages: ProduceMessage[]; firstSequence?: number };
type ProduceArgs = { acks: number; timeout: number; transactionalId: string | null; producerId: LongLike; producerEpoch: number; topicData: { topic: string; partitions: PartitionData[] }[] };
const produceRequest = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (args: ProduceArgs) => { encode(): Promise<EncoderLike> };
const encodeRequest = require('kafkajs/src/protocol/request.js') as (args: { correlationId: number; clientId: string | null; request: { apiKey: number; apiVersion: number; encode(): Promise<EncoderLike> } }) => Promise<EncoderLike>;
const RecordBatchFull = RecordBatch as unknown as (args: Record<string, unknown>) => Promise<EncoderLike>;
const RecordFull = Record as unknown as (args: Record<string, unknown>) => EncoderLike;

/** A CRC-32C computed bit by bit from its polynomial (reflected 0x82F63B78): slow and obviously right. */
function crc32CByBits(bytes: Uint8Array): number {
  let crc = -1;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0x82f63b78 & -(crc & 1));
  }
  return (crc ^ -1) >>> 0;
}

/** kafkajs 2.2.4's produce request (v3 to v7) as published: records, batch and request built by its own encoders. */
async function publishedProduceRequest(args: ProduceArgs): Promise<Buffer> {
  const topics: EncoderLike[] = [];
  for (const topic of args.topicData) {
    const partitions: EncoderLike[] = [];
    for (const data of topic.partitions) {
      const dateNow = Date.now();
      // eslint-disable-next-line @typescript-eslint/require-array-sort-compare -- published kafkajs sorts as text
      const stamps = data.messages.map((m) => m.timestamp).filter((t) => t != null).sort();
      const timestamps = stamps.length === 0 ? [dateNow] : stamps;
      const first = timestamps[0] as number;
      const records = data.messages.map((message, i) => RecordFull({ ...message, offsetDelta: i, timestampDelta: (Number(message.timestamp) || dateNow) - first }));
      const batch = await RecordBatchFull({
        compression: 0,
        records,
        firstTimestamp: first,
        maxTimestamp: timestamps[timestamps.length - 1],
        producerId: args.producerId,
        producerEpoch: args.producerEpoch,
        firstSequence: data.firstSequence,
        transactional: args.transactionalId !== null,
        lastOffsetDelta: records.length - 1,
      });
      partitions.push(new Encoder().writeInt32(data.partition).writeInt32(batch.size()).writeEncoder(batch));
    }
    topics.push(new Encoder().writeString(topic.topic).writeArray(partitions));
  }
  return new Encoder().writeString(args.transactionalId).writeInt16(args.acks).writeInt32(args.timeout).writeArray(topics).buffer;
}

describe('kafkajs, as patched', () => {
  it('has the patches in place (npm ci applies them; a failed patch fails the install)', () => {
    expect(source('producer/groupMessagesPerPartition.js')).toContain('Patched by Tally');
    expect(source('protocol/encoder.js')).toContain('Patched by Tally');
    expect(source('protocol/recordBatch/record/v0/index.js')).toContain('Patched by Tally');
    expect(source('protocol/recordBatch/crc32C/crc32C.js')).toContain('Patched by Tally');
    expect(source('protocol/requests/produce/v3/request.js')).toContain('Patched by Tally');
    expect(source('protocol/recordBatch/v0/plainPartition.js')).toContain('Patched by Tally');
    expect(source('protocol/request.js')).toContain('Patched by Tally');
  });

  it('frames every request (size, api key and version, correlation id, client id, payload) as published kafkajs does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ apiKey: fc.nat(70), apiVersion: fc.nat(12), correlationId: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), clientId: fc.option(fc.string({ unit: 'grapheme', maxLength: 20 }), { nil: null }), payload: fc.uint8Array({ maxLength: 3000 }) }),
        async ({ apiKey, apiVersion, correlationId, clientId, payload }) => {
          const body = (): EncoderLike => {
            const e = new Encoder() as EncoderLike & { writeBuffer(b: Buffer): EncoderLike };
            return e.writeBuffer(Buffer.from(payload));
          };
          const framed = await encodeRequest({ correlationId, clientId, request: { apiKey, apiVersion, encode: () => Promise.resolve(body()) } });
          const published = new Encoder().writeInt16(apiKey).writeInt16(apiVersion).writeInt32(correlationId).writeString(clientId).writeEncoder(body());
          expect(framed.buffer).toEqual(new Encoder().writeInt32(published.size()).writeEncoder(published).buffer);
        },
      ),
      { seed: 20261124, numRuns: 200 },
    );
  });

  it('computes CRC-32C eight bytes at a time as the polynomial does bit by bit (every length mod 8, every byte value)', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32C(Buffer.alloc(0))).toBe(0);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), (bytes, skip) => {
        const buffer = Buffer.from(bytes).subarray(Math.min(skip, bytes.length));
        expect(crc32C(buffer)).toBe(crc32CByBits(buffer));
      }),
      { seed: 20261124, numRuns: 300 },
    );
    const large = randomBytes(100_003);
    expect(crc32C(large)).toBe(crc32CByBits(large));
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

  describe('produce requests', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 300 }));
    const bytes = fc.oneof(text, fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)), fc.constant(null));
    const plainMessage = fc.record({ key: bytes, value: bytes, headers: fc.constantFrom(undefined, {}) }).map(({ headers, ...m }): ProduceMessage => (headers === undefined ? m : { ...m, headers }));
    const otherMessage = fc.record({
      key: bytes,
      value: bytes,
      headers: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.string({ maxLength: 6 }), { minKeys: 1, maxKeys: 2 }), { nil: undefined }),
      timestamp: fc.option(fc.oneof(fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }).map(String), fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 })), { nil: undefined }),
    }).map(({ headers, timestamp, ...m }): ProduceMessage => ({ ...m, ...(headers === undefined ? {} : { headers }), ...(timestamp === undefined ? {} : { timestamp }) }));
    const args = (messages: fc.Arbitrary<ProduceMessage>): fc.Arbitrary<ProduceArgs> =>
      fc.record({
        acks: fc.constantFrom(-1, 0, 1),
        timeout: fc.nat(60_000),
        transactionalId: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: null }),
        producerId: fc.oneof(fc.constant(Long.fromInt(-1)), fc.nat(1_000_000_000).map((n) => Long.fromNumber(n * 4096))),
        producerEpoch: fc.nat(3),
        topicData: fc.array(
          fc.record({
            topic: fc.string({ minLength: 1, maxLength: 10 }),
            partitions: fc.array(fc.record({ partition: fc.nat(63), messages: fc.array(messages, { minLength: 1, maxLength: 40 }), firstSequence: fc.option(fc.nat(1000), { nil: undefined }) }), { minLength: 1, maxLength: 3 }),
          }),
          { minLength: 1, maxLength: 2 },
        ),
      }).map(({ topicData, ...rest }) => ({ ...rest, topicData: topicData.map((t) => ({ ...t, partitions: t.partitions.map(({ firstSequence, ...p }) => (firstSequence === undefined ? p : { ...p, firstSequence })) })) }));

    it('writes a batch without timestamps or headers in one pass, byte for byte as published kafkajs does', async () => {
      vi.spyOn(Date, 'now').mockReturnValue(1_795_540_000_123);
      await fc.assert(
        fc.asyncProperty(args(plainMessage), async (produce) => {
          expect((await produceRequest(produce).encode()).buffer).toEqual(await publishedProduceRequest(produce));
        }),
        { seed: 20261124, numRuns: 200 },
      );
    });

    it('leaves batches with timestamps or headers to the published path, bytes unchanged', async () => {
      vi.spyOn(Date, 'now').mockReturnValue(1_795_540_000_456);
      await fc.assert(
        fc.asyncProperty(args(fc.oneof(plainMessage, otherMessage)), async (produce) => {
          expect((await produceRequest(produce).encode()).buffer).toEqual(await publishedProduceRequest(produce));
        }),
        { seed: 20261125, numRuns: 200 },
      );
    });

    it('writes batches that kafkajs decodes to their keys and values, at their offsets', async () => {
      const messages: ProduceMessage[] = Array.from({ length: 300 }, (_, i) => ({ key: i % 9 === 0 ? null : `user|${i}`, value: i % 13 === 0 ? null : Buffer.from(`{"n":${i},"pad":"${'x'.repeat(i)}"}`) }));
      const request = (await produceRequest({ acks: -1, timeout: 1000, transactionalId: null, producerId: Long.fromInt(-1), producerEpoch: 0, topicData: [{ topic: 't', partitions: [{ partition: 5, messages }] }] }).encode()).buffer;
      // request: transactional id (int16 -1), acks, timeout, topic count, topic ('t'), partition count, partition (5), size, record batch
      expect(request.readInt32BE(19)).toBe(5);
      const batch = request.subarray(27);
      expect(batch.length).toBe(request.readInt32BE(23));
      const decoded = await decodeBatch(new Decoder(batch));
      expect(decoded.records.map((r) => [r.offset, r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual(messages.map((m, i) => [String(i), m.key, m.value?.toString() ?? null]));
      // the checksum covers the batch from its attributes (after offset 8, length 4, leader epoch 4, magic 1, crc 4)
      expect(batch.readUInt32BE(17)).toBe(crc32CByBits(batch.subarray(21)));
    });
  });
});
