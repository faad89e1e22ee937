// Part encoders: turn the window results of one part file into its bytes; NDJSON here, Parquet in parquet-part-encoder.ts.

import type { WindowResult } from '../../core/emit/outputs.js';
import type { PartFormat } from './partition-layout.js';

/** Collects the results of one part file, in order, and encodes them once the part is rolled. */
export interface PartEncoder {
  add(result: WindowResult): void;
  readonly rows: number;
  /** Size so far, for rolling: exact for NDJSON, an estimate of the uncompressed column data for Parquet. */
  readonly bytes: number;
  /** The whole file. The encoder must not be used afterwards. */
  finish(): Promise<Uint8Array[]>;
}

/** Makes the encoders of one format. */
export interface PartEncoding {
  readonly format: PartFormat;
  create(): PartEncoder;
}

// ---------------------------------------------------------------------------------------------
// NDJSON

/** Lines are encoded in pieces of about this many UTF-16 units: one encoding call per piece, not per line. */
const PIECE_UNITS = 1 << 16;

/** NDJSON lines exactly as the single-file sink writes them: `format(result)` and '\n'. */
export function ndjsonEncoding(format: (result: WindowResult) => string): PartEncoding {
  return { format: 'ndjson', create: () => new NdjsonPartEncoder(format) };
}

class NdjsonPartEncoder implements PartEncoder {
  rows = 0;
  private readonly chunks: Uint8Array[] = [];
  private encodedBytes = 0;
  private piece = '';

  constructor(private readonly format: (result: WindowResult) => string) {}

  add(result: WindowResult): void {
    this.piece += `${this.format(result)}\n`;
    this.rows++;
    if (this.piece.length >= PIECE_UNITS) this.encodePiece();
  }

  /** Encoded bytes plus the piece not yet encoded, counted in UTF-16 units (exact for ASCII). */
  get bytes(): number {
    return this.encodedBytes + this.piece.length;
  }

  async finish(): Promise<Uint8Array[]> {
    this.encodePiece();
    return this.chunks;
  }

  private encodePiece(): void {
    if (this.piece === '') return;
    const chunk = Buffer.from(this.piece, 'utf8');
    this.chunks.push(chunk);
    this.encodedBytes += chunk.length;
    this.piece = '';
  }
}
