// GET /metrics: the figures of /status in Prometheus' text format, plus the processing-latency histogram
// and Node's process metrics, from a registry of this server's own (never prom-client's global one).

import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import type { JobControl, JobOverview, Readiness } from '../../runtime/job-control.js';
import type { ApiPlugin } from './context.js';
import { errorResponse } from './schemas.js';
import { z } from 'zod';

/** One scrape's view of the job: every metric of a scrape reads the same overview. */
interface Scrape {
  readonly overview: JobOverview;
  readonly readiness: Readiness;
}

type Labels = Record<string, string | number>;
interface Sample {
  readonly labels?: Labels;
  readonly value: number;
  /** For histograms: `<name>_bucket`, `_sum`, `_count`. */
  readonly metricName?: string;
}

const seconds = (ms: number): number => ms / 1000;

/**
 * A metric whose samples are read from the job at scrape time. The job keeps its own totals and
 * histogram, so they are presented as they are rather than copied into prom-client's Counter and
 * Histogram; a figure the job does not have (no watermark yet, no checkpoint) is left out.
 */
function jobMetric(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', samples: () => readonly Sample[]): Metric {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: () => ({ name, help, type, aggregator: 'sum', values: samples().map((s) => ({ labels: s.labels ?? {}, value: s.value, ...(s.metricName === undefined ? {} : { metricName: s.metricName }) })) }),
    reset: () => undefined,
  };
  return metric as unknown as Metric;
}

/** Builds the registry; `scrape()` takes the job's figures for the next `registry.metrics()`. */
export function createJobMetrics(control: JobControl): { readonly registry: Registry; scrape(): void } {
  const registry = new Registry();
  registry.setDefaultLabels({ tally_job: control.name });
  collectDefaultMetrics({ register: registry });
  let current: Scrape | null = null;
  const now = (): Scrape => (current ??= { overview: control.overview(), readiness: control.readiness() });
  const add = (name: string, help: string, type: 'counter' | 'gauge', read: (s: Scrape) => number | null | readonly Sample[]): void => {
    registry.registerMetric(
      jobMetric(name, help, type, () => {
        const value = read(now());
        if (value === null) return [];
        return typeof value === 'number' ? [{ value }] : value;
      }),
    );
  };
  const lastCheckpoint = (s: Scrape) => s.overview.checkpoint?.last ?? null;

  add('tally_records_total', 'Records read from the source (events, bad records and blank lines)', 'counter', (s) => s.overview.counts.records);
  add('tally_events_total', 'Valid events, before the filter', 'counter', (s) => s.overview.counts.events);
  add('tally_filtered_out_total', 'Events the filter left out', 'counter', (s) => s.overview.counts.filteredOut);
  add('tally_bad_records_total', 'Bad records (written to the dead-letter output)', 'counter', (s) => s.overview.counts.badRecords);
  add('tally_blank_lines_total', 'Blank lines skipped', 'counter', (s) => s.overview.counts.blankLines);
  add('tally_late_records_total', 'Late records (written to the late output), by the window definition they were late for', 'counter', (s) =>
    Object.entries(s.overview.counts.lateByWindow).map(([window, value]) => ({ labels: { window }, value })),
  );
  add('tally_results_total', 'Window results emitted', 'counter', (s) => s.overview.counts.results);
  add('tally_replayed_results_total', 'Results not emitted again after a restart because an earlier run had emitted them', 'counter', (s) => s.overview.counts.replayedResults);
  add('tally_records_in_per_second', 'Records read per second over the last 1 and 5 minutes', 'gauge', (s) => rates(s.overview.rates.recordsIn));
  add('tally_results_out_per_second', 'Results emitted per second over the last 1 and 5 minutes', 'gauge', (s) => rates(s.overview.rates.resultsOut));
  add('tally_watermark_seconds', "The job's watermark, in Unix seconds (absent before the first event)", 'gauge', (s) => (s.overview.watermarkMs === null ? null : seconds(s.overview.watermarkMs)));
  add('tally_partition_max_event_time_seconds', 'The latest event time seen per source partition, in Unix seconds', 'gauge', (s) =>
    s.overview.partitionWatermarks.flatMap((p) => (p.maxEventTimeMs === null ? [] : [{ labels: { partition: String(p.partition), idle: String(p.idle) }, value: seconds(p.maxEventTimeMs) }])),
  );
  add('tally_source_position', 'Position of the next record to read, per source partition (in bytes, records or messages: see unit)', 'gauge', (s) =>
    s.overview.source.partitions.flatMap((p) => (p.position === null ? [] : [{ labels: { partition: String(p.partition), unit: p.unit }, value: p.position }])),
  );
  add('tally_source_lag', 'Input not read yet, per source partition (absent when the source cannot tell)', 'gauge', (s) =>
    s.overview.source.partitions.flatMap((p) => (p.lag === null ? [] : [{ labels: { partition: String(p.partition), unit: p.unit }, value: p.lag }])),
  );
  add('tally_open_windows', 'Open windows (all keys, all definitions)', 'gauge', (s) => s.overview.gauges.openWindows);
  add('tally_open_sessions', 'Open session windows', 'gauge', (s) => s.overview.gauges.openSessions);
  add('tally_open_slices', 'Partial aggregates held (one per key and slice)', 'gauge', (s) => s.overview.gauges.openSlices);
  add('tally_keys', 'Keys with state', 'gauge', (s) => s.overview.gauges.keys);
  add('tally_uptime_seconds', 'Time since the job started', 'gauge', (s) => seconds(s.overview.uptimeMs));
  add('tally_job_state', 'The job state: 1 for the current one', 'gauge', (s) => [{ labels: { state: s.overview.state }, value: 1 }]);
  add('tally_paused', '1 while the job is paused (POST /pause)', 'gauge', (s) => (s.overview.paused ? 1 : 0));
  add('tally_ready', '1 when /readyz answers 200', 'gauge', (s) => (s.readiness.ready ? 1 : 0));
  add('tally_definition_version', 'Changes made to the job definition since the start (0: as in the job file)', 'gauge', (s) => s.overview.definitionVersion);
  add('tally_checkpoints_completed_total', 'Checkpoints stored (absent without a checkpoint store)', 'counter', (s) => s.overview.checkpoint?.completed ?? null);
  add('tally_checkpoints_failed_total', 'Checkpoints that could not be stored', 'counter', (s) => s.overview.checkpoint?.failed ?? null);
  add('tally_last_checkpoint_timestamp_seconds', 'When the last checkpoint was stored, in Unix seconds', 'gauge', (s) => nullOr(lastCheckpoint(s), (c) => seconds(c.completedAtMs)));
  add('tally_last_checkpoint_bytes', 'Size of the last checkpoint', 'gauge', (s) => nullOr(lastCheckpoint(s), (c) => c.bytes));
  add('tally_last_checkpoint_pause_seconds', 'How long processing stood still for the last checkpoint', 'gauge', (s) => nullOr(lastCheckpoint(s), (c) => seconds(c.pauseMs)));
  add('tally_last_checkpoint_write_seconds', 'How long storing the last checkpoint took', 'gauge', (s) => nullOr(lastCheckpoint(s), (c) => seconds(c.writeMs)));

  const latency = 'tally_processing_latency_seconds';
  registry.registerMetric(
    jobMetric(latency, 'Processing latency: from a batch of records arriving to the results it caused being written', 'histogram', () => {
      const h = control.latency;
      const counts = h.cumulativeCounts();
      const samples: Sample[] = h.boundsMs.map((bound, i) => ({ metricName: `${latency}_bucket`, labels: { le: seconds(bound) }, value: counts[i] ?? 0 }));
      samples.push({ metricName: `${latency}_bucket`, labels: { le: '+Inf' }, value: h.count });
      samples.push({ metricName: `${latency}_sum`, value: seconds(h.sumMs) });
      samples.push({ metricName: `${latency}_count`, value: h.count });
      return samples;
    }),
  );
  return {
    registry,
    scrape() {
      current = null;
    },
  };
}

function rates(rate: { readonly m1: number; readonly m5: number }): readonly Sample[] {
  return [
    { labels: { period: '1m' }, value: rate.m1 },
    { labels: { period: '5m' }, value: rate.m5 },
  ];
}

function nullOr<T>(value: T | null, read: (v: T) => number): number | null {
  return value === null ? null : read(value);
}

export const metricsRoutes: ApiPlugin = async (app, { context }) => {
  const metrics = createJobMetrics(context.control);
  app.get(
    '/metrics',
    {
      schema: {
        summary: "Prometheus metrics: the job's counts, rates, positions, checkpoints, processing latency and the process",
        tags: ['status'],
        querystring: context.schemas.none,
        produces: ['text/plain'],
        response: { 200: z.string().describe('Prometheus text exposition format 0.0.4'), 400: errorResponse, 401: errorResponse },
      },
    },
    async (_request, reply) => {
      metrics.scrape();
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  );
};
