import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
