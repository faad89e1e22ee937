// Who may call what: probes are open, reads open unless requireTokenForReads, control needs the bearer token.

import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.js';

/** What a route gives access to; set per route as `config: { access }`. */
export type Access = 'probe' | 'docs' | 'read' | 'control';

export interface AuthOptions {
  /** The bearer token; null: none configured. */
  readonly token: string | null;
  /** Without a token, control endpoints answer 403 unless this is true. */
  readonly openControl: boolean;
  /** Reads need the token too (probes and the API's own documents never do). */
  readonly requireTokenForReads: boolean;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Checks a request's Authorization header against the token. Both sides are hashed first, so the
 * comparison takes the same time whatever the token's length and however much of it matches.
 */
export class TokenCheck {
  private readonly expected: Buffer | null;

  constructor(private readonly options: AuthOptions) {
    this.expected = options.token === null ? null : digest(options.token);
    if (options.requireTokenForReads && options.token === null) {
      throw new Error('requireTokenForReads needs a token (api.token or TALLY_API_TOKEN)');
    }
  }

  /** Throws the ApiError to answer with (401 or 403), or returns when the request may go on. */
  authorize(access: Access, authorization: string | undefined): void {
    if (access === 'probe' || access === 'docs') return;
    if (access === 'read' && !this.options.requireTokenForReads) return;
    if (this.expected === null) {
      // Only control gets here without a token (reads with requireTokenForReads need one).
      if (this.options.openControl) return;
      throw new ApiError(403, 'CONTROL_DISABLED', 'control endpoints are disabled: configure a token (api.token or TALLY_API_TOKEN), or set api.openControl: true to open them to anyone who can connect');
    }
    const presented = bearerToken(authorization);
    if (presented === null) throw unauthorized('missing bearer token: send Authorization: Bearer <token>', false);
    if (!timingSafeEqual(digest(presented), this.expected)) throw unauthorized('wrong bearer token', true);
  }
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer +([^\s]+) *$/i.exec(header);
  return match === null ? null : (match[1] as string);
}

/** 401 with the WWW-Authenticate challenge RFC 6750 asks for. */
export class Unauthorized extends ApiError {
  readonly challenge: string;

  constructor(message: string, isInvalid: boolean) {
    super(401, 'UNAUTHORIZED', message);
    this.challenge = isInvalid ? 'Bearer realm="tally", error="invalid_token"' : 'Bearer realm="tally"';
  }
}

function unauthorized(message: string, isInvalid: boolean): Unauthorized {
  return new Unauthorized(message, isInvalid);
}
