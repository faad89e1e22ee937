import { describe, expect, it } from 'vitest';
import { bearerToken, TokenCheck, Unauthorized } from './auth.js';
import { ApiError } from './errors.js';

const TOKEN = 'correct-horse-battery-staple';

function outcome(check: TokenCheck, access: 'probe' | 'docs' | 'read' | 'control', header?: string): string {
  try {
    check.authorize(access, header);
    return 'allowed';
  } catch (error) {
    if (error instanceof Unauthorized) return `401 ${error.challenge}`;
    if (error instanceof ApiError) return `${error.statusCode} ${error.code}`;
    throw error;
  }
}

describe('TokenCheck', () => {
  it('lets probes and documents through always, reads unless they need the token', () => {
    const check = new TokenCheck({ token: TOKEN, openControl: false, requireTokenForReads: false });
    expect(outcome(check, 'probe')).toBe('allowed');
    expect(outcome(check, 'docs')).toBe('allowed');
    expect(outcome(check, 'read')).toBe('allowed');
    const strict = new TokenCheck({ token: TOKEN, openControl: false, requireTokenForReads: true });
    expect(outcome(strict, 'probe')).toBe('allowed');
    expect(outcome(strict, 'read')).toBe('401 Bearer realm="tally"');
    expect(outcome(strict, 'read', `Bearer ${TOKEN}`)).toBe('allowed');
  });

  it('asks control requests for the token: 401 when missing, 401 invalid_token when wrong', () => {
    const check = new TokenCheck({ token: TOKEN, openControl: true, requireTokenForReads: false });
    expect(outcome(check, 'control')).toBe('401 Bearer realm="tally"');
    expect(outcome(check, 'control', 'Basic dXNlcjpwYXNz')).toBe('401 Bearer realm="tally"');
    expect(outcome(check, 'control', `Bearer ${TOKEN}x`)).toBe('401 Bearer realm="tally", error="invalid_token"');
    expect(outcome(check, 'control', `Bearer ${TOKEN.slice(0, -1)}`)).toBe('401 Bearer realm="tally", error="invalid_token"');
    expect(outcome(check, 'control', 'Bearer ')).toBe('401 Bearer realm="tally"');
    expect(outcome(check, 'control', `bearer ${TOKEN}`)).toBe('allowed');
  });

  it('disables control without a token unless it is opened explicitly', () => {
    expect(outcome(new TokenCheck({ token: null, openControl: false, requireTokenForReads: false }), 'control', `Bearer ${TOKEN}`)).toBe('403 CONTROL_DISABLED');
    expect(outcome(new TokenCheck({ token: null, openControl: true, requireTokenForReads: false }), 'control')).toBe('allowed');
  });

  it('refuses to require a token for reads when there is none', () => {
    expect(() => new TokenCheck({ token: null, openControl: false, requireTokenForReads: true })).toThrow(/needs a token/);
  });

  it('reads the bearer token of an Authorization header', () => {
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('BEARER  abc ')).toBe('abc');
    expect(bearerToken('Bearer a b')).toBeNull();
    expect(bearerToken('Token abc')).toBeNull();
  });
});
