// CalendarWindows: local days, ISO weeks (Monday 00:00) and months in an IANA time zone.

import type { EpochMs } from '../time/epoch.js';
import { ZonedCalendar } from '../time/calendar.js';
import type { AlignedAssigner } from './aligned-assigner.js';
import type { CalendarUnit } from './window-spec.js';

export class CalendarWindows implements AlignedAssigner {
  private readonly calendar: ZonedCalendar;

  constructor(
    readonly unit: CalendarUnit,
    timeZone: string,
  ) {
    this.calendar = new ZonedCalendar(timeZone);
  }

  edgeAtOrBefore(t: EpochMs): EpochMs {
    return this.calendar.periodOf(this.unit, t).start;
  }

  edgeAfter(t: EpochMs): EpochMs {
    return this.calendar.periodOf(this.unit, t).end;
  }

  lastEndContaining(t: EpochMs): EpochMs {
    return this.calendar.periodOf(this.unit, t).end;
  }

  forEachWindowContaining(t: EpochMs, visit: (start: EpochMs, end: EpochMs) => void): void {
    const period = this.calendar.periodOf(this.unit, t);
    visit(period.start, period.end);
  }

  edgeNeededUntil(t: EpochMs): EpochMs {
    const period = this.calendar.periodOf(this.unit, t);
    return period.start === t ? period.end : Number.NEGATIVE_INFINITY;
  }

  firstStartAtOrAfter(t: EpochMs): EpochMs {
    if (t === Number.NEGATIVE_INFINITY) return t;
    const period = this.calendar.periodOf(this.unit, t);
    return period.start === t ? t : period.end;
  }

  firstStartAfter(t: EpochMs): EpochMs {
    return t === Number.NEGATIVE_INFINITY ? t : this.calendar.periodOf(this.unit, t).end;
  }

  firstOpenStart(t: EpochMs): EpochMs {
    return t === Number.NEGATIVE_INFINITY ? t : this.calendar.periodOf(this.unit, t).start;
  }
}
