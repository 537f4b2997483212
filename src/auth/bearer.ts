import { AuthError } from './auth-error.js';

/**
 * The token of an `Authorization: Bearer <token>` header. No header: a 401
 * without an error code (RFC 6750 §3.1: the client did not try). A header
 * of another form: 400 `invalid_request`.
 */
export function bearerToken(header: string | null | undefined): string {
  if (header === null || header === undefined || header === '') {
    throw new AuthError(401, 'authentication required');
  }
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) {
    throw new AuthError(400, 'malformed Authorization header: expected "Bearer <token>"');
  }
  return match[1];
}
