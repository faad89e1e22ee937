import { describe, expect, it } from 'vitest';
import type { CheckpointSpec } from './job-spec.js';
import { HISTORY_DEFAULTS, historySchema, historySpecOf, type HistorySection } from './history-schema.js';
import { formatPath, problemsFromIssues } from './problems.js';

function sectionOf(input: unknown): HistorySection {
  const parsed = historySchema.safeParse(input);
  if (!parsed.success) throw new Error(problemsFromIssues(parsed.error.issues).map((p) => `${formatPath(p.path)}: ${p.message}`).join('\n'));
  return parsed.data;
}

function problemsOf(input: unknown): string[] {
  const parsed = historySchema.safeParse(input);
  if (parsed.success) throw new Error(`expected problems, got ${JSON.stringify(parsed.data)}`);
  return problemsFromIssues(parsed.error.issues).map((p) => `${formatPath(p.path)}: ${p.message}`);
}

const checkpoint = (store: string): CheckpointSpec => ({ store, intervalMs: 10_000, retain: 3, s3: null, webhdfs: null });

describe('history', () => {
  it('keeps results 7 days, at most ten million, by default', () => {
    expect(sectionOf({})).toEqual({ path: null, retainMs: 7 * 86_400_000, maxResults: 10_000_000 });
    expect(sectionOf(true)).toEqual(sectionOf({}));
    expect(sectionOf({ path: './h', retain: '36h', maxResults: 500 })).toEqual({ path: './h', retainMs: 36 * 3_600_000, maxResults: 500 });
    expect(sectionOf({ path: 'file:///var/lib/tally/history' }).path).toBe('/var/lib/tally/history');
  });

  it('puts the history beside local checkpoints, and in ./tally-history otherwise', () => {
    expect(historySpecOf(sectionOf({}), checkpoint('file://./state'))).toEqual({ path: 'state/history', retainMs: 7 * 86_400_000, maxResults: 10_000_000 });
    expect(historySpecOf(sectionOf({}), checkpoint('file:///srv/tally')).path).toBe('/srv/tally/history');
    expect(historySpecOf(sectionOf({}), checkpoint('s3://bucket/tally')).path).toBe(HISTORY_DEFAULTS.path);
    expect(historySpecOf(sectionOf({}), null).path).toBe('./tally-history');
    expect(historySpecOf(sectionOf({ path: 'elsewhere' }), checkpoint('file://./state')).path).toBe('elsewhere');
  });

  it('names what is wrong', () => {
    expect(problemsOf({ retain: '0s' })).toEqual([expect.stringMatching(/^retain: must be greater than 0/)]);
    expect(problemsOf({ retain: 'forever' })).toEqual([expect.stringMatching(/^retain: "forever" is not a duration/)]);
    expect(problemsOf({ path: 's3://bucket/history' })).toEqual([expect.stringMatching(/^path: "s3:\/\/bucket\/history" is not a local directory/)]);
    expect(problemsOf({ path: '' })).toEqual([expect.stringMatching(/^path: must not be empty/)]);
    expect(problemsOf({ maxResults: 0 })).toEqual([expect.stringMatching(/^maxResults: must be a whole number from 1 to/)]);
    expect(problemsOf({ retian: '1d' })).toEqual([expect.stringMatching(/^retian: unknown key 'retian'.*retain/)]);
    expect(problemsOf('yes')).toHaveLength(1);
  });
});
