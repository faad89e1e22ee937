// kill -9 at random moments, at least 5 times: after the last restart the outputs equal an uninterrupted run's.

import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS, startS3rver } from '../../support/s3/s3rver.js';
import { FakeWebHdfs } from '../../support/webhdfs/fake-webhdfs.js';
import { runTally } from '../cli-support.js';
import { expectSameOutputs, killRepeatedly, killSeed, writeClickFile, writeJob } from './kill-support.js';

const SEED = killSeed();

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-kill-'));
  await writeClickFile(join(dir, 'events.ndjson'));
  await writeJob(dir, 'reference', null);
  const reference = await runTally(['run', 'job.yaml'], { cwd: dir });
  expect(reference.code, reference.stderr.slice(-2000)).toBe(0);
  // Worth comparing: every output has lines.
  for (const f of ['results.ndjson', 'bad.ndjson', 'late.ndjson']) expect((await stat(join(dir, 'reference', f))).size, f).toBeGreaterThan(1000);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe(`kill -9 and restart with a local checkpoint directory (seed ${SEED}; TALLY_KILL_SEED repeats it)`, () => {
  it('ends with the results, dead letters and late records of an uninterrupted run', async () => {
    await writeJob(dir, 'out', 'checkpoint: { store: file://./state, interval: 1s, retain: 2 }');
    const report = await killRepeatedly(dir, 5, SEED);
    expect(report.kills).toBe(5);
    // The restarts went on from checkpoints, not from the beginning.
    expect(report.restoredFrom.length).toBeGreaterThan(0);
    await expectSameOutputs(join(dir, 'out'), join(dir, 'reference'));
    const kept = await readdir(join(dir, 'state', 'checkpoints'));
    // The retained ones only: what kills cut short was swept by the restarts (their writers are gone).
    expect(kept.length, kept.join(' ')).toBeLessThanOrEqual(2);
  }, 240_000);
});

describe(`kill -9 and restart with checkpoints in HDFS through WebHDFS (the protocol fake; seed ${SEED})`, () => {
  it('ends with the results, dead letters and late records of an uninterrupted run', async () => {
    const hdfs = await FakeWebHdfs.start();
    try {
      const store = `webhdfs://${hdfs.namenodeUrl.slice('http://'.length)}/tally/state`;
      await writeJob(dir, 'out-hdfs', `checkpoint: { store: '${store}', interval: 1s, retain: 2, webhdfs: { user: tally } }`);
      const report = await killRepeatedly(dir, 5, SEED + 1);
      expect(report.kills).toBe(5);
      expect(report.restoredFrom.length).toBeGreaterThan(0);
      await expectSameOutputs(join(dir, 'out-hdfs'), join(dir, 'reference'));
      const manifests = hdfs.files().filter((f) => f.startsWith('/tally/state/checkpoints/') && f.endsWith('/manifest.json'));
      expect(manifests.length).toBeGreaterThanOrEqual(1);
      expect(manifests.length).toBeLessThanOrEqual(2);
    } finally {
      await hdfs.stop();
    }
  }, 240_000);
});

describe(`kill -9 and restart with checkpoints in S3 (s3rver; seed ${SEED})`, () => {
  it('ends with the results, dead letters and late records of an uninterrupted run', async () => {
    const s3 = await startS3rver('tally-state');
    try {
      await writeJob(dir, 'out-s3', `checkpoint: { store: 's3://tally-state/jobs/kill', interval: 1s, retain: 2, s3: { endpoint: '${s3.endpoint}', region: us-east-1, pathStyle: true } }`);
      const env = { AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey };
      const report = await killRepeatedly(dir, 5, SEED + 2, env);
      expect(report.kills).toBe(5);
      expect(report.restoredFrom.length).toBeGreaterThan(0);
      await expectSameOutputs(join(dir, 'out-s3'), join(dir, 'reference'));
    } finally {
      await s3.stop();
    }
  }, 240_000);
});
