// x-mcp-header arguments and their Mcp-Param-* headers, over raw HTTP, standalone and mounted.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { createMcpRouter, GraphMcpError, loadGraphMcp } from '../../src/index.js';
import { FIXTURES, startServer, type TestServer } from '../helpers/server.js';
import { callLegacy, envelope, modernHeaders, post } from '../helpers/raw.js';

const ECHO_WITH_HEADERS = {
  path: './graphs/basic.ts:echo',
  input_schema: {
    type: 'object',
    properties: {
      text: { type: 'string', 'x-mcp-header': 'Text' },
      times: { type: 'integer', 'x-mcp-header': 'Times' },
    },
    required: ['text'],
  },
};
const CONFIG = { graphs: { echo: ECHO_WITH_HEADERS, plain: './graphs/basic.ts:echo' } };

let server: TestServer;
before(async () => {
  server = await startServer(CONFIG);
});
after(() => server.close(0));

function call(url: string, name: string, args: Record<string, unknown>, headers: Record<string, string>, id = 1) {
  return post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: envelope({ name, arguments: args }) }, { ...modernHeaders('tools/call', name), ...headers });
}

const base64 = (text: string) => `=?base64?${Buffer.from(text).toString('base64')}?=`;

function assertRefused(answer: Awaited<ReturnType<typeof post>>, id: number, pattern: RegExp) {
  assert.equal(answer.status, 400, answer.text);
  assert.equal(answer.messages[0]?.id, id);
  assert.equal(answer.messages[0]?.error?.code, -32020);
  assert.match(answer.messages[0]?.error?.message, pattern);
}

describe('Mcp-Param-* headers on 2026-07-28', () => {
  test('tools/list shows the declarations as given', async () => {
    const answer = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: envelope() }, modernHeaders('tools/list'));
    const echo = answer.messages[0]?.result?.tools.find((tool: { name: string }) => tool.name === 'echo');
    assert.equal(echo.inputSchema.properties.text['x-mcp-header'], 'Text');
  });

  test('matching headers, literal or base64-wrapped, are served', async () => {
    for (const headers of [
      { 'Mcp-Param-Text': 'hello', 'Mcp-Param-Times': '2' } as Record<string, string>,
      { 'mcp-param-text': 'hello', 'MCP-PARAM-TIMES': '2.0' },
      { 'Mcp-Param-Text': base64('hello'), 'Mcp-Param-Times': '2' },
    ]) {
      const answer = await call(server.url, 'echo', { text: 'hello', times: 2 }, headers);
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'hello hello' });
    }
    const accented = await call(server.url, 'echo', { text: 'héllo wörld' }, { 'Mcp-Param-Text': base64('héllo wörld') });
    assert.deepEqual(accented.messages[0]?.result?.structuredContent, { echoed: 'héllo wörld' });
    const literal = Buffer.from('hello').toString('base64');
    const unwrapped = await call(server.url, 'echo', { text: literal }, { 'Mcp-Param-Text': literal });
    assert.deepEqual(unwrapped.messages[0]?.result?.structuredContent, { echoed: literal }, 'without the wrapper a value is literal');
  });

  test('an absent argument expects no header', async () => {
    const answer = await call(server.url, 'echo', { text: 'x' }, { 'Mcp-Param-Text': 'x' });
    assert.equal(answer.status, 200, answer.text);
  });

  test('a missing, different or badly encoded header is refused with 400 and -32020', async () => {
    assertRefused(await call(server.url, 'echo', { text: 'hello' }, {}, 11), 11, /Mcp-Param-Text header is missing/);
    assertRefused(await call(server.url, 'echo', { text: 'hello' }, { 'Mcp-Param-Text': 'goodbye' }, 12), 12, /does not match text/);
    assertRefused(await call(server.url, 'echo', { text: 'a', times: 2 }, { 'Mcp-Param-Text': 'a', 'Mcp-Param-Times': '3' }, 13), 13, /Mcp-Param-Times/);
    assertRefused(await call(server.url, 'echo', { text: 'Hello' }, { 'Mcp-Param-Text': '=?base64?SGVsbG8?=' }, 14), 14, /invalid Base64/);
    assertRefused(await call(server.url, 'echo', { text: 'Hello' }, { 'Mcp-Param-Text': '=?base64?SGVs!!!bG8=?=' }, 15), 15, /invalid Base64/);
    // A header for a value the body does not carry (absent, or null): a gateway routed on a value nobody uses.
    assertRefused(await call(server.url, 'echo', { text: 'a' }, { 'Mcp-Param-Text': 'a', 'Mcp-Param-Times': '5' }, 16), 16, /Mcp-Param-Times header is sent but the body has no times/);
    assertRefused(await call(server.url, 'echo', { text: 'a', times: null }, { 'Mcp-Param-Text': 'a', 'Mcp-Param-Times': '5' }, 17), 17, /body has no times/);
    // A character a header value may not carry as it is (a tab), though the body has the same.
    assertRefused(await call(server.url, 'echo', { text: 'a\tb' }, { 'Mcp-Param-Text': 'a\tb' }, 18), 18, /characters a header value may not \(send them Base64-encoded\)/);
    const tab = await call(server.url, 'echo', { text: 'a\tb' }, { 'Mcp-Param-Text': base64('a\tb') });
    assert.deepEqual(tab.messages[0]?.result?.structuredContent, { echoed: 'a\tb' }, 'Base64-encoded, it is served');
  });

  test('a protocol version the server does not serve is answered as that (-32022), before any header check', async () => {
    const version = '2099-01-01';
    const answer = await post(
      server.url,
      { jsonrpc: '2.0', id: 19, method: 'tools/call', params: envelope({ name: 'echo', arguments: { text: 'hello' } }, { 'io.modelcontextprotocol/protocolVersion': version }) },
      { ...modernHeaders('tools/call', 'echo'), 'mcp-protocol-version': version },
    );
    assert.equal(answer.status, 400, answer.text);
    assert.equal(answer.messages[0]?.error?.code, -32022, answer.text);
  });

  test('tools without declarations, and 2025-era calls, are not checked', async () => {
    const plain = await call(server.url, 'plain', { text: 'hi' }, {});
    assert.deepEqual(plain.messages[0]?.result?.structuredContent, { echoed: 'hi' });
    const legacy = await callLegacy(server.url, 'echo', { text: 'hi' });
    assert.deepEqual(legacy.messages[0]?.result?.structuredContent, { echoed: 'hi' });
  });

  test('the check also runs behind an app that parses JSON itself', async () => {
    const graphMcp = await loadGraphMcp({ config: CONFIG, baseDir: FIXTURES, store: null });
    const app = express();
    app.use(express.json());
    app.use(createMcpRouter(graphMcp, { allowedHosts: false, allowedOrigins: false }));
    const http = app.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
    try {
      assertRefused(await call(url, 'echo', { text: 'hello' }, { 'Mcp-Param-Text': 'nope' }, 21), 21, /does not match/);
      const ok = await call(url, 'echo', { text: 'hello' }, { 'Mcp-Param-Text': 'hello' });
      assert.deepEqual(ok.messages[0]?.result?.structuredContent, { echoed: 'hello' });
    } finally {
      http.close();
      await graphMcp.close(0);
    }
  });
});

describe('x-mcp-header declarations are checked at start-up', () => {
  const load = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    loadGraphMcp({
      config: { graphs: { bad: { path: './graphs/basic.ts:echo', input_schema: { type: 'object', properties, ...extra } } } },
      baseDir: FIXTURES,
      store: null,
    });

  for (const [what, properties, extra, pattern] of [
    ['an object property', { text: { type: 'object', 'x-mcp-header': 'Text' } }, {}, /only allowed on string, integer or boolean properties \(not number\)/],
    ['a number property (the spec excludes it; clients drop the tool)', { amount: { type: 'number', 'x-mcp-header': 'Amount' } }, {}, /only allowed on string, integer or boolean properties \(not number\)/],
    ['a name that is not a token', { text: { type: 'string', 'x-mcp-header': 'Has Space' } }, {}, /header name token/],
    ['a name used twice', { a: { type: 'string', 'x-mcp-header': 'Region' }, b: { type: 'string', 'x-mcp-header': 'region' } }, {}, /used twice/],
    ['an annotation under items', { list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Item' } } }, {}, /reached through "properties"/],
    ['an annotation under anyOf', { text: { type: 'string' } }, { anyOf: [{ properties: { text: { type: 'string', 'x-mcp-header': 'T' } } }] }, /reached through "properties"/],
  ] as const) {
    test(`refuses ${what}, naming the graph`, async () => {
      await assert.rejects(load(properties, extra), (error: unknown) => {
        assert.ok(error instanceof GraphMcpError);
        assert.equal(error.code, 'SCHEMA_INVALID');
        assert.match(error.message, /graph "bad": input schema/);
        assert.match(error.message, pattern);
        return true;
      });
    });
  }

  test('accepts a nested object property, and checks its header against the value at that path', async () => {
    const nested = await startServer({
      graphs: { echo: { path: './graphs/basic.ts:echo', input_schema: { type: 'object', properties: { text: { type: 'string' }, where: { type: 'object', properties: { region: { type: 'string', 'x-mcp-header': 'Region' } } } } } } },
    });
    try {
      const args = { text: 'hi', where: { region: 'eu' } };
      const ok = await call(nested.url, 'echo', args, { 'Mcp-Param-Region': 'eu' });
      assert.deepEqual(ok.messages[0]?.result?.structuredContent, { echoed: 'hi' }, ok.text);
      assertRefused(await call(nested.url, 'echo', args, {}, 31), 31, /the body carries where\.region but the Mcp-Param-Region header is missing/);
      assertRefused(await call(nested.url, 'echo', args, { 'Mcp-Param-Region': 'us' }, 32), 32, /does not match where\.region/);
    } finally {
      await nested.close(0);
    }
  });
});
