// Bad input of every kind over raw HTTP: each gets the protocol's own answer, and the server keeps serving.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ran } from '../fixtures/graphs/basic.js';
import { FIXTURES, startServer, type TestServer } from '../helpers/server.js';
import { startServeProcess } from '../helpers/cli.js';
import { graphFailureMessage, readableFailure } from '../../src/run/graph-errors.js';
import { until } from '../helpers/wait.js';
import { callLegacy, callModern, envelope, legacyHeaders, modernHeaders, post, rawConnection } from '../helpers/raw.js';

const MAX_BODY = 64 * 1024;
let server: TestServer;

before(async () => {
  server = await startServer({
    name: 'errors-test',
    http: { max_body_bytes: MAX_BODY },
    graphs: {
      echo: './graphs/basic.ts:echo',
      throws: './graphs/basic.ts:throws',
      throws_object: './graphs/basic.ts:throwsObject',
      throws_string: './graphs/basic.ts:throwsString',
      throws_nothing: './graphs/basic.ts:throwsNothing',
      throws_carelessly: './graphs/basic.ts:throwsCarelessly',
      throws_unreadable: './graphs/basic.ts:throwsUnreadable',
      slow: './graphs/basic.ts:slow',
      asks_human: './graphs/basic.ts:asksHuman',
      bad_output: {
        path: './graphs/basic.ts:badOutput',
        output_schema: { type: 'object', properties: { value: { type: 'number' } }, required: ['value'] },
      },
    },
  });
});
after(() => server.close(0));

/** After each bad request, a good one still works. */
async function assertStillServing() {
  const answer = await callModern(server.url, 'echo', { text: 'still here' });
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'still here' });
}

describe('transport-level errors', () => {
  test('a body that is not UTF-8 (Latin-1, whatever its charset says) is a -32700 parse error, not text with U+FFFD where the client sent a letter', async () => {
    const json = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'echo', arguments: { text: 'café' } }) });
    for (const contentType of ['application/json', 'application/json; charset=iso-8859-1']) {
      const response = await fetch(server.url, { method: 'POST', headers: { ...modernHeaders('tools/call', 'echo'), 'content-type': contentType }, body: Buffer.from(json, 'latin1') });
      const text = await response.text();
      assert.equal(response.status, 400, text);
      assert.deepEqual(JSON.parse(text), { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the request body is not valid UTF-8; JSON is sent as UTF-8' }, id: null });
    }
    const utf8 = await post(server.url, json, modernHeaders('tools/call', 'echo'));
    assert.deepEqual(utf8.messages[0]?.result?.structuredContent, { echoed: 'café' });
  });

  test('malformed JSON is a -32700 parse error', async () => {
    const answer = await post(server.url, '{"jsonrpc": "2.0", "id": 1,', legacyHeaders());
    assert.equal(answer.status, 400);
    assert.equal(answer.messages[0]?.error?.code, -32700);
    await assertStillServing();
  });

  test('a body that is not JSON is refused with 415', async () => {
    const answer = await post(server.url, 'tools/list please', { ...legacyHeaders(), 'content-type': 'text/plain' });
    assert.equal(answer.status, 415);
    assert.match(answer.messages[0]?.error?.message, /Content-Type must be application\/json/);
    await assertStillServing();
  });

  test('a compressed body (Content-Encoding) is refused with 415 saying so, over HTTP and through the web handler; identity passes', async () => {
    const { gzipSync } = await import('node:zlib');
    const message = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    for (const [encoding, body] of [['gzip', gzipSync(message)], ['br', message]] as const) {
      const response = await fetch(server.url, { method: 'POST', headers: { ...legacyHeaders(), 'content-encoding': encoding }, body });
      assert.equal(response.status, 415, encoding);
      const answer = (await response.json()) as { error: { code: number; message: string } };
      assert.equal(answer.error.code, -32000);
      assert.match(answer.error.message, new RegExp(`Content-Encoding "${encoding}" is not supported`));
    }
    const plain = await post(server.url, message, { ...legacyHeaders(), 'content-encoding': 'identity' });
    assert.ok(plain.messages[0]?.result?.tools, plain.text);
    const web = await server.graphMcp.handler.fetch(
      new Request('http://localhost/mcp', { method: 'POST', headers: { ...legacyHeaders(), 'content-encoding': 'gzip' }, body: gzipSync(message) }),
    );
    assert.equal(web.status, 415);
    assert.match(((await web.json()) as { error: { message: string } }).error.message, /Content-Encoding "gzip"/);
    await assertStillServing();
  });

  test('a body with a transfer coding besides chunked (gzip, chunked) is refused with 415 saying so; the connection serves on', async () => {
    // Node hands such a body on still coded: it was read as JSON (a -32700), or as it came when it happened to be plain.
    const { gzipSync } = await import('node:zlib');
    const message = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    for (const body of [gzipSync(message), Buffer.from(message)]) {
      const connection = await rawConnection(server.url);
      const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${connection.port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n`;
      connection.socket.write(`${head}Transfer-Encoding: gzip, chunked\r\n\r\n${body.length.toString(16)}\r\n`);
      connection.socket.write(body);
      connection.socket.write('\r\n0\r\n\r\n');
      // The same connection, a plain request after it.
      connection.socket.write(`${head}Content-Length: ${message.length}\r\n\r\n${message}`);
      for (let i = 0; i < 200 && !/"tools":/.test(connection.received()); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      connection.socket.destroy();
      assert.match(connection.received(), /^HTTP\/1\.1 415 /);
      assert.match(connection.received(), /Transfer-Encoding \\"gzip\\" is not supported; send the body uncompressed/);
      assert.match(connection.received(), /"tools":/, 'the next request on the connection is served');
    }
    await assertStillServing();
  });

  test('HTTP/1.0 with keep-alive: each JSON answer says its length, so the connection stays open for the next', async () => {
    const connection = await rawConnection(server.url);
    const message = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    const request = `POST /mcp HTTP/1.0\r\nHost: 127.0.0.1:${connection.port}\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\nContent-Length: ${message.length}\r\n\r\n${message}`;
    connection.socket.write(request);
    connection.socket.write(request);
    for (let i = 0; i < 200 && (connection.received().match(/"tools":/g) ?? []).length < 2; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    connection.socket.destroy();
    const answers = connection.received().split(/(?=HTTP\/1\.1 )/);
    assert.equal(answers.length, 2, connection.received().slice(0, 500));
    // A 202 (a notification) too, then a request on the same connection.
    const notify = await rawConnection(server.url);
    const note = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const head = `POST /mcp HTTP/1.0\r\nHost: 127.0.0.1:${notify.port}\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n`;
    notify.socket.write(`${head}Content-Length: ${note.length}\r\n\r\n${note}`);
    notify.socket.write(`${head}Content-Length: ${message.length}\r\n\r\n${message}`);
    for (let i = 0; i < 200 && !/"tools":/.test(notify.received()); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    notify.socket.destroy();
    assert.match(notify.received(), /^HTTP\/1\.1 202 [^]*\r\ncontent-length: 0\r\n/i);
    assert.match(notify.received(), /"tools":/, 'the request after the 202 is answered on the same connection');
    for (const answer of answers) {
      assert.match(answer, /^HTTP\/1\.1 200 /);
      assert.match(answer, /\r\ncontent-length: \d+\r\n/i);
      assert.doesNotMatch(answer, /\r\nconnection: close\r\n/i);
    }
  });

  test('a body over http.max_body_bytes is refused with 413', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(MAX_BODY) } });
    const answer = await post(server.url, body, legacyHeaders());
    assert.equal(answer.status, 413);
    assert.match(answer.messages[0]?.error?.message, new RegExp(`${MAX_BODY} bytes`));
    await assertStillServing();
  });

  test('a client still sending a body over the limit reads its 413 (fetch failed with EPIPE when the connection closed under it)', async () => {
    // A server in a process of its own: in this one, the client's writes and the server's close take turns on one loop.
    const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-413-'));
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ http: { max_body_bytes: MAX_BODY }, graphs: { echo: `${path.join(FIXTURES, 'graphs/basic.ts')}:echo` }, store: { type: 'memory' } }));
    const serving = await startServeProcess(['--config', config, '--port', '0']);
    try {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(48 * 1024 * 1024) } });
      for (const headers of [legacyHeaders(), { ...legacyHeaders(), 'content-encoding': 'gzip' }]) {
        const response = await fetch(serving.url, { method: 'POST', headers, body });
        assert.equal(response.status, headers['content-encoding'] ? 415 : 413);
        const answer = (await response.json()) as { jsonrpc: string; error: { code: number; message: string } };
        assert.equal(answer.jsonrpc, '2.0');
        assert.equal(answer.error.code, -32000);
      }
      const after = await callModern(serving.url, 'echo', { text: 'still here' });
      assert.deepEqual(after.messages[0]?.result?.structuredContent, { echoed: 'still here' });
    } finally {
      assert.equal(await serving.stop(), 0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a body that says it is larger than is worth reading is not read: the answer closes the connection', async () => {
    const connection = await rawConnection(server.url);
    connection.socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${connection.port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${1024 * 1024 * 1024}\r\n\r\n{"jsonrpc":`);
    await connection.closed;
    assert.match(connection.received(), /^HTTP\/1\.1 413 /);
    assert.match(connection.received(), /\r\nconnection: close\r\n/i);
    assert.match(connection.received(), /"code":-32000/);
    await assertStillServing();
  });

  test('JSON that is not a JSON-RPC message is -32600', async () => {
    for (const body of ['null', '{"hello":1}', '42']) {
      const answer = await post(server.url, body, legacyHeaders());
      assert.equal(answer.status, 400, body);
      assert.equal(answer.messages[0]?.error?.code, -32600, body);
    }
    await assertStillServing();
  });

  test('GET and DELETE are 405: there are no sessions', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(server.url, { method, headers: { accept: 'text/event-stream' } });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('mcp-session-id'), null);
      await response.body?.cancel();
    }
  });

  test('a 2026-07-28 batch is refused with -32600; a 2025 batch is answered message by message', async () => {
    const modern = await post(server.url, [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: envelope() }], modernHeaders('tools/list'));
    assert.equal(modern.status, 400);
    assert.equal(modern.messages[0]?.error?.code, -32600);
    assert.match(modern.messages[0]?.error?.message, /batches/);

    const legacy = await post(
      server.url,
      [
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'b' } } },
      ],
      { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    );
    assert.equal(legacy.status, 200);
    const byId = new Map(legacy.messages.map((m) => [m.id, m]));
    assert.equal(byId.get(1)?.result?.tools?.length, 13, 'ten graphs, resume_run, get_run and cancel_run');
    assert.deepEqual(byId.get(2)?.result?.structuredContent, { echoed: 'b' });
  });

  test('a JSON-RPC response posted under 2026-07-28 is an invalid request (-32600), not "unsupported protocol version"', async () => {
    for (const message of [{ jsonrpc: '2.0', id: 1, result: {} }, { jsonrpc: '2.0', id: 1, error: { code: -1, message: 'no' } }]) {
      const answer = await post(server.url, message, { ...modernHeaders('tools/list'), 'mcp-method': 'tools/list' });
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.messages[0]?.error?.code, -32600);
      assert.match(answer.messages[0]?.error?.message, /a 2026-07-28 client sends no JSON-RPC responses/);
    }
    await assertStillServing();
  });

  test('a 2025 batch that uses one request id twice is refused whole with -32600; nothing runs', async () => {
    const call = (label: string) => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: { label, ms: 1 } } });
    const answer = await post(server.url, [call('dup-a'), call('dup-b'), call('dup-c')], legacyHeaders());
    assert.equal(answer.status, 400);
    assert.equal(answer.messages.length, 1);
    assert.equal(answer.messages[0]?.error?.code, -32600);
    assert.match(answer.messages[0]?.error?.message, /request id 7 appears more than once/);
    assert.deepEqual(ran.filter((entry) => entry.startsWith('dup-')), [], 'no graph ran');
    await assertStillServing();
  });

  test('a 2025 batch with elements that are not JSON-RPC: one -32600 (id null) each, and the rest served (JSON-RPC 2.0 §6)', async () => {
    const mixed = await post(server.url, [1, { jsonrpc: '2.0', id: 'list', method: 'tools/list' }, { hello: 'x' }], legacyHeaders());
    assert.equal(mixed.status, 200);
    assert.equal(mixed.messages.length, 3, mixed.text);
    assert.deepEqual(mixed.messages.filter((m) => m.id === null).map((m) => m.error?.code), [-32600, -32600]);
    assert.ok(mixed.messages.find((m) => m.id === 'list')?.result?.tools);

    const allBad = await post(server.url, [1, 2], legacyHeaders());
    assert.equal(allBad.messages.length, 2);
    assert.ok(allBad.messages.every((m) => m.id === null && m.error?.code === -32600));

    const onlyNotices = await post(server.url, [1, { jsonrpc: '2.0', method: 'notifications/initialized' }], legacyHeaders());
    assert.deepEqual(onlyNotices.messages.map((m) => m.error?.code), [-32600]);

    const empty = await post(server.url, [], legacyHeaders());
    assert.equal(empty.status, 400);
    assert.equal(empty.messages[0]?.error?.code, -32600);

    // A batch the SDK refuses whole (it holds a 2026-07-28 message) is refused whole, once, as without the bad element.
    const modernInside = { jsonrpc: '2.0', id: 9, method: 'tools/list', params: envelope() };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const alone = await post(server.url, [modernInside], headers);
    const withBad = await post(server.url, [modernInside, 5], headers);
    assert.equal(alone.status, 400, alone.text);
    assert.equal(withBad.status, alone.status, withBad.text);
    assert.deepEqual(withBad.messages, alone.messages);
    assert.equal(withBad.messages.length, 1);
    await assertStillServing();
  });

  test("a 2025-era response that answers no question of graph-mcp's is taken (202) and dropped, however deeply it nests: no parse error, no internal text", async () => {
    // Written out: JSON.stringify itself overflows on it.
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    for (const id of [5, 'graph-mcp:not-a-run:q:0']) {
      const answer = await post(server.url, `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"x":${deep}}}`, legacyHeaders());
      assert.equal(answer.status, 202, answer.text);
      assert.equal(answer.text, '');
    }
    assert.doesNotMatch(server.logs.text(), /RangeError|Maximum call stack/);
    await assertStillServing();
  });

  test('a client that drops while sending its body is logged below error level', async () => {
    const { hostname, port } = new URL(server.url);
    const socket = net.connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /mcp HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":"2.0",`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    const deadline = Date.now() + 5_000;
    const gone = () => server.logs.lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'the client went away while sending its request');
    while (!gone() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(gone()?.level, 30, 'logged at info');
    assert.ok(!server.logs.lines.some((l) => JSON.parse(l).level >= 50), 'nothing at error level');
    await assertStillServing();
  });

  test('no response carries Mcp-Session-Id', async () => {
    const init = await post(
      server.url,
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
      { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    );
    assert.equal(init.status, 200);
    assert.equal(init.messages[0]?.result?.protocolVersion, '2025-11-25');
    assert.equal(init.headers.get('mcp-session-id'), null);
  });
});

describe('DNS-rebinding protection on a loopback server', () => {
  function rawPost(headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const url = new URL(server.url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: url.port, path: url.pathname, method: 'POST', headers }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    });
  }

  test('a foreign Host header is refused with 403', async () => {
    const answer = await rawPost({ ...legacyHeaders(), host: 'attacker.example' });
    assert.equal(answer.status, 403);
    assert.match(JSON.parse(answer.body).error.message, /Invalid Host/);
  });

  test('a request with two Host headers is refused with 400 (RFC 9112 §3.2): Node reads the first, a proxy in front may have read the other; an absolute-form target is checked as Host is', async () => {
    for (const second of ['evil.example', '127.0.0.1']) {
      const connection = await rawConnection(server.url);
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      const headers = Object.entries(legacyHeaders()).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      connection.socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${connection.port}\r\nHost: ${second}\r\n${headers}Connection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      await connection.closed;
      const received = connection.received();
      assert.match(received, /^HTTP\/1\.1 400 /, received);
      const answer = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)) as { error: { code: number; message: string } };
      assert.equal(answer.error.code, -32600);
      assert.match(answer.error.message, /more than one Host header/);
      assert.doesNotMatch(received, /"tools"/);
    }
    const rawRequest = async (line: string, extra = '') => {
      const connection = await rawConnection(server.url);
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
      const headers = Object.entries(legacyHeaders()).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      connection.socket.write(`${line.replace('PORT', connection.port)}\r\nHost: 127.0.0.1:${connection.port}\r\n${headers}${extra}Connection: close\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      await connection.closed;
      return connection.received();
    };
    // A second Host past the headers Node keeps (maxHeadersCount, 2000) cannot be counted: refused whole.
    const hidden = await rawRequest('POST /mcp HTTP/1.1', `${'a:1\r\n'.repeat(2000)}Host: evil.example\r\n`);
    assert.match(hidden, /^HTTP\/1\.1 431 /, hidden.slice(0, 300));
    // A request line in absolute form names its host too (RFC 9112 §3.2.2): checked as the Host header is.
    const absolute = await rawRequest('POST http://evil.example/mcp HTTP/1.1');
    assert.match(absolute, /^HTTP\/1\.1 403 /, absolute.slice(0, 300));
    assert.match(absolute, /Invalid Host/);
    const allowed = await rawRequest('POST http://127.0.0.1:PORT/mcp HTTP/1.1');
    assert.match(allowed, /^HTTP\/1\.1 200 /, allowed.slice(0, 300));
    assert.match(allowed, /"tools"/);
    await assertStillServing();
  });

  test("each request that goes wrong says why in its log line, as its caller was told", async () => {
    const { gzipSync } = await import('node:zlib');
    const logged = async (send: () => Promise<unknown>) => {
      const before = server.logs.lines.length;
      await send();
      return until('the request log line', async () => server.logs.lines.slice(before).map((text) => JSON.parse(text)).find((line) => line.msg === 'mcp request'), 5_000);
    };
    const cases: Array<[string, () => Promise<unknown>, string, RegExp]> = [
      ['a foreign Host', () => rawPost({ ...legacyHeaders(), host: 'attacker.example' }), 'refused', /Invalid Host.*attacker\.example/],
      ['a foreign Origin', () => rawPost({ ...legacyHeaders(), origin: 'https://attacker.example' }), 'refused', /Origin not allowed: Origin "https:\/\/attacker\.example"/],
      ['malformed JSON', () => post(server.url, '{"jsonrpc":', legacyHeaders()), 'refused', /^-32700: Parse error/],
      ['a gzip body', () => fetch(server.url, { method: 'POST', headers: { ...legacyHeaders(), 'content-encoding': 'gzip' }, body: gzipSync('{}') }), 'refused', /Content-Encoding "gzip"/],
      ['an unknown tool', () => callLegacy(server.url, 'no_such_tool', {}), 'unknown_tool', /^-32602: Unknown tool: no_such_tool$/],
      ['a graph that throws', () => callModern(server.url, 'throws', { value: 'x' }), 'GRAPH_FAILED', /^Tool "throws" failed: the widget exploded$/],
      ['a URL with a password', () => callModern(server.url, 'throws_carelessly', { value: 'url' }), 'GRAPH_FAILED', /admin:\[redacted\]@/],
    ];
    for (const [what, send, outcome, detail] of cases) {
      const line = await logged(send);
      assert.equal(line.outcome, outcome, what);
      assert.match(line.detail ?? '', detail, what);
    }
    assert.doesNotMatch(server.logs.text(), /hunter2/);
    const fine = await logged(() => callModern(server.url, 'echo', { text: 'hi' }));
    assert.equal(fine.outcome, 'ok');
    assert.equal(fine.detail, undefined);
  });

  test('a foreign Origin is refused with 403; a localhost Origin passes', async () => {
    const bad = await rawPost({ ...legacyHeaders(), origin: 'https://attacker.example' });
    assert.equal(bad.status, 403);
    const good = await rawPost({ ...legacyHeaders(), origin: 'http://localhost:6274' });
    assert.equal(good.status, 200);
  });
});

describe('tool-level errors', () => {
  for (const [era, call] of [['2026-07-28', callModern], ['2025-11-25', callLegacy]] as const) {
    test(`${era}: an unknown tool is JSON-RPC error -32602`, async () => {
      const answer = await call(server.url, 'no_such_tool', {});
      assert.equal(answer.messages[0]?.error?.code, -32602);
      assert.equal(answer.messages[0]?.error?.message, 'Unknown tool: no_such_tool');
    });

    test(`${era}: invalid arguments are an isError result naming each bad field`, async () => {
      const answer = await call(server.url, 'echo', { times: 'three', extra: true });
      const result = answer.messages[0]?.result;
      assert.equal(result?.isError, true);
      const text: string = result.content[0].text;
      assert.match(text, /Invalid arguments for tool "echo"/);
      assert.match(text, /- text: required/);
      assert.match(text, /- times: must be integer/);
      assert.match(text, /- extra: unknown field/);
      assert.equal(result.structuredContent, undefined);
    });

    test(`${era}: a graph that throws is an isError result with its message and no stack`, async () => {
      const answer = await call(server.url, 'throws', { value: 'x' });
      const result = answer.messages[0]?.result;
      assert.equal(result?.isError, true);
      assert.equal(result.content[0].text, 'Tool "throws" failed: the widget exploded');
      assert.doesNotMatch(answer.text, /at .*\.(ts|js):\d+/, 'no stack frames');
      // The stack is for the log, at debug: where in the graph it broke.
      const thrown = server.logs.lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'the graph failed; what it threw' && line.tool === 'throws');
      assert.ok(thrown.length > 0, 'logged at debug');
      assert.equal(thrown.at(-1).level, 20);
      assert.match(thrown.at(-1).err.stack, /^Error: the widget exploded\n\s+at .*basic\.ts/);
      await assertStillServing();
    });

    test(`${era}: a failure's message loses URL passwords and stack frames, and is cut at 8 KiB`, async () => {
      const url = (await call(server.url, 'throws_carelessly', { value: 'url' })).messages[0]?.result;
      assert.equal(url.content[0].text, 'Tool "throws_carelessly" failed: connect failed: postgres://admin:[redacted]@db.internal:5432/prod (and https://ok.example/path)');
      const stack = await call(server.url, 'throws_carelessly', { value: 'stack' });
      assert.equal(stack.messages[0]?.result.content[0].text, 'Tool "throws_carelessly" failed: Error: the widget exploded');
      assert.doesNotMatch(stack.text, /basic\.ts|node_modules/);
      const long = (await call(server.url, 'throws_carelessly', { value: 'long' })).messages[0]?.result;
      const text: string = long.content[0].text;
      assert.ok(text.length < 8 * 1024 + 200, `${text.length} characters`);
      assert.match(text, /… \(\d+ more characters cut\)$/);
      await assertStillServing();
    });

    test(`${era}: a graph that throws something other than an Error is an isError result that does not show it`, async () => {
      const answer = await call(server.url, 'throws_object', { value: 'x' });
      const result = answer.messages[0]?.result;
      assert.equal(result?.isError, true);
      assert.equal(result.content[0].text, 'Tool "throws_object" failed: an object that is not an Error was thrown');
      assert.doesNotMatch(answer.text, /secret-path|s3cr3t/);
      // A string thrown is its own message, said as such (LangGraph's TypeError about it is not).
      const thrownString = (await call(server.url, 'throws_string', { value: 'x' })).messages[0]?.result;
      assert.equal(thrownString.content[0].text, 'Tool "throws_string" failed: the graph threw a string, not an Error: out of widgets');
      // Nor is LangGraph's TypeError about null, undefined or a symbol shown (it was "Cannot set properties of null (setting 'pregelTaskId')").
      for (const [value, said] of [['null', 'null'], ['undefined', 'undefined'], ['symbol', 'a symbol']]) {
        const thrown = (await call(server.url, 'throws_nothing', { value })).messages[0]?.result;
        assert.equal(thrown?.isError, true);
        assert.match(thrown.content[0].text, new RegExp(`^Tool "throws_nothing" failed: the graph threw ${said}, not an Error`));
        assert.doesNotMatch(thrown.content[0].text, /pregelTaskId/);
      }
      // A node's own TypeError about a string (a property set on it) is not taken for one.
      assert.equal(graphFailureMessage(new TypeError("Cannot create property 'count' on string 'alice'")), "Cannot create property 'count' on string 'alice'");
      // A zod error reads as its issues; another error that happens to carry `issues` keeps its own words.
      const { z } = await import('zod');
      assert.equal(graphFailureMessage(z.object({ when: z.string() }).safeParse({ when: 1 }).error), 'when: Invalid input: expected string, received number');
      assert.equal(graphFailureMessage(Object.assign(new Error('The upstream API refused the request'), { issues: ['quota exceeded'] })), 'The upstream API refused the request');
      await assertStillServing();
    });

    test(`${era}: a graph that throws what cannot be read as it is (a Symbol for a message, throwing getters, a function) is an isError result, not the server's fault`, async () => {
      const said = {
        'symbol-message': 'the graph threw an error graph-mcp cannot read (its message is not text, or reading it failed)',
        'object-message': 'the graph threw an error graph-mcp cannot read (its message is not text, or reading it failed)',
        // Its message was text: kept; the rest is not read (nor, below, the ProtocolError it claims to be: its data cannot be).
        'throwing-getters': 'readable part',
        'data-getter': 'readable part',
        function: 'the graph threw a function, not an Error',
      };
      for (const [value, text] of Object.entries(said)) {
        const answer = await call(server.url, 'throws_unreadable', { value });
        assert.equal(answer.status, 200, answer.text);
        const result = answer.messages[0]?.result;
        assert.equal(result?.isError, true, `${value}: ${answer.text.slice(0, 300)}`);
        assert.equal(result._meta?.['graph-mcp/error']?.code, 'GRAPH_FAILED', value);
        assert.equal(result.content[0].text, `Tool "throws_unreadable" failed: ${text}`, value);
        assert.doesNotMatch(answer.text, /hunter2|secretSource/);
      }
      await assertStillServing();
    });

    test(`${era}: output that breaks the output schema is an isError result`, async () => {
      const answer = await call(server.url, 'bad_output', {});
      const result = answer.messages[0]?.result;
      assert.equal(result?.isError, true);
      assert.match(result.content[0].text, /does not match its output schema:\n- value: must be number/);
    });
  }

  test('a graph that calls interrupt() answers a client that cannot be asked with a paused-run result', async () => {
    const answer = await callModern(server.url, 'asks_human', { value: 'ok?' });
    const result = answer.messages[0]?.result;
    assert.equal(result?.isError, true, 'flagged so output-schema checks in clients pass');
    assert.match(result.content[0].text, /has paused to ask a question; it has not failed/);
    assert.equal(result._meta['graph-mcp/run'].status, 'input_required');
    await assertStillServing();
  });

  const wrongParams: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['2026-07-28', 'tools/list', { cursor: 1 }, /cursor: .*expected string/],
    ['2025-11-25', 'tools/list', { cursor: null }, /cursor: .*expected string/],
    ['2025-11-25', 'initialize', { protocolVersion: null, capabilities: {}, clientInfo: 'x' }, /protocolVersion: .*clientInfo: /],
    ['2025-11-25', 'tools/call', { name: 5 }, /name: .*expected string/],
    ['2026-07-28', 'tools/call', { name: ['echo'], arguments: {} }, /name: .*expected string/],
  ];
  for (const [era, method, params, reason] of wrongParams) {
    test(`${era}: ${method} with wrong-typed params is -32602 Invalid params with a readable message`, async () => {
      const answer =
        era === '2026-07-28'
          ? await post(server.url, { jsonrpc: '2.0', id: 3, method, params: envelope(params) }, modernHeaders(method))
          : await post(server.url, { jsonrpc: '2.0', id: 3, method, params }, legacyHeaders());
      const error = answer.messages[0]?.error;
      assert.equal(error?.code, -32602, answer.text);
      assert.match(error.message, new RegExp(`^Invalid params for ${method}: `));
      assert.match(error.message, reason);
      assert.ok(!error.message.includes('{') && !error.message.includes('\n'), `no raw validation dump: ${error.message}`);
      await assertStillServing();
    });
  }

  test('arguments that are not an object are refused by the protocol layer with -32602', async () => {
    const answer = await callModern(server.url, 'echo', 'just a string');
    assert.equal(answer.messages[0]?.error?.code, -32602);
    await assertStillServing();
  });
});

test('what a graph threw is kept as it is when only its cause or the errors it holds have no text for a message (only the value thrown is matched against patterns)', () => {
  const causedOdd = new Error('outer', { cause: { message: { nested: true } } });
  const holdsOdd = Object.assign(new Error('outer'), { errors: [{ message: { field: 'x' } }] });
  const protocol = Object.assign(new Error('refused'), { name: 'ProtocolError', code: -32050, data: { why: 'x' } });
  for (const thrown of [causedOdd, holdsOdd, protocol, new RangeError('plain')]) assert.equal(readableFailure(thrown), thrown);
  const oddItself = Object.defineProperty(new Error('x'), 'message', { value: Symbol('no text') });
  const replaced = readableFailure(oddItself);
  assert.notEqual(replaced, oddItself);
  assert.match((replaced as Error).message, /cannot read/);
});
