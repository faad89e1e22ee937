// The dashboard in a real browser (Debian's chromium) against `tally run` on a generated click stream
// grouped by [user_id, page]: the charts (all keys, a partial and a whole key), top keys, top users,
// top pages and the heat strip show what the REST API answers; a window's length changed through the
// form takes effect; a window added with its own aggregations and filter is shown and charted as the
// API says, and a refused change shows the server's message; a lost connection is shown and recovers
// by itself; no console errors.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, TOKEN, until } from '../../integration/api/api-support.js';
import { ARTIFACTS, countOf, instanceResults, openBrowser, rankingProblem, requireBrowserAndBuild, startTally, sumsByField, tempDir, type Browser, type Tally } from './browser-support.js';

const HOUR = 3_600_000;

// A day of clicks first (the heat strip's 24 hours), then in real time: 2-second windows close often.
// Grouped by user and page, as the demo job is: the top panel ranks users and pages separately.
const JOB = `
name: dashboard-e2e
source: { type: generator, realtime: true, backfill: 24h, eventsPerSecond: 2, users: 20, pages: 10, seed: 3 }
keyBy: [user_id, page]
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

/** The window the top panel names, and its tables of single fields: rows of [field value as JSON, value], read at once. */
async function topFieldTables(): Promise<{ start: number; users: [string, number][]; pages: [string, number][] }> {
  return browser.page.$eval('#top', (top) => {
    const rows = (id: string, field: string) =>
      [...top.querySelectorAll(`#${id} tbody tr`)].map((tr) => [JSON.stringify((JSON.parse(tr.getAttribute('data-key') ?? '{}') as Record<string, unknown>)[field]), Number(tr.getAttribute('data-value'))] as [string, number]);
    return { start: Number(top.querySelector('#top-window')?.getAttribute('data-start')), users: rows('top-user_id', 'user_id'), pages: rows('top-page', 'page') };
  });
}

/** Waits until the top users and top pages tables rank the named instance of `window` as the API's results do. */
async function expectTopUsersAndPages(window: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const shown = await topFieldTables();
        if (!(shown.start > 0)) return 'no instance named yet';
        const results = await instanceResults(tally.url, window, shown.start);
        const problems = [rankingProblem(shown.users, sumsByField(results, 'user_id')), rankingProblem(shown.pages, sumsByField(results, 'page'))];
        return problems.every((p) => p === null) ? `ranked ${shown.users.length} users and ${shown.pages.length} pages` : problems.join('; ');
      },
      { timeout: 15_000 },
    )
    .toMatch(/^ranked [1-9]\d* users and [1-9]\d* pages$/);
}

/** The measures the charts offer, in order. */
async function measureChoices(): Promise<string[]> {
  return browser.page.$$eval('#chart-measure option', (options) => options.map((o) => o.getAttribute('value') ?? ''));
}

/** GET /windows, as the tests read it. */
interface ListedWindow {
  name: string;
  spec: { sizeMs?: number; aggregations?: { fn: string; field: string | null }[]; filter?: string };
  outputs: string[];
  version: number;
  exactFromMs: number | null;
}
async function listedWindow(name: string): Promise<ListedWindow | undefined> {
  return ((await call(tally.url, 'GET', '/windows')).json as { windows: ListedWindow[] }).windows.find((w) => w.name === name);
}

describe('the dashboard', () => {
  it('charts clicks per window as the REST API counts them, ranks top keys and fills the heat strip', async () => {
    const { page } = browser;
    await page.goto(`${tally.url}/`);
    await expect.poll(() => page.textContent('#connection'), { timeout: 10_000 }).toBe('Live');
    await expect.poll(async () => (await chartRows()).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(5);
    expect(await page.inputValue('#chart-window')).toBe('per_2s');
    // The measures offered are the window's outputs as GET /windows lists them (both add up over keys).
    expect(await measureChoices()).toEqual((await listedWindow('per_2s'))?.outputs);
    expect(await measureChoices()).toEqual(['count', 'sum_value']);

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
    expect(await page.textContent('#top-title')).toBe('Top users and pages');
    // Top users and top pages of that instance: its results summed per user and per page, as the API has them.
    expect(await page.textContent('#top-user_id caption')).toBe('Top users by count (summed over their keys)');
    expect(await page.textContent('#top-page caption')).toBe('Top pages by count (summed over their keys)');
    await expectTopUsersAndPages('per_2s');

    // A chosen user with any page (a partial key): its own chart, each number the sum over that user's
    // pages of the API's results (the key.user_id filter alone matches every page).
    const topKey = JSON.parse((await page.getAttribute('#top-keys tbody tr', 'data-key')) as string) as { user_id: number; page: string };
    await page.fill('input[data-field="user_id"]', String(topKey.user_id));
    await page.press('input[data-field="user_id"]', 'Enter');
    await expect.poll(() => page.textContent('#chart-key-caption')).toContain(`count per per_2s window, key user_id = ${topKey.user_id}, summed over page`);
    /** The newest charted row for the chosen key equals `expected` of that instance's API results. */
    const keyRowProblem = async (expected: (results: Record<string, unknown>[]) => number | undefined) => {
      const rows = await page.$$eval('#chart-table tbody tr[data-key-value]:not([data-key-value=""])', (trs) => trs.map((tr) => [Number(tr.getAttribute('data-start')), Number(tr.getAttribute('data-key-value'))]));
      const row = rows[0];
      if (row === undefined) return 'no row for the key yet';
      const api = expected(await instanceResults(tally.url, 'per_2s', row[0] as number));
      return row[1] === api ? 'equal' : `page ${row[1]}, api ${String(api)}`;
    };
    const ofUser = (r: Record<string, unknown>) => (r.key as { user_id: number }).user_id === topKey.user_id;
    const userSum = (results: Record<string, unknown>[]) => {
      const mine = results.filter(ofUser);
      return mine.length === 0 ? undefined : mine.reduce((sum, r) => sum + (r.count as number), 0);
    };
    await expect.poll(() => keyRowProblem(userSum), { timeout: 20_000 }).toBe('equal');
    // More of the user's closed windows (not the newest row, whose results may still be arriving).
    const newest = (await chartRows())[0]?.start;
    const userRows = await page.$$eval('#chart-table tbody tr[data-key-value]:not([data-key-value=""])', (trs) => trs.map((tr) => [Number(tr.getAttribute('data-start')), Number(tr.getAttribute('data-key-value'))]));
    const closedUserRows = userRows.filter(([start]) => start !== newest).slice(0, 5);
    expect(closedUserRows.length).toBeGreaterThan(0);
    for (const [start, value] of closedUserRows) expect(value).toBe(userSum(await instanceResults(tally.url, 'per_2s', start as number)));

    // The whole key (user and page): the API's one result of that key.
    await page.fill('input[data-field="page"]', topKey.page);
    await page.press('input[data-field="page"]', 'Enter');
    await expect.poll(() => page.textContent('#chart-key-caption')).toContain(`count per per_2s window, key user_id = ${topKey.user_id}, page = ${JSON.stringify(topKey.page)}; latest`);
    await expect
      .poll(() => keyRowProblem((results) => results.find((r) => ofUser(r) && (r.key as { page: string }).page === topKey.page)?.count as number | undefined), { timeout: 20_000 })
      .toBe('equal');

    // The heat strip: 24 hours, each closed hour the sum of the hourly window's results.
    // Polled: just after an hour starts, the strip moves on and the hour just closed has its value a moment later.
    const heatStrip = () => page.$$eval('#heat-strip li', (lis) => lis.map((li) => ({ start: Number(li.getAttribute('data-start')), value: li.getAttribute('data-value') ?? '' })));
    const stripProblem = async (): Promise<string> => {
      const cells = await heatStrip();
      const currentHour = Math.floor(Date.now() / HOUR) * HOUR;
      if (cells.length !== 24) return `${cells.length} cells`;
      if (cells.at(-1)?.start !== currentHour) return `newest cell starts at ${cells.at(-1)?.start}, not at the current hour ${currentHour}`;
      const empty = cells.slice(0, -1).filter((c) => c.value === '');
      return empty.length === 0 ? 'complete' : `closed hours without a value: ${empty.map((c) => c.start).join(', ')}`;
    };
    await expect.poll(stripProblem, { timeout: 20_000 }).toBe('complete');
    const closed = (await heatStrip()).slice(0, -1);
    for (const cell of [closed[0], closed[11], closed[22]]) expect(Number(cell?.value)).toBe(await countOf(tally.url, 'hourly', cell?.start as number));

    // Job health: the figures of /status.
    const status = (await call(tally.url, 'GET', '/status')).json as { counts: { badRecords: number } };
    await expect.poll(async () => Number((await page.textContent('[data-figure="bad"]'))?.replace(/,/g, ''))).toBeGreaterThanOrEqual(status.counts.badRecords);
    expect(await page.textContent('[data-figure="checkpoint"]')).toBe('no checkpoint store');
    expect(await page.locator('#partitions tbody tr[data-partition="0"]').count()).toBe(1);
    expect(await page.locator('#bad-records li strong').count()).toBeGreaterThan(0);

    await page.screenshot({ path: join(ARTIFACTS, 'laptop-1366x768.png'), fullPage: true });

    // Top users and pages of a busy instance too: the latest closed hour (hundreds of clicks).
    await page.selectOption('#chart-window', 'hourly');
    await expect.poll(async () => (await topFieldTables()).users.length, { timeout: 10_000 }).toBe(10);
    await expectTopUsersAndPages('hourly');
    expect((await topFieldTables()).pages.length).toBeGreaterThanOrEqual(5);
    // The user alone again (page emptied), per hour: each hour the sum over the many pages they clicked.
    await page.fill('input[data-field="page"]', '');
    await page.press('input[data-field="page"]', 'Enter');
    await expect.poll(() => page.textContent('#chart-key-caption')).toContain(`count per hourly window, key user_id = ${topKey.user_id}, summed over page`);
    const hourRows = async () =>
      page.$$eval('#chart-table tbody tr[data-key-value]:not([data-key-value=""])', (trs) => trs.map((tr) => [Number(tr.getAttribute('data-start')), Number(tr.getAttribute('data-key-value'))]));
    await expect.poll(async () => (await hourRows()).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    for (const [start, value] of (await hourRows()).slice(0, 3)) {
      const results = await instanceResults(tally.url, 'hourly', start as number);
      expect(results.filter(ofUser).length).toBeGreaterThan(1);
      expect(value).toBe(userSum(results));
    }
    await page.selectOption('#chart-window', 'per_2s');
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

  it('adds a window with its own aggregations and filter through the form, charts its outputs from when it is exact, and shows refusals', async () => {
    const { page } = browser;
    await page.click('#window-new');
    await page.fill('#window-form input[name="name"]', 'shop_2s');
    await page.selectOption('#window-form select[name="kind"]', 'tumbling');
    await page.fill('#window-form input[name="size"]', '2s');
    await page.fill('#window-form input[name="aggregations"]', 'count, max(value)');
    await page.fill('#window-form input[name="filter"]', "page startsWith '/shop'");
    await page.click('#window-submit');
    // The token was given in the test before (kept in the tab): no dialog this time.
    await expect.poll(() => page.textContent('#window-message'), { timeout: 10_000 }).toContain('Added shop_2s');
    expect(await page.isVisible('#token-dialog')).toBe(false);

    // The new definition and its exact-from time, as GET /windows reports them.
    const listed = await listedWindow('shop_2s');
    expect(listed?.spec).toMatchObject({ sizeMs: 2_000, aggregations: [{ fn: 'count', field: null }, { fn: 'max', field: 'value' }], filter: "page startsWith '/shop'" });
    expect(listed?.outputs).toEqual(['count', 'max_value']);
    const exactFromMs = listed?.exactFromMs as number;
    expect(exactFromMs).toBeGreaterThan(Date.now() - 60_000);
    const spelled = (listed?.spec.aggregations ?? []).map((a) => (a.field === null ? a.fn : `${a.fn}(${a.field})`)).join(', ');
    const row = 'tr[data-window="shop_2s"]';
    await expect.poll(() => page.textContent(`${row} [data-definition]`)).toBe(`tumbling 2s; aggregations ${spelled}; filter ${listed?.spec.filter as string}`);
    expect(await page.getAttribute(`${row} [data-exact-from]`, 'data-exact-from')).toBe(String(exactFromMs));
    expect(await page.textContent(`${row} [data-exact-from]`)).toBe(new Date(exactFromMs).toISOString().replace('.000Z', 'Z'));
    expect(await page.getAttribute('#window-message', 'data-exact-from_shop_2s')).toBe(String(exactFromMs));
    expect(await page.textContent(`${row} td.n`)).toBe(String(listed?.version));

    // Charted: the measures are the window's own outputs; a closed window after the exact-from time
    // (not the newest row, whose results may still be arriving) shows the API's figures of its keys.
    await page.selectOption('#chart-window', 'shop_2s');
    await expect.poll(measureChoices).toEqual(listed?.outputs);
    expect(await page.inputValue('#chart-measure')).toBe('count');
    const exactRow = async () => (await chartRows()).slice(1).find((r) => r.start >= exactFromMs && r.end - r.start === 2_000);
    await expect.poll(exactRow, { timeout: 25_000 }).toBeDefined();
    const charted = (await exactRow()) as { start: number; value: number | null };
    const results = await instanceResults(tally.url, 'shop_2s', charted.start);
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => String(r.key.page).startsWith('/shop') && !('sum_value' in r))).toBe(true);
    expect(charted.value).toBe(results.reduce((sum, r) => sum + (r.count as number), 0));
    await page.selectOption('#chart-measure', 'max_value');
    await expect.poll(() => page.textContent('#chart-all-caption')).toContain('max_value per shop_2s window, all keys');
    const chartedMax = (await chartRows()).find((r) => r.start === charted.start);
    expect(chartedMax?.value).toBe(Math.max(...results.map((r) => r.max_value as number)));
    await page.selectOption('#chart-measure', 'count');

    // Refused changes: the server's 400 message next to the form, the field at fault marked, nothing changed.
    await page.click('button[aria-label="Change window shop_2s"]');
    expect(await page.inputValue('#window-form input[name="aggregations"]')).toBe('count, max(value)');
    expect(await page.inputValue('#window-form input[name="filter"]')).toBe("page startsWith '/shop'");
    const refusals: [field: string, text: string, body: Record<string, unknown>][] = [
      ['aggregations', 'count, median(value)', { aggregations: ['count', 'median(value)'] }],
      ['filter', "page startsWith", { filter: 'page startsWith' }],
    ];
    for (const [field, text, body] of refusals) {
      await page.click('button[aria-label="Change window shop_2s"]');
      await page.fill(`#window-form input[name="${field}"]`, text);
      await page.click('#window-submit');
      const answer = await call(tally.url, 'PATCH', '/windows/shop_2s', { token: TOKEN, body });
      expect(answer.status).toBe(400);
      const { code, message } = (answer.json as { error: { code: string; message: string } }).error;
      await expect.poll(() => page.getAttribute('#window-message', 'data-kind')).toBe('error');
      await expect.poll(() => page.textContent('#window-message')).toBe(`Refused (${code}): ${message}`);
      expect(await page.getAttribute(`#window-form input[name="${field}"]`, 'aria-invalid')).toBe('true');
      expect(await page.$eval(':focus', (focused) => focused.getAttribute('name'))).toBe(field);
    }
    expect(await page.$eval('#window-message', (m) => m.closest('#windows') !== null && m.previousElementSibling?.id === 'window-form')).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'window-form-refused.png'), fullPage: true });
    expect((await listedWindow('shop_2s'))?.version).toBe(listed?.version);
    // Chrome logs each 400 answer itself; nothing else may appear.
    const refused = browser.errors.filter((e) => /^console: Failed to load resource: the server responded with a status of 400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/windows\/shop_2s\)$/.test(e));
    expect(refused.length).toBeLessThanOrEqual(refusals.length);
    expect(browser.errors.filter((e) => !refused.includes(e))).toEqual([]);
    browser.errors.length = 0;

    // Back to the window the other tests chart.
    await page.click('#window-new');
    await page.selectOption('#chart-window', 'per_2s');
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
    expect(await page.getByRole('textbox', { name: 'Key page' }).count()).toBe(1);
    expect(await page.getByRole('textbox', { name: 'Aggregations' }).count()).toBe(1);
    expect(await page.getByRole('textbox', { name: 'Filter' }).count()).toBe(1);
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
