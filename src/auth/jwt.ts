import { readFileSync } from 'node:fs';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import type { AgentConfig } from '../config/schema.js';
import { GraphMcpError } from '../errors.js';
import { AuthError } from './auth-error.js';
import { bearerToken } from './bearer.js';
import type { Authenticate } from './authenticate.js';
import type { Principal } from './principal.js';

export type JwtConfig = NonNullable<NonNullable<AgentConfig['auth']>['jwt']>;

const HMAC = /^HS/;

/**
 * Built-in bearer JWT verification. The options are checked here, at
 * start-up: the key must match the pinned algorithms (an HMAC secret for
 * HS*, a public key for RS/ES/PS*, never both), so an HS256 token signed
 * with a public key cannot pass, and `alg: none` is never accepted.
 */
export function createJwtAuthenticator(config: JwtConfig, baseDir: string): Authenticate {
  const hmac = config.algorithms.filter((alg) => HMAC.test(alg));
  if (hmac.length > 0 && hmac.length !== config.algorithms.length) {
    throw new GraphMcpError('CONFIG_INVALID', 'auth.jwt.algorithms: do not mix HMAC (HS*) and public-key algorithms');
  }
  const wantsSecret = hmac.length > 0;
  if (wantsSecret !== (config.secret_env !== undefined) || (config.secret_env !== undefined && config.public_key_path !== undefined)) {
    throw new GraphMcpError(
      'CONFIG_INVALID',
      wantsSecret
        ? 'auth.jwt: HS* algorithms need "secret_env" (and no "public_key_path")'
        : 'auth.jwt: RS/ES/PS algorithms need "public_key_path" (and no "secret_env")',
    );
  }

  let key: string | Buffer;
  if (config.secret_env !== undefined) {
    const secret = process.env[config.secret_env];
    if (!secret) throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.secret_env: environment variable ${config.secret_env} is not set`);
    if (Buffer.byteLength(secret) < 32) {
      throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.secret_env: the secret in ${config.secret_env} is shorter than 32 bytes`);
    }
    key = secret;
  } else {
    const file = path.resolve(baseDir, config.public_key_path!);
    try {
      key = readFileSync(file);
    } catch (cause) {
      throw new GraphMcpError('CONFIG_INVALID', `auth.jwt.public_key_path: cannot read ${file}`, { cause });
    }
  }

  const verifyOptions: jwt.VerifyOptions = {
    algorithms: config.algorithms,
    clockTolerance: config.clock_tolerance_s,
    ...(config.issuer !== undefined ? { issuer: config.issuer as string | [string, ...string[]] } : {}),
    ...(config.audience !== undefined ? { audience: config.audience as string | [string, ...string[]] } : {}),
  };

  return (request) => {
    const token = bearerToken(request.headers.get('authorization'));
    let claims: jwt.JwtPayload;
    try {
      const decoded = jwt.verify(token, key, verifyOptions);
      if (typeof decoded === 'string') throw new AuthError(401, 'token payload is not a JSON object', { error: 'invalid_token' });
      claims = decoded;
    } catch (error) {
      throw new AuthError(401, describeJwtError(error), { error: 'invalid_token' });
    }
    return principalFromClaims(claims, config);
  };
}

function describeJwtError(error: unknown): string {
  if (error instanceof AuthError) return error.message;
  if (error instanceof jwt.TokenExpiredError) return 'token expired';
  if (error instanceof jwt.NotBeforeError) return 'token not yet valid';
  // jsonwebtoken's messages name the check that failed ("invalid signature",
  // "jwt audience invalid. expected: ..."), never the token. What the server
  // would accept is its own business: say what was wrong, not what is right.
  if (error instanceof jwt.JsonWebTokenError) return error.message.replace(/\.? expected:[\s\S]*$/, '');
  return 'invalid token';
}

function principalFromClaims(claims: jwt.JwtPayload, config: JwtConfig): Principal {
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
