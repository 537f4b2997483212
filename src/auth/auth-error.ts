/**
 * A refusal to authenticate or authorise, thrown by an `authenticate`
 * function (the project's or the built-in JWT one). The HTTP adapter turns
 * it into 400/401/403 with an RFC 6750 `WWW-Authenticate: Bearer` challenge,
 * or into 503 with `Retry-After` when the caller cannot be authenticated
 * now for a reason of the server's (its identity provider unreachable): a
 * 401 would tell an OAuth client to sign in again, which does not help.
 * `description` reaches the caller: never put a token in it.
 */
export class AuthError extends Error {
  readonly status: 400 | 401 | 403 | 503;
  /** RFC 6750 error code (none for 503). */
  readonly error: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined;
  /** For `insufficient_scope`: the scopes that would be enough. */
  readonly scopes: readonly string[] | undefined;
  /** For 503: when to try again, in seconds (`Retry-After`). */
  readonly retryAfterS: number | undefined;
  /** For 400/401/403: the `WWW-Authenticate` value to send instead of the challenge graph-mcp builds. */
  readonly challenge: string | undefined;

  constructor(
    status: 400 | 401 | 403 | 503,
    description: string,
    options: { error?: AuthError['error']; scopes?: readonly string[]; retryAfterS?: number; challenge?: string } = {},
  ) {
    super(description);
    this.name = 'AuthError';
    this.status = status;
    this.error = status === 503 ? undefined : (options.error ?? (status === 400 ? 'invalid_request' : status === 403 ? 'insufficient_scope' : undefined));
    this.scopes = options.scopes;
    this.retryAfterS = status === 503 ? wholeSeconds(options.retryAfterS ?? DEFAULT_RETRY_AFTER_S) : undefined;
    this.challenge = status === 503 ? undefined : options.challenge;
  }
}

/** How long a caller refused 503 is asked to wait when the thrower does not say. */
export const DEFAULT_RETRY_AFTER_S = 5;

function wholeSeconds(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.ceil(value) : DEFAULT_RETRY_AFTER_S;
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError || (value instanceof Error && value.name === 'AuthError' && typeof (value as AuthError).status === 'number');
}
