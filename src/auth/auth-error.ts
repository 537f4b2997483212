/**
 * A refusal to authenticate or authorise, thrown by an `authenticate`
 * function (the project's or the built-in JWT one). The HTTP adapter turns
 * it into 400/401/403 with an RFC 6750 `WWW-Authenticate: Bearer` challenge.
 * `description` reaches the caller: never put a token in it.
 */
export class AuthError extends Error {
  readonly status: 400 | 401 | 403;
  /** RFC 6750 error code. */
  readonly error: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined;
  /** For `insufficient_scope`: the scopes that would be enough. */
  readonly scopes: readonly string[] | undefined;

  constructor(
    status: 400 | 401 | 403,
    description: string,
    options: { error?: AuthError['error']; scopes?: readonly string[] } = {},
  ) {
    super(description);
    this.name = 'AuthError';
    this.status = status;
    this.error = options.error ?? (status === 400 ? 'invalid_request' : status === 403 ? 'insufficient_scope' : undefined);
    this.scopes = options.scopes;
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError || (value instanceof Error && value.name === 'AuthError' && typeof (value as AuthError).status === 'number');
}
