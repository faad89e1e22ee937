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

/** Every result of one window instance from the REST API (all pages), e.g. to sum over keys. */
export async function instanceResults(url: string, window: string, start: number): Promise<Record<string, unknown>[]> {
  const all: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `${url}/windows/${window}/results?from=${start}&to=${start + 1}&limit=1000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page = (await (await fetch(query)).json()) as { results: Record<string, unknown>[]; nextCursor: string | null };
    all.push(...page.results);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

/** The sum of `count` over a window instance's results, from the REST API. */
export async function countOf(url: string, window: string, start: number): Promise<number> {
  return (await instanceResults(url, window, start)).reduce((sum, r) => sum + (r.count as number), 0);
}
