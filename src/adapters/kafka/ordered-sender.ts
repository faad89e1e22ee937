// Sending in order, one at a time, and nothing after the first failure: the rule the Kafka sink's
// producer keeps on its thread (producer-worker.ts) and on the job's thread (LocalChannel).

/**
 * Runs `send` for each submitted item, one at a time and in submission order. Once one send
 * fails, later items are not sent (they would land after a gap): each fails with that first error.
 */
export class OrderedSender<T> {
  private queue: Promise<void> = Promise.resolve();
  private failure: { readonly error: unknown } | null = null;

  constructor(private readonly send: (item: T) => Promise<void>) {}

  /** Resolves once `item` is sent; rejects with its error, or with the earlier failure that kept it from being sent. */
  submit(item: T): Promise<void> {
    const sent = this.queue.then(async () => {
      if (this.failure !== null) throw this.failure.error;
      try {
        await this.send(item);
      } catch (error) {
        this.failure ??= { error };
        throw error;
      }
    });
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  /** Resolves (never rejects) once every item submitted so far is sent or failed. */
  settled(): Promise<void> {
    return this.queue;
  }
}
