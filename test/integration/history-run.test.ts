// `tally run` with a history section: every result the job writes is also kept, queryable, in the history.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClickGenerator } from '../../src/adapters/sources/click-generator.js';
import { LmdbResultsHistory } from '../../src/adapters/history/lmdb-history.js';
import type { StoredResult } from '../../src/ports/results-history.js';
import { readNdjson, runTally, tempDir, writeText } from './cli-support.js';

describe('tally run with a results history', () => {
  it('keeps every result written to the sink, in the checkpoint directory by default', async () => {
    const dir = tempDir();
    const g = new ClickGenerator({ eventsPerSecond: 20, users: 40, pages: 10, seed: 9, startTimeMs: Date.UTC(2026, 10, 23, 10) });
    writeText(dir, 'events.ndjson', `${Array.from({ length: 5_000 }, () => g.next()).join('\n')}\n`);
    writeText(
      dir,
      'job.yaml',
      [
        'name: history-run',
        'source: { type: file, path: events.ndjson }',
        'keyBy: [user_id]',
        'windows: [{ name: per_minute, tumbling: 1m }]',
        'aggregations: [count, sum(value)]',
        'sink: { type: file, path: out/results.ndjson }',
        'deadLetter: out/bad.ndjson',
        'lateOutput: out/late.ndjson',
        'checkpoint: { store: file://./state, interval: 1s }',
        'history: { retain: 3650d }',
        '',
      ].join('\n'),
    );
    const run = await runTally(['run', 'job.yaml'], { cwd: dir });
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const written = readNdjson(join(dir, 'out/results.ndjson'));
    expect(written.length).toBeGreaterThan(100);

    const history = LmdbResultsHistory.open({ path: join(dir, 'state', 'history'), retainMs: 3650 * 86_400_000 });
    try {
      const stored: StoredResult[] = [];
      let cursor: string | null | undefined;
      do {
        const page = history.query({ window: 'per_minute', order: 'oldest', limit: 500, ...(cursor === undefined || cursor === null ? {} : { cursor }) });
        stored.push(...page.results);
        cursor = page.nextCursor;
      } while (cursor !== null);
      const asWritten = (r: { start: number; key: unknown; values?: unknown }): string => JSON.stringify([r.start, r.key]);
      expect(stored.map(asWritten).sort()).toEqual(written.map((r) => asWritten(r as { start: number; key: unknown })).sort());
      const byKey = new Map(written.map((r) => [asWritten(r as { start: number; key: unknown }), r]));
      for (const s of stored) expect(s.values.count).toBe(byKey.get(asWritten(s))?.count);
    } finally {
      await history.close();
    }
  }, 60_000);
});
