// CountWindows: per key in arrival order, window j holds arrivals [j·slide, j·slide + size).

import type { Partial, PartialOps } from '../aggregate/aggregate-plan.js';
import type { FieldValue } from '../event/click-event.js';
import { gcd } from '../util/gcd.js';

/** A run of `blockSize` consecutive arrivals: the count-window counterpart of a time slice. */
export interface CountBlock {
  readonly index: number;
  readonly partial: Partial;
  minTimeMs: number;
  maxTimeMs: number;
}

export interface CountKeyState {
  arrivals: number;
  /** The last size/blockSize blocks, oldest first; the last one may be incomplete. */
  readonly blocks: CountBlock[];
}

/** A finished count window: arrivals [first, first + count) of one key. */
export interface CountWindowOutput {
  readonly keyId: number;
  readonly windowIndex: number;
  readonly partial: Partial;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
}

/**
 * Blocks of gcd(size, slide) arrivals are combined into windows, so an arrival costs one partial
 * update and a window costs size/gcd combines, whatever the slide.
 */
export class CountWindows {
  readonly blockSize: number;
  readonly byKey = new Map<number, CountKeyState>();
  private readonly blocksPerWindow: number;

  constructor(
    readonly size: number,
    readonly slide: number,
    private readonly plan: PartialOps,
  ) {
    this.blockSize = gcd(size, slide);
    this.blocksPerWindow = size / this.blockSize;
  }

  /** Takes over the arrivals of another instance of the same definition (the job's definitions changed; see reconfigure.ts). */
  takeStateOf(other: CountWindows): void {
    for (const [keyId, state] of other.byKey) this.byKey.set(keyId, state);
  }

  /** Adds one arrival; returns the window it completes, or null. */
  add(keyId: number, t: number, fields: Readonly<Record<string, FieldValue>>): CountWindowOutput | null {
    let state = this.byKey.get(keyId);
    if (state === undefined) {
      state = { arrivals: 0, blocks: [] };
      this.byKey.set(keyId, state);
    }
    const blockIndex = Math.floor(state.arrivals / this.blockSize);
    let block = state.blocks[state.blocks.length - 1];
    if (block === undefined || block.index !== blockIndex) {
      block = { index: blockIndex, partial: this.plan.empty(), minTimeMs: t, maxTimeMs: t };
      state.blocks.push(block);
      if (state.blocks.length > this.blocksPerWindow) state.blocks.shift();
    }
    this.plan.add(block.partial, fields);
    if (t < block.minTimeMs) block.minTimeMs = t;
    if (t > block.maxTimeMs) block.maxTimeMs = t;
    state.arrivals += 1;
    const endArrival = state.arrivals;
    if (endArrival % this.blockSize !== 0) return null;
    const firstArrival = endArrival - this.size;
    return firstArrival >= 0 && firstArrival % this.slide === 0 ? this.window(keyId, state, firstArrival / this.slide) : null;
  }

  /** The windows that have arrivals but are not complete (end of a bounded input), oldest first. */
  forEachIncomplete(emit: (w: CountWindowOutput) => void): void {
    for (const keyId of this.byKey.keys()) this.forEachIncompleteOf(keyId, emit);
  }

  /** The windows of one key that have arrivals but are not complete, oldest first. */
  forEachIncompleteOf(keyId: number, emit: (w: CountWindowOutput) => void): void {
    const state = this.byKey.get(keyId);
    if (state === undefined) return;
    const firstWindow = Math.max(0, Math.floor((state.arrivals - this.size) / this.slide) + 1);
    for (let j = firstWindow; j * this.slide < state.arrivals; j++) emit(this.window(keyId, state, j));
  }

  private window(keyId: number, state: CountKeyState, windowIndex: number): CountWindowOutput {
    const firstBlock = (windowIndex * this.slide) / this.blockSize;
    const partial = this.plan.empty();
    let minTimeMs = Number.POSITIVE_INFINITY;
    let maxTimeMs = Number.NEGATIVE_INFINITY;
    for (const block of state.blocks) {
      if (block.index < firstBlock || block.index >= firstBlock + this.blocksPerWindow) continue;
      this.plan.combine(partial, block.partial);
      if (block.minTimeMs < minTimeMs) minTimeMs = block.minTimeMs;
      if (block.maxTimeMs > maxTimeMs) maxTimeMs = block.maxTimeMs;
    }
    return { keyId, windowIndex, partial, minTimeMs, maxTimeMs };
  }
}
