import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSourceProgressContract } from '../../../test/contracts/source-progress.contract.js';
import type { RawBatch } from '../../ports/source.js';
import { FileSource } from './file.js';

async function collect(source: FileSource): Promise<RawBatch[]> {
  const batches: RawBatch[] = [];
  for await (const batch of source.batches()) batches.push(batch);
  return batches;
}

/** A temporary directory for the test, removed afterwards. */
async function inTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tally-file-'));
  try {
    await test(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('FileSource', () => {
  it('fails with SOURCE_UNREACHABLE naming the file when it cannot be read', async () => {
    const source = new FileSource('/no/such/events.ndjson');
    await expect(collect(source)).rejects.toMatchObject({ code: 'SOURCE_UNREACHABLE', retriable: false, message: expect.stringContaining('/no/such/events.ndjson') });
  });

  it('resumes after a batch at its byte offset, numbering lines on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tally-file-'));
    try {
      const path = join(dir, 'events.ndjson');
      // Over 1 MiB of lines with multi-byte characters: more than one batch.
      const lines = Array.from({ length: 40_000 }, (_, i) => `{"n":${i},"page":"/é€/${'x'.repeat(i % 40)}"}`);
      await writeFile(path, `${lines.join('\n')}\n`);
      const whole = await collect(new FileSource(path));
      expect(whole.length).toBeGreaterThan(1);
      const resumed = new FileSource(path);
      await resumed.resumeFrom(whole[0]?.resumeAfter ?? {});
      const rest = await collect(resumed);
      expect(rest.flatMap((b) => b.records)).toEqual(lines.slice(whole[0]?.records.length));
      expect(rest[0]?.positionOf(0)).toEqual({ kind: 'file', file: path, line: (whole[0]?.records.length ?? 0) + 1 });

      await truncate(path, 100);
      await expect(new FileSource(path).resumeFrom(whole[0]?.resumeAfter ?? {})).rejects.toMatchObject({ code: 'CHECKPOINT_MISMATCH' });
      await expect(new FileSource(join(dir, 'other.ndjson')).resumeFrom(whole[0]?.resumeAfter ?? {})).rejects.toMatchObject({ code: 'CHECKPOINT_MISMATCH' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('progress', () => {
    /** 40 lines of 20 bytes each with their newline: 800 bytes. */
    const lines = Array.from({ length: 40 }, (_, i) => `{"n":${String(i).padStart(3, '0')},"p":"/xy"}`);
    const text = `${lines.join('\n')}\n`;

    it('gives the byte offset of the first line not processed and the bytes after it, down to 0 at the end', async () => {
      await inTempDir(async (dir) => {
        const path = join(dir, 'events.ndjson');
        await writeFile(path, text);
        expect(Buffer.byteLength(text)).toBe(800);
        const source = new FileSource(path, Number.POSITIVE_INFINITY, 64);
        expect(source.progress()).toEqual([{ partition: 0, position: 0, lag: null, unit: 'bytes' }]);
        let processed = 0;
        const lags: number[] = [];
        for await (const batch of source.batches()) {
          // The batch in hand is not processed until the next one is asked for.
          const [progress] = source.progress();
          expect(progress).toEqual({ partition: 0, position: processed, lag: 800 - processed, unit: 'bytes' });
          lags.push(progress?.lag as number);
          processed = batch.resumeAfter?.byteOffset as number;
        }
        expect(lags.length).toBeGreaterThan(5);
        expect(source.progress()).toEqual([{ partition: 0, position: 800, lag: 0, unit: 'bytes' }]);
      });
    });

    it('raises the lag when lines are appended while the file is read, and reads them too', async () => {
      await inTempDir(async (dir) => {
        const path = join(dir, 'events.ndjson');
        await writeFile(path, text);
        const source = new FileSource(path, Number.POSITIVE_INFINITY, 64);
        const iterator = source.batches();
        const first = await iterator.next();
        const second = await iterator.next();
        expect(first.done === false && second.done === false).toBe(true);
        const position = (first.value as RawBatch).resumeAfter?.byteOffset as number;
        expect(source.progress()[0]).toMatchObject({ position, lag: 800 - position });

        // 400 more bytes while the reader is far from the end: the next chunk read sees the new size.
        const more = Array.from({ length: 20 }, (_, i) => `{"n":${String(100 + i).padStart(3, '0')},"p":"/xy"}`);
        await appendFile(path, `${more.join('\n')}\n`);
        const third = await iterator.next();
        expect(third.done).toBe(false);
        const after = (second.value as RawBatch).resumeAfter?.byteOffset as number;
        expect(source.progress()[0]).toMatchObject({ position: after, lag: 1200 - after });

        const records = [...(first.value as RawBatch).records, ...(second.value as RawBatch).records, ...(third.value as RawBatch).records];
        for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) records.push(...next.value.records);
        expect(records).toEqual([...lines, ...more]);
        expect(source.progress()).toEqual([{ partition: 0, position: 1200, lag: 0, unit: 'bytes' }]);
      });
    });

    it('starts at the resumed byte offset, and keeps the lag of what is left when stopped', async () => {
      await inTempDir(async (dir) => {
        const path = join(dir, 'events.ndjson');
        await writeFile(path, text);
        const source = new FileSource(path, Number.POSITIVE_INFINITY, 64);
        await source.resumeFrom({ file: path, byteOffset: 200, line: 11 });
        expect(source.progress()).toEqual([{ partition: 0, position: 200, lag: 600, unit: 'bytes' }]);
        let position = 200;
        for await (const batch of source.batches()) {
          position = batch.resumeAfter?.byteOffset as number;
          source.stop();
        }
        expect(position).toBeLessThan(800);
        expect(source.progress()).toEqual([{ partition: 0, position, lag: 800 - position, unit: 'bytes' }]);
      });
    });

    it('counts a last line without a newline and skipped over-long lines in bytes', async () => {
      await inTempDir(async (dir) => {
        const path = join(dir, 'events.ndjson');
        const content = `{"a":1}\n${'x'.repeat(300)}\n{"b":2}`;
        await writeFile(path, content);
        const source = new FileSource(path, 50, 64);
        const records: string[] = [];
        for await (const batch of source.batches()) records.push(...batch.records);
        expect(records).toHaveLength(3);
        expect(source.progress()).toEqual([{ partition: 0, position: Buffer.byteLength(content), lag: 0, unit: 'bytes' }]);
      });
    });
  });
});

describeSourceProgressContract('FileSource', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tally-file-'));
  const path = join(dir, 'events.ndjson');
  const text = Array.from({ length: 500 }, (_, i) => `{"n":${i},"page":"/é"}\n`).join('');
  await writeFile(path, text);
  return {
    source: new FileSource(path, Number.POSITIVE_INFINITY, 256),
    unit: 'bytes',
    endPosition: Buffer.byteLength(text),
    knowsLag: true,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
