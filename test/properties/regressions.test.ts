// Minimal cases the property tests found, kept as plain examples: each one failed before its fix in src/core.

import { describe, expect, it } from 'vitest';
import type { EngineOutput, WindowResult } from '../../src/core/emit/outputs.js';
import type { ClickEvent, FieldValue } from '../../src/core/event/click-event.js';
import type { PipelineSpec } from '../../src/core/operator/pipeline-spec.js';
import type { WindowSpec } from '../../src/core/windows/window-spec.js';
import { referenceRun } from '../reference/reference-model.js';
import { checkCloseOrder, compareWithReference, runEngine } from './engine-harness.js';

function pipeline(windows: readonly WindowSpec[], options: { boundMs?: number; latenessMs?: number; keyBy?: readonly string[]; emit?: 'final' | 'update' } = {}): PipelineSpec {
  return {
    keyBy: options.keyBy ?? [],
    filter: null,
    windows,
    aggregations: [{ fn: 'count', field: null }],
    time: { maxOutOfOrdernessMs: options.boundMs ?? 0, allowedLatenessMs: options.latenessMs ?? 0, idleTimeoutMs: 60_000 },
    emit: options.emit ?? 'final',
  };
}

const event = (eventTimeMs: number, extra: Record<string, FieldValue> = {}): ClickEvent => ({
  kind: 'event',
  eventTimeMs,
  fields: { user_id: 'u1', page: '/a', timestamp: eventTimeMs, ...extra },
});

const rows = (outputs: readonly EngineOutput[]): [string, number, number, string, number][] =>
  outputs
    .filter((o): o is WindowResult => o.kind === 'result')
    .map((r) => [r.window, r.start, r.end, r.key.keyJson, r.values[0] as number]);

/** Outputs as their consumers see them: the key as JSON text. */
const visible = (outputs: readonly EngineOutput[]): string =>
  JSON.stringify(outputs.map((o) => (o.kind === 'result' ? { ...o, key: o.key.keyJson } : o)));

describe('regressions found by the property tests', () => {
  it('reports a global total at the first tick after an addition to an already reported tick', () => {
    //   every 10, bound 10:  5 → W −5;  30 → W 20: tick 10 reports {5};  5 again: tick 10 is
    //   reported, so it waits for tick 30 (the next one the watermark passes), not for tick 40
    //   (the next one that happens to have an event just before it).
    const spec = pipeline([{ kind: 'global', name: 'g', everyMs: 10 }], { boundMs: 10 });
    const events = [event(5), event(30), event(5)];
    const steps = runEngine(spec, events);
    expect(steps.flatMap((s) => rows(s.outputs))).toEqual([
      ['g', 0, 10, '{}', 1],
      ['g', 0, 30, '{}', 2],
      ['g', 0, 40, '{}', 3],
    ]);
    expect(compareWithReference(referenceRun(spec, events).steps, steps, events)).toEqual([]);
  });

  it('emits a session that grew after it was queued in close-time order when the watermark passes both', () => {
    //   session gap 13: [0,13) grows to [0,25) with the event at 12; global every 1 reports at 13.
    //   At the end of input the report at 13 comes before the session closing at 25.
    const spec = pipeline([{ kind: 'session', name: 's', gapMs: 13 }, { kind: 'global', name: 'g', everyMs: 1 }]);
    const events = [event(1000), event(1012)];
    const steps = runEngine(spec, events);
    expect(checkCloseOrder(spec, steps)).toEqual([]);
    expect(rows(steps[2]?.outputs ?? [])).toEqual([
      ['g', 0, 1013, '{}', 2],
      ['s', 1000, 1025, '{}', 2],
    ]);
  });

  it('flushes dirty sessions in the same order after a restore', () => {
    //   update mode, gap 19: sessions [19,38) and [0,19) both dirty; restart before the flush.
    const spec = pipeline([{ kind: 'session', name: 's', gapMs: 19 }], { latenessMs: 1, emit: 'update' });
    const events = [event(1019), event(1000)];
    const flushAfter = new Set([1]);
    expect(visible(runEngine(spec, events, { flushAfter, restartBefore: new Set([2]) }).flatMap((s) => s.outputs))).toBe(
      visible(runEngine(spec, events, { flushAfter }).flatMap((s) => s.outputs)),
    );
  });

  it('moves the watermark when a partition comes back from idle while every other one is idle', () => {
    //   bound 0, lateness 0, tumbling 1: p0 at 1000 (W 1000), p1 at 1002 (W min = 1000); both go
    //   idle (W stays); p1 comes back with an old time: it is the only active one, W = 1002, so
    //   [1000, 1001) closes now, not at the end of the input.
    const spec = pipeline([{ kind: 'tumbling', name: 't', sizeMs: 1, offsetMs: 0 }]);
    const events = [event(1000), event(1002), event(1000)];
    const options = { partitions: [0, 1, 1], idleAfter: new Map([[1, [1, 0]]]) };
    const steps = runEngine(spec, events, options);
    expect(rows(steps[3]?.outputs ?? [])).toEqual([['t', 1000, 1001, '{}', 2]]);
    expect(compareWithReference(referenceRun(spec, events, options).steps, steps, events)).toEqual([]);
  });

  it('closes sessions of two keys in the same order after a restore when one start moved back', () => {
    //   gap 2, bound 1, lateness 1: the session of [1] starts at 5 and moves back to 4; the one of
    //   "us" starts at 4. Both close at 8 with start 4, in key order, with or without a restart.
    const spec = pipeline([{ kind: 'session', name: 's', gapMs: 2 }], { boundMs: 1, latenessMs: 1, keyBy: ['country'] });
    const events = [event(1005, { country: [1] }), event(1004, { country: [1] }), event(1004, { country: 'us' }), event(1005, { country: 'us' })];
    const straight = runEngine(spec, events);
    expect(visible(runEngine(spec, events, { restartBefore: new Set([2]) }).flatMap((s) => s.outputs))).toBe(visible(straight.flatMap((s) => s.outputs)));
    expect(checkCloseOrder(spec, straight)).toEqual([]);
  });
});
