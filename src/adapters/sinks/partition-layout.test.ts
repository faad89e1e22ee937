import { describe, expect, it } from 'vitest';
import { checkpointIdOfPart, isStagedKey, partitionOf, partKeyOf, stagedKeyOf } from './partition-layout.js';

/** Epoch ms of a UTC time; unlike Date.UTC, years 0–99 are those years, not 1900–1999. */
function atUtc(year: number, month: number, day: number, hour = 0, minute = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, 0, 0);
  return date.getTime();
}

describe('partitionOf', () => {
  // The UTC day and hour of the window's start, whatever the window's own time zone:
  //
  //   Asia/Shanghai  2026-11-23 00:00 +08:00 ─────────────── 2026-11-24 00:00 +08:00
  //   UTC            2026-11-22 16:00 ─────────────────────── 2026-11-23 16:00
  //                  └ dt=2026-11-22/hour=16
  it.each([
    ['a Shanghai calendar day: the UTC hour of its start', 'daily_cn', Date.UTC(2026, 10, 22, 16), 'window=daily_cn/dt=2026-11-22/hour=16'],
    ['a minute inside an hour', 'per_minute', Date.UTC(2026, 10, 23, 14, 37, 12, 345), 'window=per_minute/dt=2026-11-23/hour=14'],
    ['a start exactly on the hour', 'per_minute', Date.UTC(2026, 10, 23, 15), 'window=per_minute/dt=2026-11-23/hour=15'],
    ['a start 1 ms before the hour', 'per_minute', Date.UTC(2026, 10, 23, 15) - 1, 'window=per_minute/dt=2026-11-23/hour=14'],
    ['a session, by its first event (its start), across midnight', 'visit', Date.UTC(2026, 10, 23, 23, 59, 59, 999), 'window=visit/dt=2026-11-23/hour=23'],
    ['a count window, by its start', 'last5', Date.UTC(2026, 1, 28, 0, 0, 0, 1), 'window=last5/dt=2026-02-28/hour=00'],
    ['a global window (start 0)', 'running', 0, 'window=running/dt=1970-01-01/hour=00'],
    ['1 ms before 1970', 'w', -1, 'window=w/dt=1969-12-31/hour=23'],
    ['before 1970, inside an hour', 'w', Date.UTC(1900, 0, 1, 5, 30), 'window=w/dt=1900-01-01/hour=05'],
    ['a leap day', 'w', Date.UTC(2024, 1, 29, 9), 'window=w/dt=2024-02-29/hour=09'],
    ['year 1: four digits', 'w', atUtc(1, 1, 1, 2), 'window=w/dt=0001-01-01/hour=02'],
    ['year 0', 'w', atUtc(0, 1, 1), 'window=w/dt=0000-01-01/hour=00'],
    ['year −1: a minus and four digits', 'w', atUtc(-1, 6, 15, 7, 45), 'window=w/dt=-0001-06-15/hour=07'],
    ['the first time a Date holds', 'w', -8.64e15, 'window=w/dt=-271821-04-20/hour=00'],
    ['a five-digit year', 'w', Date.UTC(10000, 0, 1, 3, 20), 'window=w/dt=10000-01-01/hour=03'],
    ['the last time a Date holds', 'w', 8.64e15, 'window=w/dt=275760-09-13/hour=00'],
  ])('puts %s in its UTC day and hour', (_what, window, startMs, partition) => {
    expect(partitionOf(window, startMs)).toBe(partition);
  });

  it('gives partitions whose part names are recognised as parts, for any year', () => {
    for (const startMs of [0, -1, Date.UTC(2026, 10, 22, 16), Date.UTC(10000, 0, 1, 3), 8.64e15, -8.64e15]) {
      const key = partKeyOf(partitionOf('daily_cn', startMs), 12, 3, 'parquet');
      expect(checkpointIdOfPart(key), key).toBe(12);
    }
  });
});

describe('part and staged names', () => {
  it('names parts by checkpoint and number, zero-padded so that they sort in the order of writing', () => {
    expect(partKeyOf('window=w/dt=2026-11-23/hour=14', 12, 0, 'parquet')).toBe('window=w/dt=2026-11-23/hour=14/part-0000000012-00000.parquet');
    const keys = [partKeyOf('p', 9, 2, 'ndjson'), partKeyOf('p', 10, 0, 'ndjson'), partKeyOf('p', 9, 10, 'ndjson')];
    expect([...keys].sort()).toEqual([keys[0], keys[2], keys[1]]);
  });

  it('recognises only names of the layout as parts, and staged names only as staged', () => {
    expect(checkpointIdOfPart('window=w/dt=2026-11-23/hour=14/part-0000000012-00001.ndjson')).toBe(12);
    for (const other of [
      'window=w/dt=2026-11-23/hour=14/part-0000000012-00001.csv',
      'window=w/dt=2026-11-23/hour=14/.~tmp-abc',
      'window=1w/dt=2026-11-23/hour=14/part-0000000012-00001.ndjson',
      'notes/window=w/dt=2026-11-23/hour=14/part-0000000012-00001.ndjson',
      'window=w/dt=2026-11-23/part-0000000012-00001.ndjson',
    ]) {
      expect(checkpointIdOfPart(other), other).toBeNull();
    }
    const staged = stagedKeyOf('run7', 42, 'parquet');
    expect(staged).toBe('_pending/run7/00000042.parquet.staged');
    expect(isStagedKey(staged)).toBe(true);
    expect(checkpointIdOfPart(staged)).toBeNull();
    expect(isStagedKey('_pending/run7/00000042.parquet')).toBe(false);
    expect(isStagedKey(partKeyOf('window=w/dt=2026-11-23/hour=14', 1, 0, 'parquet'))).toBe(false);
  });
});
