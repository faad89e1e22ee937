// A `tally` child process for Kafka tests: started with the test-only preload, its log lines watched.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BIN, withoutApi, type CliRun } from '../../integration/cli-support.js';

const PRELOAD = fileURLToPath(new URL('./preload-delayed-assigner.mjs', import.meta.url));

/** Children still running: a test that fails before stopping its job must not leave it running. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface TallyProcess {
  readonly child: ChildProcess;
  /** Resolves with the first log line (parsed pino JSON) that satisfies `test`; rejects after timeoutMs. */
  waitForLog(test: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** As waitForLog, for lines logged after this call only. */
  waitForNewLog(test: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Every stderr line so far. */
  readonly stderrLines: string[];
  readonly exited: Promise<CliRun>;
}

/** `tally args…` in `cwd`, with kafkajs' consumer patched for the mock broker (see the preload). */
export function startTally(args: readonly string[], cwd: string): TallyProcess {
  const child = spawn(process.execPath, ['--import', PRELOAD, BIN, ...withoutApi(args)], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  });
  const stderrLines: string[] = [];
  let stdout = '';
  let partial = '';
  const watchers: { test: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  const seen: Record<string, unknown>[] = [];
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      stderrLines.push(text);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      seen.push(line);
      for (let i = watchers.length - 1; i >= 0; i--) {
        const w = watchers[i];
        if (w !== undefined && w.test(line)) {
          watchers.splice(i, 1);
          w.resolve(line);
        }
      }
    }
  });
  live.add(child);
  const exited = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal, stdout, stderr: stderrLines.join('\n') + partial });
    });
  });
  return {
    child,
    stderrLines,
    exited,
    waitForLog(test, timeoutMs = 30_000) {
      const already = seen.find(test);
      if (already !== undefined) return Promise.resolve(already);
      return this.waitForNewLog(test, timeoutMs);
    },
    waitForNewLog(test, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; stderr:\n${stderrLines.slice(-30).join('\n')}`)), timeoutMs);
        watchers.push({ test, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      });
    },
  };
}

/** A log line of the job: the kafka source has an assignment with at least one partition. */
export function hasPartitions(line: Record<string, unknown>): boolean {
  return line.msg === 'kafka source: partitions assigned' && Array.isArray(line.partitions) && line.partitions.length > 0;
}

/** A checkpoint stored while the run still reads: not the one a finished run stores at its end. */
export function isMidRunCheckpoint(line: Record<string, unknown>): boolean {
  return line.msg === 'checkpoint stored' && line.finished === false;
}
