// Property-based fuzzing of the MCP endpoint, both eras: whatever arrives, the answer is a valid
// JSON-RPC response or a documented HTTP error, never a 5xx or an internal error, and the server
// keeps serving. Bounded: a fixed seed and a fixed number of requests.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { startServer, type TestServer } from '../helpers/server.js';
import { callModern, envelope, LEGACY, MODERN, parseMessages } from '../helpers/raw.js';

const MAX_BODY = 32 * 1024;
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
let server: TestServer;

before(async () => {
  server = await startServer({
    name: 'fuzz-test',
    http: { max_body_bytes: MAX_BODY },
    graphs: {
      echo: './graphs/basic.ts:echo',
      throws: './graphs/basic.ts:throws',
      as_task: { path: './graphs/basic.ts:echo', task: 'optional' },
      // Asks before its task begins (2026-07-28 clients that declare tasks get input_required, then a task).
      asks_first: { path: './graphs/hitl.ts:askThenWork', task: 'required', task_starts_at: 'work' },
    },
  });
});
after(() => server.close(0));

/** Any JSON value, including wrong types for every field. */
const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 20 }), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }));
const toolName = fc.constantFrom('echo', 'throws', 'as_task', 'asks_first', 'resume_run', 'get_run', 'cancel_run', 'no_such_tool');
const toolArgs = fc.oneof(fc.record({ text: fc.oneof(fc.string({ maxLength: 50 }), junk) }), fc.record({ run_id: fc.oneof(fc.string({ maxLength: 40 }), junk), answer: junk }), junk);
const id = fc.oneof(fc.integer({ min: 0, max: 1_000_000 }), fc.string({ maxLength: 12 }));

/** Each method and the shapes of params it is sent: a new surface is one line. */
const METHODS: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  initialize: fc.record({ protocolVersion: fc.oneof(fc.constant(LEGACY), junk), capabilities: fc.oneof(fc.constant({}), junk), clientInfo: fc.oneof(fc.constant({ name: 'f', version: '1' }), junk) }, { requiredKeys: [] }),
  ping: fc.record({ extra: junk }, { requiredKeys: [] }),
  'server/discover': fc.record({ extra: junk }, { requiredKeys: [] }),
  'tools/list': fc.record({ cursor: fc.oneof(fc.string({ maxLength: 10 }), junk) }, { requiredKeys: [] }),
  'tools/call': fc.record(
    {
      name: fc.oneof(toolName, junk),
      arguments: toolArgs,
      task: fc.oneof(fc.record({ ttl: fc.oneof(fc.integer({ min: 1, max: 60_000 }), junk) }, { requiredKeys: [] }), junk),
      inputResponses: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), junk, { maxKeys: 2 }), junk),
      requestState: fc.oneof(fc.string({ maxLength: 60 }), junk),
    },
    { requiredKeys: [] },
  ),
  'tasks/get': fc.record({ taskId: fc.oneof(fc.string({ maxLength: 40 }), junk) }, { requiredKeys: [] }),
  'tasks/update': fc.record({ taskId: fc.oneof(fc.string({ maxLength: 40 }), junk), inputResponses: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), junk, { maxKeys: 2 }), junk) }, { requiredKeys: [] }),
  'tasks/cancel': fc.record({ taskId: fc.oneof(fc.string({ maxLength: 40 }), junk) }, { requiredKeys: [] }),
  'tasks/result': fc.record({ taskId: fc.oneof(fc.string({ maxLength: 40 }), junk) }, { requiredKeys: [] }),
  'tasks/list': fc.record({ cursor: fc.oneof(fc.string({ maxLength: 10 }), junk) }, { requiredKeys: [] }),
  'resources/list': fc.record({ cursor: junk }, { requiredKeys: [] }),
  'notifications/cancelled': fc.record({ requestId: fc.oneof(id, junk), reason: junk }, { requiredKeys: [] }),
  'notifications/initialized': fc.constant({}),
  'no/such/method': fc.record({ x: junk }, { requiredKeys: [] }),
};
/** Methods whose params, when refused, must be refused as -32602 (never -32603). */
const NOTIFICATION = (method: string) => method.startsWith('notifications/');

type Era = 'modern' | 'legacy';
interface Sent {
  body: string;
  headers: Record<string, string>;
  /** A single request whose params are of a wrong type: must be answered -32602. */
  invalidParams?: boolean;
}

/** What a 2026-07-28 client declares: nothing, or tasks and elicitation (so calls may become tasks, and ask first). */
const CAPABILITIES = [{}, { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} }];

const message = fc.record({ method: fc.constantFrom(...Object.keys(METHODS)), id, era: fc.constantFrom<Era>('modern', 'legacy'), capabilities: fc.constantFrom(...CAPABILITIES) }).chain(({ method, id, era, capabilities }) =>
  METHODS[method]!.map((params) => {
    const body: Record<string, unknown> = { jsonrpc: '2.0', method, params: era === 'modern' ? envelope(params, { 'io.modelcontextprotocol/clientCapabilities': capabilities }) : params };
    if (!NOTIFICATION(method)) body.id = id;
    return { body, era, method, name: typeof params.name === 'string' ? params.name : undefined };
  }),
);

function headersFor(era: Era, method: string, name?: string): Record<string, string> {
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  if (era === 'legacy') return { ...base, 'mcp-protocol-version': LEGACY };
  return { ...base, 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}) };
}

const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/**
 * Well-formed params and the JSON type of each field the SDK or graph-mcp
 * checks, per method and era: a value of another type there is -32602.
 * (2026-07-28 cross-checks `name` with a header first, and gates `tasks/*`
 * on a capability: those are fuzzed above, not here.)
 */
type JsonType = 'string' | 'object';
const TYPED: Array<{ method: string; eras: Era[]; params: Record<string, unknown>; fields: Record<string, JsonType> }> = [
  { method: 'initialize', eras: ['legacy'], params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: 'f', version: '1' } }, fields: { protocolVersion: 'string', capabilities: 'object', clientInfo: 'object' } },
  { method: 'tools/list', eras: ['legacy', 'modern'], params: { cursor: 'c' }, fields: { cursor: 'string' } },
  { method: 'tools/call', eras: ['legacy'], params: { name: 'echo', arguments: { text: 'x' } }, fields: { name: 'string', arguments: 'object' } },
  { method: 'tools/call', eras: ['modern'], params: { name: 'echo', arguments: { text: 'x' } }, fields: { arguments: 'object' } },
  { method: 'tasks/get', eras: ['legacy'], params: { taskId: 't' }, fields: { taskId: 'string' } },
  { method: 'tasks/cancel', eras: ['legacy'], params: { taskId: 't' }, fields: { taskId: 'string' } },
  { method: 'tasks/list', eras: ['legacy'], params: { cursor: 'c' }, fields: { cursor: 'string' } },
];
const notOfType = (type: JsonType) =>
  type === 'string' ? fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 })) : fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 5 }), fc.array(fc.integer(), { maxLength: 2 }));
const wrongTyped: fc.Arbitrary<Sent> = fc.constantFrom(...TYPED).chain((row) =>
  fc.tuple(fc.constantFrom(...row.eras), fc.constantFrom(...Object.keys(row.fields)), id).chain(([era, field, requestId]) =>
    notOfType(row.fields[field]!).map((value) => {
      const params = { ...row.params, [field]: value };
      return {
        body: JSON.stringify({ jsonrpc: '2.0', id: requestId, method: row.method, params: era === 'modern' ? envelope(params) : params }),
        headers: headersFor(era, row.method, typeof params.name === 'string' ? params.name : undefined),
        invalidParams: true,
      };
    }),
  ),
);

/** The ids a 2025-era batch must answer, each exactly once: every element with an id that is not a response. */
function batchIds(sent: Sent): string[] | undefined {
  if (sent.headers['mcp-protocol-version'] !== LEGACY) return undefined;
  let items: unknown;
  try {
    items = JSON.parse(sent.body);
  } catch {
    return undefined; // broken JSON that happens to start with '[': not a batch
  }
  if (!Array.isArray(items)) return undefined;
  const ids = items.flatMap((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return [];
    const { id: itemId, result, error } = item as { id?: unknown; result?: unknown; error?: unknown };
    if (typeof itemId !== 'string' && typeof itemId !== 'number') return [];
    const isResponse = (item as { jsonrpc?: unknown }).jsonrpc === '2.0' && (result !== undefined || error !== undefined);
    return isResponse ? [] : [`${typeof itemId}:${itemId}`];
  });
  return ids;
}

/** 2026-07-28 calls that may become tasks or ask first: right or wrong answers, states and arguments. */
const taskCall: fc.Arbitrary<Sent> = fc
  .record({
    name: fc.constantFrom('asks_first', 'as_task'),
    id,
    arguments: fc.oneof(fc.constant({}), fc.record({ user_name: fc.string({ maxLength: 8 }) }), fc.record({ text: fc.string({ maxLength: 8 }) }), junk),
    inputResponses: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.record({ action: fc.constantFrom('accept', 'decline', 'cancel'), content: fc.record({ name: fc.oneof(fc.string({ maxLength: 8 }), junk) }) }), junk), { maxKeys: 2 }), { nil: undefined }),
    requestState: fc.option(fc.oneof(fc.string({ maxLength: 60 }), junk), { nil: undefined }),
  })
  .map(({ name, id: requestId, arguments: args, inputResponses, requestState }) => ({
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: requestId,
      method: 'tools/call',
      params: envelope({ name, arguments: args, ...(inputResponses === undefined ? {} : { inputResponses }), ...(requestState === undefined ? {} : { requestState }) }, { 'io.modelcontextprotocol/clientCapabilities': CAPABILITIES[1] }),
    }),
    headers: headersFor('modern', 'tools/call', name),
  }));

const request: fc.Arbitrary<Sent> = fc.oneof(
  { weight: 2, arbitrary: taskCall },
  // a known method with one checked param of a wrong type
  { weight: 3, arbitrary: wrongTyped },
  // one message of the method table
  { weight: 10, arbitrary: message.map(({ body, era, method, name }) => ({ body: JSON.stringify(body), headers: headersFor(era, method, name) })) },
  // batches, duplicate ids included
  {
    weight: 3,
    arbitrary: fc.tuple(fc.array(message, { maxLength: 4 }), fc.array(junk, { maxLength: 2 }), fc.constantFrom<Era>('modern', 'legacy'), fc.boolean()).map(([messages, extra, era, repeat]) => ({
      // `repeat`: the first message again, with its id.
      body: JSON.stringify([...messages.map((m) => m.body), ...extra, ...(repeat && messages.length > 0 ? [messages[0]!.body] : [])]),
      headers: headersFor(era, 'tools/list'),
    })),
  },
  // broken JSON, and JSON that is not JSON-RPC
  { weight: 2, arbitrary: fc.tuple(fc.string({ maxLength: 80 }), fc.constantFrom<Era>('modern', 'legacy')).map(([text, era]) => ({ body: text, headers: headersFor(era, 'tools/list') })) },
  { weight: 2, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom<Era>('modern', 'legacy')).map(([value, era]) => ({ body: JSON.stringify(value) ?? 'null', headers: headersFor(era, 'tools/list') })) },
  {
    weight: 2,
    arbitrary: fc.record({ jsonrpc: fc.oneof(fc.constant('2.0'), junk), id: fc.oneof(id, junk), method: fc.oneof(fc.constantFrom(...Object.keys(METHODS)), junk), params: junk }, { requiredKeys: [] }).map((body) => ({
      body: JSON.stringify(body),
      headers: headersFor('legacy', 'tools/list'),
    })),
  },
  // headers: versions, accept, content type
  {
    weight: 2,
    arbitrary: fc
      .record({
        version: fc.oneof(fc.constantFrom(MODERN, LEGACY, '2025-06-18', '2025-03-26', '1999-01-01', ''), fc.string({ maxLength: 12 })),
        accept: fc.constantFrom('application/json, text/event-stream', 'application/json', 'text/event-stream', '*/*', 'text/html'),
        type: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded'),
        method: fc.constantFrom('tools/list', 'tools/call', 'ping'),
      })
      .map(({ version, accept, type, method }) => ({
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: envelope({ name: 'echo', arguments: { text: 'h' } }) }),
        headers: { 'content-type': type, accept, 'mcp-method': method, ...(version ? { 'mcp-protocol-version': version.replace(/[^\x20-\x7e]/g, '') } : {}) },
      })),
  },
  // oversize and deep bodies
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom('oversize', 'deep-params', 'deep-body', 'deep-args'), fc.constantFrom<Era>('modern', 'legacy')).map(([kind, era]) => {
      const call = (params: string) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${params}}`;
      const body =
        kind === 'oversize'
          ? JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(MAX_BODY) } })
          : kind === 'deep-body'
            ? deep(5_000)
            : kind === 'deep-params'
              ? call(`{"name":"echo","arguments":{"text":"a"},"x":${deep(5_000)}}`)
              : call(`{"name":"echo","arguments":{"text":${deep(5_000)}}}`);
      return { body, headers: headersFor(era, 'tools/call', 'echo') };
    }),
  },
);

/** Codes a refusal may carry: JSON-RPC's own and the MCP range; -32603 (internal error) is never one of them. */
const expectedCode = (code: number) => [-32700, -32600, -32601, -32602].includes(code) || (code >= -32099 && code <= -32000);

function checkMessage(m: Record<string, any>, context: string) {
  assert.equal(m.jsonrpc, '2.0', context);
  if ('method' in m) return; // a notification or request from the server on the stream
  assert.ok(m.id === null || typeof m.id === 'string' || typeof m.id === 'number', `id: ${context}`);
  assert.ok(('result' in m) !== ('error' in m), `result xor error: ${context}`);
  if ('error' in m) {
    assert.ok(Number.isInteger(m.error.code) && typeof m.error.message === 'string', `error shape: ${context}`);
    assert.ok(expectedCode(m.error.code), `unexpected code ${m.error.code}: ${context}`);
  }
}

test(`${RUNS} fuzzed requests, both eras: no 5xx, every answer JSON-RPC or a documented HTTP error, invalid params are -32602`, async () => {
  const statuses = new Map<number, number>();
  // Results by kind: the task and ask-first surfaces must be reached, not only refused.
  const kinds = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(request, async (sent) => {
      const response = await fetch(server.url, { method: 'POST', headers: sent.headers, body: sent.body });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const context = `${response.status} ${text.slice(0, 300)} <- ${sent.body.slice(0, 200)} ${JSON.stringify(sent.headers)}`;
      assert.ok(response.status < 500, context);
      assert.ok([200, 202, 400, 403, 404, 405, 406, 413, 415].includes(response.status), `undocumented status: ${context}`);
      if (text.trim() === '') {
        assert.ok(response.status === 202 || response.status === 200, `empty body: ${context}`);
        return;
      }
      let messages: Array<Record<string, any>>;
      try {
        messages = parseMessages(text, response.headers.get('content-type'));
      } catch {
        assert.fail(`not JSON-RPC: ${context}`);
      }
      for (const m of messages) checkMessage(m, context);
      for (const m of messages) {
        const kind = m.result?.resultType ?? (m.result?.task ? 'task' : undefined);
        if (typeof kind === 'string') kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      // A wrong-typed param of a known method is -32602, with a message a person can read.
      for (const m of messages) if (m.error?.code === -32602) assert.ok(!/"code":\s*"invalid_type"/.test(m.error.message), `raw dump: ${context}`);
      if (sent.invalidParams) assert.deepEqual(messages.filter((m) => !('method' in m)).map((m) => m.error?.code), [-32602], `invalid params: ${context}`);
      // A 2025-era batch (§6): one answer per request id, none lost, none twice; a repeated id refuses the batch whole.
      const ids = batchIds(sent);
      if (ids !== undefined && response.status === 200) {
        const answered = messages.filter((m) => !('method' in m) && m.id !== null).map((m) => `${typeof m.id}:${m.id}`);
        assert.deepEqual(answered.sort(), [...ids].sort(), `each request of the batch answered once: ${context}`);
      }
      if (ids !== undefined && new Set(ids).size !== ids.length) assert.equal(response.status, 400, `a batch repeating an id: ${context}`);
    }),
    { seed: 20260728, numRuns: RUNS, endOnFailure: true, includeErrorInReport: true },
  );
  assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, `a spread of answers: ${JSON.stringify([...statuses])}`);
  for (const kind of ['complete', 'task', 'input_required']) assert.ok((kinds.get(kind) ?? 0) > 0, `some ${kind} results among ${JSON.stringify([...kinds])}`);

  // Serving normally afterwards, with no run left behind.
  const answer = await callModern(server.url, 'echo', { text: 'after the fuzz' });
  assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'after the fuzz' });
  const deadline = Date.now() + 10_000;
  while (server.graphMcp.runs.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(server.graphMcp.runs.size, 0, 'no run left behind');
});
