import { describe, expect, it } from 'vitest';
import { describeSourceProgressContract } from '../../../test/contracts/source-progress.contract.js';
import { parseEventLine } from '../../core/event/parse-event-line.js';
import type { Clock } from '../../ports/clock.js';
import type { RawBatch } from '../../ports/source.js';
import { ClickGenerator } from './click-generator.js';
import { DEFAULT_GENERATOR_START_MS, GeneratorSource, type GeneratorSourceOptions } from './generator.js';

const MIDNIGHT_MS = Date.parse('2026-11-23T00:00:00Z');

const options: GeneratorSourceOptions = {
  eventsPerSecond: 1000,
  users: 100,
  pages: 20,
  seed: 5,
  maxEvents: 10_000,
  startTimeMs: null,
  realtime: false,
};

/** A manual clock; its sleep advances the clock instead of waiting, and records each pause. */
function fakeTime(startMs: number): { clock: Clock; sleep: (ms: number) => Promise<void>; sleeps: number[]; advance(ms: number): void } {
  let nowMs = startMs;
  const sleeps: number[] = [];
  return {
    clock: { now: () => nowMs },
    sleep: async (ms) => {
      sleeps.push(ms);
      nowMs += ms;
    },
    sleeps,
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

const neverSleep = async (): Promise<void> => {
  throw new Error('a non-realtime source must not sleep');
};

async function collect(batches: AsyncIterable<RawBatch>): Promise<RawBatch[]> {
  const all: RawBatch[] = [];
  for await (const batch of batches) all.push(batch);
  return all;
}

/** The event time (epoch ms) of a valid line, or null for a bad record. */
function eventTimeOf(line: string): number | null {
  const parsed = parseEventLine(line);
  return parsed.kind === 'event' ? parsed.eventTimeMs : null;
}

describe('GeneratorSource', () => {
  it('starts at 2026-11-23T00:00:00Z by default when not realtime', () => {
    expect(DEFAULT_GENERATOR_START_MS).toBe(MIDNIGHT_MS);
    expect(DEFAULT_GENERATOR_START_MS).toBe(1_795_392_000_000);
  });

  it('yields maxEvents lines in batches of 4096, the same lines as ClickGenerator, then ends', async () => {
    const time = fakeTime(0);
    const source = new GeneratorSource(options, { clock: time.clock, sleep: neverSleep });
    expect(source.isBounded).toBe(true);
    const batches = await collect(source.batches());
    expect(batches.map((b) => b.records.length)).toEqual([4096, 4096, 1808]);
    expect(batches.every((b) => b.partition === 0)).toBe(true);

    const generator = new ClickGenerator({ ...options, startTimeMs: DEFAULT_GENERATOR_START_MS });
    const expected = Array.from({ length: 10_000 }, () => generator.next());
    expect(batches.flatMap((b) => b.records)).toEqual(expected);
  });

  it('gives each record its sequence number as position', async () => {
    const source = new GeneratorSource({ ...options, maxEvents: 5000, batchSize: 1000 }, { clock: fakeTime(0).clock });
    const batches = await collect(source.batches());
    expect(batches[0]?.positionOf(0)).toEqual({ kind: 'generator', sequence: 0 });
    expect(batches[2]?.positionOf(7)).toEqual({ kind: 'generator', sequence: 2007 });
    expect(batches[4]?.positionOf(999)).toEqual({ kind: 'generator', sequence: 4999 });
  });

  it('resumes after any batch with the lines and positions that followed it', async () => {
    const whole = await collect(new GeneratorSource({ ...options, batchSize: 1500 }, { clock: fakeTime(0).clock }).batches());
    for (const cut of [0, 3, whole.length - 1]) {
      const source = new GeneratorSource({ ...options, batchSize: 1500 }, { clock: fakeTime(9_999).clock });
      await source.resumeFrom((whole[cut] as RawBatch).resumeAfter ?? {});
      const rest = await collect(source.batches());
      expect(rest.flatMap((b) => b.records)).toEqual(whole.slice(cut + 1).flatMap((b) => b.records));
      expect(rest[0]?.positionOf(0) ?? null).toEqual(whole[cut + 1]?.positionOf(0) ?? null);
    }
  });

  it('refuses a position of another seed', async () => {
    const [first] = await collect(new GeneratorSource({ ...options, maxEvents: 10 }, { clock: fakeTime(0).clock }).batches());
    const other = new GeneratorSource({ ...options, seed: 6 }, { clock: fakeTime(0).clock });
    await expect(other.resumeFrom(first?.resumeAfter ?? {})).rejects.toMatchObject({ code: 'CHECKPOINT_MISMATCH' });
  });

  it('starts event time at startTimeMs when given', async () => {
    const startTimeMs = Date.parse('2030-01-01T12:00:00Z');
    const source = new GeneratorSource({ ...options, maxEvents: 10, startTimeMs }, { clock: fakeTime(0).clock });
    const [batch] = await collect(source.batches());
    expect(eventTimeOf(batch?.records[0] as string)).toBe(startTimeMs);
  });

  it('is unbounded without maxEvents and ends after stop() at the next batch', async () => {
    const source = new GeneratorSource({ ...options, maxEvents: null }, { clock: fakeTime(0).clock, sleep: neverSleep });
    expect(source.isBounded).toBe(false);
    let batches = 0;
    for await (const batch of source.batches()) {
      expect(batch.records.length).toBe(4096);
      batches++;
      if (batches === 3) source.stop();
      if (batches > 10) break;
    }
    expect(batches).toBe(3);
  });

  it('yields nothing when stopped before the first batch', async () => {
    const source = new GeneratorSource(options, { clock: fakeTime(0).clock });
    source.stop();
    expect(await collect(source.batches())).toEqual([]);
  });

  it('paces a realtime source to eventsPerSecond, starting event time at the clock', async () => {
    const time = fakeTime(MIDNIGHT_MS);
    const source = new GeneratorSource(
      { ...options, realtime: true, maxEvents: null },
      { clock: time.clock, sleep: time.sleep },
    );
    let lines = 0;
    const sizes: number[] = [];
    for await (const batch of source.batches()) {
      // Every released line is due: its event time is not after the wall clock.
      const times = batch.records.map(eventTimeOf).filter((t): t is number => t !== null);
      expect(Math.max(...times)).toBeLessThanOrEqual(time.clock.now());
      if (lines === 0) expect(Math.min(...times)).toBe(MIDNIGHT_MS);
      lines += batch.records.length;
      sizes.push(batch.records.length);
      if (time.clock.now() >= MIDNIGHT_MS + 10_000) break;
    }
    // 10 s of wall time at 1000/s (the daily curve is at its average around midnight UTC).
    expect(Math.abs(lines / 10_000 - 1)).toBeLessThan(0.02);
    expect(time.sleeps.every((ms) => ms === 50)).toBe(true);
    expect(time.sleeps.length).toBe(200);
    expect(sizes[0]).toBe(1); // at the start only the first event is due
    expect(Math.max(...sizes.slice(1))).toBeLessThan(60);
  });

  it('follows the daily curve in realtime: quieter at 04:00 UTC than at 20:00 UTC', async () => {
    const linesInTenSeconds = async (startMs: number): Promise<number> => {
      const time = fakeTime(startMs);
      const source = new GeneratorSource({ ...options, realtime: true, maxEvents: null }, { clock: time.clock, sleep: time.sleep });
      let lines = 0;
      for await (const batch of source.batches()) {
        lines += batch.records.length;
        if (time.clock.now() >= startMs + 10_000) break;
      }
      return lines;
    };
    const quiet = await linesInTenSeconds(MIDNIGHT_MS + 4 * 3_600_000);
    const busy = await linesInTenSeconds(MIDNIGHT_MS + 20 * 3_600_000);
    expect(busy / quiet).toBeGreaterThan(3.5);
    expect(busy / quiet).toBeLessThan(4.5);
  });

  it('catches up in full batches without sleeping after a slow consumer', async () => {
    const time = fakeTime(MIDNIGHT_MS);
    const source = new GeneratorSource(
      { ...options, realtime: true, maxEvents: null },
      { clock: time.clock, sleep: time.sleep },
    );
    const sizes: number[] = [];
    for await (const batch of source.batches()) {
      sizes.push(batch.records.length);
      if (sizes.length === 1) time.advance(10_000); // the consumer took 10 s over the first batch
      if (time.sleeps.length > 1) break; // paused after the first batch, and again once caught up
    }
    // 1 line at 0 ms; the consumer returns at 10 000 ms, the source pauses 50 ms, then releases
    // the ~10 050 due lines in full batches and a partial one, then pauses and goes on at the normal pace.
    expect(sizes.slice(0, 3)).toEqual([1, 4096, 4096]);
    expect(sizes[3]).toBeLessThan(4096);
    expect(Math.abs(sizes.slice(0, 4).reduce((a, b) => a + b, 0) / 10_050 - 1)).toBeLessThan(0.02);
    expect(sizes[4]).toBeLessThan(60);
  });

  it('backfills: starts backfillMs before the clock, releases that span at once in full batches, then paces to the wall clock', async () => {
    const time = fakeTime(MIDNIGHT_MS);
    const source = new GeneratorSource({ ...options, realtime: true, maxEvents: null, backfillMs: 20_000 }, { clock: time.clock, sleep: time.sleep });
    expect(source.description).toBe('generator 1000/s seed 5, realtime, backfill 20000 ms');
    const sizes: number[] = [];
    let first: readonly string[] | null = null;
    for await (const batch of source.batches()) {
      const times = batch.records.map(eventTimeOf).filter((t): t is number => t !== null);
      first ??= batch.records;
      // Event time never runs ahead of the wall clock.
      expect(Math.max(...times)).toBeLessThanOrEqual(time.clock.now());
      sizes.push(batch.records.length);
      if (time.clock.now() >= MIDNIGHT_MS + 1_000) break;
    }
    // The lines of a generator started 20 s before the clock's time.
    const expected = new ClickGenerator({ ...options, startTimeMs: MIDNIGHT_MS - 20_000 });
    expect(first).toEqual(Array.from({ length: 4096 }, () => expected.next()));
    // The 20 s before the start (about 20,000 lines) come without a pause, 4096 at a time.
    expect(sizes.slice(0, 4)).toEqual([4096, 4096, 4096, 4096]);
    expect(time.sleeps[0]).toBe(50);
    const backfilled = sizes.slice(0, sizes.findIndex((n) => n < 4096) + 1).reduce((a, b) => a + b, 0);
    expect(Math.abs(backfilled / 20_000 - 1)).toBeLessThan(0.02);
    // Then about 1000 lines per second of wall time.
    expect(Math.max(...sizes.slice(6))).toBeLessThan(60);
  });

  it('resumes a backfilled run on its first schedule: event time still equals wall-clock time', async () => {
    const time = fakeTime(MIDNIGHT_MS);
    const first = new GeneratorSource({ ...options, realtime: true, maxEvents: null, backfillMs: 5_000 }, { clock: time.clock, sleep: time.sleep });
    let resumeAfter: RawBatch['resumeAfter'] | null = null;
    for await (const batch of first.batches()) {
      resumeAfter = batch.resumeAfter;
      break;
    }
    time.advance(60_000);
    const again = new GeneratorSource({ ...options, realtime: true, maxEvents: null, backfillMs: 5_000 }, { clock: time.clock, sleep: time.sleep });
    await again.resumeFrom(resumeAfter as NonNullable<typeof resumeAfter>);
    let last = 0;
    for await (const batch of again.batches()) {
      const times = batch.records.map(eventTimeOf).filter((t): t is number => t !== null);
      last = Math.max(last, ...times);
      if (batch.records.length < 4096) break;
    }
    // The minute the job was down came at once, up to the clock and not beyond.
    expect(last).toBeLessThanOrEqual(time.clock.now());
    expect(last).toBeGreaterThan(time.clock.now() - 1_000);
  });

  it('refuses a backfill without realtime or with a start time', () => {
    const clock = fakeTime(0).clock;
    expect(() => new GeneratorSource({ ...options, backfillMs: 1_000 }, { clock })).toThrow(/backfill needs realtime/);
    expect(() => new GeneratorSource({ ...options, realtime: true, startTimeMs: 0, backfillMs: 1_000 }, { clock })).toThrow(/backfill/);
    expect(() => new GeneratorSource({ ...options, realtime: true, backfillMs: 0 }, { clock })).toThrow(/backfill/);
  });

  it('ends a realtime source after maxEvents', async () => {
    const time = fakeTime(MIDNIGHT_MS);
    const source = new GeneratorSource({ ...options, realtime: true, maxEvents: 500 }, { clock: time.clock, sleep: time.sleep });
    expect(source.isBounded).toBe(true);
    const batches = await collect(source.batches());
    expect(batches.reduce((n, b) => n + b.records.length, 0)).toBe(500);
    expect(time.clock.now() - MIDNIGHT_MS).toBeGreaterThan(400);
    expect(time.clock.now() - MIDNIGHT_MS).toBeLessThan(600);
  });

  it('ends a realtime source on stop() while it waits', async () => {
    const time = fakeTime(MIDNIGHT_MS);
    const source = new GeneratorSource(
      { ...options, realtime: true, maxEvents: null },
      {
        clock: time.clock,
        sleep: async (ms) => {
          await time.sleep(ms);
          if (time.sleeps.length === 5) source.stop();
        },
      },
    );
    const batches = await collect(source.batches());
    expect(batches.length).toBe(5);
  });

  describe('progress', () => {
    it('gives the sequence number of the next line to process and the lines left up to maxEvents, down to 0', async () => {
      const source = new GeneratorSource({ ...options, maxEvents: 5000, batchSize: 1000 }, { clock: fakeTime(0).clock, sleep: neverSleep });
      expect(source.progress()).toEqual([{ partition: 0, position: 0, lag: 5000, unit: 'records' }]);
      let processed = 0;
      for await (const batch of source.batches()) {
        // The batch in hand is not processed until the next one is asked for.
        expect(source.progress()).toEqual([{ partition: 0, position: processed, lag: 5000 - processed, unit: 'records' }]);
        processed += batch.records.length;
      }
      expect(source.progress()).toEqual([{ partition: 0, position: 5000, lag: 0, unit: 'records' }]);
    });

    it('has no lag when endless and not realtime', async () => {
      const source = new GeneratorSource({ ...options, maxEvents: null, batchSize: 100 }, { clock: fakeTime(0).clock, sleep: neverSleep });
      let batches = 0;
      for await (const _ of source.batches()) if (++batches === 3) break;
      expect(source.progress()).toEqual([{ partition: 0, position: 200, lag: null, unit: 'records' }]);
    });

    it('starts at the resumed sequence number', async () => {
      const source = new GeneratorSource({ ...options, maxEvents: 5000 }, { clock: fakeTime(0).clock });
      await source.resumeFrom({ seed: options.seed, sequence: 1234, startTimeMs: MIDNIGHT_MS, wallStartMs: 0 });
      expect(source.progress()).toEqual([{ partition: 0, position: 1234, lag: 3766, unit: 'records' }]);
    });

    it('counts the lines due by the clock and not processed as the lag of a realtime source', async () => {
      const time = fakeTime(MIDNIGHT_MS);
      const batchSize = 4096;
      const source = new GeneratorSource({ ...options, realtime: true, maxEvents: null, batchSize }, { clock: time.clock, sleep: time.sleep });
      expect(source.progress()).toEqual([{ partition: 0, position: 0, lag: null, unit: 'records' }]);
      const sizes: number[] = [];
      let lagAfterStall = 0;
      for await (const batch of source.batches()) {
        const [progress] = source.progress();
        const processed = sizes.reduce((a, b) => a + b, 0);
        expect(progress?.position).toBe(processed);
        // A partial batch holds every line due; a full one leaves some for the next.
        if (batch.records.length < batchSize) expect(progress?.lag).toBe(batch.records.length);
        else expect(progress?.lag).toBeGreaterThan(batch.records.length);
        sizes.push(batch.records.length);
        if (sizes.length === 1) time.advance(10_000); // the consumer took 10 s over the first batch
        if (sizes.length === 2) lagAfterStall = progress?.lag ?? 0;
        if (time.sleeps.length > 3) break;
      }
      // The lag seen with the first batch after the stall (and the 50 ms pause before it) is every
      // line released until the source caught up and paused again.
      const firstPartial = sizes.findIndex((size, i) => i > 0 && size < batchSize);
      expect(sizes.slice(0, 3)).toEqual([1, 4096, 4096]);
      expect(lagAfterStall).toBe(sizes.slice(1, firstPartial + 1).reduce((a, b) => a + b, 0));
    });

    it('keeps the lag of a realtime source within maxEvents, 0 at the end', async () => {
      const time = fakeTime(MIDNIGHT_MS);
      const source = new GeneratorSource({ ...options, realtime: true, maxEvents: 500 }, { clock: time.clock, sleep: time.sleep });
      let isFirst = true;
      for await (const _ of source.batches()) {
        if (isFirst) {
          time.advance(10_000);
          expect(source.progress()).toEqual([{ partition: 0, position: 0, lag: 500, unit: 'records' }]);
          isFirst = false;
        }
      }
      expect(source.progress()).toEqual([{ partition: 0, position: 500, lag: 0, unit: 'records' }]);
    });
  });

  it('describes itself for logs', () => {
    const source = new GeneratorSource({ ...options, realtime: true }, { clock: fakeTime(0).clock });
    expect(source.description).toBe('generator 1000/s seed 5, realtime, 10000 events');
  });
});

describeSourceProgressContract('GeneratorSource', async () => ({
  source: new GeneratorSource({ ...options, maxEvents: 2500, batchSize: 1000 }, { clock: fakeTime(0).clock, sleep: neverSleep }),
  unit: 'records',
  endPosition: 2500,
  knowsLag: true,
  cleanup: async () => {},
}));
