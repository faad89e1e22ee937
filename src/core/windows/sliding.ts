// SlidingWindows: [k·slide + offset, k·slide + offset + size), every one that contains the event.

import { floorTo, type EpochMs } from '../time/epoch.js';
import { gridAfter, gridAtOrAfter, type AlignedAssigner } from './aligned-assigner.js';

/** Edges are window starts (≡ offset mod slide) and window ends (≡ offset + size mod slide). */
export class SlidingWindows implements AlignedAssigner {
  constructor(
    readonly sizeMs: number,
    readonly slideMs: number,
    readonly offsetMs = 0,
  ) {}

  edgeAtOrBefore(t: EpochMs): EpochMs {
    return Math.max(floorTo(t, this.slideMs, this.offsetMs), floorTo(t, this.slideMs, this.offsetMs + this.sizeMs));
  }

  edgeAfter(t: EpochMs): EpochMs {
    return (
      Math.min(floorTo(t, this.slideMs, this.offsetMs), floorTo(t, this.slideMs, this.offsetMs + this.sizeMs)) + this.slideMs
    );
  }

  lastEndContaining(t: EpochMs): EpochMs {
    return floorTo(t, this.slideMs, this.offsetMs) + this.sizeMs;
  }

  forEachWindowContaining(t: EpochMs, visit: (start: EpochMs, end: EpochMs) => void): void {
    for (let start = floorTo(t, this.slideMs, this.offsetMs); start > t - this.sizeMs; start -= this.slideMs) {
      visit(start, start + this.sizeMs);
    }
  }

  edgeNeededUntil(t: EpochMs): EpochMs {
    if (floorTo(t, this.slideMs, this.offsetMs) === t) return t + this.sizeMs;
    if (floorTo(t, this.slideMs, this.offsetMs + this.sizeMs) === t) return t;
    return Number.NEGATIVE_INFINITY;
  }

  firstStartAtOrAfter(t: EpochMs): EpochMs {
    return gridAtOrAfter(t, this.slideMs, this.offsetMs);
  }

  firstStartAfter(t: EpochMs): EpochMs {
    return gridAfter(t, this.slideMs, this.offsetMs);
  }

  firstOpenStart(t: EpochMs): EpochMs {
    return gridAfter(t - this.sizeMs, this.slideMs, this.offsetMs);
  }
}
