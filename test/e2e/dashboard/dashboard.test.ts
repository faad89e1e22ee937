// The dashboard in a real browser (Debian's chromium) against `tally run` on a generated click stream:
// the charts, top keys and heat strip show what the REST API answers, a window's length changed through
// the form takes effect, a lost connection is shown and recovers by itself; no console errors.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, TOKEN, until } from '../../integration/api/api-support.js';
import { ARTIFACTS, countOf, instanceResults, openBrowser, requireBrowserAndBuild, startTally, tempDir, type Browser, type Tally } from './browser-support.js';

const HOUR = 3_600_000;

// A day of clicks first (the heat strip's 24 hours), then in real time: 2-second windows close often.
const JOB = `
name: dashboard-e2e
source: { type: generator, realtime: true, backfill: 24h, eventsPerSecond: 2, users: 20, pages: 10, seed: 3 }
keyBy: [user_id]
windows:
  - { name: per_2s, tumbling: 2s }
  - { name: hourly, tumbling: 1h }
aggregations: [count, sum(value)]
time: { maxOutOfOrderness: 1s, allowedLateness: 0s }
sink: { type: file, path: out/results.ndjson }
deadLetter: out/bad.ndjson
lateOutput: out/late.ndjson
history: { path: state/history }
`;

let tally: Tally;
let browser: Browser;

beforeAll(async () => {
  requireBrowserAndBuild();
  tally = await startTally(tempDir(), JOB, TOKEN);
  // Ready once the backfilled day is processed.
  await until(async () => (await call(tally.url, 'GET', '/readyz')).status === 200, 'the job to catch up with the clock', 40_000);
  browser = await openBrowser({ width: 1366, height: 768 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await tally?.stop();
});

/** The rows of the charts' numbers table, newest first. */
async function chartRows(): Promise<{ start: number; end: number; value: number | null }[]> {
  return browser.page.$$eval('#chart-table tbody tr', (rows) =>
    rows.map((row) => {
      const value = row.getAttribute('data-value');
      return { start: Number(row.getAttribute('data-start')), end: Number(row.getAttribute('data-end')), value: value === '' || value === null ? null : Number(value) };
    }),
  );
}

describe('the dashboard', () => {
  it('charts clicks per window as the REST API counts them, ranks top keys and fills the heat strip', async () => {
    const { page } = browser;
    await page.goto(`${tally.url}/`);
    await expect.poll(() => page.textContent('#connection'), { timeout: 10_000 }).toBe('Live');
    await expect.poll(async () => (await chartRows()).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    expect(await page.inputValue('#chart-window')).toBe('per_2s');

    // The newest windows charted: each total over all keys equals the sum of the API's results of that instance.
    for (const row of (await chartRows()).slice(1, 4)) {
      expect(row.end - row.start).toBe(2_000);
      expect(row.value).toBe(await countOf(tally.url, 'per_2s', row.start));
    }
    // The chart's latest point is the table's newest row.
    const latest = (await chartRows())[0];
    await expect.poll(async () => Number(await page.getAttribute('#chart-all', 'data-points'))).toBeGreaterThanOrEqual(5);
    expect(Number(await page.getAttribute('#chart-all', 'data-latest'))).toBeGreaterThanOrEqual(0);
    expect(await page.locator('#chart-all canvas').count()).toBe(1);
    expect(latest).toBeDefined();

    // Top keys: the table for the instance the page names equals GET /top for that instance.
    await expect.poll(() => page.getAttribute('#top-window', 'data-start'), { timeout: 10_000 }).toMatch(/^\d+$/);
    await expect
      .poll(async () => {
        const start = Number(await page.getAttribute('#top-window', 'data-start'));
        const shown = await page.$$eval('#top-keys tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-key'), Number(tr.getAttribute('data-value'))]));
        const api = (await call(tally.url, 'GET', `/windows/per_2s/top?n=10&at=${start}`)).json as { start: number; results: { key: unknown; count: number }[] };
        return JSON.stringify(shown) === JSON.stringify(api.results.map((r) => [JSON.stringify(r.key), r.count])) && api.start === start && shown.length > 0;
      }, { timeout: 10_000 })
      .toBe(true);
    expect(await page.textContent('#top-title')).toBe('Top users');

    // A chosen key (the top user): its own chart, and its numbers equal the API's result for that key.
    const topUser = JSON.parse((await page.getAttribute('#top-keys tbody tr', 'data-key')) as string) as { user_id: number };
    await page.fill('input[data-field="user_id"]', String(topUser.user_id));
    await page.press('input[data-field="user_id"]', 'Enter');
    await expect.poll(() => page.textContent('#chart-key-caption')).toContain(`key user_id = ${topUser.user_id}`);
    await expect
      .poll(async () => {
        const rows = await page.$$eval('#chart-table tbody tr[data-key-value]:not([data-key-value=""])', (trs) => trs.map((tr) => [Number(tr.getAttribute('data-start')), Number(tr.getAttribute('data-key-value'))]));
        const row = rows[0];
        if (row === undefined) return 'no row for the key yet';
        const forKey = (await instanceResults(tally.url, 'per_2s', row[0] as number)).find((r) => (r.key as { user_id: number }).user_id === topUser.user_id);
        return row[1] === forKey?.count ? 'equal' : `page ${row[1]}, api ${String(forKey?.count)}`;
      }, { timeout: 20_000 })
      .toBe('equal');

    // The heat strip: 24 hours, each closed hour the sum of the hourly window's results.
    const cells = await page.$$eval('#heat-strip li', (lis) => lis.map((li) => ({ start: Number(li.getAttribute('data-start')), value: li.getAttribute('data-value') ?? '' })));
    expect(cells).toHaveLength(24);
    const currentHour = Math.floor(Date.now() / HOUR) * HOUR;
    expect(cells.at(-1)?.start).toBe(currentHour);
    const closed = cells.slice(0, -1);
    expect(closed.every((c) => c.value !== '')).toBe(true);
    for (const cell of [closed[0], closed[11], closed[22]]) expect(Number(cell?.value)).toBe(await countOf(tally.url, 'hourly', cell?.start as number));

    // Job health: the figures of /status.
    const status = (await call(tally.url, 'GET', '/status')).json as { counts: { badRecords: number } };
    await expect.poll(async () => Number((await page.textContent('[data-figure="bad"]'))?.replace(/,/g, ''))).toBeGreaterThanOrEqual(status.counts.badRecords);
    expect(await page.textContent('[data-figure="checkpoint"]')).toBe('no checkpoint store');
    expect(await page.locator('#partitions tbody tr[data-partition="0"]').count()).toBe(1);
    expect(await page.locator('#bad-records li strong').count()).toBeGreaterThan(0);

    await page.screenshot({ path: join(ARTIFACTS, 'laptop-1366x768.png'), fullPage: true });
    expect(browser.errors).toEqual([]);
  }, 60_000);

  it('changes a window length through the form, with the token, and shows from when it is exact', async () => {
    const { page } = browser;
    await page.click('tr[data-window="per_2s"] button');
    expect(await page.inputValue('#window-form input[name="size"]')).toBe('2s');
    await page.fill('#window-form input[name="size"]', '4s');
    await page.click('#window-submit');
    // No token known yet: the page asks for it before calling the control API.
    await page.waitForSelector('#token-dialog[open]');
    await page.fill('#token-input', TOKEN);
    await page.click('#token-ok');
    await page.waitForSelector('#window-message[data-kind="ok"]');

    const windows = (await call(tally.url, 'GET', '/windows')).json as { windows: { name: string; spec: { sizeMs: number }; version: number; exactFromMs: number | null }[] };
    const per2s = windows.windows.find((w) => w.name === 'per_2s');
    expect(per2s?.spec.sizeMs).toBe(4_000);
    const exactFromMs = per2s?.exactFromMs as number;
    expect(await page.getAttribute('#window-message', 'data-exact-from_per_2s')).toBe(String(exactFromMs));
    expect(await page.textContent('#window-message')).toContain(`results of windows starting from ${new Date(exactFromMs).toISOString().replace('.000Z', 'Z')} on are exactly those of the new definition`);
    await expect.poll(() => page.textContent('tr[data-window="per_2s"] [data-definition]')).toBe('tumbling 4s');

    // The chart goes on with 4-second windows from the exact-from time, counted as the API counts them
    // (one that is not the newest row, so that all its results have arrived).
    const changedRow = async () => {
      const rows = await chartRows();
      return rows.slice(1).find((r) => r.start >= exactFromMs && r.end - r.start === 4_000);
    };
    await expect.poll(changedRow, { timeout: 25_000 }).toBeDefined();
    const row = await changedRow();
    expect(row?.value).toBe(await countOf(tally.url, 'per_2s', row?.start as number));
    expect(browser.errors).toEqual([]);
  }, 60_000);

  it('reads on a phone screen without sideways scrolling', async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    expect(await page.$eval('html', (html) => html.scrollWidth)).toBeLessThanOrEqual(390);
    // Every control has its label as its accessible name.
    expect(await page.getByRole('combobox', { name: /^Window/ }).count()).toBe(1);
    expect(await page.getByRole('combobox', { name: /^Measure/ }).count()).toBe(1);
    expect(await page.getByRole('textbox', { name: 'Key user_id' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Change window per_2s' }).count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'phone-390x844.png'), fullPage: true });
    expect(browser.errors).toEqual([]);
  });

  it('shows a lost connection and reconnects by itself when the server is back', async () => {
    const { page } = browser;
    const port = new URL(tally.url).port;
    const dir = tally.dir;
    expect(await tally.stop()).toBe(0);
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), { timeout: 10_000 }).toBe('lost');
    expect(await page.textContent('#connection')).toBe('Connection lost: reconnecting…');
    await page.screenshot({ path: join(ARTIFACTS, 'connection-lost.png') });
    tally = await startTally(dir, JOB.replace('backfill: 24h', 'backfill: 1m'), TOKEN, `127.0.0.1:${port}`);
    await expect.poll(() => page.getAttribute('#connection', 'data-state'), { timeout: 20_000 }).toBe('live');
    // While the server was down the browser logged the refused connections; nothing else went wrong.
    expect(browser.errors.filter((e) => !/Failed to load resource: net::ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
  }, 40_000);
});
