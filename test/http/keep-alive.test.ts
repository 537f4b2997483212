// A response that waits on a run sends keep-alive comments, so that a proxy does not close it as idle.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { ran } from '../fixtures/graphs/basic.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { envelope, legacyHeaders, modernHeaders, parseMessages } from '../helpers/raw.js';
import { until } from '../helpers/wait.js';
import { keptAlive } from '../../src/mcp/kept-alive.js';

const GRAPHS = { echo: './graphs/basic.ts:echo', slow: './graphs/basic.ts:slow' };
const INTERVAL_MS = 150;

let server: TestServer;
let off: TestServer;
before(async () => {
  server = await startServer({ name: 'kept-alive', graphs: GRAPHS, http: { stream_keep_alive_ms: INTERVAL_MS } });
  off = await startServer({ name: 'not-kept-alive', graphs: GRAPHS, http: { stream_keep_alive_ms: 0 } });
});
after(async () => {
  await server.close(0);
  await off.close(0);
});

const modernCall = (name: string, args: unknown, id: number | string = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: envelope({ name, arguments: args }) });

/** Reads a response's body chunk by chunk, noting what the run had done when each chunk came. */
async function chunksOf(response: Response, label: string): Promise<Array<{ text: string; finished: boolean }>> {
  const chunks: Array<{ text: string; finished: boolean }> = [];
  const decoder = new TextDecoder();
  for await (const chunk of response.body!) chunks.push({ text: decoder.decode(chunk), finished: ran.includes(`${label}:four`) });
  return chunks;
}

test('2026-07-28: a call with no answer after the interval becomes an event stream of keep-alives, then its answer', async () => {
  ran.length = 0;
  const response = await fetch(server.url, { method: 'POST', headers: modernHeaders('tools/call', 'slow'), body: modernCall('slow', { label: 'kept', ms: 200 }, 'k1') });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  assert.equal(response.headers.get('cache-control'), 'no-cache, no-transform');
  assert.equal(response.headers.get('x-accel-buffering'), 'no');
  const chunks = await chunksOf(response, 'kept');
  const text = chunks.map((chunk) => chunk.text).join('');
  // Comments came while the four nodes (800 ms) ran, the first at the interval, before the run ended.
  assert.match(chunks[0]!.text, /^: keepalive\n\n/);
  assert.equal(chunks[0]!.finished, false);
  const comments = text.match(/^: keepalive$/gm) ?? [];
  assert.ok(comments.length >= 2, `keep-alives: ${comments.length}\n${text}`);
  // Then exactly one message: the answer, the request's id, the result a JSON answer would carry.
  const messages = parseMessages(text, 'text/event-stream');
  assert.equal(messages.length, 1, text);
  assert.equal(messages[0]!.id, 'k1');
  assert.deepEqual(messages[0]!.result.structuredContent.steps, ['one', 'two', 'three', 'four']);
  assert.match(text, /\n\nevent: message\ndata: \{.*\}\n\n$/);
});

test('2026-07-28: a quick call is still answered as JSON with its length, and so is everything with keep-alives off', async () => {
  const quick = await fetch(server.url, { method: 'POST', headers: modernHeaders('tools/call', 'echo'), body: modernCall('echo', { text: 'hi' }) });
  const quickText = await quick.text();
  assert.equal(quick.headers.get('content-type'), 'application/json');
  assert.equal(quick.headers.get('content-length'), String(Buffer.byteLength(quickText)));
  assert.deepEqual(JSON.parse(quickText).result.structuredContent, { echoed: 'hi' });

  const slow = await fetch(off.url, { method: 'POST', headers: modernHeaders('tools/call', 'slow'), body: modernCall('slow', { label: 'off', ms: 150 }) });
  const slowText = await slow.text();
  assert.equal(slow.headers.get('content-type'), 'application/json', slowText);
  assert.doesNotMatch(slowText, /keepalive/);
  assert.deepEqual(JSON.parse(slowText).result.structuredContent.steps, ['one', 'two', 'three', 'four']);
});

test('2026-07-28: a client that does not accept an event stream gets its JSON answer, late', async () => {
  // Nor does one whose Accept refuses it in other words; and one that takes it in other words is kept alive.
  for (const accept of ['application/json', 'application/json, text/event-stream;q=0']) {
    const headers = { ...modernHeaders('tools/call', 'slow'), accept };
    const response = await fetch(server.url, { method: 'POST', headers, body: modernCall('slow', { label: 'json-only', ms: 100 }) });
    const text = await response.text();
    assert.equal(response.headers.get('content-type'), 'application/json', `${accept}: ${text}`);
    assert.deepEqual(JSON.parse(text).result.structuredContent.steps, ['one', 'two', 'three', 'four']);
  }
  const wildcard = await fetch(server.url, { method: 'POST', headers: { ...modernHeaders('tools/call', 'slow'), accept: '*/*' }, body: modernCall('slow', { label: 'wildcard', ms: 100 }) });
  const text = await wildcard.text();
  assert.equal(wildcard.headers.get('content-type'), 'text/event-stream', text);
  assert.match(text, /^: keepalive\n\n/);
});

test('the v2 client reads an answer that came after keep-alives', async () => {
  const client = new V2Client({ name: 'kept-alive', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new V2Transport(new URL(server.url)));
  try {
    const result = await client.callTool({ name: 'slow', arguments: { label: 'v2', ms: 150 } });
    assert.deepEqual((result.structuredContent as { steps: string[] }).steps, ['one', 'two', 'three', 'four']);
  } finally {
    await client.close();
  }
});

test('a client that leaves while only keep-alives flow stops its run; the server serves on', async () => {
  ran.length = 0;
  const leaving = new AbortController();
  const response = await fetch(server.url, {
    method: 'POST',
    headers: modernHeaders('tools/call', 'slow'),
    body: modernCall('slow', { label: 'left', ms: 300 }),
    signal: leaving.signal,
  });
  const reader = response.body!.getReader();
  assert.match(new TextDecoder().decode((await reader.read()).value), /^: keepalive/);
  leaving.abort();
  await until('the run to stop', async () => (server.graphMcp.runs.size === 0 ? true : undefined), 5_000);
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.ok(!ran.includes('left:four'), `the run went on after its client left: ${ran.join(', ')}`);
  await server.logs.logged('"outcome":"cancelled"');
  const after = await fetch(server.url, { method: 'POST', headers: modernHeaders('tools/call', 'echo'), body: modernCall('echo', { text: 'still here' }) });
  assert.deepEqual(((await after.json()) as { result: { structuredContent: unknown } }).result.structuredContent, { echoed: 'still here' });
});

test('2025 era: a silent call streams the keep-alives at the configured interval before its answer', async () => {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: legacyHeaders(),
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow', arguments: { label: 'legacy', ms: 150 } } }),
  });
  const text = await response.text();
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  assert.ok((text.match(/^: keepalive$/gm) ?? []).length >= 2, text);
  assert.deepEqual(parseMessages(text, 'text/event-stream')[0]!.result.structuredContent.steps, ['one', 'two', 'three', 'four']);
});

test('keptAlive: a late event stream passes as it came; a handler that fails late is a JSON-RPC error with the request id', async () => {
  const request = () => new Request('http://localhost/mcp', { method: 'POST', headers: modernHeaders('tools/call', 'x') });
  const later = <T>(value: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(value()), 60));
  const events = 'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{}}\n\nevent: message\ndata: {"jsonrpc":"2.0","id":3,"result":{}}\n\n';
  const stream = keptAlive(() => later(() => new Response(events, { headers: { 'content-type': 'text/event-stream' } })), 20);
  assert.equal(await (await stream(request(), { parsedBody: { id: 3 } })).text().then((text) => text.replace(/^(: keepalive\n\n)+/, '')), events);

  const failing = keptAlive(() => later(() => Promise.reject(new Error('secret detail'))).then((failure) => failure), 20);
  const failed = await (await failing(request(), { parsedBody: { jsonrpc: '2.0', id: 'req-9', method: 'tools/call' } })).text();
  assert.doesNotMatch(failed, /secret detail/);
  assert.deepEqual(parseMessages(failed, 'text/event-stream'), [{ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: 'req-9' }]);

  // An interval past what a Node timer takes (which would fire at once) is the longest one: a quick answer stays JSON.
  const json = '{"jsonrpc":"2.0","id":1,"result":{}}';
  const huge = keptAlive(() => later(() => new Response(json, { headers: { 'content-type': 'application/json' } })), 3_000_000_000);
  const quick = await huge(request(), { parsedBody: { id: 1 } });
  assert.equal(quick.headers.get('content-type'), 'application/json');
  // A notification is not held: answered as it came.
  const notified = await keptAlive(() => later(() => new Response(null, { status: 202 })), 10)(request(), { parsedBody: { jsonrpc: '2.0', method: 'notifications/cancelled' } });
  assert.equal(notified.status, 202);
});

test('keptAlive: a late stream of the SDK is read as the client takes it, and let go when the client leaves', async () => {
  const request = () => new Request('http://localhost/mcp', { method: 'POST', headers: modernHeaders('tools/call', 'x') });
  let pulled = 0;
  let cancelled = false;
  const chunk = new TextEncoder().encode(`event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"data":"${'x'.repeat(1024 * 1024)}"}}\n\n`);
  const sdkStream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += 1;
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  }, { highWaterMark: 0 });
  const response = await keptAlive(() => new Promise<Response>((resolve) => setTimeout(() => resolve(new Response(sdkStream, { headers: { 'content-type': 'text/event-stream' } })), 60)), 20)(request(), { parsedBody: { id: 5 } });
  const reader = response.body!.getReader();
  let read = 0;
  while (read < 3) {
    const { value } = await reader.read();
    if (value !== undefined && value.byteLength > 1000) read += 1;
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(pulled <= 5, `the SDK's stream was read ahead of the client: ${pulled} chunks for 3 taken`);
  await reader.cancel();
  assert.equal(cancelled, true, "the SDK's stream is cancelled with the client's");
});
