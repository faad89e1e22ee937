// kill -9 a `tally run` writing partitioned NDJSON files into HDFS (the WebHDFS fake) at chosen moments of the
// commit protocol: afterwards the part files hold every result of an uninterrupted run exactly once.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeWebHdfs } from '../../support/webhdfs/fake-webhdfs.js';
import { runTally, type CliRun } from '../cli-support.js';
import { killSeed, seededRandom, writeClickFile } from '../checkpoint/kill-support.js';

const SEED = killSeed();
const RESULTS_ROOT = '/tally/results';

function jobText(sink: string, checkpoint: string | null): string {
  return [
    'name: partitioned-kill',
    'source: { type: file, path: events.ndjson }',
    'keyBy: [user_id]',
    'windows:',
    '  - { name: minute, tumbling: 1m }',
    '  - { name: visit, session: { gap: 5m } }',
    'aggregations: [count, sum(value), max(value)]',
    'time: { maxOutOfOrderness: 1s, allowedLateness: 500ms }',
    `sink: ${sink}`,
    'deadLetter: bad.ndjson',
    'lateOutput: late.ndjson',
    ...(checkpoint === null ? [] : [`checkpoint: ${checkpoint}`]),
    '',
  ].join('\n');
}

let dir = '';
let referenceLines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tally-partitioned-kill-'));
  await writeClickFile(join(dir, 'events.ndjson'));
  await writeFile(join(dir, 'job.yaml'), jobText('{ type: file, path: reference.ndjson }', null));
  const reference = await runTally(['run', 'job.yaml'], { cwd: dir });
  expect(reference.code, reference.stderr.slice(-2000)).toBe(0);
  referenceLines = (await readFile(join(dir, 'reference.ndjson'), 'utf8')).split('\n').filter((l) => l !== '').sort();
  expect(referenceLines.length).toBeGreaterThan(50_000);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the job asks of the namenode: the operation, the HDFS path and, for RENAME, the destination. */
interface NamenodeCall {
  readonly op: string;
  readonly path: string;
  readonly destination: string;
}

/**
 * A loopback proxy in front of the fake's namenode. Armed with a condition, it kills the job with
 * SIGKILL when the job sends the nth request that meets it, and holds that request (it never reaches
 * HDFS): the job dies at exactly that step of the protocol. Datanode traffic goes directly to the
 * fake, as the namenode's redirects say.
 */
class KillingProxy {
  private armed: { pid: number; isDue: (call: NamenodeCall) => boolean; remaining: number } | null = null;
  hasKilled = false;

  private constructor(
    private readonly server: Server,
    private readonly namenodePort: number,
  ) {}

  static async start(namenodeUrl: string): Promise<KillingProxy> {
    const server = createServer();
    const proxy = new KillingProxy(server, Number(new URL(namenodeUrl).port));
    server.on('request', (req, res) => proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get hostAndPort(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  arm(pid: number, isDue: (call: NamenodeCall) => boolean, nth = 1): void {
    this.armed = { pid, isDue, remaining: nth };
    this.hasKilled = false;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const call = {
      op: (url.searchParams.get('op') ?? '').toUpperCase(),
      path: decodeURIComponent(url.pathname.replace(/^\/webhdfs\/v1/, '')),
      destination: url.searchParams.get('destination') ?? '',
    };
    const armed = this.armed;
    if (armed !== null && armed.isDue(call) && --armed.remaining === 0) {
      this.armed = null;
      process.kill(armed.pid, 'SIGKILL');
      this.hasKilled = true;
      req.socket.destroy();
      return;
    }
    const upstream = request({ host: '127.0.0.1', port: this.namenodePort, method: req.method, path: req.url, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }
}

/** When to kill a run: at the nth namenode request that meets a condition, or after a delay. */
type KillAt =
  | { readonly when: string; readonly isDue: (call: NamenodeCall) => boolean; readonly nth: number; readonly then?: () => void }
  | { readonly when: string; readonly afterMs: number }
  | null;

/** Runs the job, killing it at `killAt`; a run that should be killed and ends by itself fails the test. */
async function runAndKill(proxy: KillingProxy, killAt: KillAt): Promise<CliRun> {
  let timer: NodeJS.Timeout | undefined;
  const run = await runTally(['run', 'job.yaml'], {
    cwd: dir,
    onStart: (pid) => {
      if (killAt === null) return;
      if ('afterMs' in killAt) timer = setTimeout(() => process.kill(pid, 'SIGKILL'), killAt.afterMs);
      else proxy.arm(pid, killAt.isDue, killAt.nth);
    },
  });
  clearTimeout(timer);
  if (killAt !== null) expect(run.signal, `the run to be killed ${killAt.when} ended by itself: ${run.stderr.slice(-1000)}`).toBe('SIGKILL');
  else expect(run.code, run.stderr.slice(-3000)).toBe(0);
  if (killAt !== null && 'isDue' in killAt) {
    expect(proxy.hasKilled, `killed ${killAt.when}`).toBe(true);
    killAt.then?.();
  }
  return run;
}

describe(`kill -9 while writing partitioned NDJSON files into HDFS through WebHDFS (the protocol fake; seed ${SEED})`, () => {
  it('ends with every result of an uninterrupted run, each once, in whole part files', async () => {
    const hdfs = await FakeWebHdfs.start();
    const proxy = await KillingProxy.start(hdfs.namenodeUrl);
    try {
      const namenode = proxy.hostAndPort;
      await writeFile(
        join(dir, 'job.yaml'),
        jobText(
          `{ type: file, path: 'webhdfs://${namenode}${RESULTS_ROOT}', rollSize: 256KiB }`,
          `{ store: 'webhdfs://${namenode}/tally/state', interval: 1s, retain: 2, webhdfs: { user: tally } }`,
        ),
      );
      const resultFiles = (): string[] => hdfs.files().filter((f) => f.startsWith(`${RESULTS_ROOT}/`)).map((f) => f.slice(RESULTS_ROOT.length + 1));
      const publishes = (call: NamenodeCall): boolean => call.op === 'RENAME' && call.destination.startsWith(`${RESULTS_ROOT}/window=`);
      const random = seededRandom(SEED);
      const kills: KillAt[] = [
        // Results rolled into a part that is being staged; no checkpoint yet.
        { when: 'while a part is being staged', isDue: (c) => c.op === 'CREATE' && c.path.startsWith(`${RESULTS_ROOT}/_pending/`), nth: 1 },
        // A stored checkpoint is being published: one part is in place, the next about to be.
        {
          when: 'between two parts of a checkpoint being published',
          isDue: publishes,
          nth: 2,
          then: () => {
            expect(resultFiles().filter((f) => f.startsWith('_pending/')).length).toBeGreaterThan(0);
            expect(resultFiles().filter((f) => f.includes('/part-')).length).toBeGreaterThan(0);
          },
        },
        // The restart finishes that publishing in recover(), and is killed while doing so.
        { when: 'while recovery publishes the restored checkpoint', isDue: publishes, nth: 1 },
        { when: 'at a random moment', afterMs: 800 + Math.floor(random() * 1_700) },
      ];
      let last: CliRun | null = null;
      for (const killAt of [...kills, null]) last = await runAndKill(proxy, killAt);
      // The last run went on from a checkpoint, not from the beginning.
      expect(last?.stderr).toMatch(/"checkpoint":\d+,.*restored from checkpoint/);

      const files = resultFiles();
      const parts = files.filter((f) => /^window=(minute|visit)\/dt=\d{4}-\d\d-\d\d\/hour=\d\d\/part-\d{10}-\d{5}\.ndjson$/.test(f));
      // Nothing left staged; besides the parts at most the temporaries of puts a kill cut short
      // (they start with '~', which a reader's *.ndjson glob does not match).
      expect(files.filter((f) => !parts.includes(f) && !/\/\.~tmp-[0-9a-f-]+$/.test(f))).toEqual([]);
      expect(parts.length).toBeGreaterThan(10);

      const lines: string[] = [];
      for (const part of parts) {
        const text = (hdfs.readFile(`${RESULTS_ROOT}/${part}`) as Buffer).toString('utf8');
        expect(text.endsWith('\n'), `${part} ends with a whole line`).toBe(true);
        for (const line of text.slice(0, -1).split('\n')) {
          const r = JSON.parse(line) as { window: string; start: number };
          const iso = new Date(r.start).toISOString();
          expect(part.startsWith(`window=${r.window}/dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`), `${part} holds ${line}`).toBe(true);
          lines.push(line);
        }
      }
      lines.sort();
      expect(lines.length).toBe(referenceLines.length);
      // Sorted equal: no result is missing and none is there twice.
      expect(lines.findIndex((line, i) => line !== referenceLines[i])).toBe(-1);
    } finally {
      await proxy.stop();
      await hdfs.stop();
    }
  }, 300_000);
});
