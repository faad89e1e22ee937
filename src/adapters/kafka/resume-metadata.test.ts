import { describe, expect, it } from 'vitest';
import { decodeResumePoint, encodeResumePoint } from './resume-metadata.js';

describe('resume metadata', () => {
  it('round-trips a resume point', () => {
    const point = { completeUpToMs: 1_700_000_060_000, maxEventTimeBeforeMs: 1_700_000_065_432, processedUpTo: 12_345, job: 'abcdef0123456789' };
    expect(decodeResumePoint(encodeResumePoint(point))).toEqual(point);
  });

  it('round-trips a point before any window closed', () => {
    const point = { completeUpToMs: null, maxEventTimeBeforeMs: null, processedUpTo: 0, job: 'j' };
    expect(decodeResumePoint(encodeResumePoint(point))).toEqual(point);
  });

  it('reads metadata written by other applications as no resume point', () => {
    for (const foreign of [null, undefined, '', 'consumer-7', '{"tally":2}', '[]', '{"tally":1,"completeUpTo":"x","maxEventTimeBefore":null,"processedUpTo":1,"job":"j"}', '{"tally":1,"completeUpTo":null,"maxEventTimeBefore":null,"processedUpTo":-1,"job":"j"}']) {
      expect(decodeResumePoint(foreign)).toBeNull();
    }
  });

  it('stays well under the 4096 bytes brokers keep by default', () => {
    const text = encodeResumePoint({ completeUpToMs: 8.64e15, maxEventTimeBeforeMs: 8.64e15, processedUpTo: Number.MAX_SAFE_INTEGER, job: 'f'.repeat(16) });
    expect(text.length).toBeLessThan(256);
  });
});
