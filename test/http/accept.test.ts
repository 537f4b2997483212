// Each answer in a form the request's Accept header takes, read as RFC 9110 reads it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { envelope, legacyHeaders, modernHeaders, post } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startServer({ graphs: { echo: './graphs/basic.ts:echo', slow: './graphs/basic.ts:slow' } });
});
after(() => server.close(0));

const legacyCall = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
const modernCall = (id: number, name: string, args: unknown, meta: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: envelope({ name, arguments: args }, meta) });
const withAccept = (headers: Record<string, string>, accept: string | undefined) => {
  const { accept: _usual, ...rest } = headers;
  return accept === undefined ? rest : { ...rest, accept };
};

test('2025 era: an Accept that takes both forms in other words (wildcards, capitals, q-values, none at all) is served as the usual one is', async () => {
  for (const accept of ['*/*', 'application/*, text/*', 'APPLICATION/JSON, TEXT/EVENT-STREAM', 'text/event-stream;q=0.5, application/json;q=0.9', undefined]) {
    const answer = await post(server.url, legacyCall(1), withAccept(legacyHeaders(), accept));
    assert.equal(answer.status, 200, `${accept}: ${answer.text}`);
    assert.equal(answer.headers.get('content-type'), 'application/json', `${accept}: the answer alone, as JSON`);
    assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'hi' }, String(accept));
  }
});

test('2025 era: an Accept that takes an event stream only (as some proxies send) gets the answer as a stream, never as JSON', async () => {
  for (const accept of ['text/event-stream', 'application/json;q=0, text/event-stream']) {
    const answer = await post(server.url, legacyCall(2), withAccept(legacyHeaders(), accept));
    assert.equal(answer.status, 200, `${accept}: ${answer.text}`);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/event-stream/, accept);
    assert.deepEqual(answer.messages.at(-1)?.result?.structuredContent, { echoed: 'hi' }, accept);
  }
});

test("2025 era: an Accept that takes JSON only is 406, as the SDK answers it (that era's calls may need a stream), and so is one that takes neither form", async () => {
  for (const accept of ['application/json', 'text/html', 'text/event-stream;q=0, application/json']) {
    const answer = await post(server.url, legacyCall(3), withAccept(legacyHeaders(), accept));
    assert.equal(answer.status, 406, `${accept}: ${answer.text}`);
    assert.equal(answer.messages[0]?.error?.code, -32000, accept);
    assert.match(answer.messages[0]?.error?.message, /^Not Acceptable: /, accept);
  }
});

test('2026-07-28: an Accept that takes JSON only gets JSON, even for a call that asked for progress; the call itself is served whole', async () => {
  const answer = await post(server.url, modernCall(4, 'slow', { label: 'accept', ms: 5 }, { progressToken: 'p-json' }), withAccept(modernHeaders('tools/call', 'slow'), 'application/json'));
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.headers.get('content-type'), 'application/json');
  assert.equal(answer.messages.length, 1, 'no progress notification before the answer');
  assert.deepEqual(answer.messages[0]?.result?.structuredContent?.steps, ['one', 'two', 'three', 'four']);
  // The same call from a client that takes a stream gets its progress.
  const streamed = await post(server.url, modernCall(5, 'slow', { label: 'accept', ms: 5 }, { progressToken: 'p-sse' }), modernHeaders('tools/call', 'slow'));
  assert.match(streamed.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(streamed.messages.some((message) => message.method === 'notifications/progress'), streamed.text);
});

test('2026-07-28: an Accept that takes an event stream only gets even a quick answer as one message event', async () => {
  for (const [id, method, params, name] of [
    [6, 'tools/list', envelope(), undefined],
    [7, 'tools/call', envelope({ name: 'echo', arguments: { text: 'sse' } }), 'echo'],
  ] as const) {
    const answer = await post(server.url, { jsonrpc: '2.0', id, method, params }, withAccept(modernHeaders(method, name), 'text/event-stream'));
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.headers.get('content-type') ?? '', /^text\/event-stream/, method);
    assert.equal(answer.headers.get('content-length'), null);
    assert.equal(answer.messages.length, 1, answer.text);
    assert.equal(answer.messages[0]?.id, id);
    assert.ok(answer.messages[0]?.result, answer.text);
  }
});

test('2026-07-28: an Accept that takes neither form is 406, -32000, and the server goes on serving', async () => {
  const answer = await post(server.url, modernCall(8, 'echo', { text: 'x' }), withAccept(modernHeaders('tools/call', 'echo'), 'text/html, image/*'));
  assert.equal(answer.status, 406, answer.text);
  assert.deepEqual(answer.messages[0]?.error, { code: -32000, message: 'Not Acceptable: the Accept header takes neither application/json nor text/event-stream, the two forms an MCP answer comes in' });
  const after = await post(server.url, modernCall(9, 'echo', { text: 'x' }), modernHeaders('tools/call', 'echo'));
  assert.deepEqual(after.messages[0]?.result?.structuredContent, { echoed: 'x' });
});
