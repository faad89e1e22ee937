// S3Store against s3rver in-process (the contract, multipart puts), URL parsing, and error mapping on loopback stubs.

import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCheckpointStoreContract } from '../../../test/contracts/checkpoint-store.contract.js';
import { S3Store, type S3StoreOptions } from './s3-store.js';

// The SDK warns once per process that its 2027 releases need Node 22; the pinned version runs on 20.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

/** The part of s3rver 3.7.1 used here (it ships no types). */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: { address: string; port: number; silent: boolean; directory: string }) => S3rverServer;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

let server: S3rverServer;
let directory: string;
let endpoint: string;
let admin: S3Client;
let buckets = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tally-s3rver-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
});

afterAll(async () => {
  admin?.destroy();
  await server?.close();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

async function freshBucket(): Promise<string> {
  const bucket = `tally-test-${++buckets}`;
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function storeOn(bucket: string, prefix: string, options: Partial<S3StoreOptions> = {}): S3Store {
  return new S3Store({ bucket, prefix, endpoint, credentials: CREDENTIALS, ...options });
}

/** Deletes every object under the prefix (the listing fits one page here). */
async function emptyPrefix(bucket: string, prefix: string): Promise<void> {
  const listed = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  for (const object of listed.Contents ?? []) await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
}

describeCheckpointStoreContract('S3Store on s3rver, under a prefix', async () => {
  const bucket = await freshBucket();
  return { store: storeOn(bucket, 'tally/job-1'), cleanup: () => emptyPrefix(bucket, 'tally/job-1/') };
});

describeCheckpointStoreContract('S3Store on s3rver, at the bucket root', async () => {
  const bucket = await freshBucket();
  return { store: storeOn(bucket, ''), cleanup: () => emptyPrefix(bucket, '') };
});

/** Deterministic bytes that differ at every offset modulo 251, so a shifted or reordered part shows. */
function counting(size: number, offset: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i + offset) % 251);
}

async function* failAfter(parts: readonly Uint8Array[], error: Error): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
  throw error;
}

describe('S3Store on s3rver', () => {
  it('puts an object larger than one part as a multipart upload and reads it back whole', async () => {
    const store = storeOn(await freshBucket(), 'p');
    try {
      // 11 MiB in 1 MiB chunks plus an odd tail: three parts, the last one short.
      const chunks = Array.from({ length: 11 }, (_, i) => counting(1 << 20, i)).concat([counting(12_345, 99)]);
      await store.put('big/state.bin', chunks);
      const back = await store.get('big/state.bin');
      expect(Buffer.from(back as Uint8Array).equals(Buffer.concat(chunks))).toBe(true);
      expect((await store.list('big/')).map((o) => [o.key, o.size])).toEqual([['big/state.bin', 11 * (1 << 20) + 12_345]]);
    } finally {
      await store.close();
    }
  });

  it('hands back the chunk source\'s own error when it fails after the first part, and keeps the old object', async () => {
    const store = storeOn(await freshBucket(), 'p');
    try {
      await store.put('state.bin', [bytes('old')]);
      const writerDied = new Error('writer died');
      await expect(store.put('state.bin', failAfter([counting(6 << 20, 1), counting(1 << 20, 2)], writerDied))).rejects.toBe(writerDied);
      expect(new TextDecoder().decode((await store.get('state.bin')) ?? undefined)).toBe('old');
    } finally {
      await store.close();
    }
  });

  it('keeps other prefixes apart and lists only names that are store keys', async () => {
    const bucket = await freshBucket();
    const job1 = storeOn(bucket, 'jobs/one');
    const job10 = storeOn(bucket, 'jobs/one0');
    try {
      await job1.put('k.bin', [bytes('1')]);
      await job10.put('k.bin', [bytes('10')]);
      // A console's folder marker and a name no key can have: not listed, since get could not read them.
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'jobs/one/folder/', Body: '' }));
      await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'jobs/one/sp ace.bin', Body: 'x' }));
      expect((await job1.list('')).map((o) => o.key)).toEqual(['k.bin']);
      expect(new TextDecoder().decode((await job10.get('k.bin')) ?? undefined)).toBe('10');
      expect(job1.description).toBe(`s3://${bucket}/jobs/one`);
    } finally {
      await job1.close();
      await job10.close();
    }
  });

  it('fails with STORE_FAILED, not retriable, naming the store, operation and key when the bucket is missing', async () => {
    const store = storeOn('no-such-bucket', 'p');
    try {
      await expect(store.get('a/b.bin')).rejects.toMatchObject({
        code: 'STORE_FAILED',
        retriable: false,
        message: expect.stringMatching(/^s3:\/\/no-such-bucket\/p: get a\/b\.bin failed: HTTP 404: NoSuchBucket/),
      });
      await expect(store.put('a/b.bin', [bytes('x')])).rejects.toMatchObject({ code: 'STORE_FAILED', retriable: false });
      await expect(store.list('a/')).rejects.toMatchObject({ code: 'STORE_FAILED', message: expect.stringContaining('list "a/"') });
    } finally {
      await store.close();
    }
  });

  it('refuses calls after close', async () => {
    const store = storeOn(await freshBucket(), 'p');
    await store.close();
    await expect(store.get('a.bin')).rejects.toMatchObject({ code: 'STORE_FAILED', message: expect.stringContaining('closed') });
  });
});

describe('S3Store.parseUrl', () => {
  it('reads the bucket and the prefix, with or without a trailing slash', () => {
    expect(S3Store.parseUrl('s3://my-bucket/tally/checkpoints')).toEqual({ bucket: 'my-bucket', prefix: 'tally/checkpoints' });
    expect(S3Store.parseUrl('s3://my-bucket/tally/checkpoints/')).toEqual({ bucket: 'my-bucket', prefix: 'tally/checkpoints' });
    expect(S3Store.parseUrl('s3://my.bucket-1/job=a')).toEqual({ bucket: 'my.bucket-1', prefix: 'job=a' });
    expect(S3Store.parseUrl('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(S3Store.parseUrl('s3://my-bucket/')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(S3Store.parseUrl('S3://my-bucket/p')).toEqual({ bucket: 'my-bucket', prefix: 'p' });
  });

  it('rejects other schemes, bad bucket names and bad prefixes with STORE_FAILED', () => {
    const bad = [
      'http://my-bucket/p', 's3:/my-bucket/p', 's3://', 's3:///p', 's3://ab/p', 's3://My-Bucket/p',
      's3://my_bucket/p', 's3://-bucket/p', 's3://my..bucket/p', 's3://my-bucket//p', 's3://my-bucket/a//b', 's3://my-bucket/a/../b',
      's3://my-bucket/p?versionId=1', 's3://my-bucket/p#x', 's3://my-bucket/sp ace', 's3://my-bucket:9000/p',
    ];
    for (const url of bad) {
      expect(() => S3Store.parseUrl(url), url).toThrow(expect.objectContaining({ code: 'STORE_FAILED', message: expect.stringContaining('invalid S3 store URL') }));
    }
    expect(() => S3Store.parseUrl('http://my-bucket/p')).toThrow(/invalid S3 store URL "http:\/\/my-bucket\/p": expected s3:\/\/bucket\/prefix/);
    expect(() => S3Store.parseUrl('s3://My-Bucket/p')).toThrow(/bucket name/);
    expect(() => S3Store.parseUrl('s3://my-bucket/a//b')).toThrow(/prefix/);
  });

  it('never repeats a URL that may hold credentials', () => {
    let message = '';
    try {
      S3Store.parseUrl('s3://AKIAEXAMPLE:topsecret@my-bucket/p');
    } catch (error) {
      expect(error).toMatchObject({ code: 'STORE_FAILED' });
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid S3 store URL \(not shown, it may hold credentials\): credentials do not belong in the URL/);
    expect(message).not.toContain('topsecret');
  });

  it('describes a store by bucket and prefix only', () => {
    const store = new S3Store({ bucket: 'my-bucket', prefix: 'a/b', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'topsecret' } });
    expect(store.description).toBe('s3://my-bucket/a/b');
    expect(new S3Store({ bucket: 'my-bucket', prefix: '' }).description).toBe('s3://my-bucket');
    expect(() => new S3Store({ bucket: 'my-bucket', prefix: 'a/' })).toThrow(expect.objectContaining({ code: 'STORE_FAILED' }));
  });
});

/** A loopback HTTP server that answers every request with `status` and an S3-style error body (or none). */
async function stubServer(status: number, body: string): Promise<{ endpoint: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const stub: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests.push(`${request.method} ${request.url}`);
    request.resume();
    request.once('end', () => {
      response.writeHead(status, { 'content-type': 'application/xml', connection: 'close' });
      response.end(body);
    });
  });
  stub.listen(0, '127.0.0.1');
  await once(stub, 'listening');
  const { port } = stub.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => stub.close(() => resolve())),
  };
}

const s3ErrorBody = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>r1</RequestId></Error>`;

describe('S3Store error mapping', () => {
  const cases = [
    { status: 503, body: s3ErrorBody('SlowDown', 'Please reduce your request rate.'), retriable: true, shows: 'HTTP 503: SlowDown' },
    { status: 503, body: '', retriable: true, shows: 'HTTP 503' },
    { status: 500, body: s3ErrorBody('InternalError', 'We encountered an internal error.'), retriable: true, shows: 'HTTP 500: InternalError' },
    { status: 403, body: s3ErrorBody('AccessDenied', 'Access Denied'), retriable: false, shows: 'HTTP 403: AccessDenied: Access Denied' },
    { status: 403, body: '', retriable: false, shows: 'HTTP 403' },
    { status: 400, body: s3ErrorBody('RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.'), retriable: true, shows: 'HTTP 400: RequestTimeout' },
  ];
  for (const { status, body, retriable, shows } of cases) {
    it(`maps HTTP ${status} ${body === '' ? 'without a body' : 'with an S3 error'} to STORE_FAILED, retriable ${retriable}, for every operation`, async () => {
      const stub = await stubServer(status, body);
      const store = new S3Store({ bucket: 'b-1', prefix: 'pre', endpoint: stub.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
      try {
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['put k/put.bin', () => store.put('k/put.bin', [bytes('x')])],
          ['get k/get.bin', () => store.get('k/get.bin')],
          ['list "k/"', () => store.list('k/')],
          ['delete k/delete.bin', () => store.delete('k/delete.bin')],
        ];
        for (const [what, call] of calls) {
          await expect(call(), what).rejects.toMatchObject({
            code: 'STORE_FAILED',
            retriable,
            // Without an error body the status is all there is to say.
            message: body === '' ? `s3://b-1/pre: ${what} failed: ${shows}` : expect.stringContaining(`s3://b-1/pre: ${what} failed: ${shows}`),
          });
        }
        // maxAttempts 1: one request per call, no retries by the SDK.
        expect(stub.requests).toHaveLength(calls.length);
        expect(stub.requests[0]).toMatch(/^PUT \/b-1\/pre\/k\/put\.bin/);
      } finally {
        await store.close();
        await stub.close();
      }
    });
  }

  it('lets the SDK retry up to maxAttempts before failing', async () => {
    const stub = await stubServer(503, s3ErrorBody('ServiceUnavailable', 'busy'));
    const store = new S3Store({ bucket: 'b-1', prefix: 'pre', endpoint: stub.endpoint, credentials: CREDENTIALS, maxAttempts: 2 });
    try {
      await expect(store.get('k.bin')).rejects.toMatchObject({ code: 'STORE_FAILED', retriable: true });
      expect(stub.requests).toHaveLength(2);
    } finally {
      await store.close();
      await stub.close();
    }
  });

  it('maps a refused connection to a retriable STORE_FAILED', async () => {
    const stub = await stubServer(200, '');
    await stub.close();
    const store = new S3Store({ bucket: 'b-1', prefix: 'pre', endpoint: stub.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      await expect(store.get('k.bin')).rejects.toMatchObject({
        code: 'STORE_FAILED',
        retriable: true,
        message: expect.stringContaining('s3://b-1/pre: get k.bin failed: ECONNREFUSED'),
      });
    } finally {
      await store.close();
    }
  });
});
