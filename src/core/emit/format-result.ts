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
  private readonly names: readonly string[];
  private readonly windowNames = new Map<string, string>();

  constructor(
    outputNames: readonly string[],
    private readonly isUpdateMode: boolean,
  ) {
    this.names = outputNames.map((n) => `,${JSON.stringify(n)}:`);
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
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // JSON has no NaN or infinities: an aggregate that overflowed is written as null.
      line += `${this.names[i] as string}${v === null || v === undefined || !Number.isFinite(v) ? 'null' : v}`;
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
