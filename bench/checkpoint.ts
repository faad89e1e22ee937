// The checkpoint part of `npm run bench`: state size and times for 100k and 1M keys, and the cost of
// checkpoints every 10 s on a large-state job (each figure from a fresh process).

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface StateFigures {
  readonly keys: number;
  readonly bytes: number;
  /** The first checkpoint of a run allocates its buffers; later ones reuse them. */
  readonly firstPauseMs: number;
  readonly pauseMs: number;
  readonly writeMs: number;
  readonly restoreMs: number;
}

export interface RunFigures {
  readonly interval: string;
  readonly records: number;
  readonly ms: number;
  readonly checkpoints: number;
  readonly maxPauseMs: number;
  readonly meanPauseMs: number;
  readonly maxBytes: number;
  readonly keys: number;
  readonly maxRssMb: number;
}

export interface CheckpointBenchReport {
  readonly states: StateFigures[];
  readonly withCheckpoints: RunFigures;
  readonly without: RunFigures;
  readonly slowdown: number;
}

function child<T>(root: string, args: string[]): T {
  const script = join(root, '.bench', 'build', 'bench', 'checkpoint-scenario.js');
  const text = execFileSync(process.execPath, ['--max-semi-space-size=64', script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(text.trim()) as T;
}

export function runCheckpointBench(root: string, events: number, runs: number, print: (line: string) => void): CheckpointBenchReport {
  const dir = join(root, '.bench', 'checkpoint');
  const states = [100_000, 1_000_000].map((keys) => child<StateFigures>(root, ['state', String(keys), join(dir, 'state')]));
  let withCheckpoints: RunFigures | null = null;
  let without: RunFigures | null = null;
  for (let run = 0; run < runs; run++) {
    // Alternated, so that a slow spell of the machine hits both.
    const a = child<RunFigures>(root, ['run', 'none', join(dir, 'run'), String(events)]);
    const b = child<RunFigures>(root, ['run', '10000', join(dir, 'run'), String(events)]);
    if (without === null || a.ms < without.ms) without = a;
    if (withCheckpoints === null || b.ms < withCheckpoints.ms) withCheckpoints = b;
  }
  const w = withCheckpoints as RunFigures;
  const n = without as RunFigures;
  const slowdown = w.ms / n.ms - 1;
  const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
  for (const s of states) {
    print(`checkpoint of ${s.keys.toLocaleString('en-US')} keys: ${mib(s.bytes)}, pause (encode) ${s.firstPauseMs.toFixed(0)} ms the first, ${s.pauseMs.toFixed(0)} ms later ones, write ${s.writeMs.toFixed(0)} ms, restore (read, check, decode) ${s.restoreMs.toFixed(0)} ms`);
  }
  const rate = (r: RunFigures): string => Math.round((r.records * 1000) / r.ms).toLocaleString('en-US');
  print(`large-state job (per user: tumbling 1m, sliding 10m/1m, sessions 30m), ${events.toLocaleString('en-US')} generated events, best of ${runs}:`);
  print(`  no checkpoints:          ${rate(n)} events/s, ${n.ms.toFixed(0)} ms, ${n.keys.toLocaleString('en-US')} keys at the end, peak RSS ${n.maxRssMb.toFixed(0)} MB`);
  print(
    `  checkpoints every 10 s:  ${rate(w)} events/s, ${w.ms.toFixed(0)} ms, ${w.checkpoints} checkpoints of up to ${mib(w.maxBytes)}, pause mean ${w.meanPauseMs.toFixed(0)} ms / max ${w.maxPauseMs.toFixed(0)} ms, peak RSS ${w.maxRssMb.toFixed(0)} MB`,
  );
  print(`  slowdown with checkpoints every 10 s: ${(slowdown * 100).toFixed(1)}% (target <= 15%)`);
  return { states, withCheckpoints: w, without: n, slowdown };
}
