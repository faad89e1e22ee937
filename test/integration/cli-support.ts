// Helpers for end-to-end tests of the built `tally` command (dist/, made by `npm test`'s build step).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../dist/service/cli/bin.js', import.meta.url));

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `tally run` serves the REST API on 127.0.0.1:8080 unless told otherwise; tests run many jobs at
 * once, so a run here serves none unless its arguments ask for one (`--api host:port`).
 */
export function withoutApi(args: readonly string[]): readonly string[] {
  return args[0] === 'run' && !args.includes('--api') ? [...args, '--api', 'off'] : args;
}

/** Runs `tally args…` in `cwd`, feeding `stdin`; `onStart` may signal the child. */
export function runTally(
  args: readonly string[],
  options: {
    cwd: string;
    stdin?: string;
    onStart?: (pid: number) => void;
    /** Called with all stderr so far, after each chunk. */
    onStderr?: (stderr: string, pid: number) => void;
    env?: Readonly<Record<string, string>>;
  },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...withoutApi(args)], { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (options.onStderr !== undefined && child.pid !== undefined) options.onStderr(stderr, child.pid);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
    if (options.onStart !== undefined && child.pid !== undefined) options.onStart(child.pid);
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tally-cli-'));
}

export function writeText(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function readNdjson(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
