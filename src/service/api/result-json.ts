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

  /** One names array per distinct list of output names: the formatter escapes each once. */
  private readonly namesByText = new Map<string, readonly string[]>();

  constructor(isUpdateMode: boolean) {
    this.results = new ResultFormatter(isUpdateMode);
    this.live = new ResultFormatter(false);
  }

  /** The output names of values stored by name, in their stored order (the window's). */
  private namesOf(values: Readonly<Record<string, number | null>>): readonly string[] {
    const names = Object.keys(values);
    const text = names.join('\u0000');
    let interned = this.namesByText.get(text);
    if (interned === undefined) {
      if (this.namesByText.size >= 256) this.namesByText.clear();
      this.namesByText.set(text, (interned = names));
    }
    return interned;
  }

  private valuesOf(byName: Readonly<Record<string, number | null>>): { names: readonly string[]; values: (number | null)[] } {
    const names = this.namesOf(byName);
    return { names, values: names.map((name) => byName[name] ?? null) };
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
      ...this.valuesOf(stored.values),
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
      ...this.valuesOf(window.values),
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
