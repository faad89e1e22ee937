// WebHdfsStore: the CheckpointStore port on HDFS, over the WebHDFS REST API (Node's fetch, no client library).

import { randomUUID } from 'node:crypto';
import { EngineError } from '../../core/errors.js';
import { assertStoreKey, type CheckpointStore, type StoredObject } from '../../ports/checkpoint-store.js';

export interface WebHdfsStoreOptions {
  /** The namenode's HTTP(S) address, e.g. `http://namenode:9870` (a path prefix such as a gateway's is kept). */
  readonly baseUrl: string;
  /** Absolute HDFS directory that holds the keys, e.g. `/tally/state` (not `/` itself). */
  readonly root: string;
  /** Sent as `user.name` (simple authentication). Default: env HADOOP_USER_NAME, else none. */
  readonly user?: string;
  /** A request fails (retriable) when the server makes no progress for this long, ms. Default 30 000. */
  readonly timeoutMs?: number;
}

/** What `parseUrl` reads from a `webhdfs://` or `swebhdfs://` URL. */
export interface WebHdfsLocation {
  readonly baseUrl: string;
  readonly root: string;
}

type Fetch = typeof globalThis.fetch;
type Chunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/** Which port operation a request serves, for error messages. */
interface Call {
  readonly operation: 'put' | 'get' | 'list' | 'delete';
  readonly key: string;
}

/** One entry of a GETFILESTATUS or LISTSTATUS reply (the fields this store reads). */
interface FileStatus {
  readonly pathSuffix: string;
  readonly type: string;
  readonly length: number;
  readonly modificationTime: number | null;
}

/** An error reply: `{"RemoteException": {"exception", "javaClassName", "message"}}` when the server sent one. */
interface Failure {
  /** Null when the reply was a success that did not do what was asked. */
  readonly status: number | null;
  readonly exception: string | null;
  readonly message: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Hadoop 3's default namenode HTTP and HTTPS ports, used when a URL names none. */
const DEFAULT_PORTS = { webhdfs: '9870', swebhdfs: '9871' } as const;
/** One path part of a valid key (see assertStoreKey); temporaries and foreign names never match. */
const KEY_PART = /^[A-Za-z0-9._=-]+$/;
/** Temporaries hold '~', which no valid key contains (list, get and delete never name one), and start with '.' so that Hive and Spark skip one a crash left. */
const TEMP_PREFIX = '.~tmp-';
/** Server-side conditions that pass: a standby or starting namenode, or one asking the client to retry. */
const RETRIABLE_EXCEPTIONS = new Set(['StandbyException', 'RetriableException', 'SafeModeException']);
const NEVER_RETRIABLE_EXCEPTIONS = new Set(['AccessControlException', 'AuthorizationException', 'SecurityException']);
/** Subdirectories a listing reads at once. */
const LIST_CONCURRENCY = 8;

/**
 * Keys map to files under `root`; `a/b.bin` is `<root>/a/b.bin`. A put writes a temporary file in the
 * key's directory (two-step CREATE) and renames it onto the key, so readers never see a partial
 * object. A missing root is an empty store; the first put creates it. Deleting the last key of a
 * directory removes the emptied directories up to the root, so old checkpoints leave no trace in the
 * namespace. No retries here: errors carry `retriable` and the runtime decides.
 */
export class WebHdfsStore implements CheckpointStore {
  readonly description: string;
  private readonly apiUrl: string;
  private readonly root: string;
  private readonly user: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: Fetch;
  private readonly closing = new AbortController();
  private rootCreated: Promise<void> | null = null;

  constructor(options: WebHdfsStoreOptions, fetchImpl: Fetch = globalThis.fetch) {
    const base = parseBaseUrl(options.baseUrl);
    this.root = normalizeRoot(options.root, 'root');
    this.apiUrl = `${base.origin}${base.pathPrefix}/webhdfs/v1`;
    const scheme = base.isHttps ? 'swebhdfs' : 'webhdfs';
    this.description = base.pathPrefix === '' ? `${scheme}://${base.hostname}:${base.port}${this.root}` : `${this.apiUrl}${this.root}`;
    const user = options.user ?? process.env['HADOOP_USER_NAME'];
    this.user = user === undefined || user === '' ? undefined : user;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new EngineError('STORE_FAILED', `WebHDFS store: timeoutMs must be > 0, got ${this.timeoutMs}`);
    this.fetchImpl = fetchImpl;
  }

  /**
   * Reads `webhdfs://host[:port]/abs/path` (HTTP) or `swebhdfs://…` (HTTPS) into constructor options.
   * Without a port, Hadoop 3's defaults apply (9870, 9871). Throws STORE_FAILED for anything else.
   */
  static parseUrl(url: string): WebHdfsLocation {
    const fail = (why: string): never => {
      throw new EngineError('STORE_FAILED', `invalid WebHDFS store URL ${JSON.stringify(redact(url))}: ${why}`);
    };
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return fail('expected webhdfs://namenode:9870/absolute/path');
    }
    const scheme = parsed.protocol.slice(0, -1);
    if (scheme === 'hdfs') fail('hdfs:// is the HDFS RPC protocol; use webhdfs://namenode:9870/path (the namenode HTTP port)');
    if (scheme !== 'webhdfs' && scheme !== 'swebhdfs') fail(`the scheme must be webhdfs:// or swebhdfs://, not ${scheme}://`);
    if (parsed.username !== '' || parsed.password !== '') fail('credentials do not belong in the URL; set the user in the store options');
    if (parsed.hostname === '') fail('the namenode host is missing');
    if (parsed.search !== '' || parsed.hash !== '') fail('query and fragment are not supported');
    const port = parsed.port === '' ? DEFAULT_PORTS[scheme as keyof typeof DEFAULT_PORTS] : parsed.port;
    let root: string;
    try {
      root = decodeURIComponent(parsed.pathname);
    } catch {
      return fail('the path is not valid percent-encoding');
    }
    if (root.replaceAll('/', '') === '') fail('the path of the store root is missing, e.g. webhdfs://namenode:9870/tally/state');
    return {
      baseUrl: `${scheme === 'swebhdfs' ? 'https' : 'http'}://${parsed.hostname}:${port}`,
      root: normalizeRoot(root, `URL ${JSON.stringify(url)}`),
    };
  }

  async put(key: string, chunks: Chunks): Promise<void> {
    assertStoreKey(key);
    this.assertOpen();
    const call: Call = { operation: 'put', key };
    const target = this.pathOf(key);
    const temp = `${parentOf(target)}/${TEMP_PREFIX}${randomUUID()}`;
    const upload = new ChunkUpload(chunks);
    let isTempPossible = false;
    try {
      await this.ensureRoot(call);
      const datanode = await this.createLocation(call, temp);
      isTempPossible = true;
      await this.upload(call, datanode, upload);
      await this.replace(call, temp, target);
    } catch (error) {
      upload.abandon();
      if (isTempPossible) await this.removeQuietly(temp);
      // A failing chunk iterator is the caller's error, not the store's: hand it back unchanged.
      if (upload.hasFailed) throw upload.failure;
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    assertStoreKey(key);
    this.assertOpen();
    const call: Call = { operation: 'get', key };
    // OPEN answers 307 to a datanode, which fetch follows.
    return this.exchange(call, 'OPEN', this.url('OPEN', this.pathOf(key)), () => ({ method: 'GET' }), async (response, watchdog) => {
      if (!response.ok) {
        const failure = await readFailure(response);
        // Only the server's own FileNotFoundException means "absent" (also for a directory: "Path is not a
        // file"); a bare 404 from a wrong URL or a proxy must not look like an empty store.
        if (failure.exception === 'FileNotFoundException') return null;
        throw this.failed(call, 'OPEN', failure);
      }
      return readBody(response, watchdog);
    });
  }

  async list(prefix: string): Promise<StoredObject[]> {
    this.assertOpen();
    const call: Call = { operation: 'list', key: prefix };
    // Start at the deepest directory the prefix names whole; the rest of it filters names.
    const directory = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    if (directory !== '' && !directory.slice(0, -1).split('/').every(isKeyPart)) return [];
    const found: StoredObject[] = [];
    await this.walk(call, directory, prefix, found);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    assertStoreKey(key);
    this.assertOpen();
    const call: Call = { operation: 'delete', key };
    // DELETE answers {"boolean": false} for an absent path, which is success here.
    const isRemoved = await this.booleanOp(call, 'DELETE', 'DELETE', this.pathOf(key), { recursive: 'false' });
    if (isRemoved) await this.removeEmptyParents(key);
  }

  /** Aborts requests in flight; later calls fail. */
  async close(): Promise<void> {
    if (!this.closing.signal.aborted) this.closing.abort(new Error('store closed'));
  }

  // ---- put ----

  private ensureRoot(call: Call): Promise<void> {
    this.rootCreated ??= (async () => {
      if (!(await this.booleanOp(call, 'MKDIRS', 'PUT', this.root, {}))) {
        throw this.failed(call, 'MKDIRS', { status: null, exception: null, message: `could not create ${this.root}` });
      }
    })().catch((error: unknown) => {
      this.rootCreated = null;
      throw error;
    });
    return this.rootCreated;
  }

  /** Step one of CREATE: the namenode answers 307 with the datanode URL that takes the bytes (no body is sent yet). */
  private createLocation(call: Call, path: string): Promise<URL> {
    return this.exchange(call, 'CREATE', this.url('CREATE', path, { overwrite: 'false' }), () => ({ method: 'PUT', redirect: 'manual' }), async (response) => {
      const location = response.headers.get('location');
      if (response.status === 307 && location !== null) {
        await response.body?.cancel();
        return new URL(location, this.apiUrl);
      }
      if (!response.ok) throw this.failed(call, 'CREATE', await readFailure(response));
      await response.body?.cancel();
      throw this.failed(call, 'CREATE', { status: response.status, exception: null, message: 'the namenode answered without a redirect to a datanode' });
    });
  }

  /** Step two of CREATE: streams the chunks to the datanode, which answers 201 Created. */
  private upload(call: Call, datanode: URL, upload: ChunkUpload): Promise<void> {
    const init = (watchdog: Watchdog): RequestInit => ({
      method: 'PUT',
      redirect: 'manual',
      headers: { 'content-type': 'application/octet-stream' },
      body: upload.stream(watchdog),
      duplex: 'half',
    });
    return this.exchange(call, 'CREATE', datanode, init, async (response) => {
      if (!response.ok) throw this.failed(call, 'CREATE', await readFailure(response));
      await response.body?.cancel();
    });
  }

  /**
   * Renames the written temporary onto the key. WebHDFS RENAME does not overwrite (it answers false when
   * the destination exists, and moves the source *into* a destination directory), so an existing
   * object is deleted first. That leaves a short window in which neither version exists; the checkpoint
   * protocol writes each key once, so only rewrites of a key (tests, tools) can meet it.
   */
  private async replace(call: Call, temp: string, target: string): Promise<void> {
    const existing = await this.fileStatus(call, target);
    if (existing?.type === 'DIRECTORY') {
      throw this.failed(call, 'GETFILESTATUS', { status: null, exception: null, message: `${target} is a directory` });
    }
    if (existing !== null) await this.booleanOp(call, 'DELETE', 'DELETE', target, { recursive: 'false' });
    if (!(await this.booleanOp(call, 'RENAME', 'PUT', temp, { destination: target }))) {
      throw this.failed(call, 'RENAME', { status: null, exception: null, message: `could not rename ${temp} to ${target} (the destination exists or the temporary is gone)` });
    }
  }

  /** Best effort: a temporary that stays behind is never listed or read, only wasted space. */
  private async removeQuietly(path: string): Promise<void> {
    if (this.closing.signal.aborted) return;
    try {
      await this.booleanOp({ operation: 'put', key: path }, 'DELETE', 'DELETE', path, { recursive: 'false' });
    } catch {
      // The put's own error is the one to report.
    }
  }

  // ---- list and delete ----

  private async walk(call: Call, directory: string, prefix: string, found: StoredObject[]): Promise<void> {
    const entries = await this.listStatus(call, this.pathOf(directory));
    const subdirectories: string[] = [];
    for (const entry of entries) {
      if (!isKeyPart(entry.pathSuffix)) continue;
      const key = directory + entry.pathSuffix;
      if (entry.type === 'FILE') {
        if (key.startsWith(prefix)) found.push({ key, size: entry.length, modifiedMs: entry.modificationTime });
      } else if (entry.type === 'DIRECTORY') {
        const below = `${key}/`;
        if (below.startsWith(prefix) || prefix.startsWith(below)) subdirectories.push(below);
      }
    }
    for (let i = 0; i < subdirectories.length; i += LIST_CONCURRENCY) {
      await Promise.all(subdirectories.slice(i, i + LIST_CONCURRENCY).map((sub) => this.walk(call, sub, prefix, found)));
    }
  }

  /** After a delete: removes directories the key's parents leave empty, up to (not including) the root. */
  private async removeEmptyParents(key: string): Promise<void> {
    const parts = key.split('/');
    const call: Call = { operation: 'delete', key };
    try {
      for (let depth = parts.length - 1; depth > 0; depth--) {
        const directory = this.pathOf(parts.slice(0, depth).join('/'));
        if ((await this.listStatus(call, directory)).length > 0) return;
        // Non-recursive: if a put created a file here meanwhile, the server refuses and nothing is lost.
        if (!(await this.booleanOp(call, 'DELETE', 'DELETE', directory, { recursive: 'false' }))) return;
      }
    } catch {
      // Tidying is optional; the object itself is gone.
    }
  }

  // ---- WebHDFS operations ----

  /** GETFILESTATUS, or null when the path does not exist. */
  private async fileStatus(call: Call, path: string): Promise<FileStatus | null> {
    const reply = await this.jsonOp(call, 'GETFILESTATUS', 'GET', path, {}, true);
    if (reply === null) return null;
    const status = readFileStatus((reply as { FileStatus?: unknown }).FileStatus);
    if (status === null) throw this.unexpected(call, 'GETFILESTATUS', reply);
    return status;
  }

  /** LISTSTATUS of a directory; a missing one lists empty. (Of a file: that file, with pathSuffix "".) */
  private async listStatus(call: Call, path: string): Promise<FileStatus[]> {
    const reply = await this.jsonOp(call, 'LISTSTATUS', 'GET', path, {}, true);
    if (reply === null) return [];
    const raw = (reply as { FileStatuses?: { FileStatus?: unknown } }).FileStatuses?.FileStatus;
    const statuses = Array.isArray(raw) ? raw.map(readFileStatus) : null;
    if (statuses === null || statuses.some((s) => s === null)) throw this.unexpected(call, 'LISTSTATUS', reply);
    return statuses as FileStatus[];
  }

  /** An operation that answers `{"boolean": …}` (MKDIRS, RENAME, DELETE). */
  private async booleanOp(call: Call, op: string, method: string, path: string, params: Record<string, string>): Promise<boolean> {
    const reply = await this.jsonOp(call, op, method, path, params, false);
    const value = (reply as { boolean?: unknown } | null)?.boolean;
    if (typeof value !== 'boolean') throw this.unexpected(call, op, reply);
    return value;
  }

  /** A namenode request with a JSON reply; null for FileNotFoundException when `isAbsentNull`. */
  private jsonOp(call: Call, op: string, method: string, path: string, params: Record<string, string>, isAbsentNull: boolean): Promise<unknown> {
    return this.exchange(call, op, this.url(op, path, params), () => ({ method, redirect: 'manual' }), async (response, watchdog) => {
      if (!response.ok) {
        const failure = await readFailure(response);
        if (isAbsentNull && failure.exception === 'FileNotFoundException') return null;
        throw this.failed(call, op, failure);
      }
      const text = new TextDecoder().decode(await readBody(response, watchdog));
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw this.unexpected(call, op, text);
      }
    });
  }

  /**
   * One HTTP exchange under a watchdog (timeoutMs without progress, or close()); network failures become
   * retriable STORE_FAILED errors. `read` consumes the response.
   */
  private async exchange<T>(
    call: Call,
    op: string,
    url: URL,
    init: (watchdog: Watchdog) => RequestInit,
    read: (response: Response, watchdog: Watchdog) => Promise<T>,
  ): Promise<T> {
    const watchdog = new Watchdog(this.timeoutMs, this.closing.signal);
    try {
      const response = await this.fetchImpl(url, { ...init(watchdog), signal: watchdog.signal });
      watchdog.touch();
      return await read(response, watchdog);
    } catch (error) {
      if (error instanceof EngineError) throw error;
      const why = this.closing.signal.aborted
        ? 'the store was closed'
        : watchdog.hasTimedOut
          ? `no progress for ${this.timeoutMs} ms`
          : describeNetworkError(error);
      throw new EngineError('STORE_FAILED', `${this.description}: ${call.operation} ${JSON.stringify(call.key)} failed at ${op}: ${why}`, {
        cause: error,
        retriable: !this.closing.signal.aborted,
      });
    } finally {
      watchdog.stop();
    }
  }

  private url(op: string, path: string, params: Record<string, string> = {}): URL {
    const url = new URL(`${this.apiUrl}${path.split('/').map(encodeURIComponent).join('/')}`);
    url.searchParams.set('op', op);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    if (this.user !== undefined) url.searchParams.set('user.name', this.user);
    return url;
  }

  /** The HDFS path of a key, or of a directory key ending in '/' ('' is the root). */
  private pathOf(key: string): string {
    const relative = key.endsWith('/') ? key.slice(0, -1) : key;
    return relative === '' ? this.root : `${this.root}/${relative}`;
  }

  private failed(call: Call, op: string, failure: Failure): EngineError {
    const exception = failure.exception ?? '';
    const status = failure.status ?? 0;
    const retriable =
      RETRIABLE_EXCEPTIONS.has(exception) || (!NEVER_RETRIABLE_EXCEPTIONS.has(exception) && (status >= 500 || status === 408 || status === 429));
    const what = [failure.status === null ? '' : `HTTP ${failure.status}`, exception].filter((part) => part !== '').join(' ');
    const at = what === '' ? op : `${op} (${what})`;
    return new EngineError('STORE_FAILED', `${this.description}: ${call.operation} ${JSON.stringify(call.key)} failed at ${at}: ${failure.message}`, {
      retriable,
      cause: failure,
    });
  }

  private unexpected(call: Call, op: string, reply: unknown): EngineError {
    const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
    return this.failed(call, op, { status: null, exception: null, message: `unexpected reply ${clip(text)}` });
  }

  private assertOpen(): void {
    if (this.closing.signal.aborted) throw new EngineError('STORE_FAILED', `${this.description}: the store is closed`);
  }
}

/**
 * The chunks of a put as a request body stream: pulled one at a time as the connection takes them, so
 * the object is never held whole. Remembers whether the caller's iterator failed.
 */
class ChunkUpload {
  hasFailed = false;
  failure: unknown;
  private iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array> | null = null;
  private isAbandoned = false;

  constructor(private readonly chunks: Chunks) {}

  stream(watchdog: Watchdog): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          // Waiting for our own producer is no sign of a stalled server.
          if (this.isAbandoned) {
            controller.error(new Error('the put was given up'));
            return;
          }
          watchdog.pause();
          try {
            this.iterator ??= iteratorOf(this.chunks);
            for (;;) {
              const next = await this.iterator.next();
              if (next.done === true) {
                controller.close();
                break;
              }
              // An empty chunk is skipped: a pull that enqueues nothing would not be called again.
              if (next.value.byteLength > 0) {
                controller.enqueue(next.value);
                break;
              }
            }
          } catch (error) {
            this.hasFailed = true;
            this.failure = error;
            controller.error(error);
          }
          watchdog.touch();
        },
        cancel: () => this.abandon(),
      },
      { highWaterMark: 0 },
    );
  }

  /** Lets a started producer clean up (its `finally` blocks run); never waits for it. */
  abandon(): void {
    const iterator = this.iterator;
    this.isAbandoned = true;
    this.iterator = null;
    if (iterator === null || this.hasFailed) return;
    void Promise.resolve()
      .then(() => iterator.return?.())
      .catch(() => undefined);
  }
}

/** Aborts a request when nothing moves for `timeoutMs` (connecting, answering, or between body chunks) or the store closes. */
class Watchdog {
  hasTimedOut = false;
  private isStopped = false;
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onClose = (): void => this.controller.abort(this.closing.reason);

  constructor(
    private readonly timeoutMs: number,
    private readonly closing: AbortSignal,
  ) {
    if (closing.aborted) this.controller.abort(closing.reason);
    else closing.addEventListener('abort', this.onClose, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    clearTimeout(this.timer);
    // A body pull can finish after the exchange ended; it must not start a timer nobody stops.
    if (this.isStopped) return;
    this.timer = setTimeout(() => {
      this.hasTimedOut = true;
      this.controller.abort(new Error(`no progress for ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.isStopped = true;
    this.pause();
    this.closing.removeEventListener('abort', this.onClose);
  }
}

function iteratorOf(chunks: Chunks): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  return Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
}

/** Reads a whole response body, feeding the watchdog per chunk. */
async function readBody(response: Response, watchdog: Watchdog): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    watchdog.touch();
    parts.push(value);
  }
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

/** An error reply's RemoteException, or its status and text when it has none (a proxy, a wrong URL). */
async function readFailure(response: Response): Promise<Failure> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status alone still says what happened.
  }
  try {
    const remote = (JSON.parse(text) as { RemoteException?: { exception?: unknown; message?: unknown } }).RemoteException;
    if (remote !== undefined && typeof remote.exception === 'string') {
      return { status: response.status, exception: remote.exception, message: typeof remote.message === 'string' ? remote.message : '' };
    }
  } catch {
    // Not JSON: fall through.
  }
  const summary = text.replace(/\s+/g, ' ').trim();
  return { status: response.status, exception: null, message: summary === '' ? response.statusText : clip(summary) };
}

function readFileStatus(raw: unknown): FileStatus | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { pathSuffix, type, length, modificationTime } = raw as Record<string, unknown>;
  if (typeof pathSuffix !== 'string' || typeof type !== 'string' || typeof length !== 'number') return null;
  return { pathSuffix, type, length, modificationTime: typeof modificationTime === 'number' && Number.isFinite(modificationTime) ? modificationTime : null };
}

function isKeyPart(name: string): boolean {
  return KEY_PART.test(name) && name !== '.' && name !== '..';
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

/** `/a//b/` → `/a/b`; rejects relative paths, '.', '..' and the filesystem root. */
function normalizeRoot(root: string, what: string): string {
  const fail = (why: string): never => {
    throw new EngineError('STORE_FAILED', `WebHDFS store ${what}: ${why}`);
  };
  if (!root.startsWith('/')) fail(`the root must be an absolute HDFS path, got ${JSON.stringify(root)}`);
  const parts = root.split('/').filter((part) => part !== '');
  if (parts.length === 0) fail('the root must be a directory below /, e.g. /tally/state');
  if (parts.some((part) => part === '.' || part === '..')) fail(`the root must not contain '.' or '..', got ${JSON.stringify(root)}`);
  return `/${parts.join('/')}`;
}

function parseBaseUrl(baseUrl: string): { origin: string; hostname: string; port: string; pathPrefix: string; isHttps: boolean } {
  const fail = (why: string): never => {
    throw new EngineError('STORE_FAILED', `WebHDFS store baseUrl ${JSON.stringify(redact(baseUrl))}: ${why}`);
  };
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    return fail('not a URL; expected e.g. http://namenode:9870');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') fail('must be http:// or https://');
  if (parsed.username !== '' || parsed.password !== '') fail('credentials do not belong in the URL');
  if (parsed.search !== '' || parsed.hash !== '') fail('query and fragment are not supported');
  const isHttps = parsed.protocol === 'https:';
  // The description always names the port: a webhdfs:// URL without one means 9870, not 80.
  const port = parsed.port === '' ? (isHttps ? '443' : '80') : parsed.port;
  return { origin: parsed.origin, hostname: parsed.hostname, port, pathPrefix: parsed.pathname.replace(/\/+$/, ''), isHttps };
}

/** A URL for a message, without any user:password part. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1…@');
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause === undefined || cause === error.message ? error.message : `${error.message} (${cause})`;
}

function clip(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
