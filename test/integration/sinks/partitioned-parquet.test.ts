// `tally run` with checkpoints and a partitioned Parquet sink into a local directory and into S3 (s3rver):
// DuckDB reads the part files back, with Hive partitioning, and finds the numbers of the NDJSON file output, also of a
// window with aggregations of its own (its own output columns, null where a window does not have one).

// The SDK warns once per process that its 2027 releases need Node 22; the pinned version runs on 20.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGeneratedClicks } from '../../../src/main.js';
import { S3RVER_CREDENTIALS, startS3rver } from '../../support/s3/s3rver.js';
import { runTally } from '../cli-support.js';
import { duckRows, expectSameResults, filesUnder, readPartitionedParquet, referenceRows, totalsByWindow, type ResultRow } from './partitioned-support.js';

/** 200k clicks at 20 per second: about 2.8 hours of event time, so several hour partitions. */
async function writeClicks(path: string): Promise<void> {
  const out = createWriteStream(path);
  await writeGeneratedClicks({ events: 200_000, eventsPerSecond: 20, users: 2_000, pages: 40, seed: 11, startTimeMs: Date.UTC(2026, 10, 23, 13, 30) }, out);
  out.end();
  await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
}

function jobText(sink: string, checkpoint: string | null): string {
  return [
    'name: partitioned-parquet',
    'source: { type: file, path: events.ndjson }',
    'keyBy: [page]',
    'windows:',
    '  - { name: per_minute, tumbling: 1m }',
    '  - { name: per_hour, tumbling: 1h }',
    // Its own aggregations: its files have a max_duration_ms column the others' files lack.
    "  - { name: shop, tumbling: 10m, filter: \"page startsWith '/shop'\", aggregations: [count, max(duration_ms)] }",
    'aggregations: [count, sum(value), max(value)]',
    `sink: ${sink}`,
    'deadLetter: bad.ndjson',
    'lateOutput: late.ndjson',
    ...(checkpoint === null ? [] : [`checkpoint: ${checkpoint}`]),
    '',
  ].join('\n');
}

let dir = '';
let reference = new Map<string, ResultRow>();

async function runJob(sink: string, checkpoint: string | null, env: Readonly<Record<string, string>> = {}): Promise<void> {
  await writeFile(join(dir, 'job.yaml'), jobText(sink, checkpoint));
  const run = await runTally(['run', 'job.yaml'], { cwd: dir, env });
  expect(run.code, run.stderr.slice(-3000)).toBe(0);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-partitioned-'));
  await writeClicks(join(dir, 'events.ndjson'));
  await runJob('{ type: file, path: reference/results.ndjson }', null);
  reference = referenceRows(join(dir, 'reference', 'results.ndjson'));
  // Worth comparing: every window has results, over several hours; the shop window has only shop pages, with their durations.
  expect(Object.keys(totalsByWindow(reference.values())).sort()).toEqual(['per_hour', 'per_minute', 'shop']);
  const shop = [...reference.values()].filter((r) => r.window === 'shop');
  expect(shop.length).toBeGreaterThan(10);
  expect(shop.every((r) => r.page.startsWith('/shop') && r.maxDurationMs !== null && r.sumValue === null && r.maxValue === null)).toBe(true);
  expect([...reference.values()].filter((r) => r.window !== 'shop').every((r) => r.maxDurationMs === null && r.sumValue !== null)).toBe(true);
  expect(new Set([...reference.values()].map((r) => new Date(r.startMs).toISOString().slice(0, 13))).size).toBeGreaterThanOrEqual(3);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('partitioned Parquet files in a local directory', () => {
  it('are read back by DuckDB with the numbers of the NDJSON output, in the right Hive partitions', async () => {
    // Checkpoints every 100ms and 64 KiB parts: several checkpoints, several parts per partition.
    await runJob('{ type: file, path: out-local, format: parquet, rollSize: 64KiB }', '{ store: file://./state-local, interval: 100ms }');
    const files = await filesUnder(join(dir, 'out-local'));
    expect(files.filter((f) => !/^window=(per_minute|per_hour|shop)\/dt=\d{4}-\d\d-\d\d\/hour=\d\d\/part-\d{10}-\d{5}\.parquet$/.test(f))).toEqual([]);
    expect(new Set(files.map((f) => f.split('/part-')[0])).size).toBeGreaterThanOrEqual(6);
    // More than one checkpoint published parts, and some partition has more than one part of one checkpoint.
    expect(new Set(files.map((f) => /part-(\d+)-/.exec(f)?.[1])).size).toBeGreaterThan(1);
    expect(files.some((f) => f.endsWith('-00001.parquet'))).toBe(true);

    const rows = await readPartitionedParquet(join(dir, 'out-local'));
    expectSameResults(rows, reference);
    expect(totalsByWindow(rows)).toEqual(totalsByWindow(reference.values()));
    // Null in the columns a window does not have: the job's outputs in shop rows, max_duration_ms in the others.
    const shopRows = rows.filter((r) => r.window === 'shop');
    expect(shopRows.length).toBeGreaterThan(10);
    expect(shopRows.filter((r) => r.maxDurationMs === null || r.sumValue !== null || r.maxValue !== null)).toEqual([]);
    expect(rows.filter((r) => r.window !== 'shop' && r.maxDurationMs !== null)).toEqual([]);
  }, 120_000);

  it('have a column for every output name of the job\'s windows, the job\'s first, null in rows of windows without it', async () => {
    const out = join(dir, 'out-local');
    const files = await filesUnder(out);
    const quoted = (file: string): string => `'${join(out, file).replaceAll("'", "''")}'`;
    const columnsOf = async (file: string): Promise<string[]> =>
      (await duckRows(`DESCRIBE SELECT * FROM read_parquet(${quoted(file)}, hive_partitioning = false)`)).map((r) => r.column_name as string);
    const base = ['window', 'window_kind', 'start', 'end', 'key_page'];
    const outputs = ['count', 'sum_value', 'max_value', 'max_duration_ms'];
    const tail = ['revision', 'final', 'window_index'];
    // The windows the job starts with give every file the same columns (windows added while running
    // with new aggregations add columns to later files: see parquet-part-encoder.test.ts).
    for (const window of ['per_minute', 'per_hour', 'shop']) {
      const file = files.find((f) => f.startsWith(`window=${window}/`)) as string;
      expect(await columnsOf(file), file).toEqual([...base, ...outputs, ...tail]);
      const [counts] = await duckRows(
        `SELECT count(*) AS n, count("count") AS counts, count(sum_value) AS sums, count(max_value) AS maxes, count(max_duration_ms) AS durations FROM read_parquet(${quoted(file)}, hive_partitioning = false)`,
      );
      const n = (counts as { n: string }).n;
      expect(counts, file).toEqual(window === 'shop' ? { n, counts: n, sums: '0', maxes: '0', durations: n } : { n, counts: n, sums: n, maxes: n, durations: '0' });
    }
  }, 60_000);
});

describe('partitioned Parquet files in S3 (s3rver)', () => {
  it('are read back by DuckDB, once downloaded, with the numbers of the NDJSON output', async () => {
    const s3 = await startS3rver('tally-it');
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    try {
      const settings = `s3: { endpoint: '${s3.endpoint}', region: us-east-1, pathStyle: true }`;
      const env = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
      await runJob("{ type: file, path: 's3://tally-it/results/clicks', format: parquet, rollSize: 256KiB }", `{ store: 's3://tally-it/state', interval: 200ms, ${settings} }`, env);

      // DuckDB's httpfs extension would have to be downloaded (no network here): fetch the objects first.
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: 'tally-it', Prefix: 'results/clicks/', ContinuationToken: token }));
        for (const o of page.Contents ?? []) keys.push(o.Key as string);
        token = page.NextContinuationToken;
      } while (token !== undefined);
      const local = join(dir, 'from-s3');
      for (const key of keys) {
        const body = await (await client.send(new GetObjectCommand({ Bucket: 'tally-it', Key: key }))).Body?.transformToByteArray();
        const path = join(local, key.slice('results/clicks/'.length));
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, body as Uint8Array);
      }
      // Nothing is left staged, and every object is a part file.
      expect(keys.filter((k) => !/^results\/clicks\/window=(per_minute|per_hour|shop)\/dt=[\d-]{10}\/hour=\d\d\/part-\d{10}-\d{5}\.parquet$/.test(k))).toEqual([]);
      // At least one part per partition (how many more depends on how many checkpoints the run took).
      expect(keys.length).toBeGreaterThanOrEqual(9);

      const rows = await readPartitionedParquet(local);
      expectSameResults(rows, reference);
    } finally {
      client.destroy();
      await s3.stop();
    }
  }, 120_000);
});

describe('a partitioned sink without checkpoints', () => {
  it('is refused before any input is read, with the fix in the message', async () => {
    await writeFile(join(dir, 'job.yaml'), jobText('{ type: file, path: out-refused, format: parquet }', null));
    const run = await runTally(['run', 'job.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('sink: partitioned files (file://out-refused) are published with checkpoints, and the job has none: add a checkpoint section');
    expect(existsSync(join(dir, 'out-refused'))).toBe(false);
  });
});
