// `tally checkpoints list|inspect|delete`: what a job's store holds, seen and deleted through the command.

import { existsSync, readFileSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClickGenerator } from '../../src/adapters/sources/click-generator.js';
import { runTally, tempDir, writeText } from './cli-support.js';

const JOB = (window: string): string => `
name: ckpt-cli
source: { type: file, path: events.ndjson }
keyBy: [user_id]
windows: [{ name: ${window}, tumbling: 1m }]
sink: { type: file, path: out/results.ndjson }
deadLetter: out/bad.ndjson
lateOutput: out/late.ndjson
checkpoint: { store: file://./state, interval: 100ms, retain: 5 }
`;

let dir = '';

beforeAll(async () => {
  dir = tempDir();
  const g = new ClickGenerator({ eventsPerSecond: 50, users: 300, pages: 20, seed: 4, startTimeMs: Date.UTC(2026, 10, 23, 9) });
  writeText(dir, 'events.ndjson', `${Array.from({ length: 400_000 }, () => g.next()).join('\n')}\n`);
  writeText(dir, 'job.yaml', JOB('per_minute'));
  writeText(dir, 'other.yaml', JOB('minute_renamed'));
  writeText(dir, 'none.yaml', JOB('per_minute').replace(/checkpoint:.*\n/, ''));
  const run = await runTally(['run', 'job.yaml'], { cwd: dir });
  expect(run.code, run.stderr.slice(-2000)).toBe(0);
}, 120_000);

interface Row {
  id: number;
  createdAt: string | null;
  bytes: number;
  position: { byteOffset?: number } | null;
  keys: number | null;
  finished: boolean | null;
  status: string;
}

const list = async (job = 'job.yaml'): Promise<Row[]> => {
  const run = await runTally(['checkpoints', 'list', job, '--json'], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  return run.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
};

describe('tally checkpoints', () => {
  it('lists every checkpoint with its time, size, position, keys and whether it restores', async () => {
    const rows = await list();
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.length).toBeLessThanOrEqual(5);
    expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b));
    for (const r of rows) {
      expect(r.status).toBe('ok');
      expect(Number.isNaN(Date.parse(r.createdAt ?? ''))).toBe(false);
      expect(r.bytes).toBeGreaterThan(0);
    }
    const last = rows[rows.length - 1] as Row;
    expect(last.finished).toBe(true);
    expect(last.position?.byteOffset).toBe(readFileSync(join(dir, 'events.ndjson')).length);
    // The same store seen from another definition: it would not restore.
    expect((await list('other.yaml')).every((r) => r.status === 'other job definition')).toBe(true);
    const text = await runTally(['checkpoints', 'list', 'job.yaml'], { cwd: dir });
    expect(text.stdout).toContain(`${rows.length} checkpoint(s)`);
  });

  it('inspects one in full: manifest, checks and the state it holds; a damaged one says why and exits 1', async () => {
    const rows = await list();
    const newest = rows[rows.length - 1] as Row;
    const run = await runTally(['checkpoints', 'inspect', 'job.yaml'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const shown = JSON.parse(run.stdout) as { restores: string; manifest: { id: number; finished: boolean }; state: { openByWindow: Record<string, number> } };
    expect(shown.restores).toBe('yes');
    expect(shown.manifest.id).toBe(newest.id);
    expect(shown.state.openByWindow).toEqual({ per_minute: 0 });

    const older = rows[0] as Row;
    const stateFile = join(dir, 'state', 'checkpoints', `chk-${String(older.id).padStart(10, '0')}`, 'state.bin');
    truncateSync(stateFile, 10);
    const damaged = await runTally(['checkpoints', 'inspect', 'job.yaml', String(older.id)], { cwd: dir });
    expect(damaged.code).toBe(1);
    expect(JSON.parse(damaged.stdout)).toMatchObject({ id: older.id, checks: expect.stringMatching(/^failed: checkpoint \d+: state has 10 bytes/) });
    expect((await list()).find((r) => r.id === older.id)?.status).toMatch(/^unusable: /);
    expect((await runTally(['checkpoints', 'inspect', 'job.yaml', '999999'], { cwd: dir })).code).toBe(1);
  });

  it('deletes one, or all, and the next run starts from the beginning', async () => {
    const rows = await list();
    const first = rows[0] as Row;
    const one = await runTally(['checkpoints', 'delete', 'job.yaml', String(first.id)], { cwd: dir });
    expect(one.code, one.stderr).toBe(0);
    expect((await list()).map((r) => r.id)).toEqual(rows.slice(1).map((r) => r.id));
    expect((await runTally(['checkpoints', 'delete', 'job.yaml'], { cwd: dir })).code).toBe(2);
    const all = await runTally(['checkpoints', 'delete', 'job.yaml', '--all'], { cwd: dir });
    expect(all.code, all.stderr).toBe(0);
    expect(await list()).toEqual([]);
    // Emptied directories go too.
    const root = join(dir, 'state', 'checkpoints');
    expect(existsSync(root) ? readdirSync(root) : []).toEqual([]);
    const rerun = await runTally(['run', 'job.yaml'], { cwd: dir });
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain('no checkpoint to restore: starting from the beginning');
  }, 60_000);

  it('says so, with exit code 2, for a job without checkpoints', async () => {
    const run = await runTally(['checkpoints', 'list', 'none.yaml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('has no checkpoint section');
  });
});
