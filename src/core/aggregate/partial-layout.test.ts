import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../event/click-event.js';
import { AggregatePlan } from './aggregate-plan.js';
import { AGGREGATE_FUNCTIONS, type AggregationSpec } from './aggregation-spec.js';
import { momentsCount, momentsMax, momentsMean, momentsMin, momentsStdev, momentsTotal, momentsVariance, MOMENT_SLOTS } from './moments.js';
import { allOutputNames, PartialLayout, type WindowNeeds } from './partial-layout.js';

const count: AggregationSpec = { fn: 'count', field: null };
const sum = (field: string): AggregationSpec => ({ fn: 'sum', field });
const max = (field: string): AggregationSpec => ({ fn: 'max', field });
const mean = (field: string): AggregationSpec => ({ fn: 'mean', field });
const SHOP = "page startsWith '/shop'";

type Fields = Readonly<Record<string, FieldValue>>;

/** Adds events to a fresh partial, routing each one first as the engine does. */
function partialOf(layout: PartialLayout, events: readonly Fields[]): number[] {
  const p = layout.empty();
  for (const e of events) if (layout.route(e)) layout.add(p, e);
  return p;
}

describe('PartialLayout', () => {
  it('without window settings lays partials out as AggregatePlan does, and lowers them alike', () => {
    const aggregations = [count, sum('value'), mean('value'), max('duration_ms')];
    const layout = new PartialLayout([{ filter: null, aggregations }]);
    const plan = new AggregatePlan(aggregations);
    const events: Fields[] = [{ value: 2, duration_ms: 5 }, { value: 4 }, { value: 'x', duration_ms: 9 }];
    const p = plan.empty();
    for (const e of events) plan.add(p, e);
    expect(partialOf(layout, events)).toEqual(p);
    expect(layout.width).toBe(p.length);
    expect(layout.outputsOf({ filter: null, aggregations }).lower(partialOf(layout, events))).toEqual(plan.lower(p));
  });

  it('keeps one channel per window filter, with the fields its windows read, and adds an event only to the channels it passes', () => {
    const needs: WindowNeeds[] = [
      { filter: null, aggregations: [count, sum('value')] },
      { filter: SHOP, aggregations: [count, max('duration_ms')] },
      { filter: SHOP, aggregations: [sum('value')] },
    ];
    const layout = new PartialLayout(needs);
    expect(layout.channels.map((c) => [c.filter, c.fields])).toEqual([[null, ['value']], [SHOP, ['duration_ms', 'value']]]);
    const p = partialOf(layout, [
      { page: '/shop/1', value: 10, duration_ms: 7 },
      { page: '/home', value: 1, duration_ms: 100 },
      { page: '/shop/2', value: 5 },
    ]);
    expect(layout.outputsOf(needs[0] as WindowNeeds).lower(p)).toEqual([3, 16]);
    expect(layout.outputsOf(needs[1] as WindowNeeds).lower(p)).toEqual([2, 7]);
    expect(layout.outputsOf(needs[2] as WindowNeeds).lower(p)).toEqual([15]);
    expect(layout.outputsOf(needs[1] as WindowNeeds).names).toEqual(['count', 'max_duration_ms']);
  });

  it('says whether a window has events in a partial, and route says whether any window takes the event', () => {
    const only = { filter: SHOP, aggregations: [count] };
    const layout = new PartialLayout([only]);
    const outputs = layout.outputsOf(only);
    expect(layout.route({ page: '/home' })).toBe(false);
    const p = partialOf(layout, [{ page: '/home' }]);
    expect(outputs.hasEvents(p)).toBe(false);
    expect(outputs.hasEvents(partialOf(layout, [{ page: '/shop' }]))).toBe(true);
  });

  it('combines every channel', () => {
    const needs: WindowNeeds[] = [{ filter: null, aggregations: [count, sum('value')] }, { filter: SHOP, aggregations: [mean('value')] }];
    const layout = new PartialLayout(needs);
    const a = partialOf(layout, [{ page: '/shop', value: 2 }, { page: '/x', value: 3 }]);
    const b = partialOf(layout, [{ page: '/shop', value: 6 }]);
    layout.combine(a, b);
    expect(layout.outputsOf(needs[0] as WindowNeeds).lower(a)).toEqual([3, 11]);
    expect(layout.outputsOf(needs[1] as WindowNeeds).lower(a)).toEqual([4]);
  });

  it('moves partials into another layout: blocks held already are copied, new ones start empty and are reported', () => {
    const before = new PartialLayout([{ filter: null, aggregations: [count, sum('value')] }]);
    const after = new PartialLayout([{ filter: null, aggregations: [count, max('duration_ms'), sum('value')] }, { filter: SHOP, aggregations: [count] }]);
    expect(before.moverFrom(new PartialLayout([{ filter: null, aggregations: [sum('value'), count] }]))).toBeNull();
    const mover = after.moverFrom(before);
    if (mover === null) throw new Error('expected a mover');
    const held = partialOf(before, [{ value: 2, duration_ms: 5, page: '/shop' }, { value: 3 }]);
    const moved = mover.move(held);
    expect(moved).toHaveLength(after.width);
    expect(after.outputsOf({ filter: null, aggregations: [count, sum('value'), max('duration_ms')] }).lower(moved)).toEqual([2, 5, null]);
    expect(after.outputsOf({ filter: SHOP, aggregations: [count] }).lower(moved)).toEqual([0]);
    expect(mover.hasNew).toBe(true);
    expect(mover.isNew({ filter: null, aggregations: [count, sum('value')] })).toBe(false);
    expect(mover.isNew({ filter: null, aggregations: [max('duration_ms')] })).toBe(true);
    expect(mover.isNew({ filter: SHOP, aggregations: [count] })).toBe(true);
  });

  it('refuses aggregations it cannot compute, for the job and for a window alike', () => {
    expect(() => new PartialLayout([{ filter: null, aggregations: [count] }, { filter: SHOP, aggregations: [{ fn: 'sum', field: null }] }])).toThrow(/sum needs a field/);
    expect(() => new PartialLayout([{ filter: null, aggregations: [] }])).toThrow(/at least one aggregation/);
    expect(() => new AggregatePlan([{ fn: 'median' as never, field: 'value' }])).toThrow(/unknown aggregation median/);
  });

  it('lists every output name of a job: the job\u2019s first, then those only some windows have', () => {
    expect(allOutputNames([{}, { aggregations: [count, max('duration_ms')] }, { aggregations: [sum('value')] }], [count, sum('value')])).toEqual(['count', 'sum_value', 'max_duration_ms']);
  });

  it('lowers every aggregation of every channel as the moments readers read it', () => {
    const readers = { count: momentsCount, sum: momentsTotal, mean: momentsMean, min: momentsMin, max: momentsMax, variance: momentsVariance, stdev: momentsStdev };
    const aggregation = fc.oneof(
      fc.constant(count),
      fc.record({ fn: fc.constantFrom(...AGGREGATE_FUNCTIONS), field: fc.constantFrom('value', 'duration_ms') }),
    );
    const needsArb = fc.array(fc.record({ filter: fc.constantFrom(null, SHOP), aggregations: fc.array(aggregation, { minLength: 1, maxLength: 8 }) }), { minLength: 1, maxLength: 3 });
    const number = fc.oneof(fc.double({ noNaN: true }), fc.integer({ min: -3, max: 3 }), fc.constantFrom(-0, 1e308, '3', null));
    const eventArb = fc.record({ page: fc.constantFrom('/shop/a', '/home'), value: number, duration_ms: number }, { requiredKeys: ['page'] });
    fc.assert(
      fc.property(needsArb, fc.array(eventArb, { maxLength: 6 }), (needs, events) => {
        const layout = new PartialLayout(needs);
        const p = partialOf(layout, events as Fields[]);
        for (const need of needs) {
          const outputs = layout.outputsOf(need);
          const channel = layout.channels[outputs.channel] as { offset: number; fields: readonly string[] };
          const expected = need.aggregations.map((a) =>
            a.field === null ? (p[channel.offset] as number) : readers[a.fn](p, channel.offset + 1 + channel.fields.indexOf(a.field) * MOMENT_SLOTS),
          );
          const lowered = outputs.lower(p);
          expect(lowered).toHaveLength(expected.length);
          expected.forEach((v, i) => expect(Object.is(lowered[i], v)).toBe(true));
        }
      }),
      { seed: 20261124, numRuns: 300 },
    );
  });
});
