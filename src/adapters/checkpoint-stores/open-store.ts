// Opens the CheckpointStore a URL names: file://, s3:// or (s)webhdfs://.

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../core/errors.js';
import type { CheckpointStore } from '../../ports/checkpoint-store.js';
import { LocalDirStore } from './local-dir-store.js';

export interface StoreSettings {
  readonly s3?: { readonly endpoint?: string; readonly region?: string; readonly pathStyle?: boolean } | null;
  readonly webhdfs?: { readonly user?: string } | null;
}

/** A local path of a file URL: file:///abs, file://./rel and file://rel (relative to the working directory). */
export function localPathOf(url: string): string {
  if (url.startsWith('file:///')) return fileURLToPath(url);
  return resolve(url.slice('file://'.length));
}

export async function openStore(url: string, settings: StoreSettings = {}): Promise<CheckpointStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'file':
      return new LocalDirStore(localPathOf(url));
    case 's3': {
      // Loaded on demand: the AWS SDK is large, and most jobs never touch S3.
      const { S3Store } = await import('./s3-store.js');
      const { bucket, prefix } = S3Store.parseUrl(url);
      const s3 = settings.s3 ?? {};
      return new S3Store({
        bucket,
        prefix,
        ...(s3.endpoint === undefined ? {} : { endpoint: s3.endpoint }),
        ...(s3.region === undefined ? {} : { region: s3.region }),
        ...(s3.pathStyle === undefined ? {} : { forcePathStyle: s3.pathStyle }),
      });
    }
    case 'webhdfs':
    case 'swebhdfs': {
      const { WebHdfsStore } = await import('./webhdfs-store.js');
      const user = settings.webhdfs?.user;
      return new WebHdfsStore({ ...WebHdfsStore.parseUrl(url), ...(user === undefined ? {} : { user }) });
    }
    default:
      throw new EngineError('CONFIG_INVALID', `${url} is not a store URL: expected file://<dir>, s3://<bucket>/<prefix> or webhdfs://<namenode:port>/<path>`);
  }
}
