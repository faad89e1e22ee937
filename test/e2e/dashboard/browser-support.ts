// The dashboard's end-to-end tests: the built `tally run` on a generated click stream, and Debian's
// chromium driven by playwright-core (never a downloaded browser: scripts/browser/install.sh installs it).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { BIN, writeText } from '../../integration/cli-support.js';
import { until } from '../../integration/api/api-support.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/dashboard/', import.meta.url));
const BUILT_PAGE = fileURLToPath(new URL('../../../dist/service/dashboard/page/ui/main.js', import.meta.url));

/** Fails (never skips) when the browser or the build is missing, saying how to get them. */
export function requireBrowserAndBuild(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/browser/install.sh\` (apt-get install chromium); .ci/run does`);
  if (!existsSync(BIN) || !existsSync(BUILT_PAGE)) throw new Error('the build is missing: run `npm run build` first (npm test does)');
  mkdirSync(ARTIFACTS, { recursive: true });
}

export interface Tally {
  readonly url: string;
  readonly dir: string;
  stderr(): string;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `tally run job.yaml` in `dir` on `api` (host:port; port 0 picks one) with the control token. */
export async function startTally(dir: string, job: string, token: string, api = '127.0.0.1:0'): Promise<Tally> {
  writeText(dir, 'job.yaml', job);
  const child: ChildProcess = spawn(process.execPath, [BIN, 'run', 'job.yaml', '--api', api], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TALLY_API_TOKEN: token },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await until(() => /"url":"http:\/\/127\.0\.0\.1:\d+"/.test(stderr) || child.exitCode !== null, 'the API address in the log', 20_000);
  const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr)?.[1];
  if (url === undefined) throw new Error(`tally run did not serve the API:\n${stderr}`);
  return {
    url,
    dir,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tally-dashboard-'));
}

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors, as they came. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** Chromium, headless, with a fresh profile, no network beyond what the page asks of the server. */
export async function openBrowser(viewport: { width: number; height: number }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  return { context, page, errors, close: () => context.close() };
}

/** One result as the REST API answers it. */
export type ApiResult = Record<string, unknown> & { readonly key: Record<string, unknown> };

/** Every result of one window instance from the REST API (all pages), e.g. to sum over keys; `token` for a server whose reads need it. */
export async function instanceResults(url: string, window: string, start: number, token?: string): Promise<ApiResult[]> {
  const all: ApiResult[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `${url}/windows/${window}/results?from=${start}&to=${start + 1}&limit=1000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const response = await fetch(query, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`${query} answered ${response.status}`);
    const page = (await response.json()) as { results: ApiResult[]; nextCursor: string | null };
    all.push(...page.results);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

/** The sum of `count` over a window instance's results, from the REST API. */
export async function countOf(url: string, window: string, start: number, token?: string): Promise<number> {
  return (await instanceResults(url, window, start, token)).reduce((sum, r) => sum + (r.count as number), 0);
}

/** Per value of one key field (as JSON text), the sum of `output` over the results with that value. */
export function sumsByField(results: readonly ApiResult[], field: string, output = 'count'): Map<string, number> {
  const sums = new Map<string, number>();
  for (const r of results) {
    const text = JSON.stringify(r.key[field]);
    sums.set(text, (sums.get(text) ?? 0) + (r[output] as number));
  }
  return sums;
}

/**
 * Whether a "top values of one field" table (rows of [field value as JSON text, value], as shown)
 * ranks `sums` right: each value shown is that field value's sum, largest first, as many rows as
 * there are values up to `n`, and no value left out is larger than one shown. Null when right,
 * else what is wrong.
 */
export function rankingProblem(shown: readonly (readonly [string, number])[], sums: ReadonlyMap<string, number>, n = 10): string | null {
  if (shown.length !== Math.min(n, sums.size)) return `${shown.length} rows shown for ${sums.size} values`;
  for (const [i, [value, total]] of shown.entries()) {
    if (sums.get(value) !== total) return `${value}: page ${total}, api ${String(sums.get(value))}`;
    if (i > 0 && total > (shown[i - 1]?.[1] as number)) return `row ${i + 1} larger than row ${i}`;
  }
  const smallest = shown.at(-1)?.[1] ?? 0;
  const left = [...sums].filter(([value]) => !shown.some(([v]) => v === value));
  const larger = left.find(([, total]) => total > smallest);
  return larger === undefined ? null : `${larger[0]} (${larger[1]}) left out, larger than a row shown`;
}
