// 2025-era answers: JSON when the answer is all the call sends, the event stream otherwise.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ran } from '../fixtures/graphs/basic.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { legacyHeaders, parseMessages, post } from '../helpers/raw.js';
import { answeringAloneAsJson } from '../../src/mcp/json-answers.js';

let server: TestServer;
before(async () => {
  server = await startServer({
    graphs: { echo: './graphs/basic.ts:echo', slow: './graphs/basic.ts:slow', logs: './graphs/logs.ts:logs' },
  });
});
after(() => server.close(0));

test('2025 era: a call whose answer is all it sends is answered as one JSON object, with its length', async () => {
  for (const [id, method, params] of [
    [1, 'tools/call', { name: 'echo', arguments: { text: 'hi' } }],
    [2, 'tools/list', {}],
    [3, 'ping', {}],
  ] as const) {
    const response = await fetch(server.url, { method: 'POST', headers: legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) });
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json', `${method}: ${text}`);
    assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(text)));
    assert.equal(response.headers.get('cache-control'), null);
    const answer = JSON.parse(text) as { id: number; result?: Record<string, any> };
    assert.equal(answer.id, id);
    assert.ok(answer.result, text);
  }
  const call = await post(server.url, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'echo', arguments: { text: 'json' } } }, legacyHeaders());
  assert.deepEqual(call.messages[0]?.result?.structuredContent, { echoed: 'json' });
  // An error answer too: a JSON-RPC error is the answer.
  const unknown = await post(server.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'nope', arguments: {} } }, legacyHeaders());
  assert.equal(unknown.headers.get('content-type'), 'application/json');
  assert.equal(unknown.messages[0]?.error?.code, -32602);
});

test('2025 era: progress streams as it happens, the answer last, nothing held back', async () => {
  ran.length = 0;
  const response = await fetch(server.url, {
    method: 'POST',
    headers: legacyHeaders(),
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'slow', arguments: { label: 'streamed', ms: 400 }, _meta: { progressToken: 'p' } } }),
  });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = response.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  // The first event reached the client while the run was still at its first node.
  assert.match(first, /notifications\/progress/);
  assert.doesNotMatch(first, /"result"/);
  assert.ok(!ran.includes('streamed:four'), `the run had not finished when its first progress arrived: ${ran.join(', ')}`);
  let rest = '';
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    rest += new TextDecoder().decode(chunk.value);
  }
  assert.ok(ran.includes('streamed:four'), 'the run is the one the server ran');
  const messages = parseMessages(first + rest, 'text/event-stream');
  assert.deepEqual(messages.at(-1)?.result?.structuredContent?.steps, ['one', 'two', 'three', 'four']);
  assert.ok(messages.slice(0, -1).length >= 4 && messages.slice(0, -1).every((m) => m.method === 'notifications/progress'), JSON.stringify(messages));
});

test('2025 era: a graph that logs streams its log messages before the answer', async () => {
  const call = await post(server.url, { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'logs', arguments: {} } }, legacyHeaders());
  assert.equal(call.headers.get('content-type'), 'text/event-stream');
  assert.deepEqual(call.messages.slice(0, -1).map((m) => m.method), ['notifications/message', 'notifications/message', 'notifications/message']);
  assert.equal(call.messages.at(-1)?.id, 8);
  assert.ok(call.messages.at(-1)?.result, call.text);
});

test('2025 era: a batch keeps its event stream, one answer per request', async () => {
  const batch = await post(server.url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }], legacyHeaders());
  assert.equal(batch.headers.get('content-type'), 'text/event-stream');
  assert.deepEqual(batch.messages.map((m) => m.id), [1, 2]);
});

test('2025 era: a batch whose one answer is all it sends is answered as a JSON array, as JSON-RPC answers every batch', async () => {
  for (const body of [
    [{ jsonrpc: '2.0', id: 1, method: 'ping' }],
    [{ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'one' } } }, { jsonrpc: '2.0', method: 'notifications/initialized' }],
    // With an element that is not a message: its error and the answer, in one array.
    [{ jsonrpc: '2.0', id: 3, method: 'ping' }, { not: 'a message' }],
  ]) {
    const response = await fetch(server.url, { method: 'POST', headers: legacyHeaders(), body: JSON.stringify(body) });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    assert.equal(response.headers.get('content-type'), 'application/json', text);
    const answers = JSON.parse(text) as Array<{ id: unknown; result?: Record<string, any>; error?: { code: number } }>;
    assert.ok(Array.isArray(answers), text);
    const id = (body[0] as { id: number }).id;
    assert.deepEqual(answers.filter((answer) => answer.id === id).map((answer) => 'result' in answer), [true], text);
    assert.equal(answers.length, body.length === 2 && 'not' in body[1]! ? 2 : 1, text);
  }
  // A single request is still answered as the object it asks for.
  const single = await fetch(server.url, { method: 'POST', headers: legacyHeaders(), body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'ping' }) });
  assert.equal(Array.isArray(await single.json()), false);
});

test('the v1 SDK client reads the JSON answers, and the streamed ones', async () => {
  const client = new Client({ name: 'v1', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  try {
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'v1' } });
    assert.deepEqual(echoed.structuredContent, { echoed: 'v1' });
    const progress: number[] = [];
    const slow = await client.callTool({ name: 'slow', arguments: { label: 'v1', ms: 10 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    assert.deepEqual((slow.structuredContent as { steps: string[] }).steps, ['one', 'two', 'three', 'four']);
    assert.ok(progress.length >= 4, `progress: ${progress.join(', ')}`);
  } finally {
    await client.close();
  }
});

/** The wrapper over answers of given bytes, delivered in given pieces. */
async function collapse(pieces: string[], headers: Record<string, string> = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }) {
  const encoder = new TextEncoder();
  const fetch = answeringAloneAsJson(async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(encoder.encode(piece));
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers });
  });
  const response = await fetch(new Request('http://localhost/mcp', { method: 'POST', headers: legacyHeaders() }));
  return { type: response.headers.get('content-type'), text: await response.text() };
}

test('the first event decides, however the stream is cut into pieces', async () => {
  const answer = '{"jsonrpc":"2.0","id":1,"result":{}}';
  const event = `event: message\ndata: ${answer}\n\n`;
  assert.deepEqual(await collapse([...event]), { type: 'application/json', text: answer });
  assert.deepEqual(await collapse([`event: message\r\ndata: ${answer}\r\n\r\n`]), { type: 'application/json', text: answer });
  assert.deepEqual(await collapse([`data: ${answer}\n\n`]), { type: 'application/json', text: answer });
  // Anything but a lone answer passes as it came, byte for byte.
  for (const stream of [
    [': keep-alive\n\n', event],
    [`event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\n`, event],
    [`id: 7\nevent: message\ndata: ${answer}\n\n`],
    [event, event],
    [event + event],
    ['event: message\ndata: not json\n\n'],
    ['event: message\ndata: {"jsonrpc":"2.0"'],
    [],
  ]) {
    assert.deepEqual(await collapse(stream), { type: 'text/event-stream', text: stream.join('') }, JSON.stringify(stream));
  }
  // A large answer passes as its stream, however it is cut: checking it would cost more than the stream.
  const large = `event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"text":"${'x'.repeat(70_000)}"}}\n\n`;
  assert.deepEqual(await collapse([large]), { type: 'text/event-stream', text: large });
  assert.deepEqual(await collapse(large.match(/[^]{1,4096}/g)!), { type: 'text/event-stream', text: large });
  const fits = `event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"text":"${'x'.repeat(60_000)}"}}\n\n`;
  assert.equal((await collapse(fits.match(/[^]{1,4096}/g)!)).type, 'application/json');
  // A JSON answer is left alone.
  assert.deepEqual(await collapse([answer], { 'content-type': 'application/json' }), { type: 'application/json', text: answer });
});
