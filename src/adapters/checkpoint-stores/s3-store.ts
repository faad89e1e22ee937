// S3Store: the CheckpointStore port on an S3 bucket (AWS or any S3-compatible server), with the AWS SDK v3.

import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { EngineError } from '../../core/errors.js';
import { assertStoreKey, type CheckpointStore, type StoredObject } from '../../ports/checkpoint-store.js';

export interface S3StoreOptions {
  readonly bucket: string;
  /** '' or a path without a leading or trailing slash: keys are stored as `${prefix}/${key}`, or `${key}` for ''. */
  readonly prefix: string;
  /** An S3-compatible server, e.g. `http://127.0.0.1:7480`. Default: AWS. */
  readonly endpoint?: string;
  /** Default: env AWS_REGION, else 'us-east-1'. */
  readonly region?: string;
  /** Bucket in the path rather than the host name. Default: true when `endpoint` is set. */
  readonly forcePathStyle?: boolean;
  /** Default: the SDK's provider chain (env AWS_ACCESS_KEY_ID…, shared config files, instance roles). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Attempts per request, the SDK's own retries included. Default: the SDK's (3). */
  readonly maxAttempts?: number;
  /** Keys per ListObjectsV2 page; only tests set it, to see paging. Default: 1000, the S3 maximum. */
  readonly listPageSize?: number;
}

type Chunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** S3's minimum part size; an object smaller than one part goes up as a single PutObject. */
const PART_SIZE = 5 * 1024 * 1024;
/** Parts in flight at once: a put holds about (this + 1) parts in memory, whatever the object's size. */
const PARTS_IN_FLIGHT = 2;
/** Bucket names as S3 accepts them today (no upper case or '_'); URLs with anything else are rejected. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A prefix is made of key parts (see assertStoreKey). */
const PREFIX_PART = /^[A-Za-z0-9._=-]+$/;
/** Error codes that say "slow down" or "took too long", whatever the HTTP status (RequestTimeout is a 400). */
const RETRIABLE_CODES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
  'TooManyRequestsException', 'RequestLimitExceeded', 'BandwidthLimitExceeded', 'RequestTimeout', 'RequestTimeoutException',
  'InternalError', 'ServiceUnavailable', 'TimeoutError',
]);

/**
 * Puts go through lib-storage's Upload: one PutObject below 5 MiB, a multipart upload above, read from
 * the chunks part by part. S3 shows an object only once its PutObject or CompleteMultipartUpload
 * succeeds, so readers never see a partial one; a put that fails aborts its multipart upload. If the
 * process dies mid-upload the parts stay invisible but billed: give production buckets a lifecycle rule
 * that aborts incomplete multipart uploads. No retries beyond the SDK's: errors carry `retriable`.
 */
export class S3Store implements CheckpointStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;
  private readonly listPageSize: number;
  private isClosed = false;

  constructor(options: S3StoreOptions) {
    checkLocation(options.bucket, options.prefix, `S3 store ${JSON.stringify(`${options.bucket}/${options.prefix}`)}`);
    this.bucket = options.bucket;
    this.root = options.prefix === '' ? '' : `${options.prefix}/`;
    this.description = options.prefix === '' ? `s3://${options.bucket}` : `s3://${options.bucket}/${options.prefix}`;
    this.listPageSize = options.listPageSize ?? 1000;
    const config: S3ClientConfig = {
      region: options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    if (options.maxAttempts !== undefined) config.maxAttempts = options.maxAttempts;
    this.client = new S3Client(config);
  }

  /** Reads `s3://bucket` or `s3://bucket/some/prefix` (trailing slash optional). Throws STORE_FAILED for anything else. */
  static parseUrl(url: string): { bucket: string; prefix: string } {
    // A URL that may hold credentials (key:secret@bucket) is never echoed.
    if (url.includes('@')) {
      throw new EngineError('STORE_FAILED', 'invalid S3 store URL (not shown, it may hold credentials): credentials do not belong in the URL; the SDK reads them from env AWS_ACCESS_KEY_ID… or its config files');
    }
    const shown = JSON.stringify(url);
    // The scheme is case-insensitive, as in every URL (and in openStore, which hands such URLs here).
    const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(url);
    if (match === null) throw new EngineError('STORE_FAILED', `invalid S3 store URL ${shown}: expected s3://bucket/prefix`);
    const bucket = match[1] ?? '';
    const prefix = (match[2] ?? '').replace(/\/$/, '');
    checkLocation(bucket, prefix, `invalid S3 store URL ${shown}`);
    return { bucket, prefix };
  }

  async put(key: string, chunks: Chunks): Promise<void> {
    assertStoreKey(key);
    this.assertOpen();
    // Remembers a failure of the caller's chunks: that is the caller's error, handed back unchanged.
    const source = { hasFailed: false, error: undefined as unknown };
    async function* guarded(): AsyncGenerator<Uint8Array> {
      try {
        yield* chunks;
      } catch (error) {
        source.hasFailed = true;
        source.error = error;
        throw error;
      }
    }
    // highWaterMark 1: Readable.from would otherwise read 16 chunks ahead of the upload.
    const body = Readable.from(guarded(), { highWaterMark: 1 });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.root + key, Body: body },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
    });
    try {
      await upload.done();
    } catch (error) {
      body.destroy();
      // lib-storage has aborted the multipart upload by now (or failed to, which it reports instead).
      if (source.hasFailed) throw source.error;
      throw this.failed('put', key, error);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    assertStoreKey(key);
    this.assertOpen();
    try {
      const reply = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.root + key }));
      return (await reply.Body?.transformToByteArray()) ?? new Uint8Array(0);
    } catch (error) {
      // NoSuchKey only: a missing bucket (NoSuchBucket, also a 404) must not look like an empty store.
      if (errorCode(error) === 'NoSuchKey') return null;
      throw this.failed('get', key, error);
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    this.assertOpen();
    const found: StoredObject[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.root + prefix,
            MaxKeys: this.listPageSize,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(this.root.length);
          // Folder markers (`dir/`) that S3 consoles create and other foreign names are no keys of this
          // store: get and delete would refuse them.
          if (key === undefined || !isStoreKey(key)) continue;
          found.push({
            key,
            size: object.Size ?? 0,
            modifiedMs: object.LastModified?.getTime() ?? null,
          });
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw this.failed('list', prefix, error);
    }
    // S3 sorts by UTF-8 bytes, which for ASCII keys is this order too; sorting again costs little and
    // does not trust every S3-compatible server to get it right.
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    assertStoreKey(key);
    this.assertOpen();
    try {
      // S3 answers 204 for an absent key too.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.root + key }));
    } catch (error) {
      throw this.failed('delete', key, error);
    }
  }

  async close(): Promise<void> {
    this.isClosed = true;
    this.client.destroy();
  }

  private assertOpen(): void {
    if (this.isClosed) throw new EngineError('STORE_FAILED', `${this.description}: the store is closed`);
  }

  private failed(operation: 'put' | 'get' | 'list' | 'delete', key: string, error: unknown): EngineError {
    const status = httpStatusOf(error);
    const code = errorCode(error);
    const detail = [status === undefined ? null : `HTTP ${status}`, code, messageOf(error)].filter((part) => part !== null && part !== '');
    const what = operation === 'list' ? `list ${JSON.stringify(key)}` : `${operation} ${key}`;
    return new EngineError('STORE_FAILED', `${this.description}: ${what} failed: ${[...new Set(detail)].join(': ')}`, {
      cause: error,
      retriable: isRetriable(error),
    });
  }
}

function isStoreKey(key: string): boolean {
  try {
    assertStoreKey(key);
    return true;
  } catch {
    return false;
  }
}

function checkLocation(bucket: string, prefix: string, context: string): void {
  if (!BUCKET_PATTERN.test(bucket) || bucket.includes('..')) {
    throw new EngineError('STORE_FAILED', `${context}: the bucket name must be 3-63 lower-case letters, digits, '.' or '-'`);
  }
  if (prefix !== '' && prefix.split('/').some((part) => !PREFIX_PART.test(part) || part === '.' || part === '..')) {
    throw new EngineError('STORE_FAILED', `${context}: the prefix must be '/'-separated parts of [A-Za-z0-9._=-], without '.', '..' or empty parts`);
  }
}

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: unknown;
}

function httpStatusOf(error: unknown): number | undefined {
  const status = (error as SdkErrorShape | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The S3 error code (`NoSuchKey`, `SlowDown`…) or a Node system error code (`ECONNREFUSED`…). */
function errorCode(error: unknown): string | null {
  const e = error as SdkErrorShape | null;
  for (const candidate of [e?.Code, e?.code, e?.name]) {
    // 'Unknown' is what the SDK names a reply without an error body: no code at all.
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error' && candidate !== 'Unknown') return candidate;
  }
  return null;
}

function messageOf(error: unknown): string {
  const message = (error as SdkErrorShape | null)?.message;
  if (typeof message !== 'string') return String(error);
  return message === 'UnknownError' ? '' : message;
}

/** Network trouble, 5xx, throttling and timeouts may pass; 4xx answers (403, 404, 400…) will not. */
function isRetriable(error: unknown): boolean {
  const e = error as SdkErrorShape | null;
  const code = errorCode(error);
  if (e?.$retryable !== undefined && e.$retryable !== false) return true;
  if (code !== null && RETRIABLE_CODES.has(code)) return true;
  const status = httpStatusOf(error);
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP answer at all: a system error (ECONNREFUSED, ECONNRESET, ETIMEDOUT, EAI_AGAIN…) is the
  // network's; Node's own ERR_* codes are programming or configuration errors.
  return typeof e?.code === 'string' && /^E[A-Z0-9_]+$/.test(e.code) && !e.code.startsWith('ERR_');
}
