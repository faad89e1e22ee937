import { describe, expect, it } from 'vitest';
import { SlidingWindows } from './sliding.js';
import { TumblingWindows } from './tumbling.js';

const windowsOf = (a: { forEachWindowContaining(t: number, v: (s: number, e: number) => void): void }, t: number): [number, number][] => {
  const out: [number, number][] = [];
  a.forEachWindowContaining(t, (s, e) => out.push([s, e]));
  return out.sort((x, y) => x[0] - y[0]);
};

describe('TumblingWindows', () => {
  //   |----[0,60)----|----[60,120)----|   an event at 60 belongs to the second
  it('puts an event at an edge in the window that starts there', () => {
    const w = new TumblingWindows(60);
    expect(windowsOf(w, 59)).toEqual([[0, 60]]);
    expect(windowsOf(w, 60)).toEqual([[60, 120]]);
    expect([w.edgeAtOrBefore(60), w.edgeAfter(60), w.lastEndContaining(60)]).toEqual([60, 120, 120]);
  });

  it('shifts edges by the offset', () => {
    const w = new TumblingWindows(60, 15);
    expect(windowsOf(w, 10)).toEqual([[-45, 15]]);
    expect(windowsOf(w, 15)).toEqual([[15, 75]]);
    expect([w.edgeNeededUntil(15), w.edgeNeededUntil(16)]).toEqual([75, Number.NEGATIVE_INFINITY]);
  });
});

describe('SlidingWindows', () => {
  //  size 30, slide 10: t=25 is in [0,30) [10,40) [20,50)
  it('returns every window [k·slide, k·slide + size) that contains the event', () => {
    const w = new SlidingWindows(30, 10);
    expect(windowsOf(w, 25)).toEqual([[0, 30], [10, 40], [20, 50]]);
    expect(windowsOf(w, 30)).toEqual([[10, 40], [20, 50], [30, 60]]);
    expect(w.lastEndContaining(25)).toBe(50);
  });

  it('cuts at starts and ends when the slide does not divide the size', () => {
    const w = new SlidingWindows(25, 10);
    // starts at 0, 10, 20 …; ends at 25, 35, 45 …
    expect([w.edgeAtOrBefore(27), w.edgeAfter(27)]).toEqual([25, 30]);
    expect([w.edgeAtOrBefore(22), w.edgeAfter(22)]).toEqual([20, 25]);
    expect(windowsOf(w, 27)).toEqual([[10, 35], [20, 45]]);
    expect([w.edgeNeededUntil(20), w.edgeNeededUntil(25), w.edgeNeededUntil(27)]).toEqual([45, 25, Number.NEGATIVE_INFINITY]);
  });

  it('applies the offset to every window', () => {
    const w = new SlidingWindows(20, 10, 5);
    expect(windowsOf(w, 5)).toEqual([[-5, 15], [5, 25]]);
  });
});
