import { describe, expect, it } from 'vitest';
import { formatPath } from './problems.js';
import { validateJob } from './schema.js';

const BASE = { name: 'job', source: { type: 'file', path: 'events.ndjson' }, windows: [{ name: 'w', tumbling: '1m' }] };

function checkpointOf(checkpoint: unknown, source: unknown = BASE.source) {
  const result = validateJob({ ...BASE, source, checkpoint });
  if (!result.ok) throw new Error(result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`).join('\n'));
  return result.spec.checkpoint;
}

function problemsOf(checkpoint: unknown, source: unknown = BASE.source): string[] {
  const result = validateJob({ ...BASE, source, checkpoint });
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.spec.checkpoint)}`);
  return result.problems.map((p) => `${formatPath(p.path)}: ${p.message}`);
}

describe('checkpoint', () => {
  it('fills in the interval and retention, and reads a plain path as a directory', () => {
    expect(checkpointOf({ store: 'file://./state' })).toEqual({ store: 'file://./state', intervalMs: 10_000, retain: 3, s3: null, webhdfs: null });
    expect(checkpointOf({ store: 'state/dir', interval: '1s', retain: 5 })).toEqual({ store: 'file://state/dir', intervalMs: 1_000, retain: 5, s3: null, webhdfs: null });
    expect(checkpointOf({ store: 's3://my-bucket/tally/state', s3: { endpoint: 'http://127.0.0.1:7480', pathStyle: true } })?.s3).toEqual({
      endpoint: 'http://127.0.0.1:7480',
      pathStyle: true,
    });
    expect(checkpointOf({ store: 'webhdfs://namenode:9870/tally/state', webhdfs: { user: 'hdfs' } })?.webhdfs).toEqual({ user: 'hdfs' });
    expect(checkpointOf({ store: 'file://./s' }, { type: 'generator' })?.store).toBe('file://./s');
  });

  it('names what is wrong with a store URL', () => {
    expect(problemsOf({ store: 'ftp://host/dir' })).toEqual([expect.stringMatching(/^checkpoint\.store: "ftp:\/\/host\/dir" has scheme ftp:; expected a store URL/)]);
    expect(problemsOf({ store: 's3://A_Bucket/x' })).toEqual([expect.stringMatching(/^checkpoint\.store: .* bucket names are 3-63 lowercase/)]);
    expect(problemsOf({ store: 'webhdfs://namenode:9870' })).toEqual([expect.stringMatching(/^checkpoint\.store: .*webhdfs:\/\/<namenode>:<port>\/<absolute path>/)]);
    expect(problemsOf({ store: '' })).toHaveLength(1);
  });

  it('refuses too short an interval, a bad retention, unknown keys and settings of another store', () => {
    expect(problemsOf({ store: 'file://s', interval: '10ms' })).toEqual([expect.stringMatching(/^checkpoint\.interval: must be at least 100ms/)]);
    expect(problemsOf({ store: 'file://s', retain: 0 })).toEqual([expect.stringMatching(/^checkpoint\.retain: /)]);
    expect(problemsOf({ store: 'file://s', every: '1s' })).toEqual(["checkpoint.every: unknown key 'every' (known keys: store, interval, retain, s3, webhdfs)"]);
    expect(problemsOf({ store: 'file://s', s3: { region: 'eu-west-1' } })).toEqual(['checkpoint.s3: s3 settings are for an s3:// store']);
  });

  it('refuses sources that cannot be read again from a position (stdin), and takes kafka', () => {
    expect(problemsOf({ store: 'file://s' }, { type: 'stdin' })).toEqual([expect.stringMatching(/^source: cannot be restored from a checkpoint: standard input/)]);
    expect(checkpointOf({ store: 'file://s' }, { type: 'kafka', brokers: ['b:9092'], topic: 't', groupId: 'g' })?.store).toBe('file://s');
  });
});
