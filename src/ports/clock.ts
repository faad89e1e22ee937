// Clock port: the only way the runtime reads processing time (tests pass a manual clock).

export interface Clock {
  /** Milliseconds since the epoch, processing time. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
