import { describe, expect, it } from 'vitest';
import { defineJob, type JobInput } from './define-job.js';
import { describeJob, describeWindow } from './describe-job.js';

const EXAMPLE: JobInput = {
  name: 'clicks-per-user',
  source: { type: 'file', path: 'events.ndjson' },
  keyBy: ['user_id'],
  filter: "page != '/health' and action in ('click', 'tap')",
  windows: [
    { name: 'per_minute', tumbling: '1m' },
    { name: 'hourly_q', tumbling: '1h', offset: '15m' },
    { name: 'last_hour', sliding: { size: '1h', slide: '1m' }, offset: '0s' },
    { name: 'daily_cn', calendar: { unit: 'day', timeZone: 'Asia/Shanghai' } },
    { name: 'weekly', calendar: { unit: 'week' } },
    { name: 'sessions', session: { gap: '30m' } },
    { name: 'last_100', count: { size: 100, slide: 10 } },
    { name: 'running', global: true },
  ],
  aggregations: ['count', 'sum(value)', 'mean(value)', 'min(value)', 'max(value)', 'variance(value)', 'stdev(value)'],
  time: { maxOutOfOrderness: '5s', allowedLateness: '1m', idleTimeout: '30s' },
  emit: 'final',
  sink: { type: 'file', path: 'out/results.ndjson' },
  deadLetter: 'out/bad.ndjson',
  lateOutput: 'out/late.ndjson',
  maxRecordBytes: 1_048_576,
};

function windowText(window: JobInput['windows'][number]): string {
  return describeWindow(defineJob({ name: 'j', source: { type: 'stdin' }, windows: [window] }).windows[0]!);
}

describe('describeJob', () => {
  it('spells out the example job', () => {
    expect(describeJob(defineJob(EXAMPLE))).toBe(
      [
        'job           clicks-per-user',
        'source        file events.ndjson (NDJSON: one event per line)',
        'key           user_id',
        "filter        page != '/health' and action in ('click', 'tap')  (events for which it is false are dropped)",
        'windows',
        '  per_minute  tumbling: windows [k·1m, (k+1)·1m) — 1 window per event',
        '  hourly_q    tumbling: windows [k·1h + 15m, (k+1)·1h + 15m) — 1 window per event',
        '  last_hour   sliding: windows [k·1m, k·1m + 1h) — 60 windows per event',
        '  daily_cn    calendar: local days in Asia/Shanghai, [00:00, next day 00:00) — 1 window per event (23 h or 25 h on days the clocks change)',
        '  weekly      calendar: ISO weeks in UTC, [Monday 00:00, next Monday 00:00) — 1 window per event',
        '  sessions    session: per key, events less than 30m apart share a session [first event, last event + 30m) — 1 window per event',
        '  last_100    count: per key in arrival order, window j holds arrivals [j·10, j·10 + 100), emitted when full — 10 windows per event',
        '  running     global: running totals per key over all events so far, reported at every tick k·1m the watermark passes, as [0, k·1m)',
        'aggregations',
        '  count            → count: number of events',
        '  sum(value)       → sum_value: sum of value',
        '  mean(value)      → mean_value: mean of value',
        '  min(value)       → min_value: smallest value',
        '  max(value)       → max_value: largest value',
        '  variance(value)  → variance_value: sample variance (n − 1) of value',
        '  stdev(value)     → stdev_value: sample standard deviation (n − 1) of value',
        '  (a field that is missing, not a number or not finite is skipped by that aggregation only)',
        'time',
        "  watermark = max event time − 5s, per source partition; the job's watermark is the smallest over partitions that are not idle",
        '  a window [s, e) closes once max event time − 5s ≥ e + 1m',
        '  a session [first event, last event + gap) closes by the same rule, with e = last event + gap',
        '  an event joins each of its windows that is still open; it is a late record, written to the late output (file out/late.ndjson), when a tumbling, sliding, calendar or session window definition has no open window for it',
        '  count and global windows never make an event late',
        '  a source partition with no event for 30s stops holding the watermark back',
        'emit          final: one result per window and key, when the window closes (at the end of a bounded input every window closes)',
        'outputs',
        '  results       file out/results.ndjson (NDJSON)',
        '  dead letters  file out/bad.ndjson  (bad records, with their reason and source position)',
        '  late records  file out/late.ndjson',
        'records       at most 1 MiB each; a longer record is a bad record (TOO_LARGE)',
        'checkpoints   none: a restarted job starts from the beginning',
        'history       none: emitted results are not kept for querying',
        'api           REST API on http://127.0.0.1:8080 (docs/api.md): control endpoints need the bearer token in TALLY_API_TOKEN, and are disabled without it; the event stream keeps the last 100,000 results',
      ].join('\n'),
    );
  });

  it('describes defaults: no key, no filter, count, final, standard streams', () => {
    const text = describeJob(defineJob({ name: 'j', source: { type: 'stdin' }, windows: [{ name: 'w', tumbling: '1m' }] }));
    expect(text).toContain('source        standard input (NDJSON: one event per line)');
    expect(text).toContain('key           none: every event is in one group');
    expect(text).toContain('filter        none: every event is kept');
    expect(text).toContain('  count  → count: number of events');
    expect(text).not.toContain('skipped by that aggregation');
    expect(text).toContain('  a window [s, e) closes once max event time − 5s ≥ e\n');
    expect(text).not.toContain('count and global windows');
    expect(text).toContain('  results       standard output (NDJSON)');
    expect(text).toContain('  dead letters  standard error  (bad records, with their reason and source position)');
    expect(text).toContain('  late records  standard error');
  });

  it('describes a watermark without out-of-orderness, several key fields and count(field)', () => {
    const text = describeJob(
      defineJob({
        name: 'j',
        source: { type: 'stdin' },
        keyBy: ['user_id', 'page'],
        windows: [{ name: 'w', tumbling: '1m' }],
        aggregations: ['count(value)'],
        time: { maxOutOfOrderness: 0, allowedLateness: '30s' },
        maxRecordBytes: 4096,
      }),
    );
    expect(text).toContain('key           user_id, page');
    expect(text).toContain('  count(value)  → count_value: number of events whose value is a finite number');
    expect(text).toContain("  watermark = max event time, per source partition; the job's watermark is the smallest over partitions that are not idle");
    expect(text).toContain('  a window [s, e) closes once max event time ≥ e + 30s');
    expect(text).toContain('records       at most 4 KiB each');
  });

  it('describes the generator source', () => {
    const generated = (source: JobInput['source']): string =>
      describeJob(defineJob({ name: 'j', source, windows: [{ name: 'w', tumbling: '1m' }] })).split('\n')[1]!;
    expect(generated({ type: 'generator', eventsPerSecond: 2000, users: 10_000, pages: 200, seed: 1, maxEvents: 100_000, startTime: '2026-11-23T00:00:00Z' })).toBe(
      'source        generator: 2,000 events per second of event time, 10,000 users, 200 pages, seed 1, first event at 2026-11-23T00:00:00.000Z, stops after 100,000 events, as fast as possible',
    );
    expect(generated({ type: 'generator', realtime: true })).toBe(
      "source        generator: 1,000 events per second of event time, 1,000 users, 100 pages, seed 1, first event at the clock's time at start, never stops, paced in real time",
    );
    expect(generated({ type: 'generator' })).toBe(
      "source        generator: 1,000 events per second of event time, 1,000 users, 100 pages, seed 1, first event at the generator's default start time, never stops, as fast as possible",
    );
  });

  it('describes a Kafka source, sink and dead-letter topic', () => {
    const lines = describeJob(
      defineJob({
        name: 'j',
        source: { type: 'kafka', brokers: ['k1:9092', 'k2:9092'], topic: 'clicks', groupId: 'g', stopAt: 'end', commitInterval: '2s' },
        windows: [{ name: 'w', tumbling: '1m' }],
        sink: { type: 'kafka', brokers: ['k1:9092'], topic: 'counts' },
        deadLetter: { type: 'kafka', brokers: ['k1:9092'], topic: 'bad' },
      }),
    ).split('\n');
    expect(lines[1]).toBe(
      'source        kafka topic clicks on k1:9092, k2:9092 (JSON messages), consumer group g, a new group starts from the earliest offsets, reads up to the end offsets seen at start, then closes every window and finishes; positions committed every 2s',
    );
    expect(lines).toContain('  results       kafka topic counts on k1:9092 (JSON, keyed by window, start and key, so a compacted topic keeps the latest revision)');
    expect(lines).toContain('  dead letters  kafka topic bad on k1:9092  (bad records, with their reason and source position)');
  });

  it('describes update mode with its interval', () => {
    const text = describeJob(defineJob({ name: 'j', source: { type: 'stdin' }, windows: [{ name: 'w', tumbling: '1m' }], emit: { mode: 'update', interval: '2s' } }));
    expect(text).toContain(
      'emit          update: every 2s of processing time, each open window and key that changed is emitted again with a rising revision; when the window closes its last revision is emitted with final: true',
    );
  });
});

describe('describeJob: partitioned result files', () => {
  it('names the store, the format, the partitions and the roll size', () => {
    const job = (sink: JobInput['sink']) =>
      describeJob(defineJob({ name: 'j', source: { type: 'file', path: 'e.ndjson' }, windows: [{ name: 'w', tumbling: '1m' }], sink, checkpoint: { store: 'file://./state' } }));
    expect(job({ type: 'file', path: 's3://bucket/clicks', format: 'parquet', rollSize: '8MiB' })).toContain(
      "  results       partitioned Parquet files in s3://bucket/clicks, window=<name>/dt=<yyyy-mm-dd>/hour=<hh> of each window's start in UTC, a new part file every 8 MiB; published with each stored checkpoint\n",
    );
    expect(job({ type: 'file', path: 'out', partitioned: true })).toContain('  results       partitioned NDJSON files in file://out, window=<name>');
    expect(job({ type: 'file', path: 'out' })).toContain('  results       file out (NDJSON)\n');
  });
});

describe('describeWindow', () => {
  // size 10s, slide 3s, offset 1s:  starts …, 1s, 4s, 7s, 10s, …  → an event at 10.5s is in
  // [1s, 11s), [4s, 14s), [7s, 17s), [10s, 20s) (4 windows); one at 12s is in 3 of them.
  it('says how many sliding windows hold an event when the slide does not divide the size', () => {
    expect(windowText({ name: 'w', sliding: { size: '10s', slide: '3s' }, offset: '1s' })).toBe(
      'sliding: windows [k·3s + 1s, k·3s + 1s + 10s) — 3 or 4 windows per event',
    );
  });

  it('describes calendar months and UTC days', () => {
    expect(windowText({ name: 'w', calendar: { unit: 'month', timeZone: 'Europe/Berlin' } })).toBe(
      'calendar: months in Europe/Berlin, [1st 00:00, next 1st 00:00) — 1 window per event',
    );
    expect(windowText({ name: 'w', calendar: { unit: 'day' } })).toBe('calendar: local days in UTC, [00:00, next day 00:00) — 1 window per event');
  });

  it('describes count windows whose slide equals the size, and global windows with their interval', () => {
    expect(windowText({ name: 'w', count: { size: 1000 } })).toBe(
      'count: per key in arrival order, window j holds arrivals [j·1,000, j·1,000 + 1,000), emitted when full — 1 window per event',
    );
    expect(windowText({ name: 'w', global: { every: '10s' } })).toBe(
      'global: running totals per key over all events so far, reported at every tick k·10s the watermark passes, as [0, k·10s)',
    );
  });

  it('spells days rather than weeks unless the size is whole weeks', () => {
    expect(windowText({ name: 'w', tumbling: '10d' })).toBe('tumbling: windows [k·10d, (k+1)·10d) — 1 window per event');
    expect(windowText({ name: 'w', tumbling: '2w' })).toBe('tumbling: windows [k·2w, (k+1)·2w) — 1 window per event');
  });
});

describe('describeJob: a window\u2019s own settings', () => {
  it('says under the window what its own filter and aggregations are', () => {
    const lines = describeJob(
      defineJob({
        name: 'j',
        source: { type: 'stdin' },
        windows: [{ name: 'w', tumbling: '1m' }, { name: 'shop', tumbling: '1h', filter: "page startsWith '/shop'", aggregations: ['count', 'max(duration_ms)'] }],
      }),
    ).split('\n');
    const at = lines.findIndex((l) => l.startsWith('  shop'));
    expect(lines.slice(at + 1, at + 3)).toEqual([
      "        only events that also pass its own filter: page startsWith '/shop'",
      '        its own aggregations: count → count, max(duration_ms) → max_duration_ms',
    ]);
  });
});
