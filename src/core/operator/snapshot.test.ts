// Snapshot and restore: a run cut anywhere, restored from JSON and fed the rest, emits what an uninterrupted run emits.

import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors.js';
import type { EngineOutput } from '../emit/outputs.js';
import type { ClickEvent } from '../event/click-event.js';
import type { WindowSpec } from '../windows/window-spec.js';
import type { EmitMode, PipelineSpec } from './pipeline-spec.js';
import { readSnapshotHeader, restoreSnapshot, takeSnapshot } from './snapshot.js';
import type { WindowAggregator } from './window-aggregator.js';
import {
  EngineRun,
  aggregation,
  calendarWindow,
  click,
  countWindow,
  globalWindow,
  pipeline,
  seconds,
  sessionWindow,
  slidingWindow,
  tumblingWindow,
} from './test-support.js';

type Action =
  | { readonly kind: 'event'; readonly partition: string; readonly event: ClickEvent }
  | { readonly kind: 'flush' }
  | { readonly kind: 'idle'; readonly partition: string };

const on = (partition: string, t: number, userId: number, value: number): Action => ({
  kind: 'event',
  partition,
  event: click(t, { user_id: userId, value, page: value % 3 === 0 ? '/skip' : '/home' }),
});
const flush: Action = { kind: 'flush' };

const windows: WindowSpec[] = [
  tumblingWindow('ten_s', seconds(10)),
  slidingWindow('slide', seconds(10), seconds(5)),
  calendarWindow('day', 'day', 'Europe/Berlin'),
  sessionWindow('visit', seconds(4)),
  countWindow('last3', 3, 2),
  globalWindow('total', seconds(10)),
];

/** Out-of-order, late, filtered, bridging and idle-partition steps over two partitions and two keys. */
const actions: readonly Action[] = [
  on('a', seconds(1), 1, 1),
  on('b', seconds(2), 2, 2),
  flush,
  on('a', seconds(9), 1, 4),
  on('a', seconds(5), 1, 5),
  on('b', seconds(7), 1, 3),
  flush,
  on('a', seconds(14), 2, 7),
  on('b', seconds(13), 1, 8),
  on('b', seconds(3), 2, 10),
  flush,
  on('a', seconds(26), 1, 11),
  { kind: 'idle', partition: 'b' },
  on('a', seconds(22), 2, 13),
  on('a', seconds(18), 1, 14),
  flush,
  on('b', seconds(31), 2, 16),
  on('a', seconds(40), 1, 17),
];

function pipelineIn(emit: EmitMode): PipelineSpec {
  return pipeline(windows, {
    keyBy: ['user_id'],
    filter: "page != '/skip'",
    aggregations: [aggregation('count'), aggregation('sum', 'value'), aggregation('variance', 'value')],
    maxOutOfOrdernessMs: seconds(2),
    allowedLatenessMs: seconds(1),
    emit,
  });
}

function apply(run: EngineRun, steps: readonly Action[]): void {
  for (const step of steps) {
    if (step.kind === 'event') run.feedOn(step.partition, step.event);
    else if (step.kind === 'flush') run.flush();
    else run.idle(step.partition);
  }
}

/** Outputs as plain data (key ids left out), comparable across engines. */
function transcript(outputs: readonly EngineOutput[]): unknown[] {
  return outputs.map((o) =>
    o.kind === 'late'
      ? { late: o.event.eventTimeMs, windows: o.windows, watermarkMs: o.watermarkMs }
      : { window: o.window, start: o.start, end: o.end, key: o.key.key, values: o.values, revision: o.revision, isFinal: o.isFinal },
  );
}

/** A snapshot as it comes back from storage: its chunks (small here, so there are many) in one buffer. */
function snapshotBytes(engine: WindowAggregator): Uint8Array {
  return Buffer.concat(takeSnapshot(engine, 64));
}

describe.each(['final', 'update'] as const)('snapshot and restore in %s mode', (emit) => {
  const spec = pipelineIn(emit);
  const uninterrupted = new EngineRun(spec);
  apply(uninterrupted, actions);
  uninterrupted.end();

  it('has a run worth cutting: results, late records and filtered events', () => {
    expect(uninterrupted.results.length).toBeGreaterThan(10);
    expect(uninterrupted.late.length).toBeGreaterThan(0);
    expect(uninterrupted.engine.stats.filteredOut).toBeGreaterThan(0);
  });

  it.each(actions.map((_, cut) => cut).concat(actions.length))('emits the same outputs when restored after step %i', (cut) => {
    const before = new EngineRun(spec);
    apply(before, actions.slice(0, cut));
    const restored = new EngineRun(restoreSnapshot(spec, snapshotBytes(before.engine)));
    apply(restored, actions.slice(cut));
    restored.end();
    expect(transcript([...before.outputs, ...restored.outputs])).toEqual(transcript(uninterrupted.outputs));
    expect(restored.engine.stats).toEqual(uninterrupted.engine.stats);
  });
});

describe('snapshots', () => {
  it('restores to an engine whose snapshot is the same', () => {
    const spec = pipelineIn('update');
    const run = new EngineRun(spec);
    apply(run, actions.slice(0, 9));
    const snapshot = snapshotBytes(run.engine);
    expect(snapshotBytes(restoreSnapshot(spec, snapshot))).toEqual(snapshot);
  });

  it('detects every truncation and refuses bytes that are not a snapshot', () => {
    const spec = pipelineIn('update');
    const run = new EngineRun(spec);
    apply(run, actions.slice(0, 12));
    const snapshot = snapshotBytes(run.engine);
    for (let n = 0; n < snapshot.length; n++) {
      expect(() => restoreSnapshot(spec, snapshot.subarray(0, n)), `cut at ${n}`).toThrow(EngineError);
    }
    expect(() => readSnapshotHeader(new TextEncoder().encode('{"json": true}'))).toThrow(/not a Tally snapshot/);
    expect(() => restoreSnapshot(spec, Buffer.concat([snapshot, Buffer.from([0])]))).toThrow(/do not end where they should/);
  });

  it('keeps keys of every JSON type apart, and infinite values exactly', () => {
    const spec = pipeline([tumblingWindow('ten_s', seconds(10))], { keyBy: ['k'], aggregations: [aggregation('min', 'value'), aggregation('count')] });
    const run = new EngineRun(spec);
    const keys = ['42', 42, true, false, null, { a: [1] }, 'ünïcødé ✓'];
    keys.forEach((k, i) => run.engine.onEvent(click(seconds(1), { user_id: 1, k, value: i }), 0, run.outputs));
    run.engine.onEvent(click(seconds(1), { user_id: 1, k: 'no value' }), 0, run.outputs);
    const restored = new EngineRun(restoreSnapshot(spec, snapshotBytes(run.engine)));
    restored.end();
    run.end();
    expect(transcript(restored.outputs)).toEqual(transcript(run.outputs.slice(0)));
    expect(restored.results.map((r) => r.key)).toEqual(run.results.map((r) => r.key));
  });

  it('refuses a snapshot taken with a different pipeline', () => {
    const run = new EngineRun(pipelineIn('final'));
    apply(run, actions.slice(0, 3));
    const snapshot = snapshotBytes(run.engine);
    const other = pipeline([tumblingWindow('ten_s', seconds(20))]);
    expect(() => restoreSnapshot(other, snapshot)).toThrow(EngineError);
  });
});
