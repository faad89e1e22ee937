// NDJSON text of a window result: the output format of file, stdout and (later) Kafka sinks.

import { toIsoUtc } from '../time/epoch.js';
import type { WindowResult } from './outputs.js';

/**
 * Formats results as one JSON object per line:
 * `{"window","start","end","start_iso","end_iso","key":{…},"count":…,"sum_value":…}` and, in update
 * mode, `"revision"` and `"final"`. Built by hand because it runs once per result: field names are
 * escaped once, up front.
 */
export class ResultFormatter {
  private readonly windowNames = new Map<string, string>();
  /** Escaped `,"name":` texts per output-name array: the engine hands out one array per window definition. */
  private readonly escapedNames = new Map<readonly string[], readonly string[]>();
  private lastNames: readonly string[] | null = null;
  private lastEscaped: readonly string[] = [];

  constructor(private readonly isUpdateMode: boolean) {}

  private escaped(names: readonly string[]): readonly string[] {
    if (names === this.lastNames) return this.lastEscaped;
    let escaped = this.escapedNames.get(names);
    if (escaped === undefined) {
      // Bounded: callers that build a names array per result (history reads) still hit lastNames mostly.
      if (this.escapedNames.size >= 256) this.escapedNames.clear();
      escaped = names.map((n) => `,${JSON.stringify(n)}:`);
      this.escapedNames.set(names, escaped);
    }
    this.lastNames = names;
    this.lastEscaped = escaped;
    return escaped;
  }

  format(result: WindowResult): string {
    // Results of one window come out together: the text up to the key is the same for all of them.
    if (result.window !== this.prefixWindow || result.start !== this.prefixStart || result.end !== this.prefixEnd) {
      let window = this.windowNames.get(result.window);
      if (window === undefined) {
        window = JSON.stringify(result.window);
        this.windowNames.set(result.window, window);
      }
      this.prefix = `{"window":${window},"start":${result.start},"end":${result.end},"start_iso":${this.isoOf(result.start)},"end_iso":${this.isoOf(result.end)},"key":`;
      this.prefixWindow = result.window;
      this.prefixStart = result.start;
      this.prefixEnd = result.end;
    }
    let line = this.prefix + result.key.keyJson;
    const values = result.values;
    const names = this.escaped(result.names);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // JSON has no NaN or infinities: an aggregate that overflowed is written as null.
      line += `${names[i] as string}${v === null || v === undefined || !Number.isFinite(v) ? 'null' : v}`;
    }
    if (result.windowIndex !== null) line += `,"window_index":${result.windowIndex}`;
    if (this.isUpdateMode) line += `,"revision":${result.revision},"final":${result.isFinal}`;
    return `${line}}`;
  }

  private prefix = '';
  private prefixWindow = '';
  private prefixStart = Number.NaN;
  private prefixEnd = Number.NaN;

  /** Many results share window edges: cache their quoted ISO text (bounded, cleared when full). */
  private readonly isoCache = new Map<number, string>();

  /** `"2026-11-23T00:00:00.000Z"`, or `null` past the end of the Date range (a window end can be). */
  private isoOf(ms: number): string {
    let text = this.isoCache.get(ms);
    if (text === undefined) {
      if (this.isoCache.size >= 4096) this.isoCache.clear();
      const iso = toIsoUtc(ms);
      text = iso === null ? 'null' : `"${iso}"`;
      this.isoCache.set(ms, text);
    }
    return text;
  }
}
