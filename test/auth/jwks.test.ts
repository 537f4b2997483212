// auth.jwt.jwks_url: tokens verified against an authorization server's published key set
// (served here by a real HTTP server on 127.0.0.1), fetched once and cached, fetched again
// for a key it does not hold; algorithms stay pinned, and a key set that cannot be had
// refuses callers without taking the server down.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { createJwtAuthenticator } from '../../src/auth/jwt.js';
import { jwtSchema } from '../../src/config/schema.js';
import { loadGraphMcp, type AgentConfigInput } from '../../src/index.js';
import { FIXTURES, startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const ISSUER = 'https://login.example.test';
const AUDIENCE = 'https://agents.example.test/mcp';

type Signer = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** A key pair whose public half is published under `kid`. */
async function keyPair(kid: string): Promise<{ kid: string; privateKey: Signer; jwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function sign(key: { kid: string; privateKey: Signer }, claims: Record<string, unknown> = {}, expiresIn = '5m') {
  return new SignJWT({ scope: 'mcp', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setSubject('ada')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key.privateKey);
}

/** A 2025-era tools/call of `whoami`, with the token if any. */
function callWhoami(url: string, token?: string) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }),
  });
}

describe('auth.jwt.jwks_url', () => {
  let jwks: Server;
  let jwksUrl: string;
  let published: JWK[] = [];
  let fetches = 0;
  let server: TestServer;
  let first: Awaited<ReturnType<typeof keyPair>>;

  before(async () => {
    first = await keyPair('k1');
    published = [first.jwk];
    jwks = createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    server = await startServer({
      graphs: { whoami: './graphs/basic.ts:whoami' },
      auth: { jwt: { jwks_url: jwksUrl, algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE } },
    });
  });
  after(async () => {
    await server?.close(0);
    await new Promise((resolve) => jwks.close(resolve));
  });

  const call = (token?: string) => callWhoami(server.url, token);

  test('a token signed with a published key is accepted; the key set is fetched once, then cached', async () => {
    const token = await sign(first);
    const before = fetches;
    for (let i = 0; i < 3; i += 1) {
      const response = await call(token);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /"user":"ada"/);
    }
    assert.equal(fetches - before, 1, "one fetch for three calls");
  });

  test('expired, wrong-audience and HS256 tokens are refused with what was wrong, never what is expected', async () => {
    const expired = await call(await sign(first, {}, '-1m'));
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get('www-authenticate') ?? '', /token expired/);
    const foreign = await call(await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('ada').setIssuer(ISSUER).setAudience('https://elsewhere.test').setExpirationTime('5m').sign(first.privateKey));
    assert.equal(foreign.status, 401);
    const foreignChallenge = foreign.headers.get('www-authenticate') ?? '';
    assert.match(foreignChallenge, /^Bearer error="invalid_token", error_description="token audience invalid"/);
    assert.doesNotMatch(foreignChallenge, /agents\.example\.test/);
    const hmac = await call(await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('ada').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(new TextEncoder().encode('a'.repeat(32))));
    assert.equal(hmac.status, 401);
    assert.match(hmac.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token", error_description="token algorithm not allowed"/);
  });

});

test('when the key set cannot be fetched, callers are refused 503 with Retry-After (not a challenge) and it is logged; once it can, they are served', async () => {
  const key = await keyPair('k1');
  let down = true;
  const jwks = createServer((_req, res) => {
    if (down) res.writeHead(503).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  const server = await startServer({
    graphs: { whoami: './graphs/basic.ts:whoami' },
    auth: { jwt: { jwks_url: jwksUrl, algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE } },
  });
  try {
    const token = await sign(key);
    const refused = await callWhoami(server.url, token);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    // A challenge would send an OAuth client to sign in again, though its token may be good.
    assert.equal(refused.headers.get('www-authenticate'), null);
    assert.match(await refused.text(), /signing keys could not be fetched/);
    await server.logs.logged('auth.jwt.jwks_url: the signing keys could not be fetched');
    assert.equal((await fetch(`${new URL(server.url).origin}/ok`)).status, 200, 'the server keeps serving');
    down = false;
    // Fetched again once the 5 s after the failed fetch have passed (Retry-After says as much).
    await until('the caller is served once the keys can be fetched', async () => ((await callWhoami(server.url, token)).status === 200 ? true : undefined), 15_000);
  } finally {
    await server.close(0);
    await new Promise((resolve) => jwks.close(resolve));
  }
});

test('while the key set cannot be fetched, tokens naming a key not held fetch it once per interval, not once each, and are logged once; a key held still verifies', async () => {
  const held = await keyPair('k1');
  let down = false;
  let fetches = 0;
  const jwks = createServer((_req, res) => {
    fetches += 1;
    if (down) res.writeHead(500).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [held.jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  try {
    const config = jwtSchema.parse({ jwks_url: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`, algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE });
    const failures: unknown[] = [];
    // No cooldown after a good fetch, so that only the interval after a failed one holds fetches back.
    const authenticate = createJwtAuthenticator(config, FIXTURES, { jwksCooldownMs: 0, jwksRetryAfterMs: 400, onKeySetFailure: (error) => failures.push(error) });
    const asking = async (token: string) => authenticate(new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${token}` } }));
    const status = (token: string) => asking(token).then(() => 200, (error: { status?: number }) => error.status);
    assert.equal(await status(await sign(held)), 200);
    assert.equal(fetches, 1);
    down = true;
    const unknown = await sign(await keyPair('nope'));
    const statuses = [];
    for (let i = 0; i < 50; i += 1) statuses.push(await status(unknown));
    assert.deepEqual(new Set(statuses), new Set([503]));
    assert.equal(fetches, 2, 'one fetch for fifty tokens');
    assert.equal(failures.length, 1, 'logged once');
    assert.equal(await status(await sign(held)), 200, 'a key held still verifies');
    await new Promise((resolve) => setTimeout(resolve, 450));
    // Twenty at once, sharing the one fetch that fails: told once.
    assert.deepEqual(new Set(await Promise.all(Array.from({ length: 20 }, () => status(unknown)))), new Set([503]));
    assert.equal(fetches, 3);
    assert.equal(failures.length, 2);
    await new Promise((resolve) => setTimeout(resolve, 450));
    assert.equal(await status(unknown), 503);
    assert.equal(fetches, 4, 'fetched again after the interval');
    assert.equal(failures.length, 3);
  } finally {
    await new Promise((resolve) => jwks.close(resolve));
  }
});

test('a key the authorization server rotates in is picked up without a restart; a key it never published is refused', async () => {
  const first = await keyPair('k1');
  const second = await keyPair('k2');
  let published = [first.jwk];
  const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  try {
    const config = jwtSchema.parse({ jwks_url: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`, algorithms: ['RS256'], issuer: ISSUER, audience: AUDIENCE });
    // No cooldown between fetches here (30 s by default), so the rotation shows at once.
    const authenticate = createJwtAuthenticator(config, FIXTURES, { jwksCooldownMs: 0 });
    const asking = async (token: string) => authenticate(new Request('http://127.0.0.1/mcp', { headers: { authorization: `Bearer ${token}` } }));
    assert.equal((await asking(await sign(first))).id, 'ada');
    published = [first.jwk, second.jwk];
    assert.equal((await asking(await sign(second))).id, 'ada');
    await assert.rejects(asking(await sign(await keyPair('never-published'))), /unknown key/);
  } finally {
    await new Promise((resolve) => jwks.close(resolve));
  }
});

test('jwks_url is refused at start-up over plain http to another host, and beside another key source or HS* algorithms', async () => {
  const load = (jwt: Record<string, unknown>) =>
    loadGraphMcp({ config: { graphs: { whoami: './graphs/basic.ts:whoami' }, auth: { jwt } } as unknown as AgentConfigInput, baseDir: FIXTURES, store: null });
  await assert.rejects(load({ jwks_url: 'http://login.example.test/jwks.json', algorithms: ['RS256'] }), /must come over https/);
  await assert.rejects(load({ jwks_url: 'https://login.example.test/jwks.json', public_key_path: './key.pem', algorithms: ['RS256'] }), /one of "public_key_path" or "jwks_url"/);
  await assert.rejects(load({ jwks_url: 'https://login.example.test/jwks.json', algorithms: ['HS256'] }), /HS\* algorithms need "secret_env"/);
});
