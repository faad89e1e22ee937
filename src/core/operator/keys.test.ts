// WindowAggregator unit tests for group keys (keyBy): JSON types, missing fields, no fields, several fields.

import { describe, expect, it } from 'vitest';
import { EngineRun, click, pipeline, seconds, sortedByKey, tumblingWindow } from './test-support.js';

const tenSeconds = tumblingWindow('ten_s', seconds(10));

describe('group keys', () => {
  it('keeps the string "42" and the number 42 apart', () => {
    const run = new EngineRun(pipeline([tenSeconds], { keyBy: ['user_id'] }));
    run.feed(click(seconds(1), { user_id: '42' }), click(seconds(2), { user_id: 42 }), click(seconds(3), { user_id: 42 }));
    run.end();
    expect(sortedByKey(run.results)).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: { user_id: '42' }, count: 1 },
      { window: 'ten_s', start: 0, end: seconds(10), key: { user_id: 42 }, count: 2 },
    ]);
    expect(run.outputs.map((o) => (o.kind === 'result' ? o.key.keyJson : '')).sort()).toEqual(['{"user_id":"42"}', '{"user_id":42}']);
  });

  it('groups an event lacking a group-by field, or with null there, under null', () => {
    const run = new EngineRun(pipeline([tenSeconds], { keyBy: ['country'] }));
    run.feed(click(seconds(1), { country: 'NL' }), click(seconds(2)), click(seconds(3), { country: null }));
    run.end();
    expect(sortedByKey(run.results)).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: { country: 'NL' }, count: 1 },
      { window: 'ten_s', start: 0, end: seconds(10), key: { country: null }, count: 2 },
    ]);
  });

  it('puts every event in one group {} when keyBy is empty', () => {
    const run = new EngineRun(pipeline([tenSeconds], { keyBy: [] }));
    run.feed(click(seconds(1), { user_id: 1 }), click(seconds(2), { user_id: 2 }), click(seconds(3), { user_id: '3' }));
    run.end();
    expect(run.results).toEqual([{ window: 'ten_s', start: 0, end: seconds(10), key: {}, count: 3 }]);
    expect(run.outputs[0]?.kind === 'result' && run.outputs[0].key.keyJson).toBe('{}');
  });

  it('keys by the tuple of several fields', () => {
    const run = new EngineRun(pipeline([tenSeconds], { keyBy: ['user_id', 'page'] }));
    run.feed(
      click(seconds(1), { user_id: 1, page: '/a' }),
      click(seconds(2), { user_id: 1, page: '/b' }),
      click(seconds(3), { user_id: 2, page: '/a' }),
      click(seconds(4), { user_id: 1, page: '/a' }),
    );
    run.end();
    expect(sortedByKey(run.results)).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: { user_id: 1, page: '/a' }, count: 2 },
      { window: 'ten_s', start: 0, end: seconds(10), key: { user_id: 1, page: '/b' }, count: 1 },
      { window: 'ten_s', start: 0, end: seconds(10), key: { user_id: 2, page: '/a' }, count: 1 },
    ]);
  });

  it('groups object and array values by their JSON text', () => {
    const run = new EngineRun(pipeline([tenSeconds], { keyBy: ['tags'] }));
    run.feed(click(seconds(1), { tags: ['a', 'b'] }), click(seconds(2), { tags: ['a', 'b'] }), click(seconds(3), { tags: ['b', 'a'] }));
    run.end();
    expect(sortedByKey(run.results)).toEqual([
      { window: 'ten_s', start: 0, end: seconds(10), key: { tags: ['a', 'b'] }, count: 2 },
      { window: 'ten_s', start: 0, end: seconds(10), key: { tags: ['b', 'a'] }, count: 1 },
    ]);
  });
});
