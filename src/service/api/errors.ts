// The REST layer's error codes, the ApiError it throws, and the one mapping of every error to a JSON answer.

import { EngineError } from '../../core/errors.js';

/** Codes of the REST layer's own errors (docs/errors.md, docs/api.md). Engine codes pass through as they are. */
export const API_ERROR_CODES = {
  BAD_REQUEST: 'a parameter, query field, header or body field is invalid; the message names it, `path` points at it',
  UNAUTHORIZED: 'the bearer token is missing or wrong (with `WWW-Authenticate: Bearer`)',
  CONTROL_DISABLED: 'control endpoints are disabled: no token is configured and `api.openControl` is not set',
  NOT_FOUND: 'no such window, or no such route',
  CONFLICT: 'the job cannot do this now: it keeps no results history, has no checkpoint store, or the change conflicts with its windows',
  PAYLOAD_TOO_LARGE: 'the request body is larger than 64 KiB',
  UNSUPPORTED_MEDIA_TYPE: 'a request body that is not `application/json`',
  TOO_MANY_STREAMS: 'the server holds as many event streams as it serves; try again later',
  NOT_READY: 'the server is starting or stopping',
  INTERNAL: 'something failed inside the server; the details are logged, never sent',
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

/** The body of every error answer. `path` names the parameter or field, when there is one. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly path?: string };
}

/** An error with its HTTP status and stable code; its message is safe to send. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, path?: string): ApiError => new ApiError(400, 'BAD_REQUEST', message, path);
export const notFound = (message: string): ApiError => new ApiError(404, 'NOT_FOUND', message);
export const conflict = (message: string): ApiError => new ApiError(409, 'CONFLICT', message);

/** Engine codes that mean "your request is wrong" (a window or filter that does not validate). */
const ENGINE_BAD_REQUEST = /^(CONFIG_INVALID\w*|FILTER_SYNTAX|FILTER_UNSAFE_REGEX)$/;

/** Fastify's own 4xx errors (body parsing, routing), with the code and message the client gets. */
const FASTIFY_ERRORS: Readonly<Record<string, { readonly status: number; readonly code: ApiErrorCode; readonly message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'the request body is larger than 64 KiB' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'BAD_REQUEST', message: 'the Content-Length does not match the body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'BAD_REQUEST', message: 'the body is empty; expected a JSON object' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'BAD_REQUEST', message: 'the body is not valid JSON' },
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_REQUEST', message: 'the URL is malformed' },
};

/**
 * Any error → status and body. ApiErrors and the engine's request errors keep their message;
 * everything else becomes a generic 500 (the caller logs the real error): no stack, no internals.
 */
export function toErrorAnswer(error: unknown): { readonly status: number; readonly body: ErrorBody; readonly isInternal: boolean } {
  const answer = (status: number, code: string, message: string, path?: string) => ({
    status,
    body: { error: path === undefined || path === '' ? { code, message } : { code, message, path } },
    isInternal: status >= 500,
  });
  if (error instanceof ApiError) return answer(error.statusCode, error.code, error.message, error.path);
  if (error instanceof EngineError) {
    if (ENGINE_BAD_REQUEST.test(error.code)) return answer(400, error.code, error.message, error.path);
    if (error.code === 'NOT_FOUND') return answer(404, 'NOT_FOUND', error.message, error.path);
    if (error.code === 'CONFLICT') return answer(409, 'CONFLICT', error.message, error.path);
    return answer(500, 'INTERNAL', 'internal error: the server has logged the details');
  }
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === 'string' ? FASTIFY_ERRORS[code] : undefined;
  if (known !== undefined) return answer(known.status, known.code, known.message);
  // Another client error of fastify or Node (its text may name internals): the status, a plain message.
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return answer(status, 'BAD_REQUEST', 'the request is invalid');
  return answer(500, 'INTERNAL', 'internal error: the server has logged the details');
}
