// Test support: a throwaway Ceph radosgw S3 endpoint on loopback, started and stopped through scripts/s3/radosgw.sh.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../scripts/s3/radosgw.sh', import.meta.url));

export interface Radosgw {
  /** `http://127.0.0.1:PORT`; use path-style addressing. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Kills every daemon and removes the cluster's temp dir; resolves once the ports are free. Idempotent. */
  stop(): Promise<void>;
}

/** Directories of clusters not stopped yet: stopped synchronously if this process exits first. */
const running = new Set<string>();
let isExitHookInstalled = false;

function installExitHook(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  // The script's watchdog also stops a cluster once this process is gone; this is just quicker.
  process.once('exit', () => {
    for (const dir of running) spawnSync('bash', [SCRIPT, 'stop', dir], { stdio: 'ignore' });
  });
}

/** Runs the script; resolves with its stdout, rejects with its stderr (progress and, on failure, log tails). */
function runScript(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], {
      // The watchdog the script leaves behind watches this process.
      env: { ...process.env, RADOSGW_OWNER_PID: String(process.pid) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`scripts/s3/radosgw.sh ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr}`));
    });
  });
}

/**
 * Starts mon, mgr, one memstore OSD and radosgw (installing the Debian packages first if missing; about
 * 5 s once installed) and a user with fresh keys. Call stop() in afterAll.
 */
export async function startRadosgw(): Promise<Radosgw> {
  installExitHook();
  const output = await runScript(['start']);
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at), line.slice(at + 1));
  }
  const read = (name: string): string => {
    const value = values.get(name);
    if (value === undefined || value === '') throw new Error(`scripts/s3/radosgw.sh start printed no ${name}:\n${output}`);
    return value;
  };
  const dir = read('dir');
  running.add(dir);
  let stopping: Promise<void> | null = null;
  try {
    return {
      endpoint: read('endpoint'),
      accessKeyId: read('access_key_id'),
      secretAccessKey: read('secret_access_key'),
      stop: () => {
        stopping ??= runScript(['stop', dir]).then(() => {
          running.delete(dir);
        });
        return stopping;
      },
    };
  } catch (error) {
    await runScript(['stop', dir]);
    running.delete(dir);
    throw error;
  }
}
