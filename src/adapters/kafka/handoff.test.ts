import { describe, expect, it } from 'vitest';
import { Handoff } from './handoff.js';

describe('Handoff', () => {
  it('hands items over in order', async () => {
    const h = new Handoff<number>(2);
    await h.push(1);
    await h.push(2);
    expect(await h.next()).toBe(1);
    expect(await h.next()).toBe(2);
  });

  it('holds a push while the queue is full, until the reader takes an item', async () => {
    const h = new Handoff<number>(1);
    await h.push(1);
    let pushed = false;
    const second = h.push(2).then(() => (pushed = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(pushed).toBe(false);
    expect(await h.next()).toBe(1);
    await second;
    expect(pushed).toBe(true);
    expect(await h.next()).toBe(2);
  });

  it('wakes a waiting reader when an item arrives', async () => {
    const h = new Handoff<string>(1);
    const read = h.next();
    await h.push('a');
    expect(await read).toBe('a');
  });

  it('ends the reader after the waiting items on close, and releases waiting pushes', async () => {
    const h = new Handoff<number>(1);
    await h.push(1);
    const blocked = h.push(2);
    h.close();
    await blocked;
    expect(await h.next()).toBe(1);
    expect(await h.next()).toBeNull();
  });

  it('throws the failure to the reader', async () => {
    const h = new Handoff<number>(1);
    const read = h.next();
    h.fail(new Error('consumer crashed'));
    await expect(read).rejects.toThrow('consumer crashed');
  });
});
