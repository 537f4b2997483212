import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadGraphMcp, serve, VERSION } from '../../src/index.js';
import { captureLogs, EXAMPLES_CONFIG, FIXTURES, startServer, type TestServer } from '../helpers/server.js';
import { callModern, envelope, legacyHeaders, modernHeaders, post } from '../helpers/raw.js';

let server: TestServer;
before(async () => {
  server = await startServer(EXAMPLES_CONFIG);
});
after(() => server.close(0));

const origin = () => new URL(server.url).origin;

test('GET /ok is the health check', async () => {
  const response = await fetch(`${origin()}/ok`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { ok: true });
});

test('GET /ok?check_db=1 also checks the store (LangGraph\'s readiness form): 500 while it is not usable', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-ok-'));
  const file = path.join(dir, 'state.sqlite');
  const sqlite = await startServer({ name: 'ready', graphs: { echo: './graphs/basic.ts:echo' }, store: { type: 'sqlite', path: file } }, { configStore: true });
  const db = new Database(file);
  try {
    const health = (query: string) => fetch(`${new URL(sqlite.url).origin}/ok${query}`);
    const ready = await health('?check_db=1');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ok: true });
    db.exec('ALTER TABLE graph_mcp_runs RENAME TO graph_mcp_runs_away');
    const probe = await health('?check_db=1');
    assert.equal(probe.status, 500);
    assert.deepEqual(await probe.json(), { ok: false, error: 'store_unavailable' });
    assert.equal((await health('')).status, 200, 'liveness does not depend on the store');
    db.exec('ALTER TABLE graph_mcp_runs_away RENAME TO graph_mcp_runs');
    assert.equal((await health('?check_db=1')).status, 200);
  } finally {
    db.close();
    await sqlite.close(0);
    await rm(dir, { recursive: true, force: true });
  }
});

test('GET /info names the version and the graphs', async () => {
  const response = await fetch(`${origin()}/info`);
  assert.deepEqual(await response.json(), {
    name: 'graph-mcp-examples',
    version: VERSION,
    mcp: '/mcp',
    graphs: ['triage', 'calculator_agent', 'research', 'refund_approval', 'chart'],
    pid: process.pid,
  });
});

/** The status of `GET /info` from the server at `url`, sent with this `Host` header (fetch may not set one). */
function infoStatus(url: string, host: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise<number>((resolve, reject) => {
    http.get({ hostname, port, path: '/info', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    }).on('error', reject);
  });
}

test('GET /info is refused to a Host the endpoint refuses (DNS rebinding), as /mcp is', async () => {
  assert.equal(await infoStatus(origin(), 'evil.example'), 403);
  assert.equal(await infoStatus(origin(), `localhost:${new URL(origin()).port}`), 200);
});

test('GET /info on an open endpoint names only the graphs a caller without credentials may call', async () => {
  const open = await startServer({
    graphs: {
      echo: './graphs/basic.ts:echo',
      admin_echo: { path: './graphs/basic.ts:echo', access: { scopes: ['admin'] } },
    },
  });
  try {
    const info = (await (await fetch(`${new URL(open.url).origin}/info`)).json()) as { graphs?: string[] };
    assert.deepEqual(info.graphs, ['echo']);
    // The start-up warning does not say every graph is open.
    assert.match(open.logs.text(), /can call every graph but admin_echo, which need scopes no caller has without it/);
  } finally {
    await open.close(0);
  }
});

test("the input schema's defaults reach the graph: a caller that leaves out a field gets the default the schema shows", async () => {
  const served = await startServer({
    graphs: {
      given: {
        path: './graphs/basic.ts:givenN',
        input_schema: { type: 'object', properties: { n: { type: 'integer', default: 3 } }, additionalProperties: false },
        output_schema: { type: 'object', properties: { got: { type: ['integer', 'null'] } }, required: ['got'] },
      },
    },
  });
  try {
    const listed = await post(served.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: envelope() }, modernHeaders('tools/list'));
    assert.equal(listed.messages[0]?.result?.tools?.[0]?.inputSchema?.properties?.n?.default, 3, 'the default is shown');
    assert.deepEqual((await callModern(served.url, 'given', {})).messages[0]?.result?.structuredContent, { got: 3 });
    assert.deepEqual((await callModern(served.url, 'given', { n: 5 })).messages[0]?.result?.structuredContent, { got: 5 });
  } finally {
    await served.close(0);
  }
});

test('other paths are a JSON 404', async () => {
  const response = await fetch(`${origin()}/nothing-here`);
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { error: 'not_found' });
});

test('start-up and request log lines are structured JSON with the fields operators need', async () => {
  await callModern(server.url, 'triage', { title: 'x', body: 'y' });
  await callModern(server.url, 'triage', { title: 42 });
  const lines = server.logs.lines.map((line) => JSON.parse(line));
  const startup = lines.find((l) => Array.isArray(l.tools));
  assert.deepEqual(startup?.tools, ['triage', 'calculator_agent', 'research', 'refund_approval', 'chart']);
  assert.equal(startup?.mcp, true);
  assert.ok(lines.some((l) => l.auth === false && /no authentication/.test(l.msg)), 'says auth is off');
  const requests = lines.filter((l) => l.msg === 'mcp request' && l.tool === 'triage');
  assert.deepEqual(requests.map((l) => l.outcome), ['ok', 'INVALID_ARGUMENTS']);
  for (const line of requests) {
    assert.equal(line.method, 'tools/call');
    assert.equal(line.http.status, 200);
    assert.equal(typeof line.duration_ms, 'number');
    assert.equal(typeof line.time, 'number');
  }
});

test('a JSON-RPC error answer logs `error` with its method, also when the SDK answers before any handler; an error result logs its code', async () => {
  const id = (n: number) => ({ jsonrpc: '2.0', id: n });
  const before = server.logs.lines.length;
  const answers = [
    await post(server.url, { ...id(31), method: 'tools/list', params: envelope({ cursor: 'not-a-cursor' }) }, modernHeaders('tools/list')),
    await post(server.url, { ...id(32), method: 'tools/call', params: envelope({ name: 'refund_approval', arguments: {}, requestState: 'tampered' }) }, modernHeaders('tools/call', 'refund_approval')),
    await post(server.url, { ...id(33), method: 'prompts/list', params: {} }, legacyHeaders()),
    await post(server.url, { ...id(34), method: 'tools/call', params: { name: 'resume_run', arguments: { run_id: 'no-such-run', answer: {} } } }, legacyHeaders()),
  ];
  assert.deepEqual(
    answers.map((answer) => answer.messages[0]?.error?.code ?? answer.messages[0]?.result?._meta?.['graph-mcp/error']?.code),
    [-32602, -32602, -32601, 'RUN_NOT_FOUND'],
  );
  const logged = server.logs.lines.slice(before).map((line) => JSON.parse(line)).filter((l) => l.msg === 'mcp request');
  assert.deepEqual(
    logged.map((l) => [l.method, l.outcome]),
    [
      ['tools/list', 'error'],
      ['tools/call', 'error'],
      ['prompts/list', 'error'],
      ['tools/call', 'RUN_NOT_FOUND'],
    ],
  );
});

test('a 2025-era batch logs one line that says it was a batch of n, not the tool and outcome of whichever message ended last', async () => {
  const before = server.logs.lines.length;
  const answer = await post(
    server.url,
    [
      { jsonrpc: '2.0', id: 41, method: 'tools/call', params: { name: 'triage', arguments: { title: 42 } } },
      { jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'triage', arguments: { title: 'x', body: 'y' } } },
      { jsonrpc: '2.0', id: 43, method: 'tools/list' },
    ],
    legacyHeaders(),
  );
  assert.equal(answer.status, 200);
  const logged = server.logs.lines.slice(before).map((line) => JSON.parse(line)).filter((l) => l.msg === 'mcp request');
  assert.equal(logged.length, 1);
  assert.equal(logged[0].method, 'batch');
  assert.equal(logged[0].batch, 3);
  assert.equal(logged[0].tool, undefined);
  assert.equal(logged[0].outcome, 'ok');
  assert.match(logged[0].detail, /title/, 'the first problem among its messages');
});

test('a 2025-era batch with an element that is no JSON-RPC message names that problem in its log line, the rest served', async () => {
  const before = server.logs.lines.length;
  const answer = await post(server.url, [{ jsonrpc: '2.0', id: 44, method: 'tools/list' }, 5], legacyHeaders());
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.messages.map((message) => message.error?.code ?? (message.result?.tools ? 'tools' : undefined)), [-32600, 'tools']);
  const logged = server.logs.lines.slice(before).map((line) => JSON.parse(line)).filter((l) => l.msg === 'mcp request');
  assert.equal(logged.length, 1);
  assert.equal(logged[0].batch, 2);
  assert.equal(logged[0].detail, '-32600: Invalid Request: not a JSON-RPC 2.0 message');
});

test("idle keep-alive connections outlast a load balancer's idle timeout (72 s by default), as http.keep_alive_timeout_ms sets", async () => {
  assert.equal(server.server.keepAliveTimeout, 72_000);
  const short = await startServer({ name: 'keep-alive', graphs: { echo: './graphs/basic.ts:echo' }, http: { keep_alive_timeout_ms: 200 } });
  const long = await startServer({ name: 'keep-alive-long', graphs: { echo: './graphs/basic.ts:echo' }, http: { keep_alive_timeout_ms: 600_000 } });
  const idle = async (url: string) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET /ok HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
    socket.resume();
    return socket;
  };
  try {
    assert.equal(short.server.keepAliveTimeout, 200);
    // Real idle connections, the long setting's first: if both servers kept Node's 5 s
    // instead of their settings, the first opened would be the first closed.
    const kept = await idle(long.url);
    const dropped = await idle(short.url);
    await once(dropped, 'end');
    assert.equal(kept.readableEnded, false, 'the connection to the server with the long setting is still open');
    assert.equal(kept.destroyed, false);
    kept.destroy();
    dropped.destroy();
  } finally {
    await Promise.all([short.close(0), long.close(0)]);
  }
});

test('the standalone server says at start-up, before any request, that its endpoint has no authentication', () => {
  const said = server.logs.lines.map((line) => JSON.parse(line)).filter((line) => line.auth !== undefined);
  assert.equal(said[0]?.level, 40);
  assert.equal(said[0]?.path, '/mcp');
  assert.match(said[0]?.msg, /^MCP endpoint at \/mcp has no authentication/);
  assert.equal(said.length, 1);
});

test('bound to another loopback address, the URL start-up names passes the Host check', async () => {
  const graphMcp = await loadGraphMcp({ config: { graphs: { echo: './graphs/basic.ts:echo' }, store: { type: 'none' } }, baseDir: FIXTURES, logger: captureLogs().logger });
  const running = await serve(graphMcp, { port: 0, host: '127.0.0.2' });
  try {
    assert.match(running.url, /^http:\/\/127\.0\.0\.2:\d+\/mcp$/);
    const answer = await callModern(running.url, 'echo', { text: 'alias' });
    assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'alias' });
    assert.equal(await infoStatus(running.url, 'evil.example'), 403, 'other names are still refused');
  } finally {
    await running.close(0);
  }
});

test('allowed_hosts entries match whatever their case', async () => {
  const listed = await startServer({ graphs: { echo: './graphs/basic.ts:echo' }, http: { allowed_hosts: ['LocalHost'] } });
  try {
    const port = new URL(listed.url).port;
    assert.equal(await infoStatus(listed.url, `localhost:${port}`), 200);
    assert.equal(await infoStatus(listed.url, `LOCALHOST:${port}`), 200);
    assert.equal(await infoStatus(listed.url, `127.0.0.1:${port}`), 403, 'only the names listed');
  } finally {
    await listed.close(0);
  }
});

test('the start-up line names the store: the config\'s, or the one the app handed in', () => {
  const line = server.logs.lines.map((text) => JSON.parse(text)).find((entry) => entry.url !== undefined);
  assert.equal(line?.store, 'memory', 'startServer hands in a MemoryStore');
});
