// TumblingWindows: [k·size + offset, (k+1)·size + offset), aligned to the Unix epoch in UTC.

import { floorTo, type EpochMs } from '../time/epoch.js';
import { gridAfter, gridAtOrAfter, type AlignedAssigner } from './aligned-assigner.js';

export class TumblingWindows implements AlignedAssigner {
  constructor(
    readonly sizeMs: number,
    readonly offsetMs = 0,
  ) {}

  edgeAtOrBefore(t: EpochMs): EpochMs {
    return floorTo(t, this.sizeMs, this.offsetMs);
  }

  edgeAfter(t: EpochMs): EpochMs {
    return floorTo(t, this.sizeMs, this.offsetMs) + this.sizeMs;
  }

  lastEndContaining(t: EpochMs): EpochMs {
    return floorTo(t, this.sizeMs, this.offsetMs) + this.sizeMs;
  }

  forEachWindowContaining(t: EpochMs, visit: (start: EpochMs, end: EpochMs) => void): void {
    const start = floorTo(t, this.sizeMs, this.offsetMs);
    visit(start, start + this.sizeMs);
  }

  edgeNeededUntil(t: EpochMs): EpochMs {
    return floorTo(t, this.sizeMs, this.offsetMs) === t ? t + this.sizeMs : Number.NEGATIVE_INFINITY;
  }

  firstStartAtOrAfter(t: EpochMs): EpochMs {
    return gridAtOrAfter(t, this.sizeMs, this.offsetMs);
  }

  firstStartAfter(t: EpochMs): EpochMs {
    return gridAfter(t, this.sizeMs, this.offsetMs);
  }

  firstOpenStart(t: EpochMs): EpochMs {
    return gridAfter(t - this.sizeMs, this.sizeMs, this.offsetMs);
  }
}
