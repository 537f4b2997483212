import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type { AgentConfig } from '../config/schema.js';
import { GraphMcpError } from '../errors.js';
import { isLoopback } from '../loopback.js';
import { AuthError, DEFAULT_RETRY_AFTER_S } from './auth-error.js';
import { bearerToken } from './bearer.js';
import type { Authenticate } from './authenticate.js';
import type { Principal } from './principal.js';

export type JwtConfig = NonNullable<NonNullable<AgentConfig['auth']>['jwt']>;

const HMAC = /^HS/;

export interface JwtAuthenticatorOptions {
  /** Told when the key set cannot be fetched (the caller is refused 503, without the cause). */
  onKeySetFailure?: (error: unknown) => void;
  /** Least time between two fetches of the key set for tokens naming unknown keys. @default 30000 */
  jwksCooldownMs?: number;
  /** After a fetch of the key set failed, how long tokens are checked against the keys held only, without fetching. @default 5000 */
  jwksRetryAfterMs?: number;
}

/**
 * Built-in bearer JWT verification. The options are checked here, at
 * start-up: the key must match the pinned algorithms (an HMAC secret for
 * HS*, a public key for RS/ES/PS*, never both), so an HS256 token signed
 * with a public key cannot pass, and `alg: none` is never accepted.
 */
export function createJwtAuthenticator(config: JwtConfig, baseDir: string, options: JwtAuthenticatorOptions = {}): Authenticate {
  const hmac = config.algorithms.filter((alg) => HMAC.test(alg));
  if (hmac.length > 0 && hmac.length !== config.algorithms.length) {
    throw new GraphMcpError('CONFIG_INVALID', 'auth.jwt.algorithms: do not mix HMAC (HS*) and public-key algorithms');
  }
  const wantsSecret = hmac.length > 0;
  const keySources = [config.secret_env, config.public_key_path, config.jwks_url].filter((source) => source !== undefined).length;
  if (wantsSecret !== (config.secret_env !== undefined) || keySources !== 1) {
    throw new GraphMcpError(
      'CONFIG_INVALID',
      wantsSecret
        ? 'auth.jwt: HS* algorithms need "secret_env" (and no "public_key_path" or "jwks_url")'
        : 'auth.jwt: RS/ES/PS algorithms need one of "public_key_path" or "jwks_url" (and no "secret_env")',
    );
  }
  if (config.jwks_url !== undefined) return createJwksAuthenticator(config, config.jwks_url, options);

  let key: Uint8Array | KeyObject;
  if (config.secret_env !== undefined) {
    const secret = process.env[config.secret_env];
    if (!secret) throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.secret_env: environment variable ${config.secret_env} is not set`);
    if (Buffer.byteLength(secret) < 32) {
      throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.secret_env: the secret in ${config.secret_env} is shorter than 32 bytes`);
    }
    key = new TextEncoder().encode(secret);
  } else {
    const file = path.resolve(baseDir, config.public_key_path!);
    let pem: Buffer;
    try {
      pem = readFileSync(file);
    } catch (cause) {
      throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.public_key_path: cannot read ${file}`, { cause });
    }
    key = publicKeyOf(pem, file, config.algorithms);
  }

  const verifyOptions = verifyOptionsOf(config);
  return async (request) => {
    const token = bearerToken(request.headers.get('authorization'));
    let claims: JWTPayload;
    try {
      claims = (await jwtVerify(token, key, verifyOptions)).payload;
    } catch (error) {
      throw new AuthError(401, describeJoseError(error), { error: 'invalid_token' });
    }
    return principalFromClaims(claims, config);
  };
}

/** The checks every token gets: the pinned algorithms, the clock's tolerance, and the issuer and audience when the config names them. */
function verifyOptionsOf(config: JwtConfig): JWTVerifyOptions {
  return {
    algorithms: config.algorithms,
    clockTolerance: config.clock_tolerance_s,
    ...(config.issuer !== undefined ? { issuer: config.issuer } : {}),
    ...(config.audience !== undefined ? { audience: config.audience } : {}),
  };
}

/**
 * Verification against the authorization server's published keys (its
 * `jwks_uri`), with jose: the set is fetched on first use and cached, and
 * fetched again (at most every 30 s) when a token names a key it does not
 * hold, so keys the server rotates in are picked up without a restart;
 * after a fetch that failed, not for `jwksRetryAfterMs`.
 * The algorithms stay pinned by the config.
 */
function createJwksAuthenticator(config: JwtConfig, jwksUrl: string, options: JwtAuthenticatorOptions): Authenticate {
  const url = new URL(jwksUrl);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.jwks_url: keys that sign tokens must come over https (or http on a loopback address), got ${url.protocol}//${url.host}`);
  }
  const keySet = createRemoteJWKSet(url, options.jwksCooldownMs === undefined ? {} : { cooldownDuration: options.jwksCooldownMs });
  const verifyOptions = verifyOptionsOf(config);
  const retryAfterMs = options.jwksRetryAfterMs ?? DEFAULT_RETRY_AFTER_S * 1000;
  // jose waits its cooldown only after a fetch that succeeded: while the authorization server is
  // down, each token naming a key not held would fetch again (and be logged). So after a failed
  // fetch, for `retryAfterMs`, tokens are checked against the keys held (while they are fresh)
  // and nothing is fetched: one fetch, and one log line, per interval, whatever the callers send.
  let failed: { at: number; held: ReturnType<typeof createLocalJWKSet> | undefined } | undefined;
  // The token may well be good: a 401 would send the client to sign in again, to no avail.
  const unavailable = () => new AuthError(503, 'token cannot be verified now: the signing keys could not be fetched; try again shortly');
  return async (request) => {
    const token = bearerToken(request.headers.get('authorization'));
    const waiting = failed !== undefined && Date.now() - failed.at < retryAfterMs ? failed : undefined;
    if (waiting !== undefined && waiting.held === undefined) throw unavailable();
    let claims: JWTPayload;
    try {
      claims = (await jwtVerify(token, waiting?.held ?? keySet, verifyOptions)).payload;
    } catch (error) {
      if (waiting !== undefined && error instanceof joseErrors.JWKSNoMatchingKey) throw unavailable();
      if (waiting === undefined && isKeySetFailure(error)) {
        // Tokens that waited on the same fetch (jose shares one) fail together: told once.
        if (failed === undefined || Date.now() - failed.at >= retryAfterMs) {
          const jwks = keySet.fresh ? keySet.jwks() : undefined;
          failed = { at: Date.now(), held: jwks === undefined ? undefined : createLocalJWKSet(jwks) };
          options.onKeySetFailure?.(error);
        }
        throw unavailable();
      }
      throw new AuthError(401, describeJoseError(error), { error: 'invalid_token' });
    }
    return principalFromClaims(claims, config);
  };
}

/** The key set could not be had (unreachable, timed out, not a key set): not the token's fault. */
function isKeySetFailure(error: unknown): boolean {
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) return true;
  // A failed fetch, or an answer that is not JSON, surfaces as a plain error; an answer
  // other than 200 as jose's generic error (every fault of the token has its own class).
  return !(error instanceof joseErrors.JOSEError) || error.code === joseErrors.JOSEError.code;
}

const CLAIM_NAMES: Record<string, string> = { iss: 'issuer', aud: 'audience', exp: 'expiry', iat: 'issue time' };

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    // Which claim failed, never what the server would accept.
    if (error.claim === 'nbf') return 'token not yet valid';
    return `token ${CLAIM_NAMES[error.claim] ?? `${error.claim} claim`} invalid`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'token signed with an unknown key';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'invalid signature';
  return 'invalid token';
}

function principalFromClaims(claims: JWTPayload, config: JwtConfig): Principal {
  // jose checks exp when it is there, and accepts a token without one.
  if (config.require_exp && claims.exp === undefined) {
    throw new AuthError(401, 'token has no expiry (exp claim)', { error: 'invalid_token' });
  }
  const id = claims[config.subject_claim];
  if (typeof id !== 'string' || id === '') {
    throw new AuthError(401, `token has no "${config.subject_claim}" claim`, { error: 'invalid_token' });
  }
  const raw = claims[config.scopes_claim];
  const scopes = typeof raw === 'string' ? raw.split(' ').filter(Boolean) : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
  return {
    id,
    scopes,
    ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
    ...(typeof claims.email === 'string' ? { email: claims.email } : {}),
    claims,
  };
}

/** The key type each public-key algorithm family verifies with. */
const KEY_TYPE_OF: Record<string, readonly string[]> = { RS: ['rsa'], PS: ['rsa', 'rsa-pss'], ES: ['ec'] };

/**
 * At start-up, not at the first request: a file that is not a public key,
 * or a key none of the pinned algorithms verifies with, would refuse every
 * caller with a 401 that blames their token.
 */
function publicKeyOf(pem: Buffer, file: string, algorithms: readonly string[]): KeyObject {
  // createPublicKey takes a private key too (it derives the public half): the signing key must not sit here.
  let isPrivate = false;
  try {
    createPrivateKey(pem);
    isPrivate = true;
  } catch {
    // not a private key: as it should be
  }
  if (isPrivate) {
    throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.public_key_path: ${file} holds a private key; give the public key only (the server that signs tokens keeps the private one)`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (cause) {
    throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.public_key_path: ${file} is not a public key (PEM)`, { cause });
  }
  const type = key.asymmetricKeyType;
  if (!algorithms.some((alg) => KEY_TYPE_OF[alg.slice(0, 2)]?.includes(type ?? ''))) {
    throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.public_key_path: ${file} holds ${type === undefined ? 'a key of unknown type' : `an ${type.toUpperCase()} key`}, which none of auth.jwt.algorithms (${algorithms.join(', ')}) verifies with`);
  }
  return key;
}
