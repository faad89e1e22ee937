// S3Store against a real S3 server: Ceph radosgw on loopback (the contract, paging, multipart puts and aborts, auth errors).

import { CreateBucketCommand, DeleteObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store, type S3StoreOptions } from '../../../src/adapters/checkpoint-stores/s3-store.js';
import { describeCheckpointStoreContract } from '../../contracts/checkpoint-store.contract.js';
import { startRadosgw, type Radosgw } from '../../support/s3/radosgw.js';

// The SDK warns once per process that its 2027 releases need Node 22; the pinned version runs on 20.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

let radosgw: Radosgw;
let admin: S3Client;
let buckets = 0;

beforeAll(async () => {
  // Installing the Debian packages on a fresh machine takes about 40 s; starting takes about 5 s.
  radosgw = await startRadosgw();
  admin = new S3Client({ endpoint: radosgw.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: credentials() });
}, 300_000);

afterAll(async () => {
  admin?.destroy();
  await radosgw?.stop();
}, 60_000);

function credentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: radosgw.accessKeyId, secretAccessKey: radosgw.secretAccessKey };
}

async function freshBucket(): Promise<string> {
  const bucket = `tally-rgw-${process.pid}-${++buckets}`;
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function storeOn(bucket: string, prefix: string, options: Partial<S3StoreOptions> = {}): S3Store {
  return new S3Store({ bucket, prefix, endpoint: radosgw.endpoint, credentials: credentials(), ...options });
}

/** Every key under the prefix, through all pages. */
async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return keys;
}

async function emptyPrefix(bucket: string, prefix: string): Promise<void> {
  for (const key of await keysUnder(bucket, prefix)) await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

describeCheckpointStoreContract('S3Store on radosgw, under a prefix', async () => {
  const bucket = await freshBucket();
  return { store: storeOn(bucket, 'tally/job-1'), cleanup: () => emptyPrefix(bucket, 'tally/job-1/') };
});

describeCheckpointStoreContract('S3Store on radosgw, at the bucket root', async () => {
  const bucket = await freshBucket();
  return { store: storeOn(bucket, ''), cleanup: () => emptyPrefix(bucket, '') };
});

/** Deterministic bytes that differ at every offset modulo 251, so a shifted or reordered part shows. */
function counting(size: number, offset: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i + offset) % 251);
}

describe('S3Store on radosgw', () => {
  it('lists through many pages, sorted, relative to the prefix and only under it', async () => {
    const bucket = await freshBucket();
    // 7 keys a page: 40 keys take 6 pages, the last one short.
    const store = storeOn(bucket, 'root', { listPageSize: 7 });
    const neighbour = storeOn(bucket, 'root0');
    try {
      const keys = Array.from({ length: 40 }, (_, i) => `chk-${String(39 - i).padStart(10, '0')}/part-${i % 3}.bin`);
      for (const key of keys) await store.put(key, [counting(key.length, 0)]);
      await neighbour.put('chk-0000000001/part-0.bin', [counting(1, 0)]);
      const listed = await store.list('');
      expect(listed.map((o) => o.key)).toEqual([...keys].sort());
      expect(listed.map((o) => o.size)).toEqual([...keys].sort().map((k) => k.length));
      expect(listed.every((o) => o.modifiedMs !== null && Number.isFinite(o.modifiedMs))).toBe(true);
      expect((await store.list('chk-000000001')).map((o) => o.key)).toEqual([...keys].sort().slice(10, 20));
      expect(await keysUnder(bucket, 'root/')).toHaveLength(40);
    } finally {
      await store.close();
      await neighbour.close();
    }
  });

  it('puts an object larger than one part as a multipart upload and reads it back whole', async () => {
    const bucket = await freshBucket();
    const store = storeOn(bucket, 'p');
    try {
      const chunks = Array.from({ length: 11 }, (_, i) => counting(1 << 20, i)).concat([counting(12_345, 99)]);
      await store.put('big/state.bin', chunks);
      const back = await store.get('big/state.bin');
      expect(Buffer.from(back as Uint8Array).equals(Buffer.concat(chunks))).toBe(true);
      expect((await store.list('big/')).map((o) => [o.key, o.size])).toEqual([['big/state.bin', 11 * (1 << 20) + 12_345]]);
      expect((await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('aborts the multipart upload when the chunks fail after the first part, and hands back their error', async () => {
    const bucket = await freshBucket();
    const store = storeOn(bucket, 'p');
    try {
      await store.put('state.bin', [new TextEncoder().encode('old')]);
      const writerDied = new Error('writer died');
      let isUploadStarted = false;
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield counting(6 << 20, 1); // more than one part: the multipart upload starts
        yield counting(1 << 20, 2);
        // Wait until the multipart upload exists on the server, so there is something to abort.
        for (let i = 0; i < 200 && !isUploadStarted; i++) {
          const uploads = (await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
          isUploadStarted = uploads.length > 0;
          if (!isUploadStarted) await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw writerDied;
      }
      await expect(store.put('state.bin', failing())).rejects.toBe(writerDied);
      expect(isUploadStarted).toBe(true);
      expect((await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).toEqual([]);
      expect(new TextDecoder().decode((await store.get('state.bin')) ?? undefined)).toBe('old');
      expect((await store.list('')).map((o) => o.key)).toEqual(['state.bin']);
    } finally {
      await store.close();
    }
  });

  it('fails with STORE_FAILED, not retriable, for a wrong secret and for a missing bucket', async () => {
    const wrongSecret = new S3Store({
      bucket: await freshBucket(),
      prefix: 'p',
      endpoint: radosgw.endpoint,
      credentials: { accessKeyId: radosgw.accessKeyId, secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    const noBucket = storeOn('tally-no-such-bucket', 'p', { maxAttempts: 1 });
    try {
      await expect(wrongSecret.get('a.bin')).rejects.toMatchObject({
        code: 'STORE_FAILED',
        retriable: false,
        message: expect.stringMatching(/: get a\.bin failed: HTTP 403: SignatureDoesNotMatch/),
      });
      await expect(wrongSecret.put('a.bin', [counting(10, 0)])).rejects.toMatchObject({ code: 'STORE_FAILED', retriable: false });
      expect(wrongSecret.description).not.toContain('not-the-secret');
      await expect(noBucket.list('')).rejects.toMatchObject({
        code: 'STORE_FAILED',
        retriable: false,
        message: expect.stringMatching(/^s3:\/\/tally-no-such-bucket\/p: list "" failed: HTTP 404: NoSuchBucket/),
      });
      // A missing bucket is a failure, never an absent key.
      await expect(noBucket.get('a.bin')).rejects.toMatchObject({ code: 'STORE_FAILED' });
    } finally {
      await wrongSecret.close();
      await noBucket.close();
    }
  });
});
