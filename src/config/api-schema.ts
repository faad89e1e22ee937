// The job schema's api section: where `tally run` serves the REST API, and who may use it.

import { z } from 'zod';
import type { ApiSpec } from './job-spec.js';
import { expecting, fail, strictObject, wholeNumber } from './schema-kit.js';

export const API_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  /** Results the SSE feed keeps for clients that reconnect (Last-Event-ID). */
  streamBuffer: 100_000,
} as const;

/** The shortest token accepted: a shorter one can be guessed. */
export const MIN_API_TOKEN_LENGTH = 16;

const LISTEN_WORDS = 'host:port, e.g. 127.0.0.1:8080, localhost:9000 or [::1]:8080 (port 0 picks a free port)';

/** `host:port` → its parts, or a message saying what is wrong. IPv6 hosts are written in brackets. */
export function parseListen(text: string): { readonly host: string; readonly port: number } | { readonly problem: string } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  if (match === null) return { problem: `${JSON.stringify(text)} is not ${LISTEN_WORDS}` };
  const port = Number(match[3]);
  if (port > 65_535) return { problem: `port ${port} is out of range: a port is 0 to 65535` };
  return { host: (match[1] ?? match[2]) as string, port };
}

/** A bearer token: long enough not to be guessed, and free of characters a header cannot carry. */
export function apiTokenProblem(token: string): string | null {
  if (token.length < MIN_API_TOKEN_LENGTH) return `is too short (${token.length} characters): a token needs at least ${MIN_API_TOKEN_LENGTH}`;
  if (token.length > 1024) return 'is too long: at most 1024 characters';
  // RFC 6750's b64token, so that `Authorization: Bearer <token>` carries it unchanged.
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(token)) return 'may hold only letters, digits and - . _ ~ + / (then = padding)';
  return null;
}

const listen = z.string(expecting(LISTEN_WORDS)).transform((text, ctx) => {
  const parsed = parseListen(text);
  if ('problem' in parsed) {
    fail(ctx, parsed.problem);
    return z.NEVER;
  }
  return parsed;
});

const token = z.string(expecting(`a bearer token of at least ${MIN_API_TOKEN_LENGTH} characters`)).transform((text, ctx) => {
  const problem = apiTokenProblem(text);
  if (problem !== null) {
    fail(ctx, `the token ${problem} (or set it in the environment: TALLY_API_TOKEN)`);
    return z.NEVER;
  }
  return text;
});

const sectionObject = strictObject(
  {
    listen: listen.optional(),
    token: token.optional(),
    openControl: z.boolean(expecting('true or false')).optional(),
    requireTokenForReads: z.boolean(expecting('true or false')).optional(),
    streamBuffer: wholeNumber(1, 10_000_000, ' (results)').optional(),
  },
  'api: false or a mapping { listen, token, openControl, requireTokenForReads, streamBuffer }',
);

/** `false` turns the server off (null); a mapping fills in the defaults. */
export const apiSchema = z
  .union([z.literal(false), sectionObject], expecting('false or a mapping { listen: host:port, token, openControl, requireTokenForReads, streamBuffer }'))
  .transform((section): ApiSpec | null => (section === false ? null : apiSpecOf(section)));

function apiSpecOf(section: z.output<typeof sectionObject>): ApiSpec {
  return {
    host: section.listen?.host ?? API_DEFAULTS.host,
    port: section.listen?.port ?? API_DEFAULTS.port,
    token: section.token ?? null,
    openControl: section.openControl ?? false,
    requireTokenForReads: section.requireTokenForReads ?? false,
    streamBuffer: section.streamBuffer ?? API_DEFAULTS.streamBuffer,
  };
}

/** A job file without an api section serves on 127.0.0.1:8080, control disabled until a token is set. */
export const DEFAULT_API_SPEC: ApiSpec = apiSpecOf({});
