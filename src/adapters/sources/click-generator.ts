// ClickGenerator: a seeded, deterministic stream of realistic click events as NDJSON lines (no I/O, no clock).

import { EngineError } from '../../core/errors.js';
import type { EpochMs } from '../../core/time/epoch.js';

/** What to generate. The same options always give the same lines. */
export interface ClickGeneratorOptions {
  /** Average events per second of event time over a day (> 0). The rate follows a daily curve around it. */
  readonly eventsPerSecond: number;
  /** Distinct user ids: integers 1..users, drawn Zipf(1.1) after a seeded shuffle. */
  readonly users: number;
  /** Distinct pages (including `/health` when pages ≥ 2), drawn Zipf(1.0). */
  readonly pages: number;
  /** Seed of the pseudo-random sequence (an integer; see seededRandom). */
  readonly seed: number;
  /** Event time of the first event, epoch ms. */
  readonly startTimeMs: EpochMs;
  /** Share of valid events whose timestamp is moved back by 1..maxDelayMs. Default 0.02. */
  readonly outOfOrderFraction?: number;
  /** Largest backwards move of an out-of-order event, ms. Default 3000. */
  readonly maxDelayMs?: number;
  /** Share of lines that are malformed (bad records). Default 0.001. */
  readonly malformedFraction?: number;
  /** Action names, most frequent first. Default click 50%, view 30%, scroll 10%, tap 8%, submit 2%. */
  readonly actions?: readonly string[];
}

/**
 * A small, fast seeded PRNG (mulberry32): returns uniform numbers in [0, 1). Seeds are integers; the
 * low and high 32 bits of a safe integer are both mixed in, and a fraction is dropped.
 */
export function seededRandom(seed: number): () => number {
  const integer = Math.trunc(Number.isFinite(seed) ? seed : 0);
  const high = Math.floor(integer / 4_294_967_296) >>> 0;
  let state = (integer >>> 0) ^ Math.imul(high, 0x9e3779b1);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A sampler of Zipf-distributed ranks: returns k in 0..n-1 with P(k) ∝ 1 / (k + 1)^exponent, so rank 0
 * is the most frequent. Precomputes the CDF (O(n) memory) and a guide table, so a draw is a short
 * binary search. `random` returns uniforms in [0, 1).
 */
export function zipfSampler(n: number, exponent: number, random: () => number): () => number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`zipfSampler: n must be a positive integer, got ${n}`);
  if (!Number.isFinite(exponent) || exponent < 0) {
    throw new RangeError(`zipfSampler: exponent must be a finite number ≥ 0, got ${exponent}`);
  }
  if (n === 1) return () => 0;
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / Math.pow(k + 1, exponent);
    cdf[k] = total;
  }
  for (let k = 0; k < n; k++) cdf[k] = (cdf[k] as number) / total;
  cdf[n - 1] = 1; // a uniform below 1 always finds a rank

  // guide[j] = smallest k with cdf[k] > j / m: a draw u searches only [guide[⌊u·m⌋], guide[⌊u·m⌋ + 1]].
  const m = Math.min(n, 1 << 16);
  const guide = new Int32Array(m + 1);
  let k = 0;
  for (let j = 0; j <= m; j++) {
    const threshold = j / m;
    while (k < n - 1 && (cdf[k] as number) <= threshold) k++;
    guide[j] = k;
  }
  return () => {
    const u = random();
    const j = (u * m) | 0;
    let low = guide[j] as number;
    let high = guide[j + 1] as number;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((cdf[mid] as number) > u) high = mid;
      else low = mid + 1;
    }
    return low;
  };
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 1440;
const SESSION_BUCKET_MS = 1_800_000;
/** 9999-12-31T23:59:59.999Z: later instants have no plain ISO spelling, so they stay numbers. */
const LAST_FOUR_DIGIT_YEAR_MS = 253_402_300_799_999;

/**
 * Relative traffic per minute of the UTC day, with a time-average of exactly 1: lowest at 04:00, highest
 * at 20:00, peak / trough = 4. The curve rises for 16 hours and falls for 8, as a cosine of a warped phase.
 */
function buildDailyCurve(): Float64Array {
  const amplitude = 0.6; // (1 + 0.6) / (1 - 0.6) = 4
  const curve = new Float64Array(MINUTES_PER_DAY);
  let sum = 0;
  for (let minute = 0; minute < MINUTES_PER_DAY; minute++) {
    const hour = (minute + 0.5) / 60;
    const phase = hour >= 4 && hour < 20 ? (Math.PI * (hour - 4)) / 16 : Math.PI + (Math.PI * ((hour + 4) % 24)) / 8;
    const factor = 1 - amplitude * Math.cos(phase);
    curve[minute] = factor;
    sum += factor;
  }
  const mean = sum / MINUTES_PER_DAY;
  for (let minute = 0; minute < MINUTES_PER_DAY; minute++) curve[minute] = (curve[minute] as number) / mean;
  return curve;
}

const DAILY_CURVE = buildDailyCurve();

const DEFAULT_ACTIONS = ['click', 'view', 'scroll', 'tap', 'submit'] as const;
const DEFAULT_ACTION_WEIGHTS = [50, 30, 10, 8, 2];

/**
 * Log-logistic shapes per action (log-normal-ish, with a closed-form quantile): `value` is dwell seconds,
 * or the order value for submit; `duration_ms` is how long the interaction took.
 */
interface ActionShape {
  readonly valueMedian: number;
  readonly valueSpread: number;
  readonly durationMedianMs: number;
  readonly durationSpread: number;
}

const ACTION_SHAPES: Readonly<Record<string, ActionShape>> = {
  click: { valueMedian: 4, valueSpread: 0.9, durationMedianMs: 120, durationSpread: 0.5 },
  view: { valueMedian: 12, valueSpread: 1.0, durationMedianMs: 2_500, durationSpread: 0.8 },
  scroll: { valueMedian: 6, valueSpread: 0.8, durationMedianMs: 800, durationSpread: 0.7 },
  tap: { valueMedian: 3, valueSpread: 0.8, durationMedianMs: 90, durationSpread: 0.5 },
  submit: { valueMedian: 45, valueSpread: 0.7, durationMedianMs: 1_500, durationSpread: 0.6 },
};
const GENERIC_SHAPE: ActionShape = { valueMedian: 5, valueSpread: 1, durationMedianMs: 300, durationSpread: 0.8 };

/** Quantiles per table; a draw interpolates between two neighbours, so values stay continuous. */
const QUANTILES = 4096;

/**
 * Quantile table of a log-logistic distribution with the given median and log-scale spread (the standard
 * deviation of its logarithm), at p = (i + 0.5) / QUANTILES, plus one closing entry.
 */
function buildQuantiles(median: number, spread: number): Float64Array {
  const scale = (spread * Math.sqrt(3)) / Math.PI; // logistic scale with that standard deviation
  const table = new Float64Array(QUANTILES + 1);
  for (let i = 0; i < QUANTILES; i++) {
    const p = (i + 0.5) / QUANTILES;
    table[i] = median * Math.exp(scale * Math.log(p / (1 - p)));
  }
  table[QUANTILES] = table[QUANTILES - 1] as number;
  return table;
}

/** Draws from a quantile table with one uniform: the integer part picks the entry, the fraction interpolates. */
function drawQuantile(table: Float64Array, u: number): number {
  const x = u * QUANTILES;
  const i = x | 0;
  const low = table[i] as number;
  return low + ((table[i + 1] as number) - low) * (x - i);
}

/** "00".."99", and "000".."999": integer formatting by table, cheaper than formatting fractions. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** A positive amount with two decimals as JSON number text, e.g. `12.05` (at least `0.01`). */
function formatCents(amount: number): string {
  const cents = Math.max(1, Math.round(amount * 100));
  const whole = Math.floor(cents / 100);
  return `${whole}.${TWO_DIGITS[cents - whole * 100] as string}`;
}

const COUNTRIES: readonly (readonly [string, number])[] = [
  ['US', 30], ['DE', 11], ['GB', 10], ['IN', 9], ['FR', 7], ['BR', 6], ['JP', 5], ['CA', 5],
  ['NL', 4], ['ES', 3], ['IT', 3], ['AU', 3], ['PL', 2], ['SE', 1], ['MX', 1],
];

const UTM_FRACTION = 0.2;
const UTM_SUFFIXES = [
  '?utm_source=google&utm_medium=cpc',
  '?utm_source=google&utm_medium=organic',
  '?utm_source=newsletter&utm_medium=email',
  '?utm_source=facebook&utm_medium=social',
  '?utm_source=partner&utm_medium=referral',
];
const HEALTH_FRACTION = 0.01;
const ISO_FRACTION = 0.05;
const SESSION_FRACTION = 0.85;
const MALFORMED_KINDS = 7;

const FIXED_PAGES = ['/', '/shop', '/shop/cart', '/search', '/checkout', '/login', '/blog', '/account'];
const CATEGORIES = ['shoes', 'shirts', 'bags', 'watches', 'toys', 'books', 'garden', 'kitchen', 'sports', 'audio'];
const BLOG_WORDS_A = ['winter', 'summer', 'gift', 'style', 'care', 'budget', 'travel', 'office'];
const BLOG_WORDS_B = ['guide', 'tips', 'trends', 'checklist', 'stories', 'picks'];

/** Page paths by popularity rank; the last one is `/health` when there are at least two. */
function buildPagePaths(pages: number): string[] {
  const paths: string[] = [];
  const content = pages >= 2 ? pages - 1 : 1;
  for (let i = 0; i < content; i++) {
    if (i < FIXED_PAGES.length) {
      paths.push(FIXED_PAGES[i] as string);
      continue;
    }
    const k = Math.floor((i - FIXED_PAGES.length) / 5);
    switch ((i - FIXED_PAGES.length) % 5) {
      case 3: {
        const round = Math.floor(k / CATEGORIES.length);
        paths.push(`/shop/${CATEGORIES[k % CATEGORIES.length] as string}${round === 0 ? '' : `-${round + 1}`}`);
        break;
      }
      case 4: {
        const combos = BLOG_WORDS_A.length * BLOG_WORDS_B.length;
        const a = BLOG_WORDS_A[k % BLOG_WORDS_A.length] as string;
        const b = BLOG_WORDS_B[Math.floor(k / BLOG_WORDS_A.length) % BLOG_WORDS_B.length] as string;
        const round = Math.floor(k / combos);
        paths.push(`/blog/${a}-${b}${round === 0 ? '' : `-${round + 1}`}`);
        break;
      }
      default:
        paths.push(`/p/${100 + i}`);
    }
  }
  if (pages >= 2) paths.push('/health');
  return paths;
}

/** A CDF over weights, for short lists sampled by linear scan. */
function cumulative(weights: readonly number[]): Float64Array {
  const cdf = new Float64Array(weights.length);
  const total = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  weights.forEach((w, i) => {
    running += w;
    cdf[i] = running / total;
  });
  cdf[weights.length - 1] = 1;
  return cdf;
}

function pickLinear(cdf: Float64Array, u: number): number {
  let i = 0;
  while ((cdf[i] as number) <= u) i++;
  return i;
}

function requireNumber(name: string, value: number, isValid: boolean, expected: string): void {
  if (!isValid) {
    throw new EngineError('CONFIG_INVALID', `generator ${name} must be ${expected}, got ${String(value)}`, { path: name });
  }
}

/**
 * Generates click events as NDJSON lines, one per next() call. Event time starts at startTimeMs and
 * advances by 1000 / rate ms per line, where rate follows a daily UTC curve (quiet at 04:00, busy at 20:00)
 * whose average is eventsPerSecond. Some lines are out of order, some are malformed (see the options).
 */
export class ClickGenerator {
  private readonly random: () => number;
  private readonly sampleUserRank: () => number;
  private readonly samplePageRank: () => number;
  private readonly userIds: Int32Array;
  /** `"page":"/p","url":"https://shop.example/p` per page rank: the url is closed by the caller. */
  private readonly pageFields: string[];
  private readonly pagePaths: string[];
  private readonly healthFields: string | null;
  private readonly actionCdf: Float64Array;
  /** `","action":"click","value":` per action: closes the url and opens the value. */
  private readonly actionFields: string[];
  private readonly valueQuantiles: Float64Array[];
  private readonly durationQuantiles: Float64Array[];
  private readonly countryCdf: Float64Array;
  /** `,"country":"US"}` per country (the line's end), and the same opening a session_id instead. */
  private readonly countryEnds: string[];
  private readonly countrySessionStarts: string[];
  private readonly startTimeMs: number;
  private readonly eventsPerSecond: number;
  private readonly outOfOrderFraction: number;
  private readonly maxDelayMs: number;
  private readonly malformedFraction: number;

  private count = 0;
  /** Event time of the next line relative to startTimeMs (kept relative for sub-ms precision). */
  private offsetMs = 0;
  private stepMs = 0;
  private nextMinuteOffsetMs = 0;
  private isMalformed = false;
  /** Caches for number text that changes slowly: the timestamp millions and the session bucket. */
  private millionsKey = -1;
  private millionsText = '';
  private isoMinute = -1;
  private isoMinuteText = '';
  private sessionBucket = -1;
  private sessionSuffix = '';

  constructor(options: ClickGeneratorOptions) {
    const {
      eventsPerSecond,
      users,
      pages,
      seed,
      startTimeMs,
      outOfOrderFraction = 0.02,
      maxDelayMs = 3000,
      malformedFraction = 0.001,
      actions,
    } = options;
    const isFraction = (x: number) => Number.isFinite(x) && x >= 0 && x <= 1;
    requireNumber('eventsPerSecond', eventsPerSecond, Number.isFinite(eventsPerSecond) && eventsPerSecond > 0, 'a number > 0');
    requireNumber('users', users, Number.isSafeInteger(users) && users >= 1, 'an integer ≥ 1');
    requireNumber('pages', pages, Number.isSafeInteger(pages) && pages >= 1, 'an integer ≥ 1');
    requireNumber('seed', seed, Number.isSafeInteger(seed), 'a safe integer');
    requireNumber('startTimeMs', startTimeMs, Number.isSafeInteger(startTimeMs) && startTimeMs >= 0, 'an integer ≥ 0 (epoch ms)');
    requireNumber('outOfOrderFraction', outOfOrderFraction, isFraction(outOfOrderFraction), 'a number in [0, 1]');
    requireNumber('maxDelayMs', maxDelayMs, Number.isSafeInteger(maxDelayMs) && maxDelayMs >= 1, 'an integer ≥ 1');
    requireNumber('malformedFraction', malformedFraction, isFraction(malformedFraction), 'a number in [0, 1]');
    if (actions !== undefined && actions.length === 0) {
      throw new EngineError('CONFIG_INVALID', 'generator actions must not be empty', { path: 'actions' });
    }

    this.random = seededRandom(seed);
    this.startTimeMs = startTimeMs;
    this.eventsPerSecond = eventsPerSecond;
    this.outOfOrderFraction = outOfOrderFraction;
    this.maxDelayMs = maxDelayMs;
    this.malformedFraction = malformedFraction;

    // Fisher-Yates: the hottest rank maps to a seed-dependent id, not always to 1.
    this.userIds = new Int32Array(users);
    for (let i = 0; i < users; i++) this.userIds[i] = i + 1;
    for (let i = users - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const swap = this.userIds[i] as number;
      this.userIds[i] = this.userIds[j] as number;
      this.userIds[j] = swap;
    }
    this.sampleUserRank = zipfSampler(users, 1.1, this.random);

    this.pagePaths = buildPagePaths(pages);
    const contentPages = pages >= 2 ? pages - 1 : 1;
    this.samplePageRank = zipfSampler(contentPages, 1.0, this.random);
    this.pageFields = this.pagePaths.map((path) => `"page":"${path}","url":"https://shop.example${path}`);
    this.healthFields = pages >= 2 ? (this.pageFields[pages - 1] as string) : null;

    const actionNames = actions ?? DEFAULT_ACTIONS;
    const actionWeights =
      actions === undefined ? DEFAULT_ACTION_WEIGHTS : actionNames.map((_, i) => 1 / (i + 1)); // Zipf(1) by order
    this.actionCdf = cumulative(actionWeights);
    this.actionFields = actionNames.map((name) => `","action":${JSON.stringify(name)},"value":`);
    const shapes = actionNames.map((name) => ACTION_SHAPES[name] ?? GENERIC_SHAPE);
    this.valueQuantiles = shapes.map((shape) => buildQuantiles(shape.valueMedian, shape.valueSpread));
    this.durationQuantiles = shapes.map((shape) => buildQuantiles(shape.durationMedianMs, shape.durationSpread));

    this.countryCdf = cumulative(COUNTRIES.map(([, weight]) => weight));
    this.countryEnds = COUNTRIES.map(([code]) => `,"country":"${code}"}`);
    this.countrySessionStarts = COUNTRIES.map(([code]) => `,"country":"${code}","session_id":"s`);

    this.enterMinute();
  }

  /** Number of lines generated so far; the next line has this sequence number (0-based). */
  get sequence(): number {
    return this.count;
  }

  /** In-order event time (epoch ms) of the next line, before any out-of-order shift. */
  get nextEventTimeMs(): EpochMs {
    return Math.floor(this.startTimeMs + this.offsetMs);
  }

  /**
   * How many lines not generated yet have an in-order event time (see nextEventTimeMs) at or before
   * `timeMs`, counted from the schedule without generating them, one step per UTC minute. Exact
   * but for floating-point rounding over spans up to a day; each whole day beyond counts
   * eventsPerSecond × 86 400 lines (the daily curve averages 1; off by about a line a day), so the
   * cost stays within about 1 500 steps whatever the span.
   */
  linesDueBy(timeMs: number): number {
    // floor(startTimeMs + offset) ≤ timeMs  ⇔  offset < floor(timeMs) + 1 − startTimeMs
    const limitMs = Math.floor(timeMs) + 1 - this.startTimeMs;
    let offsetMs = this.offsetMs;
    let stepMs = this.stepMs;
    let minuteEndMs = this.nextMinuteOffsetMs;
    let count = 0;
    const days = Math.floor((limitMs - offsetMs) / DAY_MS);
    if (days >= 1) {
      count += Math.round(days * this.eventsPerSecond * 86_400);
      offsetMs += days * DAY_MS;
      minuteEndMs = offsetMs; // enter the minute it lands in
    }
    while (offsetMs < limitMs) {
      if (offsetMs >= minuteEndMs) ({ stepMs, minuteEndMs } = this.minuteAt(offsetMs));
      // The lines at offsetMs + k · stepMs before the minute's end (or the limit).
      const lines = Math.ceil((Math.min(minuteEndMs, limitMs) - offsetMs) / stepMs);
      count += lines;
      offsetMs += lines * stepMs;
    }
    return count;
  }

  /** True when the line last returned by next() is malformed on purpose (a bad record). */
  get isLastLineMalformed(): boolean {
    return this.isMalformed;
  }

  /** The next NDJSON line, without a newline. */
  next(): string {
    const random = this.random;
    const baseMs = Math.floor(this.startTimeMs + this.offsetMs);
    this.count++;
    this.offsetMs += this.stepMs;
    if (this.offsetMs >= this.nextMinuteOffsetMs) this.enterMinute();

    if (random() < this.malformedFraction) {
      this.isMalformed = true;
      return this.malformedLine(baseMs);
    }
    this.isMalformed = false;

    let timestampMs = baseMs;
    if (random() < this.outOfOrderFraction) {
      timestampMs -= 1 + Math.floor(random() * this.maxDelayMs);
      if (timestampMs < 0) timestampMs = 0;
    }
    const timestamp = random() < ISO_FRACTION ? this.formatIso(timestampMs) : this.formatTimestamp(timestampMs);

    if (this.healthFields !== null && random() < HEALTH_FRACTION) {
      const durationMs = 2 + Math.floor(random() * 30);
      return `{"user_id":"uptime-monitor","timestamp":${timestamp},${this.healthFields}","action":"view","value":${formatCents(durationMs / 1000 + 0.005)},"duration_ms":${durationMs},"country":"US"}`;
    }

    const userId = this.userIds[this.sampleUserRank()] as number;
    const pageRank = this.samplePageRank();
    const utmDraw = random();
    // One draw decides both whether there is a utm tag and which one.
    const utm = utmDraw < UTM_FRACTION ? (UTM_SUFFIXES[Math.floor((utmDraw / UTM_FRACTION) * UTM_SUFFIXES.length)] as string) : '';
    const action = pickLinear(this.actionCdf, random());
    const value = formatCents(drawQuantile(this.valueQuantiles[action] as Float64Array, random()));
    const durationMs = 1 + Math.floor(drawQuantile(this.durationQuantiles[action] as Float64Array, random()));
    const country = pickLinear(this.countryCdf, random());
    let end: string;
    if (random() < SESSION_FRACTION) {
      const bucket = Math.floor(baseMs / SESSION_BUCKET_MS);
      if (bucket !== this.sessionBucket) {
        this.sessionBucket = bucket;
        this.sessionSuffix = `-${bucket}"}`;
      }
      end = `${this.countrySessionStarts[country] as string}${userId}${this.sessionSuffix}`;
    } else {
      end = this.countryEnds[country] as string;
    }
    return `{"user_id":${userId},"timestamp":${timestamp},${this.pageFields[pageRank] as string}${utm}${this.actionFields[action] as string}${value},"duration_ms":${durationMs}${end}`;
  }

  /** Epoch ms as integer text; the leading digits come from a cache, the last six from tables. */
  private formatTimestamp(timestampMs: number): string {
    const millions = Math.floor(timestampMs / 1_000_000);
    if (millions === 0) return String(timestampMs);
    if (millions !== this.millionsKey) {
      this.millionsKey = millions;
      this.millionsText = String(millions);
    }
    const rest = timestampMs - millions * 1_000_000;
    const thousands = Math.floor(rest / 1000);
    return `${this.millionsText}${THREE_DIGITS[thousands] as string}${THREE_DIGITS[rest - thousands * 1000] as string}`;
  }

  /** `"2026-11-23T20:15:07.123Z"` (quoted): the text up to the minute comes from a cache. */
  private formatIso(timestampMs: number): string {
    if (timestampMs > LAST_FOUR_DIGIT_YEAR_MS) return this.formatTimestamp(timestampMs);
    const minute = Math.floor(timestampMs / MINUTE_MS);
    if (minute !== this.isoMinute) {
      this.isoMinute = minute;
      this.isoMinuteText = `"${new Date(minute * MINUTE_MS).toISOString().slice(0, 17)}`; // "YYYY-MM-DDTHH:MM:
    }
    const rest = timestampMs - minute * MINUTE_MS;
    const second = Math.floor(rest / 1000);
    return `${this.isoMinuteText}${TWO_DIGITS[second] as string}.${THREE_DIGITS[rest - second * 1000] as string}Z"`;
  }

  /** A bad record of one of several kinds, so every dead-letter reason path gets exercised. */
  private malformedLine(timestampMs: number): string {
    const random = this.random;
    const userId = this.userIds[this.sampleUserRank()] as number;
    const page = this.pagePaths[this.samplePageRank()] as string;
    switch (Math.floor(random() * MALFORMED_KINDS)) {
      case 0:
        return `user_id=${userId} page=${page} timestamp=${timestampMs} action=click`;
      case 1: {
        const full = `{"user_id":${userId},"timestamp":${timestampMs},"page":"${page}","action":"click"}`;
        // Any proper prefix of an object is invalid JSON: the closing brace is missing.
        return full.slice(0, 1 + Math.floor(random() * (full.length - 1)));
      }
      case 2:
        return `{"timestamp":${timestampMs},"page":"${page}","action":"click"}`;
      case 3:
        return `{"user_id":${userId},"timestamp":${timestampMs},"page":404,"action":"click"}`;
      case 4:
        return `{"user_id":${userId},"timestamp":"yesterday","page":"${page}","action":"click"}`;
      case 5:
        return `[${userId},"${page}",${timestampMs}]`;
      default:
        return `{"user_id":${userId}.5,"timestamp":${timestampMs},"page":"${page}","action":"click"}`;
    }
  }

  /** Sets the step for the UTC minute that holds the next event time, and where that minute ends. */
  private enterMinute(): void {
    const { stepMs, minuteEndMs } = this.minuteAt(this.offsetMs);
    this.stepMs = stepMs;
    this.nextMinuteOffsetMs = minuteEndMs;
  }

  /** The step between lines in the UTC minute that holds startTimeMs + offsetMs, and the offset where that minute ends. */
  private minuteAt(offsetMs: number): { stepMs: number; minuteEndMs: number } {
    const timeMs = this.startTimeMs + offsetMs;
    const msOfDay = ((timeMs % DAY_MS) + DAY_MS) % DAY_MS;
    const minute = Math.floor(msOfDay / MINUTE_MS);
    return {
      stepMs: 1000 / (this.eventsPerSecond * (DAILY_CURVE[minute] as number)),
      minuteEndMs: offsetMs + (MINUTE_MS - (msOfDay - minute * MINUTE_MS)),
    };
  }
}
