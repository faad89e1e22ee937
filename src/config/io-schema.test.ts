import { describe, expect, it } from 'vitest';
import type { JobSpec } from './job-spec.js';
import { partitionedSinkProblem } from './io-schema.js';
import { formatPath } from './problems.js';
import { validateJob } from './schema.js';

const BASE = { name: 'job', source: { type: 'file', path: 'events.ndjson' }, windows: [{ name: 'w', tumbling: '1m' }], checkpoint: { store: 'file://./state' } };
const MIB = 1_048_576;

function specOf(sink: unknown, overrides: Record<string, unknown> = {}): JobSpec {
  const result = validateJob({ ...BASE, sink, ...overrides });
  if (!result.ok) throw new Error(result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join('\n'));
  return result.spec;
}

function problemsOf(sink: unknown): string[] {
  const result = validateJob({ ...BASE, sink });
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.spec.sink)}`);
  return result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`);
}

describe('file sink', () => {
  it('keeps a plain local path with no options one NDJSON file, as before', () => {
    expect(specOf({ type: 'file', path: 'out/results.ndjson' }).sink).toEqual({ type: 'file', path: 'out/results.ndjson' });
    expect(specOf({ type: 'file', path: 'out/results.ndjson', partitioned: false }).sink).toEqual({ type: 'file', path: 'out/results.ndjson' });
  });

  it('reads a store URL as partitioned files, NDJSON rolled at 64 MiB unless told otherwise', () => {
    expect(specOf({ type: 'file', path: 's3://bucket/clicks/' }).sink).toEqual({ type: 'file', partitioned: true, path: 's3://bucket/clicks/', format: 'ndjson', rollSizeBytes: 64 * MIB });
    expect(specOf({ type: 'file', path: 'webhdfs://namenode:9870/tally/results', format: 'parquet' }).sink).toMatchObject({ partitioned: true, format: 'parquet' });
    expect(specOf({ type: 'file', path: 'file:///data/results', rollSize: '8MiB' }).sink).toMatchObject({ path: 'file:///data/results', rollSizeBytes: 8 * MIB });
  });

  it('reads a local directory as partitioned files when it has a format, a roll size or partitioned: true', () => {
    expect(specOf({ type: 'file', path: 'out/results', format: 'parquet' }).sink).toEqual({ type: 'file', partitioned: true, path: 'file://out/results', format: 'parquet', rollSizeBytes: 64 * MIB });
    expect(specOf({ type: 'file', path: 'out/results', partitioned: true }).sink).toMatchObject({ path: 'file://out/results', format: 'ndjson' });
    expect(specOf({ type: 'file', path: 'out/results', rollSize: 4096 }).sink).toMatchObject({ path: 'file://out/results', rollSizeBytes: 4096 });
  });

  it.each([
    ['64MiB', 64 * MIB],
    ['64 MiB', 64 * MIB],
    ['0.5GiB', 512 * MIB],
    ['512KiB', 512 * 1024],
    ['10MB', 10_000_000],
    ['2048', 2048],
    [1_073_741_824, 1_073_741_824],
  ])('reads rollSize %j', (rollSize, bytes) => {
    expect(specOf({ type: 'file', path: 'out', rollSize }).sink).toMatchObject({ rollSizeBytes: bytes });
  });

  it('names what is wrong with a partitioned file sink', () => {
    expect(problemsOf({ type: 'file', path: 'out', rollSize: 100 })).toEqual(['sink.rollSize: must be from 1 KiB to 1 GiB (a part is held in memory until it is rolled), found 100 bytes']);
    expect(problemsOf({ type: 'file', path: 'out', rollSize: '1.5GiB' })).toEqual(['sink.rollSize: must be from 1 KiB to 1 GiB (a part is held in memory until it is rolled), found 1,610,612,736 bytes']);
    expect(problemsOf({ type: 'file', path: 'out', format: 'parquet', rollSize: '512MiB' })).toEqual([
      'sink.rollSize: must be at most 256 MiB for Parquet (a part is held in memory as columns, several times its size, until it is rolled), found 536,870,912 bytes',
    ]);
    expect(specOf({ type: 'file', path: 'out', format: 'parquet', rollSize: '256MiB' }).sink).toMatchObject({ format: 'parquet', rollSizeBytes: 256 * MIB });
    expect(specOf({ type: 'file', path: 'out', rollSize: '512MiB' }).sink).toMatchObject({ format: 'ndjson', rollSizeBytes: 512 * MIB });
    expect(problemsOf({ type: 'file', path: 'out', rollSize: '64 parsecs' })).toEqual([
      'sink.rollSize: "64 parsecs" is not a size: a whole number of bytes, or a number with a unit (KiB, MiB, GiB, KB, MB, GB), e.g. 64MiB',
    ]);
    expect(problemsOf({ type: 'file', path: 'out', format: 'parket' })).toEqual(["sink.format: unknown file format 'parket' — did you mean 'parquet'? (one of: ndjson, parquet)"]);
    expect(problemsOf({ type: 'file', path: 's3://Bad_Bucket/x' })).toEqual([expect.stringMatching(/^sink\.path: "s3:\/\/Bad_Bucket\/x" is not s3:\/\/<bucket>\/<prefix>: bucket names are 3-63 lowercase/)]);
    expect(problemsOf({ type: 'file', path: 'webhdfs://namenode:9870' })).toEqual([expect.stringMatching(/^sink\.path: .* is not webhdfs:\/\/<namenode>:<port>\/<absolute path>/)]);
    expect(problemsOf({ type: 'file', path: 'ftp://host/dir' })).toEqual([expect.stringMatching(/^sink\.path: "ftp:\/\/host\/dir" has scheme ftp:; expected a local path, file:\/\/<dir>/)]);
    expect(problemsOf({ type: 'file', path: 's3://bucket/x', partitioned: false })).toEqual([expect.stringMatching(/^sink\.partitioned: "s3:\/\/bucket\/x" is a store URL, which holds partitioned files only/)]);
    expect(problemsOf({ type: 'file', path: 'out', format: 'ndjson', partitioned: false })).toEqual([expect.stringMatching(/^sink\.partitioned: format and rollSize are options of partitioned files/)]);
    expect(problemsOf({ type: 'file', path: 'out', rollsize: '1MiB' })).toEqual([expect.stringMatching(/^sink\.rollsize: unknown key 'rollsize' — did you mean 'rollSize'\?/)]);
  });
});

describe('partitionedSinkProblem', () => {
  it('asks a partitioned sink for checkpoints, naming the fix', () => {
    const job = specOf({ type: 'file', path: 's3://bucket/clicks' });
    expect(partitionedSinkProblem(job)).toBeNull();
    expect(partitionedSinkProblem({ ...job, checkpoint: null })).toBe(
      'partitioned files (s3://bucket/clicks) are published with checkpoints, and the job has none: add a checkpoint section, ' +
        'e.g. checkpoint: { store: file://./state, interval: 10s }, or write one NDJSON file (sink: { type: file, path: results.ndjson })',
    );
  });

  it('takes a kafka source with checkpoints, and has nothing to say about other sinks', () => {
    const job = specOf({ type: 'file', path: 'out', format: 'parquet' });
    const kafka = { type: 'kafka', brokers: ['b:9092'], topic: 't', groupId: 'g', startFrom: 'earliest', stopAtEnd: false, format: 'json', commitIntervalMs: 5_000, sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000, clientId: 'tally' } as const;
    expect(partitionedSinkProblem({ ...job, source: kafka })).toBeNull();
    expect(partitionedSinkProblem({ ...job, source: kafka, checkpoint: null })).toMatch(/^partitioned files \(file:\/\/out\) are published with checkpoints/);
    expect(partitionedSinkProblem({ ...job, sink: { type: 'file', path: 'out/results.ndjson' }, checkpoint: null })).toBeNull();
    expect(partitionedSinkProblem({ ...job, sink: { type: 'stdout' }, checkpoint: null })).toBeNull();
  });
});

describe('generator backfill', () => {
  const sourceOf = (source: unknown): JobSpec['source'] => specOf({ type: 'stdout' }, { source, checkpoint: undefined }).source;
  const sourceProblems = (source: unknown): string[] => {
    const result = validateJob({ ...BASE, checkpoint: undefined, sink: { type: 'stdout' }, source });
    if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.spec.source)}`);
    return result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`);
  };

  it('reads a backfill duration of a realtime generator, and leaves the key out when not given', () => {
    expect(sourceOf({ type: 'generator', realtime: true, backfill: '24h' })).toMatchObject({ realtime: true, startTimeMs: null, backfillMs: 86_400_000 });
    expect(sourceOf({ type: 'generator', realtime: true })).not.toHaveProperty('backfillMs');
  });

  it('refuses a backfill without realtime, with a start time, of 0 or of more than 31 days', () => {
    expect(sourceProblems({ type: 'generator', backfill: '1h' })).toEqual(['source.backfill: needs realtime: true (a backfill catches up with the clock, then goes on in real time)']);
    expect(sourceProblems({ type: 'generator', realtime: true, backfill: '1h', startTime: 0 })).toEqual([
      "source.backfill: cannot be used with startTime: the backfill starts the events that long before the clock's time at start",
    ]);
    expect(sourceProblems({ type: 'generator', realtime: true, backfill: '0s' })).toEqual(['source.backfill: must be from 1ms to 31d, found 0 ms']);
    expect(sourceProblems({ type: 'generator', realtime: true, backfill: '32d' })).toEqual(['source.backfill: must be from 1ms to 31d, found 2,764,800,000 ms']);
    expect(sourceProblems({ type: 'generator', realtime: true, backfill: 'soon' })[0]).toMatch(/^source\.backfill: "soon" is not a duration/);
  });
});
