import { AuthError, DEFAULT_RETRY_AFTER_S, isAuthError } from './auth-error.js';
import type { Principal } from './principal.js';

/**
 * The project's authentication: given the HTTP request (a web-standard
 * `Request` without its body, as LangGraph's custom auth receives), return
 * the caller or throw. Throw an `AuthError` to choose the refusal (400, 401
 * or 403, or 503 when the caller cannot be checked now: its identity
 * provider is down); anything else thrown is a 401 `invalid_token`.
 *
 * The returned object needs an `id` (string) and may carry `scopes` (or
 * `permissions`, LangGraph's name) and any display fields. (A function in
 * JavaScript that returns a string, as LangGraph's custom auth may, gets
 * that string as the caller's id, with no scopes.)
 */
export type Authenticate = (request: Request) => PrincipalLike | Promise<PrincipalLike>;

// No index signature: a project's own \`interface User\` (which has none) is returned as it is.
export type PrincipalLike = { id?: unknown; identity?: unknown; scopes?: unknown; permissions?: unknown };

export type AuthOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; status: 400 | 401 | 403 | 503; headers: Record<string, string>; message: string };

export interface AuthenticatorOptions {
  /** Every caller must hold all of these (403 `insufficient_scope` otherwise). */
  requiredScopes?: readonly string[];
  /** RFC 9728 metadata URL advertised in challenges. */
  resourceMetadataUrl?: string | undefined;
  /** Told about refusals whose reason the caller does not see (an unexpected throw). */
  onUnexpectedError?: (error: unknown) => void;
}

/** The framework-neutral authentication step: a request in, a principal or a refusal out. */
export function createAuthenticator(authenticate: Authenticate, options: AuthenticatorOptions = {}): (request: Request) => Promise<AuthOutcome> {
  if (typeof authenticate !== 'function') throw new TypeError('authenticate must be a function (request) => principal');
  const required = [...(options.requiredScopes ?? [])];
  const refuse = (error: AuthError): AuthOutcome => ({
    ok: false,
    status: error.status,
    message: error.message,
    // No challenge with a 503: the credentials may be fine, and a challenge asks for new ones.
    headers:
      error.status === 503
        ? { 'Retry-After': String(error.retryAfterS ?? DEFAULT_RETRY_AFTER_S) }
        : { 'WWW-Authenticate': error.challenge ?? challenge(error, options.resourceMetadataUrl, required) },
  });

  return async (request) => {
    let principal: Principal;
    try {
      principal = normalisePrincipal(await authenticate(request));
    } catch (error) {
      if (isAuthError(error)) return refuse(error);
      // The function's bug, not the caller's: a 500 whose reason is logged, not a 401 that blames the token.
      if (error instanceof PrincipalShapeError) throw error;
      options.onUnexpectedError?.(error);
      return refuse(new AuthError(401, 'invalid credentials', { error: 'invalid_token' }));
    }
    const missing = required.filter((scope) => !principal.scopes.includes(scope));
    if (missing.length > 0) {
      return refuse(new AuthError(403, `insufficient scope: requires ${required.join(' ')}`, { scopes: required }));
    }
    return { ok: true, principal };
  };
}

/** What the project's `authenticate` returned cannot be a caller. Names the fields, never their values. */
class PrincipalShapeError extends Error {
  override name = 'PrincipalShapeError';
}

function normalisePrincipal(value: PrincipalLike | string | null | undefined): Principal {
  // A bare identity, as LangGraph's custom auth may return.
  if (typeof value === 'string' && value !== '') return { id: value, scopes: [] };
  // Nothing returned (a forgotten `return`): the function's bug, not a bad token; it refuses by throwing AuthError.
  if (value === null || value === undefined || value === '') {
    throw new PrincipalShapeError(`authenticate returned ${value === '' ? 'an empty string' : String(value)}, not a principal: return { id, scopes? } (or the id), or throw AuthError to refuse the caller`);
  }
  if (typeof value !== 'object') throw new PrincipalShapeError(`authenticate returned a ${typeof value}, not a principal: return { id, scopes? } (or the id)`);
  const idField = value.id !== undefined ? 'id' : 'identity';
  const id = value.id ?? value.identity;
  if (id !== undefined && typeof id !== 'string') throw new PrincipalShapeError(`authenticate returned a principal whose "${idField}" is a ${typeof id}, not a string`);
  if (typeof id !== 'string' || id === '') {
    throw new PrincipalShapeError(`authenticate returned a principal without a string "id" (or "identity"): it has ${Object.keys(value).length === 0 ? 'no fields' : `only ${Object.keys(value).map((key) => JSON.stringify(key)).join(', ')}`}`);
  }
  const rawScopes = value.scopes ?? value.permissions ?? [];
  // Space-separated, as an OAuth `scope` claim (and the built-in JWT check) has them.
  const list = typeof rawScopes === 'string' ? rawScopes.split(/\s+/) : Array.isArray(rawScopes) ? rawScopes : [];
  const scopes = list.filter((s): s is string => typeof s === 'string' && s !== '');
  return { ...value, id, scopes };
}

/**
 * A caller an app's own middleware put in `req.auth.extra.principal`, read
 * as `authenticate`'s result is (a bare id, `identity` for `id`, `permissions`
 * or a space-separated string for `scopes`); `undefined` when it names no caller
 * (no non-empty string id), which must never be served as the anonymous one.
 * A principal graph-mcp made itself passes as it is.
 */
export function readPrincipal(value: unknown): Principal | undefined {
  if (value !== null && typeof value === 'object') {
    const { id, scopes } = value as PrincipalLike;
    if (typeof id === 'string' && id !== '' && Array.isArray(scopes) && scopes.every((scope) => typeof scope === 'string')) return value as Principal;
  }
  try {
    return normalisePrincipal(value as PrincipalLike | string | null | undefined);
  } catch (error) {
    if (error instanceof PrincipalShapeError) return undefined;
    throw error;
  }
}

/**
 * Text for a quoted parameter of the challenge: RFC 6750 allows printable
 * ASCII but `"` and `\\` there. Anything else (an em dash, a line break, which
 * Node refuses in a header, and the request would get no answer at all)
 * becomes a space; the JSON body keeps the message whole.
 */
function headerSafe(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** RFC 6750 §3 challenge, with RFC 9728's `resource_metadata` (as the MCP authorization spec asks). */
function challenge(error: AuthError, resourceMetadataUrl: string | undefined, required: string[]): string {
  const params: string[] = [];
  if (error.error) params.push(`error="${headerSafe(error.error)}"`);
  if (error.error) params.push(`error_description="${headerSafe(error.message)}"`);
  const scopes = error.scopes ?? (required.length > 0 ? required : undefined);
  if (scopes && scopes.length > 0) params.push(`scope="${scopes.join(' ')}"`);
  if (resourceMetadataUrl) params.push(`resource_metadata="${resourceMetadataUrl}"`);
  return params.length > 0 ? `Bearer ${params.join(', ')}` : 'Bearer';
}
