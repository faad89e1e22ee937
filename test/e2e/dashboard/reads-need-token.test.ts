// The dashboard against a server whose reads need the bearer token (`api.requireTokenForReads: true`):
// the served page says so, asks for the token before its first read (so no request meets a 401, which
// the browser would log as an error), then shows live data; no console errors.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, TOKEN, until } from '../../integration/api/api-support.js';
import { ARTIFACTS, countOf, openBrowser, requireBrowserAndBuild, startTally, tempDir, type Browser, type Tally } from './browser-support.js';

// A few minutes of clicks first, then in real time; reads need the token (TALLY_API_TOKEN).
const JOB = `
name: dashboard-reads-need-token
source: { type: generator, realtime: true, backfill: 3m, eventsPerSecond: 4, users: 20, pages: 10, seed: 5 }
keyBy: [user_id, page]
windows:
  - { name: per_2s, tumbling: 2s }
aggregations: [count, sum(value)]
time: { maxOutOfOrderness: 1s, allowedLateness: 0s }
sink: { type: file, path: out/results.ndjson }
deadLetter: out/bad.ndjson
lateOutput: out/late.ndjson
history: { path: state/history }
api: { requireTokenForReads: true }
`;

let tally: Tally;
let browser: Browser;

beforeAll(async () => {
  requireBrowserAndBuild();
  tally = await startTally(tempDir(), JOB, TOKEN);
  await until(async () => (await call(tally.url, 'GET', '/readyz')).status === 200, 'the job to catch up with the clock', 30_000);
  browser = await openBrowser({ width: 1366, height: 768 });
}, 45_000);

afterAll(async () => {
  await browser?.close();
  await tally?.stop();
});

describe('the dashboard when reads need the token', () => {
  it('asks for the token before its first read, then shows live data, with no 401 and no console error', async () => {
    const { page } = browser;
    // The server really wants the token for reads.
    expect((await call(tally.url, 'GET', '/windows')).status).toBe(401);
    const requests: string[] = [];
    const unauthorized: string[] = [];
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    page.on('response', (response) => {
      if (response.status() === 401) unauthorized.push(response.url());
    });

    await page.goto(`${tally.url}/`);
    expect(await page.getAttribute('html', 'data-reads-need-token')).toBe('');
    await page.waitForSelector('#token-dialog[open]');
    expect(await page.textContent('#token-reason')).toBe('This server needs its bearer token (api.token or TALLY_API_TOKEN) for every read: the dashboard shows nothing without it.');
    // Nothing but the page's own files was asked for while the dialog waits.
    expect(requests.filter((path) => !(path === '/' || path.startsWith('/dashboard/')))).toEqual([]);
    expect(await page.textContent('#connection')).toBe('Connecting…');

    await page.fill('#token-input', TOKEN);
    await page.click('#token-ok');
    await expect.poll(() => page.textContent('#connection'), { timeout: 10_000 }).toBe('Live');
    await expect.poll(() => page.textContent('#job-name')).toBe('dashboard-reads-need-token');
    // Live data: windows closing after the token was given come in through the event stream, counted as the API counts them.
    const givenAt = Date.now();
    const rows = async () =>
      page.$$eval('#chart-table tbody tr', (trs) => trs.map((tr) => ({ start: Number(tr.getAttribute('data-start')), value: Number(tr.getAttribute('data-value')) })));
    const liveRow = async () => (await rows()).slice(1).find((r) => r.start >= givenAt);
    await expect.poll(liveRow, { timeout: 15_000 }).toBeDefined();
    const row = (await liveRow()) as { start: number; value: number };
    expect(row.value).toBe(await countOf(tally.url, 'per_2s', row.start, TOKEN));
    expect((await rows()).length).toBeGreaterThanOrEqual(5);
    await expect.poll(() => page.getAttribute('#top-window', 'data-start'), { timeout: 10_000 }).toMatch(/^\d+$/);
    expect(await page.locator('#top-keys tbody tr').count()).toBeGreaterThan(0);
    // This job has no hourly window: the heat strip says what it needs.
    expect(await page.textContent('#heat-note')).toBe('The strip needs a tumbling window of one hour: add one below (e.g. name hourly, tumbling, length 1h).');

    // Every read carried the token: reads, status polls and the event stream all went through.
    expect(requests).toEqual(expect.arrayContaining(['/windows', '/status', '/windows/per_2s/stream']));
    expect(unauthorized).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'reads-need-token.png'), fullPage: true });
    expect(browser.errors).toEqual([]);
  }, 45_000);
});
