import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NdjsonStreamSink } from './ndjson-stream.js';

describe('NdjsonStreamSink', () => {
  it('writes one line per item into a file, creating its directories', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tally-sink-')), 'a', 'b', 'out.ndjson');
    const sink = NdjsonStreamSink.toFile<{ n: number; s: string }>(path, (x) => JSON.stringify(x));
    await sink.write([{ n: 1, s: 'é€😀' }, { n: 2, s: 'x'.repeat(100_000) }]);
    await sink.write([]);
    await sink.close();
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.length).toBe(3);
    expect(JSON.parse(lines[0] as string)).toEqual({ n: 1, s: 'é€😀' });
    expect((JSON.parse(lines[1] as string) as { s: string }).s.length).toBe(100_000);
  });

  it('fails with the cause when the directory cannot be made (and does not hang)', () => {
    expect(() => NdjsonStreamSink.toFile('/proc/tally-no/such/out.ndjson', String)).toThrow(/ENOENT|EACCES|EPERM/);
  });

  it('waits for drain when the stream is full (backpressure)', async () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    const sink = NdjsonStreamSink.toStream<string>('test', stream, (x) => x);
    let isDone = false;
    const pending = sink.write(['a'.repeat(64)]).then(() => (isDone = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(isDone).toBe(false);
    stream.read();
    await pending;
    expect(isDone).toBe(true);
  });

  it('flush resolves only once the lines written so far are in the file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tally-sink-')), 'out.ndjson');
    const sink = NdjsonStreamSink.toFile<string>(path, (x) => x);
    await sink.write(Array.from({ length: 5_000 }, (_v, i) => `line ${i} ${'y'.repeat(100)}`));
    await sink.flush();
    expect(readFileSync(path, 'utf8').split('\n').length).toBe(5_001);
    await sink.close();
  });

  it('flush waits for a stream that has not taken its data yet', async () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    const sink = NdjsonStreamSink.toStream<string>('test', stream, (x) => x);
    void sink.write(['a'.repeat(64)]);
    let isFlushed = false;
    const flushed = sink.flush().then(() => (isFlushed = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(isFlushed).toBe(false);
    stream.resume();
    await flushed;
    expect(isFlushed).toBe(true);
  });

  it('reports a stream error on the next write', async () => {
    const stream = new PassThrough();
    const sink = NdjsonStreamSink.toStream<string>('test', stream, (x) => x);
    stream.emit('error', new Error('disk full'));
    await expect(sink.write(['a'])).rejects.toThrow('disk full');
  });
});
