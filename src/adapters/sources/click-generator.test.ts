import { describe, expect, it } from 'vitest';
import { EngineError } from '../../core/errors.js';
import { parseEventLine } from '../../core/event/parse-event-line.js';
import { ClickGenerator, seededRandom, zipfSampler, type ClickGeneratorOptions } from './click-generator.js';

const START_MS = Date.parse('2026-11-23T00:00:00Z');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const base: ClickGeneratorOptions = { eventsPerSecond: 1000, users: 1000, pages: 100, seed: 42, startTimeMs: START_MS };

function take(generator: ClickGenerator, n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(generator.next());
  return lines;
}

/** Parses a line the test knows is valid. */
function fieldsOf(line: string): Record<string, unknown> & { eventTimeMs: number } {
  const parsed = parseEventLine(line);
  if (parsed.kind !== 'event') throw new Error(`expected a valid event: ${line}`);
  // The parsed fields are this line's own object, so adding the parsed time to it is harmless.
  return Object.assign(parsed.fields as Record<string, unknown>, { eventTimeMs: parsed.eventTimeMs });
}

function countBy<T>(values: Iterable<T>): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const first = Array.from({ length: 1000 }, seededRandom(7));
    expect(Array.from({ length: 1000 }, seededRandom(7))).toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(first).size).toBe(1000);
  });

  it('gives different sequences for seeds that differ only above 32 bits', () => {
    const a = seededRandom(1);
    const b = seededRandom(1 + 2 ** 32);
    expect([a(), a(), a()]).not.toEqual([b(), b(), b()]);
  });
});

describe('zipfSampler', () => {
  it('draws rank k with probability proportional to 1 / (k + 1)^exponent', () => {
    const n = 10;
    const draw = zipfSampler(n, 1, seededRandom(3));
    const counts = new Array<number>(n).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) {
      const k = draw();
      counts[k] = (counts[k] as number) + 1;
    }
    const harmonic = Array.from({ length: n }, (_, k) => 1 / (k + 1)).reduce((a, b) => a + b, 0);
    counts.forEach((count, k) => {
      const expected = draws / (k + 1) / harmonic;
      expect(Math.abs(count - expected)).toBeLessThan(5 * Math.sqrt(expected));
    });
  });

  it('stays within 0..n-1 for large n and returns 0 when n is 1', () => {
    const draw = zipfSampler(100_000, 1.1, seededRandom(9));
    const ranks = Array.from({ length: 10_000 }, draw);
    expect(ranks.every((k) => Number.isInteger(k) && k >= 0 && k < 100_000)).toBe(true);
    expect(zipfSampler(1, 1, seededRandom(1))()).toBe(0);
  });

  it('rejects a non-positive n', () => {
    expect(() => zipfSampler(0, 1, Math.random)).toThrow(RangeError);
  });
});

describe('ClickGenerator', () => {
  it('gives identical lines for identical options and other lines for another seed', () => {
    const first = take(new ClickGenerator(base), 20_000);
    expect(take(new ClickGenerator(base), 20_000)).toEqual(first);
    expect(take(new ClickGenerator({ ...base, seed: 43 }), 20_000)).not.toEqual(first);
  });

  it('counts lines in sequence', () => {
    const generator = new ClickGenerator(base);
    expect(generator.sequence).toBe(0);
    take(generator, 5);
    expect(generator.sequence).toBe(5);
  });

  it('writes valid events that parseEventLine accepts, with the expected fields', () => {
    const generator = new ClickGenerator(base);
    const actions = ['click', 'view', 'scroll', 'tap', 'submit'];
    const problems: string[] = [];
    let valid = 0;
    let isoTimestamps = 0;
    let utm = 0;
    // Plain checks in the loop (an expect per line would dominate the run time); failures are listed at the end.
    for (let i = 0; i < 100_000; i++) {
      const line = generator.next();
      if (generator.isLastLineMalformed) continue;
      valid++;
      const parsed = parseEventLine(line);
      if (parsed.kind !== 'event') {
        problems.push(`rejected (${parsed.reason}): ${line}`);
        continue;
      }
      const fields = parsed.fields as Record<string, unknown>;
      const { timestamp, value, duration_ms: durationMs, url, page, country, action } = fields;
      if (typeof timestamp === 'string') isoTimestamps++;
      else if (!Number.isInteger(timestamp)) problems.push(`timestamp not an integer: ${line}`);
      if (!(typeof value === 'number' && value > 0)) problems.push(`value not positive: ${line}`);
      if (!(Number.isInteger(durationMs) && (durationMs as number) > 0)) problems.push(`bad duration_ms: ${line}`);
      if (typeof url !== 'string' || !url.startsWith(`https://shop.example${page as string}`)) problems.push(`bad url: ${line}`);
      else if (url.includes('?utm_source=')) utm++;
      if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country)) problems.push(`bad country: ${line}`);
      if (!actions.includes(action as string)) problems.push(`bad action: ${line}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(isoTimestamps / valid).toBeGreaterThan(0.04);
    expect(isoTimestamps / valid).toBeLessThan(0.06);
    expect(utm / valid).toBeGreaterThan(0.18);
    expect(utm / valid).toBeLessThan(0.22);
  });

  it('makes about malformedFraction of the lines bad records, of every kind', () => {
    for (const [fraction, lines] of [
      [0.001, 300_000],
      [0.02, 100_000],
    ] as const) {
      const generator = new ClickGenerator({ ...base, malformedFraction: fraction });
      const reasons: string[] = [];
      for (let i = 0; i < lines; i++) {
        const line = generator.next();
        if (!generator.isLastLineMalformed) continue;
        const parsed = parseEventLine(line);
        reasons.push(parsed.kind === 'bad' ? parsed.reason : `accepted: ${line}`);
      }
      expect(reasons.filter((reason) => reason.startsWith('accepted'))).toEqual([]);
      const expected = fraction * lines;
      expect(Math.abs(reasons.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
      if (fraction === 0.02) {
        expect([...new Set(reasons)].sort()).toEqual([
          'INVALID_PAGE',
          'INVALID_TIMESTAMP',
          'INVALID_USER_ID',
          'MISSING_USER_ID',
          'NOT_AN_OBJECT',
          'NOT_JSON',
        ]);
      }
    }
  });

  it('writes no bad record when malformedFraction is 0', () => {
    const generator = new ClickGenerator({ ...base, malformedFraction: 0 });
    const accepted = take(generator, 50_000).filter((line) => parseEventLine(line).kind === 'event');
    expect(accepted.length).toBe(50_000);
  });

  it('moves about outOfOrderFraction of the events back by 1..maxDelayMs', () => {
    const generator = new ClickGenerator({ ...base, outOfOrderFraction: 0.05, maxDelayMs: 500, malformedFraction: 0 });
    const lines = 100_000;
    const delays: number[] = [];
    for (let i = 0; i < lines; i++) {
      const inOrderMs = generator.nextEventTimeMs;
      const { eventTimeMs } = fieldsOf(generator.next());
      if (eventTimeMs !== inOrderMs) delays.push(inOrderMs - eventTimeMs);
    }
    const expected = 0.05 * lines;
    expect(Math.abs(delays.length - expected)).toBeLessThan(4 * Math.sqrt(expected));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(500);
    expect(Math.max(...delays)).toBeGreaterThan(450);
  });

  it('keeps every event at its in-order time when outOfOrderFraction is 0, in both timestamp spellings', () => {
    // 100/s for 20 000 lines spans several minutes, so the cached ISO minute text changes too.
    const generator = new ClickGenerator({ ...base, eventsPerSecond: 100, outOfOrderFraction: 0, malformedFraction: 0 });
    const mismatches: string[] = [];
    let isoTimestamps = 0;
    for (let i = 0; i < 20_000; i++) {
      const inOrderMs = generator.nextEventTimeMs;
      const line = generator.next();
      const { eventTimeMs, timestamp } = fieldsOf(line);
      if (typeof timestamp === 'string') {
        isoTimestamps++;
        if (timestamp !== new Date(inOrderMs).toISOString()) mismatches.push(line);
      }
      if (eventTimeMs !== inOrderMs) mismatches.push(line);
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(isoTimestamps).toBeGreaterThan(500);
  });

  it('skews users: the hottest id is far more frequent than the median one, and not always id 1', () => {
    const hottest = new Set<unknown>();
    for (const seed of [1, 2, 3, 4, 5]) {
      const generator = new ClickGenerator({ ...base, seed, malformedFraction: 0 });
      const userIds = take(generator, 20_000)
        .map((line) => fieldsOf(line).user_id)
        .filter((id) => typeof id === 'number');
      const counts = [...countBy(userIds)].sort((a, b) => b[1] - a[1]);
      const top = counts[0] as [unknown, number];
      const median = counts[Math.floor(base.users / 2)]?.[1] ?? 0; // ids never drawn count 0
      expect(top[1]).toBeGreaterThan(50 * Math.max(median, 1));
      expect(counts.every(([id]) => Number.isInteger(id) && (id as number) >= 1 && (id as number) <= 1000)).toBe(true);
      hottest.add(top[0]);
    }
    expect(hottest.size).toBeGreaterThan(1);
  });

  it('skews pages: the home page leads, /health is about 1%, and actions follow their weights', () => {
    const generator = new ClickGenerator({ ...base, malformedFraction: 0 });
    const lines = 100_000;
    const events = take(generator, lines).map(fieldsOf);
    const pages = [...countBy(events.map((e) => e.page))].sort((a, b) => b[1] - a[1]);
    expect(pages[0]?.[0]).toBe('/');
    expect(pages.length).toBeLessThanOrEqual(100);
    const health = events.filter((e) => e.page === '/health');
    expect(health.length / lines).toBeGreaterThan(0.008);
    expect(health.length / lines).toBeLessThan(0.012);
    expect(health.every((e) => e.user_id === 'uptime-monitor')).toBe(true);
    const actions = countBy(events.filter((e) => e.page !== '/health').map((e) => e.action));
    const clicks = lines - health.length;
    for (const [action, share] of [
      ['click', 0.5],
      ['view', 0.3],
      ['scroll', 0.1],
      ['tap', 0.08],
      ['submit', 0.02],
    ] as const) {
      expect(Math.abs((actions.get(action) ?? 0) / clicks - share)).toBeLessThan(0.01);
    }
  });

  it('uses the given actions, the first most often', () => {
    const generator = new ClickGenerator({ ...base, actions: ['open', 'close'], malformedFraction: 0, pages: 1 });
    const counts = countBy(take(generator, 10_000).map((line) => fieldsOf(line).action));
    expect([...counts.keys()].sort()).toEqual(['close', 'open']);
    expect(counts.get('open')).toBeGreaterThan(counts.get('close') as number);
  });

  it('averages eventsPerSecond over a simulated day, from any start time', () => {
    for (const startTimeMs of [START_MS, START_MS + 13 * HOUR_MS + 37 * 60_000 + 123]) {
      const generator = new ClickGenerator({ ...base, eventsPerSecond: 2, startTimeMs });
      let count = 0;
      while (generator.nextEventTimeMs < startTimeMs + DAY_MS) {
        generator.next();
        count++;
      }
      expect(Math.abs(count / (2 * 86_400) - 1)).toBeLessThan(0.05);
    }
  });

  it('is quiet at 04:00 UTC and busiest at 20:00 UTC, about four times busier', () => {
    //  00:00          04:00 trough                       20:00 peak        24:00
    //  |----falling----|--------------rising--------------|----falling-----|
    const generator = new ClickGenerator({ ...base, eventsPerSecond: 5 });
    const perHour = new Array<number>(24).fill(0);
    while (generator.nextEventTimeMs < START_MS + DAY_MS) {
      const hour = Math.floor((generator.nextEventTimeMs - START_MS) / HOUR_MS);
      perHour[hour] = (perHour[hour] as number) + 1;
      generator.next();
    }
    const quietest = perHour.indexOf(Math.min(...perHour));
    const busiest = perHour.indexOf(Math.max(...perHour));
    expect([3, 4]).toContain(quietest);
    expect([19, 20]).toContain(busiest);
    const ratio = (perHour[20] as number) / (perHour[4] as number);
    expect(ratio).toBeGreaterThan(3.5);
    expect(ratio).toBeLessThan(4.5);
  });

  it('counts the lines due by a time from its schedule, as generating them would', () => {
    // Spans within a minute, across minute edges, from mid-stream, and at rates from sparse to dense.
    for (const [eventsPerSecond, startTimeMs, skipped, spansMs] of [
      [1000, START_MS, 0, [0, 1, 999, 60_000, 61_234, 5 * 60_000 + 17]],
      [7, START_MS + 59_500, 3, [0, 500, 10 * 60_000 + 1]],
      [0.01, START_MS + 4 * HOUR_MS, 0, [0, 99_999, 100_000, 3 * HOUR_MS]],
      [333.3, START_MS + 20 * HOUR_MS + 30_001, 12_345, [2 * 60_000 + 5]],
    ] as const) {
      const generator = new ClickGenerator({ ...base, eventsPerSecond, startTimeMs });
      take(generator, skipped);
      for (const spanMs of spansMs) {
        const timeMs = generator.nextEventTimeMs + spanMs;
        const counted = generator.linesDueBy(timeMs);
        const replica = new ClickGenerator({ ...base, eventsPerSecond, startTimeMs });
        take(replica, skipped);
        let due = 0;
        while (replica.nextEventTimeMs <= timeMs) {
          replica.next();
          due++;
        }
        expect(counted, `${eventsPerSecond}/s, ${spanMs} ms after line ${skipped}`).toBe(due);
      }
      expect(generator.linesDueBy(generator.nextEventTimeMs - 1)).toBe(0);
    }
  });

  it('counts whole days of lines due at eventsPerSecond × 86 400 each', () => {
    const generator = new ClickGenerator({ ...base, eventsPerSecond: 2 });
    take(generator, 1000);
    const days = 3;
    const timeMs = generator.nextEventTimeMs + days * DAY_MS + 6 * HOUR_MS;
    const replica = new ClickGenerator({ ...base, eventsPerSecond: 2 });
    take(replica, 1000);
    let due = 0;
    while (replica.nextEventTimeMs <= timeMs) {
      replica.next();
      due++;
    }
    // The steps of a whole day add up to the day: its count is off by the rounding only.
    expect(Math.abs(generator.linesDueBy(timeMs) - due)).toBeLessThanOrEqual(days);
    expect(due).toBeGreaterThan(days * 2 * 86_400);
  });

  it('writes integer timestamps even when events are far apart or very dense', () => {
    for (const eventsPerSecond of [0.5, 3, 1_000_000]) {
      const generator = new ClickGenerator({ ...base, eventsPerSecond, malformedFraction: 0 });
      const timestamps = take(generator, 2000).map((line) => fieldsOf(line).timestamp);
      expect(timestamps.every((t) => typeof t === 'string' || Number.isInteger(t))).toBe(true);
    }
  });

  it('rejects invalid options with CONFIG_INVALID naming the field', () => {
    const cases: [Partial<ClickGeneratorOptions>, string][] = [
      [{ eventsPerSecond: 0 }, 'eventsPerSecond'],
      [{ users: 0 }, 'users'],
      [{ pages: 1.5 }, 'pages'],
      [{ malformedFraction: 2 }, 'malformedFraction'],
      [{ maxDelayMs: 0 }, 'maxDelayMs'],
      [{ actions: [] }, 'actions'],
    ];
    for (const [patch, path] of cases) {
      let error: unknown;
      try {
        new ClickGenerator({ ...base, ...patch });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('CONFIG_INVALID');
      expect((error as EngineError).path).toBe(path);
    }
  });
});
