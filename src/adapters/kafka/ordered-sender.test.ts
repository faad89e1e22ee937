import { describe, expect, it } from 'vitest';
import { OrderedSender } from './ordered-sender.js';

/** A send whose calls are recorded and settled by hand. */
function manualSend(): { send: (item: number) => Promise<void>; calls: { item: number; resolve: () => void; reject: (error: Error) => void }[] } {
  const calls: { item: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  const send = (item: number) => new Promise<void>((resolve, reject) => calls.push({ item, resolve, reject }));
  return { send, calls };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('OrderedSender', () => {
  it('sends one item at a time, in submission order, each after the previous one settled', async () => {
    const { send, calls } = manualSend();
    const sender = new OrderedSender(send);
    const done = [sender.submit(1), sender.submit(2), sender.submit(3)];
    await tick();
    expect(calls.map((c) => c.item)).toEqual([1]);
    calls[0]?.resolve();
    await tick();
    expect(calls.map((c) => c.item)).toEqual([1, 2]);
    calls[1]?.resolve();
    await tick();
    calls[2]?.resolve();
    await Promise.all(done);
    expect(calls.map((c) => c.item)).toEqual([1, 2, 3]);
  });

  it('sends nothing after the first failure: later items fail with that error, and settled() still resolves', async () => {
    const { send, calls } = manualSend();
    const sender = new OrderedSender(send);
    const first = sender.submit(1);
    const second = sender.submit(2);
    const third = sender.submit(3);
    await tick();
    const broken = new Error('message too large');
    calls[0]?.reject(broken);
    await expect(first).rejects.toBe(broken);
    await expect(second).rejects.toBe(broken);
    await expect(third).rejects.toBe(broken);
    await expect(sender.submit(4)).rejects.toBe(broken);
    await expect(sender.settled()).resolves.toBeUndefined();
    expect(calls.map((c) => c.item)).toEqual([1]);
  });
});
