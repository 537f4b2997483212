// graph-mcp inside an app that already exists: its own routes, its own body parser, a custom path.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import express, { type Request } from 'express';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { authInfoForPrincipal, AuthError, createMcpRouter, loadGraphMcp, type Authenticate, type AuthInfo, type GraphMcp } from '../../src/index.js';
import { captureLogs, FIXTURES, graphToolNames } from '../helpers/server.js';
import { callModern, envelope, legacyHeaders, modernHeaders, post, taskRequest } from '../helpers/raw.js';
import { until } from '../helpers/wait.js';
import { runsOf } from '../fixtures/graphs/gated.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { MAX_JSON_DEPTH } from '../../src/http/json-depth.js';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const servers: Server[] = [];
const graphMcps: GraphMcp[] = [];
const opened = (graphMcp: GraphMcp) => (graphMcps.push(graphMcp), graphMcp);
after(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(graphMcps.map((graphMcp) => graphMcp.close(0)));
});

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function existingApp(options: { bodyParser: boolean; disableMcp?: boolean }) {
  const logs = captureLogs();
  const graphMcp = opened(await loadGraphMcp({
    baseDir: FIXTURES,
    logger: logs.logger,
    store: null,
    config: {
      graphs: { echo: './graphs/basic.ts:echo' },
      http: { mcp_path: '/agents/mcp', disable_mcp: options.disableMcp ?? false },
    },
  }));
  const app = express();
  if (options.bodyParser) app.use(express.json());
  app.get('/api/health', (_req, res) => {
    res.json({ status: 'green' });
  });
  app.post('/api/echo', (req, res) => {
    res.json({ got: req.body ?? null });
  });
  app.use(createMcpRouter(graphMcp));
  app.use((_req, res) => {
    res.status(404).json({ error: 'app 404' });
  });
  return { base: await listen(app), logs };
}

for (const bodyParser of [true, false]) {
  describe(`mounted in an existing app ${bodyParser ? 'with' : 'without'} express.json()`, () => {
    test('the app\'s own routes and the MCP endpoint both work', async () => {
      const { base } = await existingApp({ bodyParser });
      assert.deepEqual(await (await fetch(`${base}/api/health`)).json(), { status: 'green' });
      if (bodyParser) {
        const echoed = await fetch(`${base}/api/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
        assert.deepEqual(await echoed.json(), { got: { a: 1 } });
      }

      const client = new Client({ name: 'mount-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/agents/mcp`)));
      const { tools } = await client.listTools();
      assert.deepEqual(graphToolNames(tools), ['echo']);
      const result = await client.callTool({ name: 'echo', arguments: { text: 'mounted', times: 2 } });
      assert.deepEqual(result.structuredContent, { echoed: 'mounted mounted' });
      await client.close();

      const modern = await callModern(`${base}/agents/mcp`, 'echo', { text: 'modern' });
      assert.deepEqual(modern.messages[0]?.result?.structuredContent, { echoed: 'modern' });
    });

    test('deeply nested JSON is refused as an invalid request, not a 500', async () => {
      const { base } = await existingApp({ bodyParser });
      const nested = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
      for (const era of ['legacy', 'modern'] as const) {
        const params = era === 'legacy' ? { name: 'echo', arguments: { text: 'x', extra: 'NESTED' } } : envelope({ name: 'echo', arguments: { text: 'x', extra: 'NESTED' } });
        const answer = await post(
          `${base}/agents/mcp`,
          JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }).replace('"NESTED"', nested),
          era === 'legacy' ? legacyHeaders() : modernHeaders('tools/call', 'echo'),
        );
        assert.ok(answer.status < 500, `${era}: ${answer.status} ${answer.text.slice(0, 200)}`);
        assert.equal(answer.messages.at(-1)?.error?.code ?? answer.messages.at(-1)?.result?._meta?.['graph-mcp/error']?.code, bodyParser ? -32600 : 'INVALID_ARGUMENTS', `${era}: ${answer.text.slice(0, 200)}`);
      }
      const still = await callModern(`${base}/agents/mcp`, 'echo', { text: 'still here' });
      assert.deepEqual(still.messages[0]?.result?.structuredContent, { echoed: 'still here' });
    });
  });
}

test("a message the app's express.json() parsed may nest exactly as deep as the limit; one level deeper is refused as an invalid request", async () => {
  const { base } = await existingApp({ bodyParser: true });
  const depth = (value: unknown): number => (value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value).map(depth)) : 0);
  const message = (levels: number) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x', extra: 'NESTED' } } }).replace('"NESTED"', `${'['.repeat(levels)}${']'.repeat(levels)}`);
  const levels = MAX_JSON_DEPTH - depth(JSON.parse(message(1))) + 1;
  assert.equal(depth(JSON.parse(message(levels))), MAX_JSON_DEPTH);
  const atLimit = await post(`${base}/agents/mcp`, message(levels), legacyHeaders());
  assert.equal(atLimit.status, 200, atLimit.text);
  assert.match(atLimit.messages[0]?.result?.content?.[0]?.text ?? '', /- extra: unknown field/, 'read, and checked against the schema');
  const deeper = await post(`${base}/agents/mcp`, message(levels + 1), legacyHeaders());
  assert.equal(deeper.status, 400, deeper.text);
  assert.equal(deeper.messages[0]?.error?.message, `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
});

test("behind the app's express.json() with a higher limit of its own, http.max_body_bytes still applies: by Content-Length, and to a body sent in chunks", async () => {
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' }, http: { max_body_bytes: 2_000 } } }));
  const app = express();
  app.use(express.json({ limit: '10mb' }));
  app.use(createMcpRouter(graphMcp));
  const base = await listen(app);
  const message = (text: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text } } });
  const small = await post(`${base}/mcp`, message('fits'), legacyHeaders());
  assert.deepEqual(small.messages[0]?.result?.structuredContent, { echoed: 'fits' }, small.text);
  const large = await post(`${base}/mcp`, message('x'.repeat(5_000)), legacyHeaders());
  assert.equal(large.status, 413, large.text);
  assert.equal(large.messages[0]?.error?.code, -32000);
  assert.match(large.messages[0]?.error?.message ?? '', /2000 bytes/);
  // No Content-Length: the parsed value is measured.
  const body = message('y'.repeat(5_000));
  const chunked = await fetch(`${base}/mcp`, {
    method: 'POST',
    headers: legacyHeaders(),
    body: new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    }),
    duplex: 'half',
  } as RequestInit);
  assert.equal(chunked.status, 413, await chunked.clone().text());
  assert.equal(((await chunked.json()) as { error?: { code?: number } }).error?.code, -32000);
});

test("a project's own interface for its users (no index signature) is what authInfoForPrincipal and an Authenticate function take and return as they are", async () => {
  // Checked by the type check: an interface is not assignable to Record<string, unknown>.
  interface AppUser {
    id: string;
    scopes: string[];
    displayName: string;
  }
  const users: Record<string, AppUser> = { 'token-ann': { id: 'ann', scopes: ['read'], displayName: 'Ann' } };
  const authenticate: Authenticate = async (request) => {
    const user = users[request.headers.get('x-token') ?? ''];
    if (user === undefined) throw new AuthError(401, 'who are you?');
    return user;
  };
  for (const appMiddleware of [false, true]) {
    const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: null, config: { graphs: { whoami: './graphs/basic.ts:whoami' } } }));
    const app = express();
    if (appMiddleware) {
      app.use((req, _res, next) => {
        const user: AppUser = users['token-ann']!;
        (req as Request & { auth?: AuthInfo }).auth = authInfoForPrincipal(user);
        next();
      });
    }
    app.use(createMcpRouter(graphMcp, appMiddleware ? {} : { authenticate }));
    const base = await listen(app);
    const answer = await post(`${base}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, { ...legacyHeaders(), 'x-token': 'token-ann' });
    assert.deepEqual(answer.messages[0]?.result?.structuredContent, { user: 'ann', scopes: ['read'] }, answer.text);
  }
});

describe('http.disable_mcp', () => {
  test('mounts nothing: the path answers the app\'s 404, other routes work, and a log line says MCP is off', async () => {
    const { base, logs } = await existingApp({ bodyParser: true, disableMcp: true });
    const answer = await post(`${base}/agents/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, legacyHeaders());
    assert.equal(answer.status, 404);
    assert.deepEqual(JSON.parse(answer.text), { error: 'app 404' });
    assert.equal((await fetch(`${base}/api/health`)).status, 200);
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.mcp === false);
    assert.match(line?.msg, /MCP is off/);
  });

  test('opens no store when it runs no background work either: no file, no pool, nothing to keep the process open', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-off-'));
    try {
      const file = path.join(dir, 'state.sqlite');
      const off = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, config: { graphs: { echo: './graphs/basic.ts:echo' }, http: { disable_mcp: true }, store: { type: 'sqlite', path: file } } }));
      assert.equal(off.store, undefined);
      assert.equal(existsSync(file), false, 'the SQLite file was not created');
      // Asked for background work, with MCP off all the same: the store is opened for it.
      const working = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, background: true, config: { graphs: { echo: './graphs/basic.ts:echo' }, http: { disable_mcp: true }, store: { type: 'sqlite', path: file } } }));
      assert.equal(working.store?.kind, 'sqlite');
      await working.close(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('runs no task of a store it shares with processes that serve, unless asked to (background: true)', { timeout: 30_000 }, async () => {
    const shared = new MemoryStore();
    const config = (disable_mcp: boolean) => ({ graphs: { gated: './graphs/gated.ts:gated' }, http: { disable_mcp }, defaults: { poll_interval_ms: 50 } });
    // Off, as a host app configures it to switch MCP off: were it claiming, it would claim within a poll.
    const off = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: shared, config: config(true) }));
    // The process that serves, and runs no task itself.
    const serving = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: shared, background: false, config: config(false) }));
    const app = express();
    app.use(createMcpRouter(serving));
    const url = `${await listen(app)}/mcp`;
    const before = runsOf.first;
    const created = await taskRequest(url, 'tools/call', { name: 'gated', arguments: { topic: 'tides' } });
    const taskId = created.result?.taskId as string;
    assert.ok(taskId, JSON.stringify(created));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(runsOf.first, before, 'no process ran the task: the one with MCP off claims none');
    assert.equal((await taskRequest(url, 'tasks/get', { taskId })).result?.status, 'working');
    await off.close(0);
    // Asked to, with MCP off all the same, a process runs it.
    opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: shared, background: true, config: config(true) }));
    const done = await until('the task completes', async () => {
      const answer = await taskRequest(url, 'tasks/get', { taskId });
      return answer.result?.status === 'completed' ? answer : undefined;
    });
    assert.equal(done.result.result.structuredContent.summary, 'tides after 1 step');
    assert.equal(runsOf.first, before + 1);
  });
});

test('under an Express path prefix: app.use("/v1", router) serves /v1/mcp, and only there; the log names that path', async () => {
  const logs = captureLogs();
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: logs.logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' } } }));
  const app = express();
  app.use('/v1', createMcpRouter(graphMcp));
  app.use((_req, res) => {
    res.status(404).json({ error: 'app 404' });
  });
  const base = await listen(app);
  const answer = await callModern(`${base}/v1/mcp`, 'echo', { text: 'prefixed' });
  assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'prefixed' });
  const logged = logs.lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'mcp request');
  assert.equal(logged?.http?.path, '/v1/mcp');
  const client = new Client({ name: 'prefix-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/v1/mcp`)));
  assert.deepEqual(graphToolNames((await client.listTools()).tools), ['echo']);
  await client.close();
  assert.equal((await post(`${base}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, legacyHeaders())).status, 404);
});

test('a mounted router without auth of its own says at its first request who authenticates, naming the path it is served at', async () => {
  for (const appAuthenticates of [false, true]) {
    const logs = captureLogs();
    const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: logs.logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' } } }));
    const app = express();
    if (appAuthenticates) {
      app.use((req, _res, next) => {
        // As the README writes it, for Express's Request type.
        (req as Request & { auth?: AuthInfo }).auth = authInfoForPrincipal({ id: 'app-user', scopes: [] });
        next();
      });
    }
    app.use('/agents', createMcpRouter(graphMcp));
    const base = await listen(app);
    const about = () => logs.lines.map((line) => JSON.parse(line)).filter((line) => line.auth !== undefined);
    assert.deepEqual(about(), [], 'nothing is said before a request shows where the router is served');
    for (let i = 0; i < 2; i += 1) {
      const answer = await callModern(`${base}/agents/mcp`, 'echo', { text: 'hi' });
      assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'hi' });
    }
    const said = about();
    assert.equal(said.length, 1, 'said once');
    assert.equal(said[0].path, '/agents/mcp');
    if (appAuthenticates) {
      assert.equal(said[0].level, 30);
      assert.equal(said[0].auth, 'app');
      assert.match(said[0].msg, /authenticated by the app's own middleware/);
    } else {
      assert.equal(said[0].level, 40);
      assert.equal(said[0].msg, 'MCP endpoint at /agents/mcp has no authentication: anyone who can reach it can call every graph');
    }
  }
});

test('a Host header no URL can be made of, with authentication on and no Host check: 400 in JSON, not a 500 page', async () => {
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' } } }));
  const app = express();
  app.use(createMcpRouter(graphMcp, { authenticate: () => ({ id: 'someone', scopes: [] }) }));
  const base = new URL(await listen(app));
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(base.port), base.hostname, () => {
      socket.end(
        `POST /mcp HTTP/1.1\r\nHost: a b\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Protocol-Version: 2025-11-25\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 400 /);
  const json = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error?: { code?: number; message?: string } };
  assert.equal(json.error?.code, -32600);
  assert.match(json.error?.message ?? '', /no URL can be made of the Host header/);
  assert.doesNotMatch(raw, /TypeError|at /);
});

test('createMcpRouter refuses allow-list entries that could never match (a full origin, a port), naming them', async () => {
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' } } }));
  assert.throws(() => createMcpRouter(graphMcp, { allowedOrigins: ['https://app.example.com'] }), /"allowedOrigins": "https:\/\/app\.example\.com" is not a hostname/);
  assert.throws(() => createMcpRouter(graphMcp, { allowedHosts: ['api.example.com:443'] }), /"allowedHosts": "api\.example\.com:443" is not a hostname/);
  createMcpRouter(graphMcp, { allowedHosts: ['api.example.com'], allowedOrigins: ['app.example.com'] });
});

test("req.auth set by the app's middleware but naming no caller (a token's claims, as express-jwt stores them) is refused, not served as anonymous", async () => {
  const logs = captureLogs();
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: logs.logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' } } }));
  const app = express();
  app.use((req, _res, next) => {
    (req as { auth?: unknown }).auth = { sub: 'alice', scope: 'admin', iat: 1 };
    next();
  });
  app.use('/agents', createMcpRouter(graphMcp));
  const base = await listen(app);
  for (let i = 0; i < 2; i += 1) {
    const answer = await callModern(`${base}/agents/mcp`, 'echo', { text: 'hi' });
    assert.equal(answer.status, 500, answer.text);
    assert.equal(answer.messages[0]?.error?.code, -32603);
    assert.equal(answer.messages[0]?.result, undefined, 'the graph did not run');
  }
  const told = logs.lines.map((line) => JSON.parse(line)).filter((line) => line.level === 50 && /req\.auth is set but names no caller/.test(line.msg));
  assert.equal(told.length, 1, 'said once');
  assert.match(told[0].msg, /authInfoForPrincipal\(\{ id, scopes \}\)/);
});

test("a caller the app's middleware names without a string id is refused, never the anonymous caller every such user would share; LangGraph's { identity } is read as authenticate's result is", async () => {
  const logs = captureLogs();
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: logs.logger, store: null, config: { graphs: { whoami: './graphs/basic.ts:whoami' } } }));
  const app = express();
  // The caller's shape comes in a header, so one app serves every case.
  const shapes: Record<string, unknown> = {
    identity: { identity: 'alice', permissions: 'read write' },
    bare: 'bob',
    'no-id': { name: 'carol', scopes: [] },
    'empty-id': { id: '', scopes: [] },
    'number-id': { id: 7, scopes: [] },
    'no-scopes': { id: 'dave' },
  };
  app.use((req, _res, next) => {
    (req as { auth?: unknown }).auth = { token: '', scopes: [], extra: { principal: shapes[String(req.headers['x-shape'])] } };
    next();
  });
  app.use(createMcpRouter(graphMcp));
  const base = await listen(app);
  const as = async (shape: string) =>
    post(`${base}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'whoami', arguments: {} }) }, { ...modernHeaders('tools/call', 'whoami'), 'x-shape': shape });
  const served = async (shape: string) => {
    const answer = await as(shape);
    assert.equal(answer.status, 200, `${shape}: ${answer.text}`);
    return answer.messages[0]?.result?.structuredContent;
  };
  assert.deepEqual(await served('identity'), { user: 'alice', scopes: ['read', 'write'] });
  assert.deepEqual(await served('bare'), { user: 'bob', scopes: [] });
  assert.deepEqual(await served('no-scopes'), { user: 'dave', scopes: [] });
  for (const shape of ['no-id', 'empty-id', 'number-id']) {
    const answer = await as(shape);
    assert.equal(answer.status, 500, `${shape}: ${answer.text}`);
    assert.equal(answer.messages[0]?.error?.code, -32603, shape);
    assert.equal(answer.messages[0]?.result, undefined, `${shape}: the graph did not run`);
  }
  assert.equal(logs.lines.filter((line) => /req\.auth is set but names no caller/.test(line)).length, 1, 'said once');
  // authInfoForPrincipal, called from JavaScript with no id, throws in the middleware rather than name no one.
  assert.throws(() => authInfoForPrincipal({ name: 'carol', scopes: [] } as never), /no non-empty string "id"/);
  assert.equal(authInfoForPrincipal({ identity: 'erin', scopes: ['x'] } as never).clientId, 'erin');
});

test("a parser ahead of the router that left the body unread but set req.body = {} (Express 4's parsers, for another content type) does not hide the body", async () => {
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' } } }));
  const app = express();
  // What body-parser 1.x's urlencoded() does with a JSON request: nothing read, an empty body set.
  app.use((req, _res, next) => {
    req.body = req.body ?? {};
    next();
  });
  app.use(createMcpRouter(graphMcp));
  const base = await listen(app);
  const answer = await callModern(`${base}/mcp`, 'echo', { text: 'hi' });
  assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'hi' }, answer.text);
});

test("a parser of bytes or text ahead of the router (express.raw(), express.text(), as apps checking webhook signatures have) leaves a body graph-mcp reads as its own: served, a bad one refused in JSON-RPC's form", async () => {
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' }, http: { max_body_bytes: 4096 } } }));
  const raw = express.raw({ type: 'application/json', limit: '1mb' });
  for (const parser of [raw, express.text({ type: '*/*', limit: '1mb' })]) {
    const app = express();
    app.use(parser);
    app.use(createMcpRouter(graphMcp));
    const base = await listen(app);
    const modern = await callModern(`${base}/mcp`, 'echo', { text: 'raw' });
    assert.deepEqual(modern.messages[0]?.result?.structuredContent, { echoed: 'raw' }, modern.text);
    const client = new Client({ name: 'mount-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
    assert.deepEqual((await client.callTool({ name: 'echo', arguments: { text: 'legacy' } })).structuredContent, { echoed: 'legacy' });
    await client.close();
    // With a byte-order mark, as a TextDecoder reads it.
    const marked = await post(`${base}/mcp`, `\ufeff${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: envelope({ name: 'echo', arguments: { text: 'bom' } }) })}`, modernHeaders('tools/call', 'echo'));
    assert.deepEqual(marked.messages[0]?.result?.structuredContent, { echoed: 'bom' }, marked.text);
    const broken = await post(`${base}/mcp`, '{"jsonrpc":"2.0",', modernHeaders('tools/call', 'echo'));
    assert.equal(broken.status, 400, broken.text);
    assert.equal(broken.messages[0]?.error?.code, -32700, broken.text);
    if (parser === raw) {
      // Bytes that are not UTF-8 are refused as graph-mcp refuses them read from the socket.
      const latin1 = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: envelope({ name: 'echo', arguments: { text: 'café' } }) }), 'latin1');
      const refused = await fetch(`${base}/mcp`, { method: 'POST', headers: modernHeaders('tools/call', 'echo'), body: latin1 });
      assert.equal(refused.status, 400);
      assert.equal(((await refused.json()) as { error: { code: number } }).error.code, -32700);
    }
    // The app's parser took more than graph-mcp would: its own limit still holds.
    const large = await post(`${base}/mcp`, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: envelope({ name: 'echo', arguments: { text: 'x'.repeat(10_000) } }) }), modernHeaders('tools/call', 'echo'));
    assert.equal(large.status, 413, large.text);
    assert.equal(large.messages[0]?.error?.code, -32000, large.text);
  }
});

test('middleware that reads the body into req.rawBody and leaves req.body unset: a 500 in JSON-RPC form and one log line saying how to mount, not a parse error blamed on the client', async () => {
  const logs = captureLogs();
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: logs.logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' } } }));
  const app = express();
  app.use(async (req, _res, next) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    (req as Request & { rawBody?: Buffer }).rawBody = Buffer.concat(chunks);
    next();
  });
  app.use(createMcpRouter(graphMcp));
  const base = await listen(app);
  for (let i = 0; i < 2; i += 1) {
    const answer = await callModern(`${base}/mcp`, 'echo', { text: 'raw' });
    assert.equal(answer.status, 500, answer.text);
    assert.equal(answer.messages[0]?.error?.code, -32603, answer.text);
  }
  const told = logs.lines.filter((line) => line.includes('read before the MCP router'));
  assert.equal(told.length, 1, logs.lines.join('\n'));
  assert.match(told[0]!, /mount the router before that middleware/);
});

test("a text body the app's express.text() parsed is measured in UTF-8 bytes against max_body_bytes, not in characters", async () => {
  const graphMcp = opened(await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' }, http: { max_body_bytes: 4096 } } }));
  const app = express();
  app.use(express.text({ type: '*/*', limit: '1mb' }));
  app.use(createMcpRouter(graphMcp));
  const base = await listen(app);
  // 1,300 euro signs: some 1,500 characters, but over 4,000 bytes.
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'echo', arguments: { text: '€'.repeat(1300) } }) });
  assert.ok(body.length < 4096 && Buffer.byteLength(body) > 4096);
  const answer = await post(`${base}/mcp`, body, modernHeaders('tools/call', 'echo'));
  assert.equal(answer.status, 413, answer.text);
  assert.equal(answer.messages[0]?.error?.code, -32000, answer.text);
});

test('after close(), a router the app still mounts turns requests away with 503 and Retry-After, as serve does while it drains, logging no error', async () => {
  const logs = captureLogs();
  const graphMcp = await loadGraphMcp({ baseDir: FIXTURES, logger: logs.logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' } } });
  const app = express();
  app.use(createMcpRouter(graphMcp));
  app.get('/api/health', (_req, res) => {
    res.json({ status: 'green' });
  });
  const base = await listen(app);
  assert.deepEqual((await callModern(`${base}/mcp`, 'echo', { text: 'open' })).messages[0]?.result?.structuredContent, { echoed: 'open' });
  await graphMcp.close(0);
  for (const answer of [await callModern(`${base}/mcp`, 'echo', { text: 'closed' }), await post(`${base}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }, legacyHeaders())]) {
    assert.equal(answer.status, 503, answer.text);
    assert.equal(answer.headers.get('retry-after'), '1');
    assert.equal(answer.messages[0]?.error?.code, -32000, answer.text);
  }
  assert.deepEqual(await (await fetch(`${base}/api/health`)).json(), { status: 'green' }, "the app's own routes go on");
  assert.equal(logs.lines.filter((line) => JSON.parse(line).level >= 50).length, 0, logs.text());
});

test('after close(), a router with authentication turns a request without credentials away with 503 and Retry-After, not a 401 challenge', async () => {
  const graphMcp = await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: null, config: { graphs: { echo: './graphs/basic.ts:echo' } } });
  const app = express();
  app.use(createMcpRouter(graphMcp, { authenticate: () => { throw new AuthError(401, 'no entry'); } }));
  const base = await listen(app);
  assert.equal((await callModern(`${base}/mcp`, 'echo', { text: 'open' })).status, 401, 'open: the credentials are checked');
  await graphMcp.close(0);
  const answer = await callModern(`${base}/mcp`, 'echo', { text: 'closed' });
  assert.equal(answer.status, 503, answer.text);
  assert.equal(answer.headers.get('retry-after'), '1');
  assert.equal(answer.headers.get('www-authenticate'), null);
});

test('close() and stopRuns() refuse a grace period no timer takes (NaN, negative), still serving; Infinity waits for the run in flight', async () => {
  const graphMcp = await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: null, config: { graphs: { slow: './graphs/basic.ts:slow' } } });
  const app = express();
  app.use(createMcpRouter(graphMcp));
  const base = await listen(app);
  for (const grace of [Number.NaN, -1]) {
    await assert.rejects(graphMcp.close(grace), (error: unknown) => (error as { code?: string }).code === 'OPTIONS_INVALID' && /grace period/.test((error as Error).message));
    await assert.rejects(graphMcp.stopRuns(grace), (error: unknown) => (error as { code?: string }).code === 'OPTIONS_INVALID');
  }
  assert.equal(graphMcp.closed, false);
  // Infinity (and anything past a timer's longest delay) had fired at once: the run was stopped as the server shut down.
  const call = callModern(`${base}/mcp`, 'slow', { label: 'grace', ms: 100 });
  await new Promise((resolve) => setTimeout(resolve, 150));
  await graphMcp.close(Infinity);
  const answer = await call;
  assert.deepEqual(answer.messages[0]?.result?.structuredContent?.steps, ['one', 'two', 'three', 'four'], answer.text);
});

test("through close()'s grace period the router still serves: a 2025-era client's answer to a question a run in flight asked reaches it, and close() ends with the run", async () => {
  const graphMcp = await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, config: { graphs: { ask_name: './graphs/hitl.ts:askName' }, store: { type: 'memory' } } });
  const app = express();
  app.use(createMcpRouter(graphMcp));
  const base = await listen(app);
  const client = new Client({ name: 'mount-close', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  let closed: Promise<void> | undefined;
  const started = Date.now();
  client.setRequestHandler(ElicitRequestSchema, async () => {
    // The app shuts down while its caller is asked; the answer comes a moment later.
    closed = graphMcp.close(10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { action: 'accept', content: { answer: 'Grace' } };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
  const result = await client.callTool({ name: 'ask_name', arguments: {} });
  await client.close().catch(() => undefined);
  assert.deepEqual(result.structuredContent, { answer: 'Hello, Grace!' }, JSON.stringify(result));
  await closed;
  assert.ok(Date.now() - started < 8_000, 'close() ended with the run, not at the end of its grace period');
  assert.equal(graphMcp.closed, true);
});

test("through close()'s grace period a new call is turned away (503, Retry-After) while the run in flight finishes: only runs in flight use the grace", async () => {
  const graphMcp = await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, store: null, config: { graphs: { slow: './graphs/basic.ts:slow' } } });
  const app = express();
  app.use(createMcpRouter(graphMcp));
  const base = await listen(app);
  const inFlight = callModern(`${base}/mcp`, 'slow', { label: 'first', ms: 150 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closed = graphMcp.close(10_000);
  for (const answer of [await callModern(`${base}/mcp`, 'slow', { label: 'late', ms: 150 }), await post(`${base}/mcp`, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'slow', arguments: { label: 'late', ms: 150 } } }, legacyHeaders())]) {
    assert.equal(answer.status, 503, answer.text);
    assert.equal(answer.headers.get('retry-after'), '1');
    assert.equal(answer.messages[0]?.error?.code, -32000, answer.text);
  }
  const first = await inFlight;
  assert.deepEqual(first.messages[0]?.result?.structuredContent?.steps, ['one', 'two', 'three', 'four'], first.text);
  await closed;
});

test("an instance's close() leaves the stores it shares with another (store: other.store) to the last one using them, whichever closes first", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-shared-'));
  try {
    process.env.MOUNT_TEST_SECRETS_KEY = randomBytes(32).toString('base64');
    const config = {
      graphs: { echo: './graphs/basic.ts:echo' },
      store: { type: 'sqlite' as const, path: path.join(dir, 'state.sqlite') },
      secrets: { sqlite: { path: path.join(dir, 'secrets.sqlite'), key_env: 'MOUNT_TEST_SECRETS_KEY' } },
    };
    const first = await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, config });
    const second = await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, config, store: first.store, secretStore: first.secretStore! });
    await first.close(0);
    // Still open for the second instance.
    await second.store!.check();
    assert.equal(await second.secretStore!.get('ann', 'notes'), undefined);
    await second.close(0);
    await assert.rejects(second.store!.check(), 'closed with the last instance');
    await assert.rejects(second.secretStore!.get('ann', 'notes'));

    // The other order: the instance that opened them closes last.
    const third = await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, config });
    const fourth = await loadGraphMcp({ baseDir: FIXTURES, logger: captureLogs().logger, config, store: third.store });
    await fourth.close(0);
    await third.store!.check();
    await third.close(0);
    await assert.rejects(third.store!.check());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
