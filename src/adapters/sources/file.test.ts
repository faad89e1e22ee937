import { describe, expect, it } from 'vitest';
import { FileSource } from './file.js';

describe('FileSource', () => {
  it('fails with SOURCE_UNREACHABLE naming the file when it cannot be read', async () => {
    const source = new FileSource('/no/such/events.ndjson');
    const read = async (): Promise<void> => {
      for await (const batch of source.batches()) void batch;
    };
    await expect(read()).rejects.toMatchObject({ code: 'SOURCE_UNREACHABLE', retriable: false, message: expect.stringContaining('/no/such/events.ndjson') });
  });
});
