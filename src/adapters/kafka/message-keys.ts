// Message keys of what Tally publishes to Kafka: equal keys mean "the same thing, again or newer".

import type { WindowResult } from '../../core/emit/outputs.js';
import type { SourcePosition } from '../../ports/source.js';

/**
 * Window name, start and group key (and the window index of a count window, since two count
 * windows can share a start): a compacted topic keeps the latest revision of each window result,
 * and a result published again after a restart replaces its identical earlier copy.
 */
export function resultKey(result: WindowResult): string {
  const base = `${result.window}|${result.start}|${result.key.keyJson}`;
  return result.windowIndex === null ? base : `${base}|${result.windowIndex}`;
}

/** A dead letter or late record is keyed by where it came from: written again, it replaces itself. */
export function positionKey(position: SourcePosition): string {
  switch (position.kind) {
    case 'kafka':
      return `${position.topic}/${position.partition}/${position.offset}`;
    case 'file':
      return `${position.file}:${position.line}`;
    case 'stdin':
      return `stdin:${position.line}`;
    case 'generator':
      return `generator:${position.sequence}`;
  }
}
