// The fake WebHDFS server against the WebHDFS REST documentation, where the store does not exercise it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeWebHdfs } from './fake-webhdfs.js';

let fake: FakeWebHdfs;
beforeEach(async () => {
  fake = await FakeWebHdfs.start();
});
afterEach(async () => {
  await fake.stop();
});

const api = (path: string, query: string): string => `${fake.namenodeUrl}/webhdfs/v1${path}?${query}`;

/** Both steps of CREATE or APPEND, as the documentation's curl examples do them. */
async function write(method: 'PUT' | 'POST', path: string, query: string, body: string): Promise<Response> {
  const redirect = await fetch(api(path, query), { method, redirect: 'manual' });
  expect(redirect.status).toBe(307);
  const location = redirect.headers.get('location') as string;
  expect(location.startsWith(`${fake.datanodeUrl}/webhdfs/v1${path}?`)).toBe(true);
  return fetch(location, { method, body });
}

async function json(response: Response): Promise<unknown> {
  expect(response.headers.get('content-type')).toBe('application/json');
  return response.json();
}

describe('FakeWebHdfs', () => {
  it('creates with overwrite=false by default: a second CREATE is 403 FileAlreadyExistsException', async () => {
    const created = await write('PUT', '/d/f.txt', 'op=CREATE', 'one');
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/^webhdfs:\/\/127\.0\.0\.1:\d+\/d\/f\.txt$/);
    const refused = await write('PUT', '/d/f.txt', 'op=CREATE&overwrite=false', 'two');
    expect(refused.status).toBe(403);
    expect(await json(refused)).toEqual({
      RemoteException: {
        exception: 'FileAlreadyExistsException',
        javaClassName: 'org.apache.hadoop.fs.FileAlreadyExistsException',
        message: expect.stringContaining('/d/f.txt'),
      },
    });
    expect((await write('PUT', '/d/f.txt', 'op=CREATE', 'two')).status).toBe(403);
    expect(fake.readFile('/d/f.txt')?.toString()).toBe('one');
    expect((await write('PUT', '/d/f.txt', 'op=CREATE&overwrite=true', 'three')).status).toBe(201);
    expect(fake.readFile('/d/f.txt')?.toString()).toBe('three');
  });

  it('appends in two steps, and refuses to append to a missing file with 404', async () => {
    await write('PUT', '/f', 'op=CREATE', 'abc');
    expect((await write('POST', '/f', 'op=APPEND', 'def')).status).toBe(200);
    expect(fake.readFile('/f')?.toString()).toBe('abcdef');
    const missing = await write('POST', '/nope', 'op=APPEND', 'x');
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ RemoteException: { exception: 'FileNotFoundException', javaClassName: 'java.io.FileNotFoundException' } });
  });

  it('opens through a redirect, honouring offset and length; a missing file or a directory is 404', async () => {
    fake.writeFile('/f', '0123456789');
    const read = await fetch(api('/f', 'op=OPEN&offset=2&length=5'));
    expect(read.status).toBe(200);
    expect(await read.text()).toBe('23456');
    expect(read.redirected).toBe(true);
    const missing = await fetch(api('/nope', 'op=OPEN'));
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ RemoteException: { exception: 'FileNotFoundException', message: 'File does not exist: /nope' } });
    expect((await fetch(api('/', 'op=OPEN'))).status).toBe(404);
  });

  it('answers GETFILESTATUS and LISTSTATUS in the documented shapes', async () => {
    fake.writeFile('/d/b.txt', 'xy');
    fake.writeFile('/d/a/c.txt', '');
    const status = (await json(await fetch(api('/d/b.txt', 'op=GETFILESTATUS')))) as { FileStatus: Record<string, unknown> };
    expect(status.FileStatus).toMatchObject({ pathSuffix: '', type: 'FILE', length: 2, replication: 3, permission: '644' });
    expect(typeof status.FileStatus['modificationTime']).toBe('number');
    const listing = (await json(await fetch(api('/d', 'op=LISTSTATUS')))) as { FileStatuses: { FileStatus: Record<string, unknown>[] } };
    expect(listing.FileStatuses.FileStatus.map((s) => [s['pathSuffix'], s['type'], s['length']])).toEqual([
      ['a', 'DIRECTORY', 0],
      ['b.txt', 'FILE', 2],
    ]);
    // LISTSTATUS of a file lists that file, with an empty suffix.
    const ofFile = (await json(await fetch(api('/d/b.txt', 'op=LISTSTATUS')))) as { FileStatuses: { FileStatus: Record<string, unknown>[] } };
    expect(ofFile.FileStatuses.FileStatus.map((s) => s['pathSuffix'])).toEqual(['']);
    const missing = await fetch(api('/nope', 'op=GETFILESTATUS'));
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ RemoteException: { exception: 'FileNotFoundException' } });
  });

  it('makes directories with their parents, and refuses one where a file is', async () => {
    expect(await json(await fetch(api('/a/b/c', 'op=MKDIRS'), { method: 'PUT' }))).toEqual({ boolean: true });
    expect(await json(await fetch(api('/a/b/c', 'op=MKDIRS'), { method: 'PUT' }))).toEqual({ boolean: true });
    expect(fake.directories()).toEqual(['/a', '/a/b', '/a/b/c']);
    fake.writeFile('/f', 'x');
    const onFile = await fetch(api('/f/g', 'op=MKDIRS'), { method: 'PUT' });
    expect(onFile.status).toBe(403);
    expect(await json(onFile)).toMatchObject({ RemoteException: { exception: 'ParentNotDirectoryException' } });
  });

  it('renames with the boolean answers of FileSystem.rename', async () => {
    const rename = async (from: string, to: string): Promise<unknown> =>
      json(await fetch(api(from, `op=RENAME&destination=${encodeURIComponent(to)}`), { method: 'PUT' }));
    fake.writeFile('/a', '1');
    fake.writeFile('/b', '2');
    fake.writeFile('/dir/x', '3');
    expect(await rename('/missing', '/c')).toEqual({ boolean: false });
    expect(await rename('/a', '/b')).toEqual({ boolean: false });
    expect(await rename('/a', '/no-parent/a')).toEqual({ boolean: false });
    expect(fake.files()).toEqual(['/a', '/b', '/dir/x']);
    // Onto an existing directory: the source moves into it.
    expect(await rename('/a', '/dir')).toEqual({ boolean: true });
    expect(await rename('/b', '/dir/y')).toEqual({ boolean: true });
    expect(fake.files()).toEqual(['/dir/a', '/dir/x', '/dir/y']);
    const under = await fetch(api('/dir', `op=RENAME&destination=${encodeURIComponent('/dir/sub')}`), { method: 'PUT' });
    expect(under.status).toBe(403);
    const relative = await fetch(api('/dir/a', 'op=RENAME&destination=b'), { method: 'PUT' });
    expect(relative.status).toBe(400);
    expect(await json(relative)).toMatchObject({ RemoteException: { exception: 'IllegalArgumentException' } });
  });

  it('deletes: false when absent, 403 for a non-empty directory unless recursive', async () => {
    const remove = (path: string, query = ''): Promise<Response> => fetch(api(path, `op=DELETE${query}`), { method: 'DELETE' });
    fake.writeFile('/d/e/f', 'x');
    expect(await json(await remove('/nope'))).toEqual({ boolean: false });
    const refused = await remove('/d');
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ RemoteException: { exception: 'PathIsNotEmptyDirectoryException' } });
    expect(await json(await remove('/d', '&recursive=false'))).toMatchObject({ RemoteException: { exception: 'PathIsNotEmptyDirectoryException' } });
    expect(await json(await remove('/d', '&recursive=true'))).toEqual({ boolean: true });
    expect(fake.files()).toEqual([]);
    expect(await json(await remove('/'))).toEqual({ boolean: false });
  });

  it('answers an unknown op or a wrong method with 400 IllegalArgumentException', async () => {
    const unknown = await fetch(api('/', 'op=FROBNICATE'));
    expect(unknown.status).toBe(400);
    expect(await json(unknown)).toMatchObject({ RemoteException: { exception: 'IllegalArgumentException', javaClassName: 'java.lang.IllegalArgumentException' } });
    expect((await fetch(api('/', 'op=MKDIRS'))).status).toBe(400);
  });

  it('fails the next requests of an op as told, then behaves again', async () => {
    fake.failNext('LISTSTATUS', { status: 503, exception: 'StandbyException', message: 'Operation category READ is not supported in state standby', times: 2 });
    for (let i = 0; i < 2; i++) {
      const failed = await fetch(api('/', 'op=LISTSTATUS'));
      expect(failed.status).toBe(503);
      expect(await json(failed)).toEqual({
        RemoteException: {
          exception: 'StandbyException',
          javaClassName: 'org.apache.hadoop.ipc.StandbyException',
          message: 'Operation category READ is not supported in state standby',
        },
      });
    }
    expect((await fetch(api('/', 'op=LISTSTATUS'))).status).toBe(200);
  });

  it('cuts a CREATE body midway, leaving the partial file the datanode received', async () => {
    fake.cutNextCreate(1000);
    const redirect = await fetch(api('/f', 'op=CREATE'), { method: 'PUT', redirect: 'manual' });
    await expect(fetch(redirect.headers.get('location') as string, { method: 'PUT', body: new Uint8Array(500_000) })).rejects.toThrow();
    expect(fake.readFile('/f')?.length).toBe(1000);
    expect(fake.requests.at(-1)).toMatchObject({ node: 'datanode', op: 'CREATE', status: 0 });
    // Only the next one.
    expect((await write('PUT', '/g', 'op=CREATE', 'whole')).status).toBe(201);
  });
});
