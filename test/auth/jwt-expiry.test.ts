// auth.jwt.require_exp: a token without an expiry is refused unless the config says
// otherwise, with a secret and with a published key set alike.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { AuthError } from '../../src/auth/auth-error.js';
import { createJwtAuthenticator } from '../../src/auth/jwt.js';
import { jwtSchema } from '../../src/config/schema.js';
import { FIXTURES } from '../helpers/server.js';

const SECRET_ENV = 'GRAPH_MCP_TEST_EXPIRY_SECRET';
const secret = randomBytes(32).toString('hex');
process.env[SECRET_ENV] = secret;

const request = (token: string) => new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${token}` } });

/** Refused 401 invalid_token, saying the token has no expiry. */
async function refusedForNoExpiry(answer: Promise<unknown>): Promise<void> {
  await assert.rejects(answer, (error: unknown) => {
    assert.ok(error instanceof AuthError);
    assert.equal(error.status, 401);
    assert.equal(error.error, 'invalid_token');
    assert.equal(error.message, 'token has no expiry (exp claim)');
    return true;
  });
}

test('HS256: a token without exp is refused by default and accepted with require_exp false; with exp it passes either way', async () => {
  const key = new TextEncoder().encode(secret);
  const token = (expires: boolean) => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ada');
    return (expires ? jwt.setExpirationTime('5m') : jwt).sign(key);
  };
  const strict = createJwtAuthenticator(jwtSchema.parse({ secret_env: SECRET_ENV, algorithms: ['HS256'] }), FIXTURES);
  const lenient = createJwtAuthenticator(jwtSchema.parse({ secret_env: SECRET_ENV, algorithms: ['HS256'], require_exp: false }), FIXTURES);
  await refusedForNoExpiry(Promise.resolve().then(async () => strict(request(await token(false)))));
  assert.equal((await lenient(request(await token(false))))?.id, 'ada');
  assert.equal((await strict(request(await token(true))))?.id, 'ada');
  assert.equal((await lenient(request(await token(true))))?.id, 'ada');
});

test('jwks_url: a token without exp is refused by default and accepted with require_exp false', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('ada').sign(privateKey);
    const strict = createJwtAuthenticator(jwtSchema.parse({ jwks_url: url, algorithms: ['ES256'] }), FIXTURES);
    const lenient = createJwtAuthenticator(jwtSchema.parse({ jwks_url: url, algorithms: ['ES256'], require_exp: false }), FIXTURES);
    await refusedForNoExpiry(Promise.resolve().then(() => strict(request(token))));
    assert.equal((await lenient(request(token)))?.id, 'ada');
  } finally {
    await new Promise((resolve) => jwks.close(resolve));
  }
});
