// Shared pieces of the Kafka end-to-end tests: generated clicks, a job file, and result comparison.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readNdjson, runTally, writeText } from '../cli-support.js';
import { ClickGenerator } from '../../../src/adapters/sources/click-generator.js';
import type { ReadMessage } from '../../support/kafka/topics.js';

/** Generated click lines: skewed users and pages, a few out of order (≤ 3 s) and a few malformed. */
export function clickLines(count: number, seed: number, startTimeMs = Date.UTC(2026, 10, 23, 8)): string[] {
  const g = new ClickGenerator({ eventsPerSecond: 40, users: 500, pages: 50, seed, startTimeMs, malformedFraction: 0.002 });
  return Array.from({ length: count }, () => g.next());
}

/** The windows and aggregations the Kafka tests run; the source, sink and outputs are given. */
export function jobYaml(parts: { name?: string; source: string; sink: string; deadLetter: string; lateOutput: string; extra?: string }): string {
  return `
name: ${parts.name ?? 'kafka-e2e'}
source: ${parts.source}
keyBy: [user_id]
windows:
  - { name: per_minute, tumbling: 1m }
  - { name: last_10m, sliding: { size: 10m, slide: 2m } }
  - { name: sessions, session: { gap: 5m } }
aggregations: [count, sum(value), mean(value), min(value), max(value), stdev(value)]
time: { maxOutOfOrderness: 10s, allowedLateness: 0s }
sink: ${parts.sink}
deadLetter: ${parts.deadLetter}
lateOutput: ${parts.lateOutput}
${parts.extra ?? ''}
`;
}

const NUMERIC = ['sum_value', 'mean_value', 'stdev_value'];

/** Results as comparable records: floating aggregates rounded (events of several partitions add up in another order). */
export function comparable(lines: readonly string[]): string[] {
  return lines
    .map((line) => {
      const r = JSON.parse(line) as Record<string, unknown>;
      for (const name of NUMERIC) if (typeof r[name] === 'number') r[name] = Number((r[name] as number).toPrecision(12));
      return JSON.stringify(r);
    })
    .sort();
}

/** The key a Tally result message must carry: window, start and group key. */
export function expectedKey(value: string): string {
  const r = JSON.parse(value) as { window: string; start: number; key: unknown };
  return `${r.window}|${r.start}|${JSON.stringify(r.key)}`;
}

/** Published results: every message keyed as its content says, and a key published twice carries the same result. */
export function expectKeyedAndIdempotent(messages: readonly ReadMessage[]): void {
  const byKey = new Map<string, string>();
  for (const m of messages) {
    expect(m.key).toBe(expectedKey(m.value));
    const earlier = byKey.get(m.key as string);
    if (earlier !== undefined) expect(comparable([m.value]), `key ${m.key} published with two different results`).toEqual(comparable([earlier]));
    byKey.set(m.key as string, m.value);
  }
}

/**
 * The job over the same lines from a file, in `dir`: the results every Kafka run must match. The
 * comparisons assume no late events (they depend on how partitions interleave), which is checked.
 */
export async function runFromFile(dir: string, lines: readonly string[]): Promise<{ results: string[]; badLines: number }> {
  writeText(dir, 'events.ndjson', `${lines.join('\n')}\n`);
  writeText(
    dir,
    'file-job.yaml',
    jobYaml({ source: '{ type: file, path: events.ndjson }', sink: '{ type: file, path: file-out/results.ndjson }', deadLetter: 'file-out/bad.ndjson', lateOutput: 'file-out/late.ndjson' }),
  );
  const run = await runTally(['run', 'file-job.yaml', '--log-level', 'warn'], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  expect(readNdjson(join(dir, 'file-out/late.ndjson')), 'the comparison assumes no late events').toEqual([]);
  return {
    results: readFileSync(join(dir, 'file-out/results.ndjson'), 'utf8').split('\n').filter((l) => l !== ''),
    badLines: readNdjson(join(dir, 'file-out/bad.ndjson')).length,
  };
}
