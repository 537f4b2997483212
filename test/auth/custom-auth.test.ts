// Authentication the project writes: auth.path, a function passed to createMcpRouter, or the app's own middleware.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import express from 'express';
import { AuthError, authInfoForPrincipal, createMcpRouter, loadGraphMcp, type AgentConfigInput, type GraphMcp } from '../../src/index.js';
import { captureLogs, FIXTURES, startServer, graphToolNames } from '../helpers/server.js';
import { legacyHeaders, post } from '../helpers/raw.js';

const GRAPHS = {
  whoami: './graphs/basic.ts:whoami',
  reports: { path: './graphs/basic.ts:echo', access: { scopes: ['reports'] } },
  blue_only: { path: './graphs/basic.ts:echo', access: { path: './auth.ts:blueTeamOnly' } },
};

const servers: Server[] = [];
const graphMcps: GraphMcp[] = [];
const opened = (graphMcp: GraphMcp) => (graphMcps.push(graphMcp), graphMcp);
after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(graphMcps.map((graphMcp) => graphMcp.close(0)));
});

function rpc(url: string, method: string, params: Record<string, unknown>, headers: Record<string, string>, signal?: AbortSignal) {
  return post(url, { jsonrpc: '2.0', id: 1, method, params }, { ...legacyHeaders(), ...headers }, signal);
}

async function listNames(url: string, headers: Record<string, string>) {
  const answer = await rpc(url, 'tools/list', {}, headers);
  return graphToolNames(answer.messages[0]?.result?.tools as Array<{ name: string }>);
}

describe('auth.path in agent.config.json', () => {
  test('the project function decides who calls; access scopes and access.path rules filter the tools', async () => {
    const server = await startServer({ auth: { path: './auth.ts:authenticate' }, graphs: GRAPHS });
    try {
      assert.deepEqual(await listNames(server.url, { 'x-api-key': 'key-alice' }), ['blue_only', 'reports', 'whoami']);
      assert.deepEqual(await listNames(server.url, { 'x-api-key': 'key-bob' }), ['whoami']);
      const who = await rpc(server.url, 'tools/call', { name: 'whoami', arguments: {} }, { 'x-api-key': 'key-bob' });
      assert.deepEqual(who.messages[0]?.result?.structuredContent, { user: 'bob', scopes: [] });

      const missing = await rpc(server.url, 'tools/list', {}, {});
      assert.equal(missing.status, 401);
      assert.equal(missing.messages[0]?.error?.message, 'send your API key in X-API-Key');
      const unknown = await rpc(server.url, 'tools/list', {}, { 'x-api-key': 'key-mallory' });
      assert.equal(unknown.status, 401);
      assert.match(unknown.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    } finally {
      await server.close(0);
    }
  });

  test('an AuthError whose message a header cannot carry (an em dash, a line break) is still answered: the challenge says it in ASCII, the body whole', async () => {
    const server = await startServer({ auth: { path: './auth.ts:authenticate' }, graphs: GRAPHS });
    try {
      const retired = await rpc(server.url, 'tools/list', {}, { 'x-api-key': 'key-retired' }, AbortSignal.timeout(10_000));
      assert.equal(retired.status, 401);
      assert.equal(retired.headers.get('www-authenticate'), 'Bearer error="invalid_token", error_description="this key was retired ask your admin for a new one"');
      assert.equal(retired.messages[0]?.error?.message, 'this key was retired — ask your admin\r\nfor a new one');
      // A challenge of its own that Node refuses as a header: answered without it, not left hanging.
      const badHeader = await rpc(server.url, 'tools/list', {}, { 'x-api-key': 'key-bad-header' }, AbortSignal.timeout(10_000));
      assert.equal(badHeader.status, 401);
      assert.equal(badHeader.headers.get('www-authenticate'), null);
      assert.equal(badHeader.messages[0]?.error?.message, 'sign in');
    } finally {
      await server.close(0);
    }
  });

  test("an unchanged langgraph.json: its LangGraph Auth object authenticates, its MCP path under mount_prefix serves, its other keys are named and set aside", async () => {
    const server = await startServer({
      graphs: GRAPHS,
      auth: { path: './auth.ts:langGraphAuth', disable_studio_auth: true },
      http: { mount_prefix: '/deploy', cors: { allow_origins: ['https://example.test'] }, disable_assistants: true },
      store: { index: { dims: 8 } },
      dependencies: ['.'],
      defualts: { timeout_ms: 1000 },
    } as unknown as AgentConfigInput);
    try {
      const url = `${new URL(server.url).origin}/deploy/mcp`;
      assert.deepEqual(await listNames(url, { 'x-api-key': 'key-alice' }), ['blue_only', 'reports', 'whoami']);
      const who = await rpc(url, 'tools/call', { name: 'whoami', arguments: {} }, { 'x-api-key': 'key-bob' });
      assert.deepEqual(who.messages[0]?.result?.structuredContent, { user: 'bob', scopes: [] });
      // LangGraph's HTTPException keeps its status and message.
      const missing = await rpc(url, 'tools/list', {}, {});
      assert.equal(missing.status, 401);
      assert.equal(missing.messages[0]?.error?.message, 'send your API key in X-API-Key');
      const refused = await rpc(url, 'tools/list', {}, { 'x-api-key': 'key-mallory' });
      assert.equal(refused.status, 403);
      assert.equal(refused.messages[0]?.error?.message, 'this key may not call graphs');
      // Its headers too: its own challenge on a 401, Retry-After on a 503.
      const realm = await rpc(url, 'tools/list', {}, { 'x-api-key': 'key-realm' });
      assert.equal(realm.status, 401);
      assert.equal(realm.headers.get('www-authenticate'), 'Bearer realm="corp"');
      const idpDown = await rpc(url, 'tools/list', {}, { 'x-api-key': 'key-idp-down' });
      assert.equal(idpDown.status, 503);
      assert.equal(idpDown.headers.get('retry-after'), '60');
      assert.equal(idpDown.headers.get('www-authenticate'), null);
      // A 429 or a 5xx is no fault of the credentials: 503, not a 401 that sends the client to sign in
      // again, and a 5xx's message (which may name the server's internals) stays on the server.
      const flood = await rpc(url, 'tools/list', {}, { 'x-api-key': 'key-flood' });
      assert.equal(flood.status, 503);
      assert.equal(flood.headers.get('retry-after'), '7');
      const crash = await rpc(url, 'tools/list', {}, { 'x-api-key': 'key-crash' });
      assert.equal(crash.status, 503);
      assert.equal(crash.headers.get('www-authenticate'), null);
      assert.doesNotMatch(crash.text, /10\.0\.0\.5|exploded/);
      assert.match(crash.messages[0]?.error?.message, /cannot be checked now/);

      assert.equal((await rpc(`${new URL(server.url).origin}/mcp`, 'tools/list', {}, { 'x-api-key': 'key-alice' })).status, 404);
      const logs = server.logs.text();
      assert.match(logs, /langgraph\.json keys .* ignored: http\.cors, http\.disable_assistants, store\.index, auth\.disable_studio_auth/);
      assert.match(logs, /on\(\.\.\.\) handlers \(threads\)/);
      // A misspelt key of graph-mcp's own is named; LangGraph's image keys are not.
      assert.match(logs, /unknown top-level config keys are ignored \(misspelt\?\): defualts"/);
    } finally {
      await server.close(0);
    }
  });

  test('an async access.path rule stops start-up, saying why (a promise is never true: it would deny everyone); one that returns a promise denies', async () => {
    await assert.rejects(
      loadGraphMcp({ baseDir: FIXTURES, config: { graphs: { whoami: { path: './graphs/basic.ts:whoami', access: { path: './auth.ts:asyncTeamRule' } } } }, logger: captureLogs().logger, store: null }),
      /access\.path: .*asyncTeamRule is an async function; an access rule must answer at once/,
    );
    const server = await startServer({ auth: { path: './auth.ts:authenticate' }, graphs: { whoami: { path: './graphs/basic.ts:whoami', access: { path: './auth.ts:promisingRule' } } } });
    try {
      assert.deepEqual(await listNames(server.url, { 'x-api-key': 'key-alice' }), []);
    } finally {
      await server.close(0);
    }
  });

  test('an access.path rule that throws denies: the tool is not listed, and calling it is answered as an unknown tool', async () => {
    const server = await startServer({
      auth: { path: './auth.ts:stringAuthenticate' },
      graphs: { whoami: './graphs/basic.ts:whoami', blue_prefixed: { path: './graphs/basic.ts:echo', access: { path: './auth.ts:blueTeamPrefix' } } },
    });
    try {
      // stringAuthenticate's callers have no team: the rule throws reading it.
      assert.deepEqual(await listNames(server.url, { 'x-user': 'erin' }), ['whoami']);
      const call = await rpc(server.url, 'tools/call', { name: 'blue_prefixed', arguments: { text: 'hi' } }, { 'x-user': 'erin' });
      assert.equal(call.messages[0]?.error?.message, 'Unknown tool: blue_prefixed');
      assert.equal(call.messages[0]?.result, undefined);
    } finally {
      await server.close(0);
    }
  });

  test('an authenticate function returning a string: that is the caller id, with no scopes', async () => {
    const server = await startServer({ auth: { path: './auth.ts:stringAuthenticate' }, graphs: { whoami: './graphs/basic.ts:whoami' } });
    try {
      const who = await rpc(server.url, 'tools/call', { name: 'whoami', arguments: {} }, { 'x-user': 'erin' });
      assert.deepEqual(who.messages[0]?.result?.structuredContent, { user: 'erin', scopes: [] });
    } finally {
      await server.close(0);
    }
  });

  test('auth.path naming something that is neither a function nor a LangGraph Auth object stops start-up, saying so', async () => {
    await assert.rejects(
      loadGraphMcp({ baseDir: FIXTURES, config: { graphs: GRAPHS, auth: { path: './auth.ts:KEYS_COUNT' } }, logger: captureLogs().logger, store: null }),
      /auth\.path: .*auth\.ts:KEYS_COUNT is not a function \(request\) => principal, nor a LangGraph Auth object/,
    );
  });

  test('AuthError 503: the caller cannot be checked now; refused with Retry-After and no challenge, and the server keeps serving', async () => {
    const server = await startServer({ auth: { path: './auth.ts:directoryDownAuthenticate' }, graphs: GRAPHS });
    try {
      const answer = await rpc(server.url, 'tools/list', {}, { 'x-api-key': 'key-alice' });
      assert.equal(answer.status, 503);
      assert.equal(answer.headers.get('retry-after'), '30');
      assert.equal(answer.headers.get('www-authenticate'), null, 'no challenge: the credentials may be good');
      assert.equal(answer.messages[0]?.error?.message, 'the user directory cannot be reached');
      assert.equal((await fetch(`${new URL(server.url).origin}/ok`)).status, 200);
    } finally {
      await server.close(0);
    }
  });

  test('an authenticate function that throws something else is a plain 401 that reveals nothing', async () => {
    const server = await startServer({ auth: { path: './auth.ts:brokenAuthenticate' }, graphs: GRAPHS });
    try {
      const answer = await rpc(server.url, 'tools/list', {}, { 'x-api-key': 'key-alice' });
      assert.equal(answer.status, 401);
      assert.equal(answer.messages[0]?.error?.message, 'invalid credentials');
      assert.ok(!answer.text.includes('hunter2'));
      assert.match(server.logs.text(), /authenticate threw something other than AuthError/, 'the operator is told');
      assert.ok(!server.logs.text().includes('hunter2'), 'but not the message, which may quote a secret');
    } finally {
      await server.close(0);
    }
  });
});

test('an authenticate function that returns no id is the server\'s fault: 500, with the reason in the log, not a 401 blaming the token', async () => {
  const server = await startServer({ auth: { path: './auth.ts:idlessAuthenticate' }, graphs: GRAPHS });
  try {
    const answer = await rpc(server.url, 'tools/list', {}, { 'x-api-key': 'key-alice' });
    assert.equal(answer.status, 500);
    assert.equal(answer.messages[0]?.error?.code, -32603);
    assert.equal(answer.headers.get('www-authenticate'), null);
    assert.match(server.logs.text(), /authenticate returned a principal without a string \\"id\\" \(or \\"identity\\"\): it has only \\"scopes\\", \\"team\\"/);
    // The server goes on serving.
    assert.equal((await rpc(server.url, 'tools/list', {}, { 'x-api-key': 'key-alice' })).status, 500);
  } finally {
    await server.close(0);
  }
});

test("an authenticate function that returns nothing, or an id that is no string, is the server's fault too, said as such; scopes as one space-separated string are read", async () => {
  for (const [name, reason] of [
    ['forgetfulAuthenticate', /authenticate returned undefined, not a principal: return \{ id, scopes\? \} \(or the id\), or throw AuthError to refuse the caller/],
    ['numericIdAuthenticate', /authenticate returned a principal whose \\"id\\" is a number, not a string/],
  ] as const) {
    const server = await startServer({ auth: { path: `./auth.ts:${name}` }, graphs: GRAPHS });
    try {
      const answer = await rpc(server.url, 'tools/list', {}, { 'x-api-key': 'key-alice' });
      assert.equal(answer.status, 500, name);
      assert.equal(answer.messages[0]?.error?.code, -32603);
      assert.match(server.logs.text(), reason);
    } finally {
      await server.close(0);
    }
  }
  const server = await startServer({ auth: { path: './auth.ts:scopeStringAuthenticate' }, graphs: { whoami: './graphs/basic.ts:whoami' } });
  try {
    const who = await rpc(server.url, 'tools/call', { name: 'whoami', arguments: {} }, {});
    assert.deepEqual(who.messages[0]?.result?.structuredContent, { user: 'alice', scopes: ['reports', 'audit'] });
  } finally {
    await server.close(0);
  }
});

async function appWith(setup: (app: express.Express) => Promise<void>) {
  const app = express();
  await setup(app);
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

describe('authentication given in code', () => {
  test('a function passed to createMcpRouter; one that throws something other than AuthError is logged, as through the config', async () => {
    const logs = captureLogs();
    const url = await appWith(async (app) => {
      const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, config: { graphs: GRAPHS }, logger: logs.logger, store: null }));
      app.use(
        createMcpRouter(graphMcp, {
          authenticate: (request) => {
            if (request.headers.get('x-broken') !== null) throw new RangeError('lookup failed for key hunter2');
            if (request.headers.get('authorization') !== 'Bearer letmein') throw new AuthError(401, 'no entry', { error: 'invalid_token' });
            return { id: 'svc-reporting', scopes: ['reports'], team: 'blue' };
          },
        }),
      );
    });
    assert.deepEqual(await listNames(url, { authorization: 'Bearer letmein' }), ['blue_only', 'reports', 'whoami']);
    assert.equal((await rpc(url, 'tools/list', {}, {})).status, 401);
    assert.equal((await rpc(url, 'tools/list', {}, { 'x-broken': '1' })).status, 401);
    assert.match(logs.text(), /"type":"RangeError".*authenticate threw something other than AuthError/);
    assert.ok(!logs.text().includes('hunter2'));
  });

  test("the app's own middleware sets req.auth; graph-mcp uses that caller", async () => {
    const url = await appWith(async (app) => {
      const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, config: { graphs: GRAPHS }, logger: captureLogs().logger, store: null }));
      app.use((req, res, next) => {
        const user = req.headers['x-session'] === 'sess-1' ? { id: 'carol', scopes: ['reports'], team: 'red' } : undefined;
        if (!user) {
          res.status(401).json({ error: 'log in first' });
          return;
        }
        (req as { auth?: unknown }).auth = authInfoForPrincipal(user);
        next();
      });
      app.use(createMcpRouter(graphMcp));
    });
    assert.deepEqual(await listNames(url, { 'x-session': 'sess-1' }), ['reports', 'whoami']);
    const who = await rpc(url, 'tools/call', { name: 'whoami', arguments: {} }, { 'x-session': 'sess-1' });
    assert.deepEqual(who.messages[0]?.result?.structuredContent, { user: 'carol', scopes: ['reports'] });
    assert.equal((await rpc(url, 'tools/list', {}, {})).status, 401);
  });
});
