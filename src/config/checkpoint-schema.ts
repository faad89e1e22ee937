// The job schema's checkpoint section: where state is kept, how often, how many.

import { z } from 'zod';
import type { CheckpointSpec } from './job-spec.js';
import { duration, expecting, fail, nonEmptyString, strictObject, wholeNumber } from './schema-kit.js';

export const CHECKPOINT_DEFAULTS = { intervalMs: 10_000, retain: 3 } as const;

const STORE_WORDS = 'a store URL: file://<dir> (or a plain directory path), s3://<bucket>/<prefix> or webhdfs://<namenode:port>/<path>';

/** A store URL, checked for its scheme and the parts each scheme needs. */
const storeUrl = nonEmptyString(STORE_WORDS).transform((text, ctx): string => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return `file://${text}`;
  if (scheme === 'file') {
    if (text.length <= 'file://'.length) fail(ctx, `${JSON.stringify(text)} names no directory; expected ${STORE_WORDS}`);
    return text;
  }
  if (scheme === 's3') {
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(text)) {
      fail(ctx, `${JSON.stringify(text)} is not s3://<bucket>/<prefix>: bucket names are 3-63 lowercase letters, digits, '.' and '-'`);
    }
    return text;
  }
  if (scheme === 'webhdfs' || scheme === 'swebhdfs') {
    if (!/^s?webhdfs:\/\/[^/:]+(:\d+)?\/.+/.test(text)) fail(ctx, `${JSON.stringify(text)} is not ${scheme}://<namenode>:<port>/<absolute path>`);
    return text;
  }
  fail(ctx, `${JSON.stringify(text)} has scheme ${scheme}:; expected ${STORE_WORDS}`);
  return z.NEVER;
});

export const checkpointSchema = strictObject(
  {
    store: storeUrl,
    interval: duration().optional(),
    retain: wholeNumber(1, 1000).optional(),
    s3: strictObject(
      {
        endpoint: nonEmptyString('an endpoint URL, e.g. http://127.0.0.1:7480').optional(),
        region: nonEmptyString('a region, e.g. us-east-1').optional(),
        pathStyle: z.boolean(expecting('true or false')).optional(),
      },
      'S3 settings: { endpoint, region, pathStyle } (credentials come from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)',
    ).optional(),
    webhdfs: strictObject({ user: nonEmptyString('an HDFS user name').optional() }, 'WebHDFS settings: { user }').optional(),
  },
  'checkpoints: { store: <URL>, interval: <duration>, retain: <count> }',
).transform((c, ctx): CheckpointSpec => {
  const intervalMs = c.interval ?? CHECKPOINT_DEFAULTS.intervalMs;
  if (intervalMs < 100) fail(ctx, 'must be at least 100ms: each checkpoint pauses processing to encode the state', ['interval']);
  if (c.s3 !== undefined && !c.store.startsWith('s3://')) fail(ctx, 's3 settings are for an s3:// store', ['s3']);
  if (c.webhdfs !== undefined && !/^s?webhdfs:/.test(c.store)) fail(ctx, 'webhdfs settings are for a webhdfs:// store', ['webhdfs']);
  return {
    store: c.store,
    intervalMs,
    retain: c.retain ?? CHECKPOINT_DEFAULTS.retain,
    s3: c.s3 ?? null,
    webhdfs: c.webhdfs ?? null,
  };
});
