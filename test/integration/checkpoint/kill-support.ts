// Kill -9 a `tally run` with checkpoints again and again, then compare its outputs with an uninterrupted run.

import { createWriteStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { writeGeneratedClicks } from '../../../src/main.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BIN } from '../cli-support.js';

export const KILL_EVENTS = 2_000_000;

/** 2M generated clicks (20k users, a day's traffic curve, some out of order and malformed). */
export async function writeClickFile(path: string): Promise<void> {
  const out = createWriteStream(path);
  await writeGeneratedClicks({ events: KILL_EVENTS, eventsPerSecond: 2_000, users: 20_000, pages: 500, seed: 7, startTimeMs: Date.UTC(2026, 10, 23) }, out);
  out.end();
  await new Promise<void>((resolve, reject) => out.on('finish', resolve).on('error', reject));
}

/** Several window kinds, so that slices, sessions and calendar days all go through checkpoints. */
export function jobText(outDir: string, checkpoint: string | null): string {
  return [
    'name: kill-test',
    'source: { type: file, path: events.ndjson }',
    'keyBy: [user_id]',
    'windows:',
    '  - { name: minute, tumbling: 1m }',
    '  - { name: ten, sliding: { size: 10m, slide: 1m } }',
    '  - { name: visit, session: { gap: 5m } }',
    '  - { name: day, calendar: { unit: day, timeZone: Asia/Shanghai } }',
    'aggregations: [count, sum(value), max(value)]',
    'time: { maxOutOfOrderness: 1s, allowedLateness: 500ms }',
    `sink: { type: file, path: ${outDir}/results.ndjson }`,
    `deadLetter: ${outDir}/bad.ndjson`,
    `lateOutput: ${outDir}/late.ndjson`,
    ...(checkpoint === null ? [] : [checkpoint]),
    '',
  ].join('\n');
}

/** The seed CI uses for the kill tests, unless TALLY_KILL_SEED says otherwise: failures there repeat. */
export const CI_KILL_SEED = 20_261_123;

/**
 * The kill tests' seed: TALLY_KILL_SEED when set; else fixed in CI (`CI` set), and a new one per run
 * elsewhere, to explore. Tests print it in their names, so a failure can be repeated.
 */
export function killSeed(env: NodeJS.ProcessEnv = process.env): number {
  const given = env['TALLY_KILL_SEED'];
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`TALLY_KILL_SEED must be a whole number, got ${given}`);
    return seed;
  }
  return env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false' ? CI_KILL_SEED : Date.now() % 1_000_000;
}

/** A small seeded generator: a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

export interface KillReport {
  readonly kills: number;
  readonly runs: number;
  readonly restoredFrom: number[];
}

/** The log line of a checkpoint stored while the run reads (a finished run stores one more as it ends). */
const MID_RUN_CHECKPOINT = /"finished":false[^\n]*"msg":"checkpoint stored"/;

/**
 * Runs `job.yaml` in `dir` and kills it with SIGKILL, `kills` times, then lets it finish. Kills
 * alternate: at a random 0.5–1.5 s after the start (wherever the run is: starting, restoring,
 * writing a checkpoint), and at a random 0–0.8 s after the run stored its first checkpoint but at
 * most `afterCheckpointCapMs` (default 5 s) after its start (so that restarts have checkpoints to
 * go on from, however slow the machine, while the five runs together stay well short of the whole
 * input). Returns how many kills landed and which checkpoints the runs restored.
 */
export async function killRepeatedly(
  dir: string,
  kills: number,
  seed: number,
  env: Readonly<Record<string, string>> = {},
  options: { readonly afterCheckpointCapMs?: number } = {},
): Promise<KillReport> {
  const capMs = options.afterCheckpointCapMs ?? 5_000;
  const random = seededRandom(seed);
  let landed = 0;
  let runs = 0;
  const restoredFrom: number[] = [];
  for (;;) {
    runs++;
    const killing = landed < kills;
    const afterCheckpoint = landed % 2 === 1;
    const delayMs = afterCheckpoint ? Math.floor(random() * 800) : 500 + Math.floor(random() * 1_000);
    const child = spawn(process.execPath, [BIN, 'run', 'job.yaml', '--api', 'off'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const kill = (): void => {
      timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    if (killing && !afterCheckpoint) kill();
    // However slowly the store takes its first checkpoint, the run is killed `capMs` after the job
    // started at the latest: otherwise a slow store (WebHDFS) lets a run get through the whole input.
    // (Counted from "job started", not from the spawn: on a busy machine starting Node alone can take
    // seconds, and a cap that ends before the first checkpoint would leave nothing to restore.)
    let cap: NodeJS.Timeout | undefined;
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      const first = !MID_RUN_CHECKPOINT.test(stderr);
      const starting = !stderr.includes('"job started"');
      stderr += d;
      if (killing && afterCheckpoint && starting && stderr.includes('"job started"')) cap = setTimeout(() => child.kill('SIGKILL'), capMs);
      if (killing && afterCheckpoint && first && MID_RUN_CHECKPOINT.test(stderr)) kill();
    });
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    clearTimeout(cap);
    for (const line of stderr.split('\n')) {
      if (line.includes('restored from checkpoint')) restoredFrom.push((JSON.parse(line) as { checkpoint: number }).checkpoint);
    }
    if (signal === 'SIGKILL') {
      landed++;
      continue;
    }
    expect(code, stderr.slice(-3000)).toBe(0);
    if (!killing) return { kills: landed, runs, restoredFrom };
    throw new Error(`the job finished before kill ${landed + 1} (${afterCheckpoint ? `${delayMs} ms after its first checkpoint` : `after ${delayMs} ms`}): make the job heavier or the kills earlier`);
  }
}

/** The three output files of a run are those of the reference run, byte for byte, and nothing is left pending. */
export async function expectSameOutputs(outDir: string, referenceDir: string): Promise<void> {
  for (const file of ['results.ndjson', 'bad.ndjson', 'late.ndjson']) {
    const [got, want] = await Promise.all([readFile(join(outDir, file)), readFile(join(referenceDir, file))]);
    expect(got.length, file).toBe(want.length);
    expect(got.equals(want), `${file} differs from the uninterrupted run`).toBe(true);
  }
  expect((await readdir(outDir)).filter((f) => f.includes('pending'))).toEqual([]);
}

export async function writeJob(dir: string, outDir: string, checkpoint: string | null): Promise<void> {
  await writeFile(join(dir, 'job.yaml'), jobText(outDir, checkpoint));
}
