import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeCheckpointStoreContract } from '../../../test/contracts/checkpoint-store.contract.js';
import { FakeWebHdfs } from '../../../test/support/webhdfs/fake-webhdfs.js';
import { EngineError } from '../../core/errors.js';
import { WebHdfsStore } from './webhdfs-store.js';

const ROOT = '/tally/state';
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array | null): string | null => (data === null ? null : new TextDecoder().decode(data));

describeCheckpointStoreContract('WebHDFS (fake namenode and datanode)', async () => {
  const fake = await FakeWebHdfs.start();
  return { store: new WebHdfsStore({ baseUrl: fake.namenodeUrl, root: ROOT, user: 'tally' }), cleanup: () => fake.stop() };
});

// Opt-in: the same contract against a real cluster, to check the fake whenever one is at hand, e.g.
// TALLY_WEBHDFS_TEST_URL=webhdfs://namenode:9870/tmp/tally-contract (user from HADOOP_USER_NAME).
const realClusterUrl = process.env['TALLY_WEBHDFS_TEST_URL'] ?? '';
if (realClusterUrl !== '') {
  describeCheckpointStoreContract(`WebHDFS (real cluster at ${realClusterUrl})`, async () => {
    const { baseUrl, root } = WebHdfsStore.parseUrl(realClusterUrl);
    const runRoot = `${root}/run-${randomUUID()}`;
    const cleanup = async (): Promise<void> => {
      const url = new URL(`${baseUrl}/webhdfs/v1${runRoot}?op=DELETE&recursive=true`);
      const user = process.env['HADOOP_USER_NAME'];
      if (user !== undefined && user !== '') url.searchParams.set('user.name', user);
      await (await fetch(url, { method: 'DELETE' })).body?.cancel();
    };
    return { store: new WebHdfsStore({ baseUrl, root: runRoot }), cleanup };
  });
}

/** A fake and a store on it, stopped after each test. */
const running: FakeWebHdfs[] = [];
async function setup(options: { user?: string; timeoutMs?: number } = {}): Promise<{ fake: FakeWebHdfs; store: WebHdfsStore }> {
  const fake = await FakeWebHdfs.start();
  running.push(fake);
  return { fake, store: new WebHdfsStore({ baseUrl: fake.namenodeUrl, root: ROOT, user: 'tally', ...options }) };
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((fake) => fake.stop()));
  vi.unstubAllEnvs();
});

/** The error a promise rejects with (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected a rejection');
}

const isTemporary = (path: string): boolean => path.split('/').pop()?.startsWith('.~tmp-') ?? false;

describe('WebHdfsStore.parseUrl', () => {
  it('maps webhdfs:// to http and swebhdfs:// to https, keeping host, port and path', () => {
    expect(WebHdfsStore.parseUrl('webhdfs://namenode.example:9870/tally/state')).toEqual({ baseUrl: 'http://namenode.example:9870', root: '/tally/state' });
    expect(WebHdfsStore.parseUrl('swebhdfs://nn:50470/a/b/')).toEqual({ baseUrl: 'https://nn:50470', root: '/a/b' });
  });

  it("uses Hadoop 3's default namenode ports when the URL names none", () => {
    expect(WebHdfsStore.parseUrl('webhdfs://nn/x').baseUrl).toBe('http://nn:9870');
    expect(WebHdfsStore.parseUrl('swebhdfs://nn/x').baseUrl).toBe('https://nn:9871');
  });

  it('decodes a percent-encoded path', () => {
    expect(WebHdfsStore.parseUrl('webhdfs://nn:9870/user/a%20b/state').root).toBe('/user/a b/state');
  });

  it('gives a description that is the webhdfs:// URL it was parsed from', () => {
    const url = 'webhdfs://namenode.example:9870/tally/state';
    expect(new WebHdfsStore(WebHdfsStore.parseUrl(url)).description).toBe(url);
    expect(new WebHdfsStore(WebHdfsStore.parseUrl('swebhdfs://nn:9871/s')).description).toBe('swebhdfs://nn:9871/s');
    expect(new WebHdfsStore({ baseUrl: 'http://nn', root: '/s' }).description).toBe('webhdfs://nn:80/s');
  });

  it.each([
    ['hdfs://nn:8020/tally', /RPC protocol.*webhdfs:\/\/namenode:9870/],
    ['s3://bucket/tally', /scheme must be webhdfs:\/\/ or swebhdfs:\/\/, not s3:\/\//],
    ['http://nn:9870/tally', /scheme must be webhdfs/],
    ['webhdfs://nn:9870', /path of the store root is missing/],
    ['webhdfs://nn:9870/', /path of the store root is missing/],
    ['webhdfs:///tally', /namenode host is missing/],
    ['webhdfs://nn:9870/tally?user.name=x', /query and fragment/],
    ['not a url', /expected webhdfs:\/\/namenode:9870\/absolute\/path/],
  ])('rejects %s with a message saying what is wrong', (url, why) => {
    let caught: unknown;
    try {
      WebHdfsStore.parseUrl(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'STORE_FAILED', retriable: false });
    expect((caught as Error).message).toMatch(why);
  });

  it('rejects credentials in the URL without repeating them', () => {
    let caught: unknown;
    try {
      WebHdfsStore.parseUrl('webhdfs://alice:s3cret@nn:9870/tally');
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'STORE_FAILED' });
    expect((caught as Error).message).toMatch(/credentials/);
    expect((caught as Error).message).not.toContain('s3cret');
  });

  it('rejects options with a relative root, the filesystem root or a non-HTTP base URL', () => {
    expect(() => new WebHdfsStore({ baseUrl: 'http://nn:9870', root: 'tally' })).toThrow(/absolute HDFS path/);
    expect(() => new WebHdfsStore({ baseUrl: 'http://nn:9870', root: '/' })).toThrow(/directory below \//);
    expect(() => new WebHdfsStore({ baseUrl: 'http://nn:9870', root: '/a/../b' })).toThrow(/'\.' or '\.\.'/);
    expect(() => new WebHdfsStore({ baseUrl: 'ftp://nn', root: '/tally' })).toThrow(/http:\/\/ or https:\/\//);
  });
});

describe('WebHdfsStore over the WebHDFS protocol', () => {
  it('writes through the two-step CREATE: no data to the namenode, a 307, the bytes to the datanode, then RENAME', async () => {
    const { fake, store } = await setup();
    await store.put('chk-0000000001/state.bin', [bytes('hello '), bytes('world')]);

    const creates = fake.requests.filter((r) => r.op === 'CREATE');
    expect(creates.map((r) => [r.node, r.method, r.status])).toEqual([
      ['namenode', 'PUT', 307],
      ['datanode', 'PUT', 201],
    ]);
    const [toNamenode, toDatanode] = creates;
    expect(toNamenode?.bodyBytes).toBe(0);
    expect(toNamenode?.query).toMatchObject({ overwrite: 'false', 'user.name': 'tally' });
    // The datanode request is the Location the namenode gave: same path, the namenode's address added.
    expect(toDatanode?.path).toBe(toNamenode?.path);
    expect(toDatanode?.query['namenoderpcaddress']).toBeDefined();
    expect(toDatanode?.bodyBytes).toBe(11);
    expect(toDatanode?.headers['transfer-encoding']).toBe('chunked');
    expect(toNamenode?.path).toMatch(/^\/tally\/state\/chk-0000000001\/\.~tmp-[0-9a-f-]+$/);

    const rename = fake.requests.find((r) => r.op === 'RENAME');
    expect(rename?.path).toBe(toNamenode?.path);
    expect(rename?.query['destination']).toBe('/tally/state/chk-0000000001/state.bin');
    expect(fake.files()).toEqual(['/tally/state/chk-0000000001/state.bin']);
    expect(fake.readFile('/tally/state/chk-0000000001/state.bin')?.toString()).toBe('hello world');
  });

  it('reads through the OPEN redirect to the datanode', async () => {
    const { fake, store } = await setup();
    fake.writeFile('/tally/state/k.bin', 'stored');
    expect(text(await store.get('k.bin'))).toBe('stored');
    expect(fake.requests.filter((r) => r.op === 'OPEN').map((r) => [r.node, r.status])).toEqual([
      ['namenode', 307],
      ['datanode', 200],
    ]);
  });

  it('streams the chunks: the datanode has the first chunk before the second is produced', async () => {
    const { fake, store } = await setup();
    const first = new Uint8Array(256 * 1024).fill(1);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield first;
      const deadline = Date.now() + 5_000;
      while (fake.datanodeBytesReceived < first.length) {
        if (Date.now() > deadline) throw new Error('the first chunk never reached the datanode');
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      yield new Uint8Array(1000).fill(2);
    }
    await store.put('big.bin', chunks());
    expect((await store.get('big.bin'))?.length).toBe(first.length + 1000);
  });

  it('creates a missing root with MKDIRS on the first put only, and lists a missing root as empty', async () => {
    const { fake, store } = await setup();
    expect(await store.list('')).toEqual([]);
    await store.put('a.bin', [bytes('1')]);
    await store.put('b/c.bin', [bytes('2')]);
    expect(fake.requests.filter((r) => r.op === 'MKDIRS').map((r) => r.path)).toEqual([ROOT]);
  });

  it('sends user.name from HADOOP_USER_NAME when no user is given, and none when neither is', async () => {
    const fake = await FakeWebHdfs.start();
    running.push(fake);
    vi.stubEnv('HADOOP_USER_NAME', 'etl');
    await new WebHdfsStore({ baseUrl: fake.namenodeUrl, root: ROOT }).list('');
    vi.stubEnv('HADOOP_USER_NAME', '');
    await new WebHdfsStore({ baseUrl: fake.namenodeUrl, root: ROOT }).list('');
    expect(fake.requests.map((r) => r.query['user.name'])).toEqual(['etl', undefined]);
  });
});

describe('WebHdfsStore errors', () => {
  it("turns a RemoteException into STORE_FAILED with the Java exception's message, naming store, operation and key", async () => {
    const { fake, store } = await setup();
    const javaMessage = 'Permission denied: user=tally, access=READ, inode="/tally/state/k.bin":hdfs:supergroup:-rw-------';
    fake.failNext('OPEN', { status: 403, exception: 'AccessControlException', message: javaMessage });
    const error = await rejectionOf(store.get('k.bin'));
    expect(error.code).toBe('STORE_FAILED');
    expect(error.message).toContain(javaMessage);
    expect(error.message).toContain(store.description);
    expect(error.message).toContain('get "k.bin"');
    expect(error.message).toContain('AccessControlException');
    expect(error.retriable).toBe(false);
  });

  it('marks 503 and StandbyException retriable, and a 403 AccessControlException not', async () => {
    const { fake, store } = await setup();
    fake.failNext('LISTSTATUS', { status: 503, exception: 'RetriableException', message: 'namenode busy' });
    expect(await rejectionOf(store.list(''))).toMatchObject({ code: 'STORE_FAILED', retriable: true });
    // A standby namenode answers 403 (StandbyException is an IOException); trying again may reach the active one.
    fake.failNext('GETFILESTATUS', { status: 403, exception: 'StandbyException', message: 'Operation category READ is not supported in state standby' });
    expect(await rejectionOf(store.put('k.bin', [bytes('x')]))).toMatchObject({ code: 'STORE_FAILED', retriable: true });
    fake.failNext('DELETE', { status: 403, exception: 'AccessControlException', message: 'Permission denied' });
    expect(await rejectionOf(store.delete('k.bin'))).toMatchObject({ code: 'STORE_FAILED', retriable: false });
    fake.failNext('LISTSTATUS', { status: 500, exception: 'IOException', message: 'disk trouble' });
    expect(await rejectionOf(store.list('chk-'))).toMatchObject({ retriable: true });
    // Each failure was injected once: the store works again.
    expect(await store.list('')).toEqual([]);
  });

  it('fails a datanode error during the upload and leaves no temporary behind', async () => {
    const { fake, store } = await setup();
    fake.failNext('CREATE', { status: 403, exception: 'DSQuotaExceededException', message: 'The DiskSpace quota of /tally is exceeded', node: 'datanode' });
    const error = await rejectionOf(store.put('q/state.bin', [bytes('data')]));
    expect(error.message).toContain('DiskSpace quota');
    expect(error.message).toMatch(/put "q\/state.bin" failed at CREATE/);
    expect(fake.files()).toEqual([]);
  });

  it('does not take a 404 without a RemoteException (a wrong URL, a proxy) for an absent key', async () => {
    const fake = await FakeWebHdfs.start();
    running.push(fake);
    const store = new WebHdfsStore({ baseUrl: `${fake.namenodeUrl}/not-webhdfs`, root: ROOT });
    expect(await rejectionOf(store.get('k.bin'))).toMatchObject({ code: 'STORE_FAILED', retriable: false });
    expect(await rejectionOf(store.list(''))).toMatchObject({ code: 'STORE_FAILED' });
  });

  it('reports an unreachable namenode as retriable', async () => {
    const { fake, store } = await setup();
    await fake.stop();
    const error = await rejectionOf(store.get('k.bin'));
    expect(error).toMatchObject({ code: 'STORE_FAILED', retriable: true });
    expect(error.message).toMatch(/get "k.bin" failed at OPEN/);
  });

  it('gives up on a server that does not answer within timeoutMs, retriably', async () => {
    const silent = ((_url: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    const store = new WebHdfsStore({ baseUrl: 'http://127.0.0.1:9', root: ROOT, timeoutMs: 50 }, silent);
    const error = await rejectionOf(store.list(''));
    expect(error).toMatchObject({ code: 'STORE_FAILED', retriable: true });
    expect(error.message).toContain('no progress for 50 ms');
  });

  it('aborts requests in flight on close and refuses later calls', async () => {
    const silent = ((_url: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    const store = new WebHdfsStore({ baseUrl: 'http://127.0.0.1:9', root: ROOT }, silent);
    const pending = rejectionOf(store.get('k.bin'));
    await store.close();
    expect(await pending).toMatchObject({ code: 'STORE_FAILED', retriable: false });
    expect(await rejectionOf(store.list(''))).toMatchObject({ code: 'STORE_FAILED', message: expect.stringContaining('closed') });
  });

  it('refuses to put onto a key that is a directory, leaving no temporary', async () => {
    const { fake, store } = await setup();
    await store.put('a/b.bin', [bytes('x')]);
    const error = await rejectionOf(store.put('a', [bytes('y')]));
    expect(error.message).toContain('/tally/state/a is a directory');
    expect(fake.files()).toEqual(['/tally/state/a/b.bin']);
  });
});

describe('WebHdfsStore listing', () => {
  it('lists by a prefix that cuts a directory name, reading only directories that can match', async () => {
    const { fake, store } = await setup();
    for (const key of ['chk-0000000009/state.bin', 'chk-0000000010/state.bin', 'chk-0000000010/manifest.json', 'chk-0000000011/state.bin', 'chk-0000000100/state.bin', 'results/window=w/part-1.ndjson']) {
      await store.put(key, [bytes(key)]);
    }
    const before = fake.requests.length;
    expect((await store.list('chk-000000001')).map((o) => o.key)).toEqual([
      'chk-0000000010/manifest.json',
      'chk-0000000010/state.bin',
      'chk-0000000011/state.bin',
    ]);
    const listed = fake.requests.slice(before).map((r) => `${r.op} ${r.path}`);
    expect(listed.sort()).toEqual([`LISTSTATUS ${ROOT}`, `LISTSTATUS ${ROOT}/chk-0000000010`, `LISTSTATUS ${ROOT}/chk-0000000011`]);

    expect((await store.list('chk-0000000010/man')).map((o) => o.key)).toEqual(['chk-0000000010/manifest.json']);
    expect((await store.list('chk-0000000010/state.bin')).map((o) => o.key)).toEqual(['chk-0000000010/state.bin']);
    expect((await store.list('results/window=')).map((o) => [o.key, o.size])).toEqual([['results/window=w/part-1.ndjson', 30]]);
    expect(await store.list('chk-0000000010/state.bin/')).toEqual([]);
  });

  it('never looks outside the root, whatever the prefix', async () => {
    const { fake, store } = await setup();
    fake.writeFile('/tally/secret.bin', 'x');
    fake.writeFile('/tally/state/k.bin', 'y');
    for (const prefix of ['../', '../secret', '/', '//k', 'a b/', '~tmp-', '.']) expect(await store.list(prefix), prefix).toEqual([]);
    expect(fake.requests.every((r) => r.path === ROOT || r.path.startsWith(`${ROOT}/`))).toBe(true);
  });

  it('never lists temporaries, also one a dead writer left behind', async () => {
    const { fake, store } = await setup();
    await store.put('p/state.bin', [bytes('good')]);
    // The datanode keeps 100 kB of the upload and drops the connection; the store's cleanup DELETE fails too.
    fake.cutNextCreate(100_000);
    fake.failNext('DELETE', { status: 503, exception: 'StandbyException', message: 'standby' });
    const error = await rejectionOf(store.put('p/state.bin', [new Uint8Array(300_000), new Uint8Array(300_000)]));
    expect(error.retriable).toBe(true);

    const left = fake.files().filter(isTemporary);
    expect(left).toHaveLength(1);
    expect(fake.readFile(left[0] as string)?.length).toBe(100_000);
    expect((await store.list('')).map((o) => o.key)).toEqual(['p/state.bin']);
    expect((await store.list('p/')).map((o) => o.key)).toEqual(['p/state.bin']);
    expect(text(await store.get('p/state.bin'))).toBe('good');
  });

  it('removes the temporary of an upload cut midway when it can, keeping the previous version', async () => {
    const { fake, store } = await setup();
    await store.put('p/state.bin', [bytes('good')]);
    fake.cutNextCreate(50_000);
    expect(await rejectionOf(store.put('p/state.bin', [new Uint8Array(200_000)]))).toMatchObject({ code: 'STORE_FAILED', retriable: true });
    expect(fake.files()).toEqual(['/tally/state/p/state.bin']);
    expect(text(await store.get('p/state.bin'))).toBe('good');
  });

  it('hands back the error of a failing chunk iterator, not a store error', async () => {
    const { store } = await setup();
    const died = new Error('encoder died');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10_000);
      throw died;
    }
    await expect(store.put('x/state.bin', failing())).rejects.toBe(died);
    expect(await store.get('x/state.bin')).toBeNull();
  });

  it('removes directories a delete leaves empty, up to the root', async () => {
    const { fake, store } = await setup();
    await store.put('chk-1/a/state.bin', [bytes('1')]);
    await store.put('chk-1/manifest.json', [bytes('2')]);
    await store.delete('chk-1/a/state.bin');
    expect(fake.directories()).toEqual([`/tally`, ROOT, `${ROOT}/chk-1`]);
    await store.delete('chk-1/manifest.json');
    expect(fake.directories()).toEqual([`/tally`, ROOT]);
    expect(await store.list('')).toEqual([]);
  });
});
