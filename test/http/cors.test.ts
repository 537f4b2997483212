// CORS for browser clients (http.cors): preflights answered before authentication, answers
// readable by the pages of allowed origins only, and nothing changed when it is off.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { AuthError } from '../../src/index.js';
import { callModern, envelope, modernHeaders } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/server.js';

const GRAPHS = { echo: './graphs/basic.ts:echo' };
const APP = 'https://app.example.com';
const EVIL = 'https://evil.example.net';
const ASKED_HEADERS = 'authorization,content-type,mcp-protocol-version,mcp-method,mcp-name,mcp-param-region';

function preflight(url: string, origin: string) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': ASKED_HEADERS },
  });
}

function callFrom(url: string, origin: string, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { ...modernHeaders('tools/call', 'echo'), origin, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'echo', arguments: { text: 'hi' } }) }),
  });
}

describe('http.cors on, allowed_origins naming the app', () => {
  let server: TestServer;
  before(async () => {
    process.env.CORS_TEST_JWT_SECRET = 'a-secret-for-this-test-only-0123456789';
    server = await startServer(
      {
        graphs: GRAPHS,
        http: { cors: true, allowed_origins: ['app.example.com'] },
        // Where a page learns how to get a token (RFC 9728); the test's authenticate below decides.
        auth: {
          jwt: { secret_env: 'CORS_TEST_JWT_SECRET', algorithms: ['HS256'] },
          resource_metadata: { resource: 'https://agents.example.test/mcp', authorization_servers: ['https://login.example.test'] },
        },
      },
      {
        load: {
          authenticate: (request) => {
            if (request.headers.get('authorization') !== 'Bearer good') throw new AuthError(401, 'no valid token', { error: 'invalid_token' });
            return { id: 'ada', scopes: [] };
          },
        },
      },
    );
  });
  after(() => server.close(0));

  test("a preflight from the app's origin is answered before authentication, allowing what it asked", async () => {
    const response = await preflight(server.url, APP);
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), APP);
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(response.headers.get('access-control-allow-headers'), ASKED_HEADERS);
    assert.equal(response.headers.get('access-control-max-age'), '600');
  });

  test("the app's page may read the answer, and a refusal's challenge and Retry-After", async () => {
    const answered = await callFrom(server.url, APP, { authorization: 'Bearer good' });
    assert.equal(answered.status, 200);
    assert.equal(answered.headers.get('access-control-allow-origin'), APP);
    assert.match(answered.headers.get('vary') ?? '', /Origin/i);
    assert.equal(((await answered.json()) as { result: { structuredContent: { echoed: string } } }).result.structuredContent.echoed, 'hi');

    const refused = await callFrom(server.url, APP);
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), APP);
    assert.match(refused.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/i);
    // A 503 from authentication (its provider down) says when to try again.
    assert.match(refused.headers.get('access-control-expose-headers') ?? '', /Retry-After/i);
    assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer /);
  });

  test("the app's page may read the protected resource metadata, to find where to sign in", async () => {
    const response = await fetch(`${new URL(server.url).origin}/.well-known/oauth-protected-resource/mcp`, { headers: { origin: APP } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), APP);
    assert.deepEqual(((await response.json()) as { authorization_servers: string[] }).authorization_servers, ['https://login.example.test']);
  });

  test('a preflight whose Host the endpoint refuses (DNS rebinding) is refused, not answered', async () => {
    const url = new URL(server.url);
    const answer = await new Promise<{ status: number; allow: string | undefined }>((resolve, reject) => {
      const request = http.request(
        { hostname: url.hostname, port: url.port, path: url.pathname, method: 'OPTIONS', headers: { host: 'evil.example.net', origin: APP, 'access-control-request-method': 'POST' } },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode!, allow: res.headers['access-control-allow-origin'] as string | undefined });
        },
      );
      request.on('error', reject).end();
    });
    assert.deepEqual(answer, { status: 403, allow: undefined });
  });

  test('another origin gets no CORS headers, and its calls are refused', async () => {
    const asked = await preflight(server.url, EVIL);
    assert.equal(asked.headers.get('access-control-allow-origin'), null);
    const called = await callFrom(server.url, EVIL, { authorization: 'Bearer good' });
    assert.equal(called.status, 403);
    assert.equal(called.headers.get('access-control-allow-origin'), null);
  });
});

describe('http.cors off (the default)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ graphs: GRAPHS, http: { allowed_origins: ['app.example.com'] } });
  });
  after(() => server.close(0));

  test('no preflight is answered and no answer carries CORS headers; calls without Origin are served as before', async () => {
    const asked = await preflight(server.url, APP);
    assert.equal(asked.status, 405);
    assert.equal(asked.headers.get('access-control-allow-origin'), null);
    const called = await callFrom(server.url, APP);
    assert.equal(called.status, 200);
    assert.equal(called.headers.get('access-control-allow-origin'), null);
    const plain = await callModern(server.url, 'echo', { text: 'hi' });
    assert.equal(plain.messages[0]?.result?.structuredContent?.echoed, 'hi');
  });
});
