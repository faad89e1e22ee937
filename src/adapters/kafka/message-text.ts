// The text and offsets of a fetched batch's messages, with as little work per message as it takes.

import { isAscii } from 'node:buffer';

const decoder = new TextDecoder('utf-8');

/** What the source needs of a kafkajs message. */
export interface FetchedMessage {
  readonly offset: string;
  readonly value: Buffer | null;
}

/**
 * Each value as UTF-8 text ('' for none). kafkajs hands values over as views of the fetch response:
 * when they share one buffer, the span from the first to the last is read once as Latin-1 (one
 * character per byte) and each ASCII value is a substring of it, which V8 makes without copying;
 * any other value is decoded as before (TextDecoder: invalid sequences become U+FFFD, a leading BOM
 * is dropped), so the text is the same either way.
 */
export function messageTexts(messages: readonly FetchedMessage[], count: number): string[] {
  const texts = new Array<string>(count);
  let span: string | null = null;
  let base = 0;
  const first = messages[0]?.value;
  const last = messages[count - 1]?.value;
  if (count > 1 && first != null && last != null && first.buffer === last.buffer && last.byteOffset >= first.byteOffset) {
    base = first.byteOffset;
    span = Buffer.from(first.buffer, base, last.byteOffset + last.length - base).toString('latin1');
  }
  for (let i = 0; i < count; i++) {
    const value = (messages[i] as FetchedMessage).value;
    if (value === null) texts[i] = '';
    else if (span !== null && value.buffer === first?.buffer && value.byteOffset >= base && value.byteOffset + value.length - base <= span.length && isAscii(value)) {
      const start = value.byteOffset - base;
      texts[i] = span.substring(start, start + value.length);
    } else texts[i] = decoder.decode(value);
  }
  return texts;
}

/** How many of the batch's first messages lie before `end` (offsets increase within a batch). */
export function countBefore(messages: readonly FetchedMessage[], end: number): number {
  let count = messages.length;
  while (count > 0 && Number((messages[count - 1] as FetchedMessage).offset) >= end) count--;
  return count;
}

/** The offsets of the batch's first `count` messages: first + i when they follow each other (the rule), else listed. */
export function messageOffsets(messages: readonly FetchedMessage[], count: number): (i: number) => number {
  const first = Number((messages[0] as FetchedMessage).offset);
  const last = Number((messages[count - 1] as FetchedMessage).offset);
  // Offsets increase: count of them spanning count - 1 are every offset in between.
  if (last - first === count - 1) return (i) => first + i;
  const offsets = new Array<number>(count);
  for (let i = 0; i < count; i++) offsets[i] = Number((messages[i] as FetchedMessage).offset);
  return (i) => offsets[i] as number;
}
