// Results as JSON text in the sink's NDJSON format, whichever way they reach the API (history, feed, live).

import { ResultFormatter } from '../../core/emit/format-result.js';
import type { WindowResult } from '../../core/emit/outputs.js';
import type { LiveWindow } from '../../runtime/job-control.js';
import type { StoredResult } from '../../ports/results-history.js';

/**
 * One format for every channel: a result from the history, from the event stream and an open
 * window's live aggregate all read like a line of the job's results file. Live windows have no
 * revision yet: they are written without `revision` and `final` also in update mode.
 */
export class ResultJson {
  private readonly results: ResultFormatter;
  private readonly live: ResultFormatter;

  constructor(private readonly outputNames: readonly string[], isUpdateMode: boolean) {
    this.results = new ResultFormatter(outputNames, isUpdateMode);
    this.live = new ResultFormatter(outputNames, false);
  }

  emitted(result: WindowResult): string {
    return this.results.format(result);
  }

  stored(stored: StoredResult): string {
    return this.results.format({
      kind: 'result',
      window: stored.window,
      windowKind: stored.windowKind,
      start: stored.start,
      end: stored.end,
      key: { id: 0, key: stored.key, keyJson: JSON.stringify(stored.key) },
      values: this.outputNames.map((name) => stored.values[name] ?? null),
      revision: stored.revision,
      isFinal: stored.isFinal,
      windowIndex: stored.windowIndex,
    });
  }

  open(window: LiveWindow, windowKind: WindowResult['windowKind']): string {
    return this.live.format({
      kind: 'result',
      window: window.window,
      windowKind,
      start: window.start,
      end: window.end,
      key: { id: 0, key: window.key, keyJson: JSON.stringify(window.key) },
      values: this.outputNames.map((name) => window.values[name] ?? null),
      revision: 0,
      isFinal: false,
      windowIndex: window.windowIndex,
    });
  }
}

/** `[a,b,c]` from JSON texts: pages are built from the formatter's text, never parsed and re-encoded. */
export function jsonList(items: readonly string[]): string {
  return `[${items.join(',')}]`;
}
