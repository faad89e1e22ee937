// FakeWebHdfs: an in-memory HDFS behind the WebHDFS REST protocol (a namenode and a datanode on loopback), for tests.
//
// Modelled on the Apache Hadoop "WebHDFS REST API" documentation: the namenode answers CREATE, APPEND and
// OPEN with 307 and a datanode Location; the datanode takes or serves the bytes. Errors are
// {"RemoteException": {exception, javaClassName, message}} with the status Hadoop's exception handler
// gives (FileNotFoundException 404, other IOExceptions 403, IllegalArgumentException 400). A file exists
// (under construction, growing) from the moment the datanode starts receiving it, as in HDFS, so a cut
// upload leaves a partial file behind. Not modelled: permissions and owners (fixed), authentication
// beyond recording user.name, leases, replication, block sizes, checksums, symlinks, snapshots, xattrs,
// ACLs, quotas, noredirect, LISTSTATUS_BATCH, CONCAT, TRUNCATE and the other operations.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request either node answered, in arrival order of completion. */
export interface RecordedRequest {
  readonly node: 'namenode' | 'datanode';
  readonly method: string;
  readonly op: string;
  /** The decoded HDFS path. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<http.IncomingHttpHeaders>;
  /** Body bytes the server received. */
  readonly bodyBytes: number;
  /** The status sent, or 0 when the fake cut the connection. */
  readonly status: number;
}

/** A failure to inject: the status and the RemoteException to answer with. */
export interface InjectedFailure {
  readonly status: number;
  /** Simple Java class name, e.g. `StandbyException`. */
  readonly exception: string;
  readonly message?: string;
  /** How many requests of the op fail. Default 1. */
  readonly times?: number;
  /** Which node fails them. Default the namenode (the first step of every op). */
  readonly node?: 'namenode' | 'datanode';
}

interface FileNode {
  readonly kind: 'FILE';
  data: Buffer;
  modificationTime: number;
}

interface DirectoryNode {
  readonly kind: 'DIRECTORY';
  readonly children: Map<string, Node>;
  modificationTime: number;
}

type Node = FileNode | DirectoryNode;

/** Thrown inside a handler to answer with a RemoteException. */
class RemoteError extends Error {
  constructor(
    readonly status: number,
    readonly exception: string,
    message: string,
  ) {
    super(message);
  }
}

const JAVA_CLASS_NAMES: Record<string, string> = {
  FileNotFoundException: 'java.io.FileNotFoundException',
  IOException: 'java.io.IOException',
  IllegalArgumentException: 'java.lang.IllegalArgumentException',
  UnsupportedOperationException: 'java.lang.UnsupportedOperationException',
  FileAlreadyExistsException: 'org.apache.hadoop.fs.FileAlreadyExistsException',
  ParentNotDirectoryException: 'org.apache.hadoop.fs.ParentNotDirectoryException',
  PathIsNotEmptyDirectoryException: 'org.apache.hadoop.fs.PathIsNotEmptyDirectoryException',
  AccessControlException: 'org.apache.hadoop.security.AccessControlException',
  StandbyException: 'org.apache.hadoop.ipc.StandbyException',
  RetriableException: 'org.apache.hadoop.ipc.RetriableException',
  SafeModeException: 'org.apache.hadoop.hdfs.server.namenode.SafeModeException',
  DSQuotaExceededException: 'org.apache.hadoop.hdfs.protocol.DSQuotaExceededException',
};

const notFound = (path: string): RemoteError => new RemoteError(404, 'FileNotFoundException', `File does not exist: ${path}`);

export class FakeWebHdfs {
  /** Every request answered so far. */
  readonly requests: RecordedRequest[] = [];
  private readonly root: DirectoryNode = { kind: 'DIRECTORY', children: new Map(), modificationTime: Date.now() };
  private readonly failures: { op: string; failure: InjectedFailure; remaining: number }[] = [];
  private cutCreateAfterBytes: number | null = null;
  /** Bytes the datanode has received for CREATE and APPEND, in total (tests watch it to see streaming). */
  datanodeBytesReceived = 0;

  private constructor(
    private readonly namenode: http.Server,
    private readonly datanode: http.Server,
  ) {}

  /** Starts a namenode and a datanode on 127.0.0.1, each on a free port. */
  static async start(): Promise<FakeWebHdfs> {
    const namenode = http.createServer();
    const datanode = http.createServer();
    const fake = new FakeWebHdfs(namenode, datanode);
    namenode.on('request', (req, res) => fake.handle('namenode', req, res));
    datanode.on('request', (req, res) => fake.handle('datanode', req, res));
    await Promise.all([listen(namenode), listen(datanode)]);
    return fake;
  }

  /** The namenode's base URL, e.g. `http://127.0.0.1:40123`. */
  get namenodeUrl(): string {
    return `http://127.0.0.1:${port(this.namenode)}`;
  }

  get datanodeUrl(): string {
    return `http://127.0.0.1:${port(this.datanode)}`;
  }

  /** The next `times` requests of `op` (e.g. 'CREATE') at the given node answer with this failure. */
  failNext(op: string, failure: InjectedFailure): void {
    this.failures.push({ op, failure, remaining: failure.times ?? 1 });
  }

  /** The next datanode CREATE keeps only its first `bytes` bytes, then the connection is destroyed (a dying writer or link). */
  cutNextCreate(bytes: number): void {
    this.cutCreateAfterBytes = bytes;
  }

  /** Every file path, sorted, temporaries included. */
  files(): string[] {
    return this.paths().filter(([, node]) => node.kind === 'FILE').map(([path]) => path);
  }

  /** Every directory path below /, sorted. */
  directories(): string[] {
    return this.paths().filter(([, node]) => node.kind === 'DIRECTORY').map(([path]) => path);
  }

  /** A file's bytes, or null. */
  readFile(path: string): Buffer | null {
    const node = this.lookup(path);
    return node?.kind === 'FILE' ? node.data : null;
  }

  /** Puts a file in place directly (parents created), e.g. to seed a listing. */
  writeFile(path: string, data: Uint8Array | string): void {
    const file = this.createFile(path, true, true);
    file.data = Buffer.from(data);
  }

  async stop(): Promise<void> {
    for (const server of [this.namenode, this.datanode]) server.closeAllConnections();
    await Promise.all([this.namenode, this.datanode].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  // ---- dispatch ----

  private handle(node: 'namenode' | 'datanode', req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const op = (query['op'] ?? '').toUpperCase();
    let path = '';
    let bodyBytes = 0;
    let isCut = false;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
    });
    res.on('close', () => {
      this.requests.push({ node, method: req.method ?? '', op, path, query, headers: req.headers, bodyBytes, status: isCut ? 0 : res.statusCode });
    });
    const respond = async (): Promise<void> => {
      if (!url.pathname.startsWith('/webhdfs/v1/') && url.pathname !== '/webhdfs/v1') {
        drain(req);
        return sendJson(res, 404, { message: `no WebHDFS resource at ${url.pathname}` });
      }
      path = normalize(url.pathname.slice('/webhdfs/v1'.length));
      const injected = this.takeFailure(node, op);
      if (injected !== null) {
        await drained(req);
        throw new RemoteError(injected.status, injected.exception, injected.message ?? `injected ${injected.exception}`);
      }
      if (node === 'namenode') return this.namenodeOp(req, res, op, path, url);
      if (query['namenoderpcaddress'] === undefined) throw new RemoteError(400, 'IllegalArgumentException', 'namenoderpcaddress is not specified.');
      return this.datanodeOp(req, res, op, path, query, () => {
        isCut = true;
      });
    };
    respond().catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      drain(req);
      if (error instanceof RemoteError) return sendRemoteException(res, error);
      sendRemoteException(res, new RemoteError(500, 'IOException', error instanceof Error ? error.message : String(error)));
    });
  }

  private takeFailure(node: 'namenode' | 'datanode', op: string): InjectedFailure | null {
    const index = this.failures.findIndex((f) => f.op === op && (f.failure.node ?? 'namenode') === node && f.remaining > 0);
    const entry = this.failures[index];
    if (entry === undefined) return null;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.failures.splice(index, 1);
    return entry.failure;
  }

  // ---- namenode ----

  private async namenodeOp(req: http.IncomingMessage, res: http.ServerResponse, op: string, path: string, url: URL): Promise<void> {
    // The namenode never takes file data: the two-step protocol keeps clients from sending it before the redirect.
    await drained(req);
    const method = req.method ?? '';
    const requireMethod = (wanted: string): void => {
      if (method !== wanted) throw new RemoteError(400, 'IllegalArgumentException', `Invalid value for webhdfs parameter "op": ${op} is not a ${method} operation`);
    };
    switch (op) {
      case 'CREATE':
        requireMethod('PUT');
        return this.redirectToDatanode(res, url);
      case 'APPEND':
        requireMethod('POST');
        return this.redirectToDatanode(res, url);
      case 'OPEN': {
        requireMethod('GET');
        const node = this.lookup(path);
        if (node === null) throw notFound(path);
        if (node.kind === 'DIRECTORY') throw new RemoteError(404, 'FileNotFoundException', `Path is not a file: ${path}`);
        return this.redirectToDatanode(res, url);
      }
      case 'GETFILESTATUS': {
        requireMethod('GET');
        const node = this.lookup(path);
        if (node === null) throw notFound(path);
        return sendJson(res, 200, { FileStatus: fileStatus(node, '') });
      }
      case 'LISTSTATUS': {
        requireMethod('GET');
        const node = this.lookup(path);
        if (node === null) throw new RemoteError(404, 'FileNotFoundException', `File ${path} does not exist.`);
        const statuses =
          node.kind === 'FILE'
            ? [fileStatus(node, '')]
            : [...node.children.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, child]) => fileStatus(child, name));
        return sendJson(res, 200, { FileStatuses: { FileStatus: statuses } });
      }
      case 'MKDIRS':
        requireMethod('PUT');
        this.mkdirs(path);
        return sendJson(res, 200, { boolean: true });
      case 'RENAME': {
        requireMethod('PUT');
        const destination = url.searchParams.get('destination');
        if (destination === null || !destination.startsWith('/')) {
          throw new RemoteError(400, 'IllegalArgumentException', `Invalid value for webhdfs parameter "destination": ${destination} is not an absolute path`);
        }
        return sendJson(res, 200, { boolean: this.rename(path, normalize(destination)) });
      }
      case 'DELETE':
        requireMethod('DELETE');
        return sendJson(res, 200, { boolean: this.remove(path, url.searchParams.get('recursive') === 'true') });
      default:
        throw new RemoteError(400, 'IllegalArgumentException', `Invalid value for webhdfs parameter "op": No enum constant ${op}`);
    }
  }

  /** 307 to the same path on the datanode, with the query passed on and the namenode address added (as Hadoop does). */
  private redirectToDatanode(res: http.ServerResponse, url: URL): void {
    const location = new URL(`${url.pathname}${url.search}`, this.datanodeUrl);
    location.searchParams.set('namenoderpcaddress', `127.0.0.1:${port(this.namenode)}`);
    res.writeHead(307, { location: location.toString(), 'content-length': '0' });
    res.end();
  }

  /** FileSystem.rename(src, dst) as HDFS does it: false rather than an error for the usual refusals. */
  private rename(source: string, destination: string): boolean {
    const node = this.lookup(source);
    if (node === null || source === '/') return false;
    if (destination === source) return node.kind === 'FILE';
    if (destination.startsWith(`${source}/`)) {
      throw new RemoteError(403, 'IOException', `Rename destination ${destination} is a directory or file under source ${source}`);
    }
    let target = destination;
    const existing = this.lookup(destination);
    if (existing?.kind === 'DIRECTORY') target = `${destination === '/' ? '' : destination}/${basename(source)}`;
    else if (existing !== null) return false;
    if (this.lookup(target) !== null) return false;
    const parent = this.lookup(dirname(target));
    if (parent === null || parent.kind !== 'DIRECTORY') return false;
    const sourceParent = this.lookup(dirname(source)) as DirectoryNode;
    sourceParent.children.delete(basename(source));
    parent.children.set(basename(target), node);
    sourceParent.modificationTime = parent.modificationTime = Date.now();
    return true;
  }

  private remove(path: string, isRecursive: boolean): boolean {
    const node = this.lookup(path);
    if (node === null || path === '/') return false;
    if (node.kind === 'DIRECTORY' && node.children.size > 0 && !isRecursive) {
      throw new RemoteError(403, 'PathIsNotEmptyDirectoryException', `\`${path} is non empty': Directory is not empty`);
    }
    const parent = this.lookup(dirname(path)) as DirectoryNode;
    parent.children.delete(basename(path));
    parent.modificationTime = Date.now();
    return true;
  }

  // ---- datanode ----

  private async datanodeOp(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    op: string,
    path: string,
    query: Record<string, string>,
    markCut: () => void,
  ): Promise<void> {
    switch (op) {
      case 'CREATE': {
        if (req.method !== 'PUT') throw new RemoteError(400, 'IllegalArgumentException', `CREATE needs PUT, not ${req.method}`);
        let file: FileNode;
        try {
          file = this.createFile(path, query['overwrite'] === 'true', query['createparent'] !== 'false');
        } catch (error) {
          await drained(req);
          throw error;
        }
        const cutAfter = this.cutCreateAfterBytes;
        this.cutCreateAfterBytes = null;
        const isComplete = await this.receive(req, file, cutAfter);
        if (!isComplete) {
          markCut();
          req.socket.destroy();
          return;
        }
        res.writeHead(201, { location: `webhdfs://127.0.0.1:${port(this.namenode)}${path}`, 'content-length': '0' });
        res.end();
        return;
      }
      case 'APPEND': {
        if (req.method !== 'POST') throw new RemoteError(400, 'IllegalArgumentException', `APPEND needs POST, not ${req.method}`);
        const node = this.lookup(path);
        if (node === null || node.kind !== 'FILE') {
          await drained(req);
          throw new RemoteError(404, 'FileNotFoundException', `failed to append to non-existent file ${path} for client 127.0.0.1`);
        }
        await this.receive(req, node, null);
        res.writeHead(200, { 'content-length': '0' });
        res.end();
        return;
      }
      case 'OPEN': {
        await drained(req);
        const node = this.lookup(path);
        if (node === null || node.kind !== 'FILE') throw notFound(path);
        const offset = Number(query['offset'] ?? 0);
        if (!Number.isInteger(offset) || offset < 0) throw new RemoteError(400, 'IllegalArgumentException', `Invalid value for webhdfs parameter "offset": ${query['offset']}`);
        if (offset > node.data.length) throw new RemoteError(403, 'IOException', `Offset=${offset} out of the range [0, ${node.data.length})`);
        const length = query['length'] === undefined ? node.data.length - offset : Number(query['length']);
        const data = node.data.subarray(offset, offset + length);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) });
        res.end(data);
        return;
      }
      default:
        await drained(req);
        throw new RemoteError(400, 'IllegalArgumentException', `Invalid value for webhdfs parameter "op": ${op} is not a datanode operation`);
    }
  }

  /**
   * Appends the request body to `file` as it arrives (the file is visible, growing, meanwhile). With
   * `cutAfter`, keeps that many bytes and stops: resolves false. Also false when the client goes away.
   */
  private receive(req: http.IncomingMessage, file: FileNode, cutAfter: number | null): Promise<boolean> {
    return new Promise((resolve) => {
      req.on('data', (chunk: Buffer) => {
        if (cutAfter !== null && file.data.length + chunk.length >= cutAfter) {
          file.data = Buffer.concat([file.data, chunk.subarray(0, cutAfter - file.data.length)]);
          this.datanodeBytesReceived += chunk.length;
          req.pause();
          resolve(false);
          return;
        }
        file.data = Buffer.concat([file.data, chunk]);
        file.modificationTime = Date.now();
        this.datanodeBytesReceived += chunk.length;
      });
      req.on('end', () => resolve(true));
      req.on('aborted', () => resolve(false));
      req.on('close', () => resolve(false));
      req.on('error', () => resolve(false));
    });
  }

  // ---- the namespace ----

  private lookup(path: string): Node | null {
    let node: Node = this.root;
    for (const part of parts(path)) {
      if (node.kind !== 'DIRECTORY') return null;
      const child = node.children.get(part);
      if (child === undefined) return null;
      node = child;
    }
    return node;
  }

  /** MKDIRS: creates the directory and its parents; true also when it exists. */
  private mkdirs(path: string): DirectoryNode {
    let node: DirectoryNode = this.root;
    let walked = '';
    for (const part of parts(path)) {
      walked += `/${part}`;
      const child = node.children.get(part);
      if (child === undefined) {
        const created: DirectoryNode = { kind: 'DIRECTORY', children: new Map(), modificationTime: Date.now() };
        node.children.set(part, created);
        node.modificationTime = Date.now();
        node = created;
      } else if (child.kind === 'FILE') {
        if (walked === path) throw new RemoteError(403, 'FileAlreadyExistsException', `Path is not a directory: ${path}`);
        throw new RemoteError(403, 'ParentNotDirectoryException', `${walked} (is not a directory)`);
      } else {
        node = child;
      }
    }
    return node;
  }

  /** What the datanode's create does on the namenode: checks overwrite and parents, then an empty file exists. */
  private createFile(path: string, isOverwrite: boolean, isCreateParent: boolean): FileNode {
    if (path === '/') throw new RemoteError(403, 'FileAlreadyExistsException', '/ already exists as a directory');
    const existing = this.lookup(path);
    if (existing?.kind === 'DIRECTORY') throw new RemoteError(403, 'FileAlreadyExistsException', `${path} already exists as a directory`);
    if (existing !== null && !isOverwrite) throw new RemoteError(403, 'FileAlreadyExistsException', `${path} for client 127.0.0.1 already exists`);
    const parentPath = dirname(path);
    const parentNode = this.lookup(parentPath);
    if (parentNode === null && !isCreateParent) throw new RemoteError(404, 'FileNotFoundException', `Parent directory doesn't exist: ${parentPath}`);
    const parent = this.mkdirs(parentPath);
    const file: FileNode = { kind: 'FILE', data: Buffer.alloc(0), modificationTime: Date.now() };
    parent.children.set(basename(path), file);
    parent.modificationTime = Date.now();
    return file;
  }

  private paths(): [string, Node][] {
    const out: [string, Node][] = [];
    const visit = (directory: DirectoryNode, prefix: string): void => {
      for (const [name, child] of directory.children) {
        out.push([`${prefix}/${name}`, child]);
        if (child.kind === 'DIRECTORY') visit(child, `${prefix}/${name}`);
      }
    };
    visit(this.root, '');
    return out.sort(([a], [b]) => (a < b ? -1 : 1));
  }
}

/** The FileStatus JSON object of the documentation. */
function fileStatus(node: Node, pathSuffix: string): Record<string, unknown> {
  const isFile = node.kind === 'FILE';
  return {
    accessTime: isFile ? node.modificationTime : 0,
    blockSize: isFile ? 134_217_728 : 0,
    childrenNum: isFile ? 0 : node.children.size,
    group: 'supergroup',
    length: isFile ? node.data.length : 0,
    modificationTime: node.modificationTime,
    owner: 'tally',
    pathSuffix,
    permission: isFile ? '644' : '755',
    replication: isFile ? 3 : 0,
    type: node.kind,
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function sendRemoteException(res: http.ServerResponse, error: RemoteError): void {
  sendJson(res, error.status, {
    RemoteException: {
      exception: error.exception,
      javaClassName: JAVA_CLASS_NAMES[error.exception] ?? `org.apache.hadoop.${error.exception}`,
      message: error.message,
    },
  });
}

/** Reads and drops a request body, resolving at its end (or when the client goes away). */
function drained(req: http.IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on('end', resolve);
    req.on('close', resolve);
    req.resume();
  });
}

function drain(req: http.IncomingMessage): void {
  req.resume();
}

/** Decodes and cleans a path: `/a//b/` → `/a/b`, `` → `/`. */
function normalize(rawPath: string): string {
  return `/${rawPath.split('/').filter((part) => part !== '').map(decodeURIComponent).join('/')}`;
}

function parts(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

function dirname(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function listen(server: http.Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
}

function port(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
