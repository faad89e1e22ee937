import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeSourceProgressContract } from '../../../test/contracts/source-progress.contract.js';
import { StdinSource } from './stdin.js';

describe('StdinSource', () => {
  it('yields the lines of its input with their line numbers', async () => {
    const input = new PassThrough();
    const source = new StdinSource(input);
    input.end('a\nb\nc');
    const seen: [string, unknown][] = [];
    for await (const batch of source.batches()) batch.records.forEach((r, i) => seen.push([r, batch.positionOf(i)]));
    expect(seen).toEqual([
      ['a', { kind: 'stdin', line: 1 }],
      ['b', { kind: 'stdin', line: 2 }],
      ['c', { kind: 'stdin', line: 3 }],
    ]);
  });

  it('gives as position the bytes up to the first line not processed, and no lag', async () => {
    const input = new PassThrough();
    const source = new StdinSource(input);
    expect(source.progress()).toEqual([{ partition: 0, position: 0, lag: null, unit: 'bytes' }]);
    const iterator = source.batches();
    input.write('{"a":"é"}\n{"b":2}\n{"c"');
    const first = await iterator.next();
    expect(first.value?.records).toEqual(['{"a":"é"}', '{"b":2}']);
    // The batch in hand is not processed until the next one is asked for.
    expect(source.progress()).toEqual([{ partition: 0, position: 0, lag: null, unit: 'bytes' }]);
    input.end(':3}\n');
    const second = await iterator.next();
    expect(second.value?.records).toEqual(['{"c":3}']);
    expect(source.progress()).toEqual([{ partition: 0, position: 19, lag: null, unit: 'bytes' }]);
    expect((await iterator.next()).done).toBe(true);
    expect(source.progress()).toEqual([{ partition: 0, position: 27, lag: null, unit: 'bytes' }]);
  });

  it('ends quietly when stopped while waiting for input', async () => {
    const input = new PassThrough();
    const source = new StdinSource(input);
    input.write('x\n');
    const lines: string[] = [];
    const done = (async () => {
      for await (const batch of source.batches()) lines.push(...batch.records);
    })();
    await new Promise((r) => setTimeout(r, 20));
    source.stop();
    await expect(done).resolves.toBeUndefined();
    expect(lines).toEqual(['x']);
  });
});

describeSourceProgressContract('StdinSource', async () => {
  const text = Array.from({ length: 500 }, (_, i) => `{"n":${i},"page":"/é"}\n`).join('');
  // Small chunks: many batches.
  const input = Readable.from(Array.from({ length: Math.ceil(text.length / 100) }, (_, i) => Buffer.from(text.slice(i * 100, i * 100 + 100))));
  return { source: new StdinSource(input), unit: 'bytes', endPosition: Buffer.byteLength(text), knowsLag: false, cleanup: async () => {} };
});
