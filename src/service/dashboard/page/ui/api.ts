// The page's REST client: same-origin fetches, the bearer token when there is one (kept in this tab's
// session storage), a dialog asking for it when the server wants one (before the first read when the
// served page says reads need it), and errors as ApiProblem.

import type { ErrorAnswer } from '@tally/api-types';
import type { ConnectionBadge } from './connection.js';
import { byId } from './dom.js';

const TOKEN_KEY = 'tally-api-token';

/** An answer that is not 2xx, with the API's error code and message (or a network failure: status 0). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string | null,
  ) {
    super(message);
    this.name = 'ApiProblem';
  }
}

/** Why the page asks for the token before its first read. */
const READS_NEED_TOKEN = 'This server needs its bearer token (api.token or TALLY_API_TOKEN) for every read: the dashboard shows nothing without it.';

export class Api {
  private token: string | null = sessionStorage.getItem(TOKEN_KEY);
  private asking: Promise<boolean> | null = null;
  /**
   * The server wants the token for reads too (`api.requireTokenForReads`): the plugin marks the
   * served page with `<html data-reads-need-token>`, so reads wait for the token instead of
   * meeting a 401 first.
   */
  readonly isTokenNeededForReads = document.documentElement.hasAttribute('data-reads-need-token');
  /** The token dialog for reads was cancelled: reads fail at once until a token is entered (the header's "API token…"). */
  private isReadTokenDeclined = false;

  constructor(private readonly connection: ConnectionBadge) {}

  get hasToken(): boolean {
    return this.token !== null;
  }

  /**
   * Before a read (a GET or an event stream): when reads need the token and none is known, asks for
   * it once; throws (status 401, without a request) when there is still none.
   */
  async readyToRead(): Promise<void> {
    if (!this.isTokenNeededForReads || this.token !== null) return;
    if (!this.isReadTokenDeclined) {
      const isEntered = await this.askToken(READS_NEED_TOKEN);
      if (!isEntered) this.isReadTokenDeclined = true;
    }
    if (this.token === null) throw new ApiProblem(401, 'UNAUTHORIZED', 'this server needs its bearer token for reads: enter it with “API token…”', null);
  }

  /** Headers every request carries: the token when known. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token === null ? extra : { ...extra, authorization: `Bearer ${this.token}` };
  }

  /** A GET answered with JSON; on 401 asks for the token (once at a time for all callers) and tries again. */
  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path, undefined);
  }

  /** A control call (POST, PATCH, DELETE, PUT) with a JSON body. Asks for a token first when none is known. */
  async control<T>(method: string, path: string, body: unknown): Promise<T> {
    if (this.token === null) await this.askToken('Changes go through the control API, which needs the server’s bearer token (api.token or TALLY_API_TOKEN). Leave it empty if the server opens control without one.');
    return this.request<T>(method, path, body);
  }

  /** Shows the token dialog; resolves true when a token was entered (also an empty one: none). */
  askToken(reason: string): Promise<boolean> {
    this.asking ??= showTokenDialog(reason, this.token ?? '').then((token) => {
      this.asking = null;
      if (token === null) return false;
      this.token = token === '' ? null : token;
      this.isReadTokenDeclined = false;
      if (this.token === null) sessionStorage.removeItem(TOKEN_KEY);
      else sessionStorage.setItem(TOKEN_KEY, this.token);
      return true;
    });
    return this.asking;
  }

  private async request<T>(method: string, path: string, body: unknown): Promise<T> {
    if (method === 'GET') await this.readyToRead();
    for (;;) {
      let response: Response;
      try {
        response = await fetch(path, {
          method,
          headers: this.headers(body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' }),
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          cache: 'no-store',
        });
      } catch {
        this.connection.report('api', false);
        throw new ApiProblem(0, 'UNREACHABLE', 'the server cannot be reached', null);
      }
      this.connection.report('api', true);
      if (response.status === 401) {
        const problem = await readProblem(response);
        const reason = this.token === null ? 'This server needs its bearer token (api.token or TALLY_API_TOKEN).' : `The server refused the token: ${problem.message}.`;
        if (await this.askToken(reason)) continue;
        throw problem;
      }
      if (!response.ok) throw await readProblem(response);
      return (await response.json()) as T;
    }
  }
}

async function readProblem(response: Response): Promise<ApiProblem> {
  try {
    const { error } = (await response.json()) as ErrorAnswer;
    return new ApiProblem(response.status, error.code, error.message, error.path ?? null);
  } catch {
    return new ApiProblem(response.status, 'HTTP', `the server answered ${response.status}`, null);
  }
}

/** The token dialog: resolves the text entered, or null when cancelled. */
function showTokenDialog(reason: string, current: string): Promise<string | null> {
  const dialog = byId<HTMLDialogElement>('token-dialog');
  const input = byId<HTMLInputElement>('token-input');
  byId('token-reason').textContent = reason;
  input.value = current;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' ? input.value.trim() : null), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    input.focus();
  });
}
