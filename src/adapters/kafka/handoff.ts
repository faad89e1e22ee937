// Handoff: a small bounded queue between kafkajs' push callbacks and the job's pull loop.

/**
 * `push` resolves once the item is taken or there is room (capacity items may wait), which is the
 * backpressure: kafkajs does not fetch more of a partition while its batch callback waits.
 * `close` ends the reader after the waiting items; `fail` ends it with an error.
 */
export class Handoff<T> {
  private readonly items: T[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  private itemWaiter: (() => void) | null = null;
  private closed = false;
  private error: unknown = null;

  constructor(private readonly capacity: number) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves when the item has room in the queue (immediately after close: the item is dropped). */
  async push(item: T): Promise<void> {
    if (this.closed) return;
    while (this.items.length >= this.capacity && !this.closed) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    if (this.closed) return;
    this.items.push(item);
    this.wakeReader();
  }

  /** The next item, or null once closed and drained. */
  async next(): Promise<T | null> {
    for (;;) {
      if (this.items.length > 0) {
        const item = this.items.shift() as T;
        this.spaceWaiters.shift()?.();
        return item;
      }
      if (this.error !== null) throw this.error;
      if (this.closed) return null;
      await new Promise<void>((resolve) => (this.itemWaiter = resolve));
    }
  }

  close(): void {
    this.closed = true;
    this.wakeAll();
  }

  fail(error: unknown): void {
    this.error = error;
    this.closed = true;
    this.items.length = 0;
    this.wakeAll();
  }

  private wakeReader(): void {
    const waiter = this.itemWaiter;
    this.itemWaiter = null;
    waiter?.();
  }

  private wakeAll(): void {
    this.wakeReader();
    for (const waiter of this.spaceWaiters.splice(0)) waiter();
  }
}
