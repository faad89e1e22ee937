// Ending a Kafka thread: it is asked to close (disconnect its client, leave its group) and given time
// to say it has; whatever it is doing after that, it is terminated.

import type { Worker } from 'node:worker_threads';

/**
 * Waits until `closed` (the thread's acknowledgement), `exited` or `waitMs` passes, whichever comes
 * first, then terminates the worker and waits for its exit.
 */
export async function endWorker(worker: Worker, closed: Promise<void>, exited: Promise<void>, waitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, exited, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
  await worker.terminate();
  await exited;
}
