// A LangGraph deployment's custom auth, as its `langgraph.json` names it
// (`auth.path` → `new Auth().authenticate(handler)` from
// `@langchain/langgraph-sdk/auth`), used as graph-mcp's `authenticate`. The
// handler gets the same web `Request` and answers the same way (a user
// string, or `{ identity, permissions, ... }`); its `HTTPException`s keep
// their status. The object's `.on(...)` handlers guard LangGraph's threads,
// assistants and store, which graph-mcp does not serve.
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

/** LangGraph's `HTTPException(status, { message })` as the refusal it stands for; anything else as it is. */
function asAuthError(error: unknown): unknown {
  // An Error with a numeric `status` and its `headers`, as HTTPException makes (its `name` stays "Error").
  const { status, headers, message } = (error ?? {}) as { status?: unknown; headers?: unknown; message?: unknown };
  if (!(error instanceof Error) || typeof status !== 'number' || typeof headers !== 'object') return error;
  const text = typeof message === 'string' && message !== '' ? message : 'invalid credentials';
  if (status === 400 || status === 403 || status === 503) return new AuthError(status, text);
  return new AuthError(401, text, { error: 'invalid_token' });
}
