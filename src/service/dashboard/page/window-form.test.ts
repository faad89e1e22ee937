import { describe, expect, it } from 'vitest';
import type { WindowView } from '@tally/api-types';
import { aggregationText, EMPTY_FORM, formFromView, ownDefinition, parseAggregations, windowInput, windowPatch } from './window-form.js';

const view = (name: string, kind: WindowView['kind'], spec: Record<string, unknown>, extra: Record<string, unknown> = {}): WindowView =>
  ({ name, kind, spec: { kind, name, ...spec }, version: 0, exactFromMs: null, ...extra }) as unknown as WindowView;

describe('window form', () => {
  it('fills in from a listed window, durations as the job file spells them', () => {
    expect(formFromView(view('last_10m', 'sliding', { sizeMs: 600_000, slideMs: 60_000, offsetMs: 0 }))).toMatchObject({ kind: 'sliding', size: '10m', slide: '1m', offset: '' });
    expect(formFromView(view('daily_cn', 'calendar', { unit: 'day', timeZone: 'Asia/Shanghai' }))).toMatchObject({ unit: 'day', timeZone: 'Asia/Shanghai' });
    expect(formFromView(view('s', 'session', { gapMs: 1_800_000 }))).toMatchObject({ gap: '30m' });
    expect(formFromView(view('q', 'tumbling', { sizeMs: 3_600_000, offsetMs: 900_000 }, { aggregations: ['count', 'sum(value)'], filter: "page = '/'" }))).toMatchObject({
      size: '1h',
      offset: '15m',
      aggregations: 'count, sum(value)',
      filter: "page = '/'",
    });
    expect(formFromView(view('last_100', 'count', { size: 100, slide: 10 }))).toBeNull();
  });

  it("reads a window's own aggregations as GET /windows lists them ({ fn, field }) in the job file's spelling", () => {
    const shop = view('shop_2s', 'tumbling', { sizeMs: 2_000, offsetMs: 0, aggregations: [{ fn: 'count', field: null }, { fn: 'max', field: 'value' }], filter: "page startsWith '/shop'" });
    expect(ownDefinition(shop)).toEqual({ aggregations: ['count', 'max(value)'], filter: "page startsWith '/shop'" });
    expect(formFromView(shop)).toMatchObject({ size: '2s', aggregations: 'count, max(value)', filter: "page startsWith '/shop'" });
    expect(ownDefinition(view('plain', 'tumbling', { sizeMs: 2_000, offsetMs: 0 }))).toEqual({ aggregations: null, filter: null });
    expect([aggregationText({ fn: 'count', field: 'value' }), aggregationText('sum(value)')]).toEqual(['count(value)', 'sum(value)']);
    // Unchanged aggregations patch nothing; a new list replaces them.
    const form = formFromView(shop)!;
    expect(windowPatch(form, { ...form, aggregations: 'count,max(value)' })).toBeNull();
    expect(windowPatch(form, { ...form, aggregations: 'count, sum(value)', filter: '' })).toEqual({ aggregations: ['count', 'sum(value)'], filter: null });
  });

  it('makes the job-file form of a new window', () => {
    expect(windowInput({ ...EMPTY_FORM, name: ' per_5m ', size: '5m', aggregations: 'count, sum(value)', filter: "action = 'click'" })).toEqual({
      name: 'per_5m',
      tumbling: '5m',
      aggregations: ['count', 'sum(value)'],
      filter: "action = 'click'",
    });
    expect(windowInput({ ...EMPTY_FORM, name: 'h', kind: 'sliding', size: '1h', slide: '5m', offset: '1m' })).toEqual({ name: 'h', sliding: { size: '1h', slide: '5m' }, offset: '1m' });
    expect(windowInput({ ...EMPTY_FORM, name: 'd', kind: 'calendar', unit: 'week' })).toEqual({ name: 'd', calendar: { unit: 'week' } });
  });

  it('patches only what changed: a length, a slide, a time zone, the kind', () => {
    const minute = formFromView(view('per_minute', 'tumbling', { sizeMs: 60_000, offsetMs: 0 }))!;
    expect(windowPatch(minute, { ...minute, size: '5m' })).toEqual({ tumbling: '5m' });
    expect(windowPatch(minute, minute)).toBeNull();
    const sliding = formFromView(view('w', 'sliding', { sizeMs: 600_000, slideMs: 60_000, offsetMs: 0 }))!;
    expect(windowPatch(sliding, { ...sliding, slide: '30s' })).toEqual({ sliding: { slide: '30s' } });
    const daily = formFromView(view('d', 'calendar', { unit: 'day', timeZone: 'UTC' }))!;
    expect(windowPatch(daily, { ...daily, timeZone: 'Asia/Shanghai' })).toEqual({ calendar: { timeZone: 'Asia/Shanghai' } });
    expect(windowPatch(daily, { ...daily, timeZone: '' })).toEqual({ calendar: { timeZone: null } });
    expect(windowPatch(minute, { ...minute, kind: 'session', gap: '30m' })).toEqual({ session: { gap: '30m' } });
  });

  it('patches the offset, aggregations and filter, null removing them', () => {
    const q = formFromView(view('q', 'tumbling', { sizeMs: 3_600_000, offsetMs: 900_000 }, { aggregations: ['count'], filter: "page = '/'" }))!;
    expect(windowPatch(q, { ...q, offset: '' })).toEqual({ offset: null });
    expect(windowPatch(q, { ...q, aggregations: 'count,  max(value)' })).toEqual({ aggregations: ['count', 'max(value)'] });
    expect(windowPatch(q, { ...q, aggregations: ' ' })).toEqual({ aggregations: null });
    expect(windowPatch(q, { ...q, filter: '' })).toEqual({ filter: null });
    expect(windowPatch(q, { ...q, aggregations: 'count ' })).toBeNull();
  });

  it('splits aggregations at top-level commas only', () => {
    expect(parseAggregations('count, percentile(value, 0.9),\nmax(value)')).toEqual(['count', 'percentile(value, 0.9)', 'max(value)']);
    expect(parseAggregations('')).toEqual([]);
  });
});
