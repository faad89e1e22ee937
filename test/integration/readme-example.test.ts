// The README's library example, run as written (from the package entry point).

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildJob, defineJob, parseEventLine, silentLogger, WindowAggregator, type EngineOutput } from '../../src/index.js';

describe('the README library example', () => {
  it('runs a defined job from a file and drives the engine by hand', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-readme-'));
    const events = join(dir, 'events.ndjson');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(events, '{"user_id":1,"page":"/","timestamp":1700000000000,"value":2}\n{"user_id":1,"page":"/","timestamp":1700000001000,"value":3}\n');
    const job = defineJob({
      name: 'clicks',
      source: { type: 'file', path: events },
      keyBy: ['user_id'],
      windows: [{ name: 'per_minute', tumbling: '1m' }],
      aggregations: ['count', 'sum(value)'],
      sink: { type: 'file', path: join(dir, 'out/clicks.ndjson') },
    });
    const status = await (await buildJob(job, { logger: silentLogger })).run();
    expect(status.engine.results).toBe(1);
    expect(JSON.parse(readFileSync(join(dir, 'out/clicks.ndjson'), 'utf8'))).toMatchObject({ key: { user_id: 1 }, count: 2, sum_value: 5 });

    const engine = new WindowAggregator(job);
    const out: EngineOutput[] = [];
    const parsed = parseEventLine('{"user_id":1,"page":"/","timestamp":1700000000000,"value":2}');
    if (parsed.kind === 'event') engine.onEvent(parsed, 0, out);
    engine.onEndOfInput(out);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'result', window: 'per_minute', values: [1, 2] });
  });
});
