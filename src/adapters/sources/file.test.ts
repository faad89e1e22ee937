import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawBatch } from '../../ports/source.js';
import { FileSource } from './file.js';

async function collect(source: FileSource): Promise<RawBatch[]> {
  const batches: RawBatch[] = [];
  for await (const batch of source.batches()) batches.push(batch);
  return batches;
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
});
