// A LangGraph deployment's custom auth, as its `langgraph.json` names it
// (`auth.path` → `new Auth().authenticate(handler)` from
// `@langchain/langgraph-sdk/auth`), used as graph-mcp's `authenticate`. The
// handler gets the same web `Request` and answers the same way (a user
// string, or `{ identity, permissions, ... }`); its `HTTPException`s keep
// their status and headers (see asAuthError). The object's `.on(...)`
// handlers guard LangGraph's threads, assistants and store, which graph-mcp
// does not serve.
import { AuthError } from './auth-error.js';
import type { Authenticate, PrincipalLike } from './authenticate.js';

interface LangGraphAuthObject {
  '~handlerCache': { authenticate?: unknown; callbacks?: Record<string, unknown> };
}

/** Whether `value` is a LangGraph `Auth` object (it keeps its handlers in `~handlerCache`). */
export function isLangGraphAuth(value: unknown): value is LangGraphAuthObject {
  return typeof value === 'object' && value !== null && typeof (value as Partial<LangGraphAuthObject>)['~handlerCache'] === 'object';
}

/** The `on` events a LangGraph `Auth` object handles, which graph-mcp ignores. */
export function langGraphAuthEvents(auth: LangGraphAuthObject): string[] {
  return Object.keys(auth['~handlerCache'].callbacks ?? {});
}

/** Its authentication handler as an `Authenticate`; `undefined` when it has none. */
export function fromLangGraphAuth(auth: LangGraphAuthObject): Authenticate | undefined {
  const handler = auth['~handlerCache'].authenticate;
  if (typeof handler !== 'function') return undefined;
  return async (request) => {
    let user: unknown;
    try {
      user = await (handler as (request: Request) => unknown)(request);
    } catch (error) {
      throw asAuthError(error);
    }
    return (typeof user === 'string' ? { identity: user } : user) as PrincipalLike;
  };
}

/**
 * LangGraph's `HTTPException(status, { message, headers })` as the refusal it
 * stands for; anything else as it is. 400, 401 and 403 keep their message and
 * a `WWW-Authenticate` header of their own; a 503 its `Retry-After`. A 5xx or
 * a 429 is no fault of the credentials: 503, so an OAuth client does not sign
 * in again, and without the message, which may name the server's internals.
 * Any other status is a 401 `invalid_token`.
 */
function asAuthError(error: unknown): unknown {
  // An Error with a numeric `status` and its `headers`, as HTTPException makes (its `name` stays "Error").
  const { status, headers, message } = (error ?? {}) as { status?: unknown; headers?: unknown; message?: unknown };
  if (!(error instanceof Error) || typeof status !== 'number' || typeof headers !== 'object') return error;
  const header = headerReader(headers);
  if (status === 503 || status === 429 || (status >= 500 && status < 600)) {
    const seconds = Number(header('retry-after'));
    const why = status === 429 ? 'too many attempts' : 'authentication failed on the server';
    return new AuthError(503, `the caller cannot be checked now (${why}); try again later`, Number.isFinite(seconds) && seconds > 0 ? { retryAfterS: seconds } : {});
  }
  const text = typeof message === 'string' && message !== '' ? message : 'invalid credentials';
  const challenge = header('www-authenticate');
  const own = challenge === undefined ? {} : { challenge };
  if (status === 400 || status === 403) return new AuthError(status, text, own);
  return new AuthError(401, text, { error: 'invalid_token', ...own });
}

/** Reads a header from an HTTPException's `headers` (any `HeadersInit`); `undefined` when absent or unreadable. */
function headerReader(headers: unknown): (name: string) => string | undefined {
  let parsed: Headers | undefined;
  try {
    parsed = new Headers(headers as ConstructorParameters<typeof Headers>[0]);
  } catch {
    parsed = undefined;
  }
  return (name) => parsed?.get(name) ?? undefined;
}
