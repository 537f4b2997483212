// defaults.max_stored_runs_per_caller: what one caller may keep in the store (paused runs, tasks,
// run handles). Past it nothing more is stored for that caller, in each way a run would be, and
// every other caller goes on as before.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { dropSchema, freshSchema, POSTGRES_URL, postgresReady } from '../helpers/postgres.js';
import { callModern, envelope, modernHeaders, post, taskRequest } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startServer(
    {
      name: 'limit-test',
      defaults: { max_stored_runs_per_caller: 2 },
      graphs: {
        ask_name: './graphs/hitl.ts:askName',
        slow: { path: './graphs/hitl.ts:slow', max_wait_ms: 250 },
        ask_first: { path: './graphs/hitl.ts:askThenWork', task: 'required', task_starts_at: 'work' },
      },
    },
    { load: { authenticate: (request) => ({ id: request.headers.get('x-user') ?? 'anonymous', scopes: [] }) } },
  );
});
after(() => server.close(0));

/** A 2026-07-28 `tools/call` from a client that can answer forms but polls no tasks: its JSON-RPC result. */
async function call(user: string, name: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const answer = await post(
    server.url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name, arguments: args }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } }) },
    { ...modernHeaders('tools/call', name), 'x-user': user },
  );
  const result = answer.messages.find((message) => 'result' in message)?.result;
  assert.ok(result !== undefined, answer.text);
  return result;
}

const errorCode = (result: Record<string, any>) => result._meta?.['graph-mcp/error']?.code as string | undefined;

test('a run that pauses past the limit ends with TOO_MANY_RUNS, and no task is created; other callers are not counted with it', async () => {
  for (let i = 0; i < 2; i += 1) assert.equal((await call('alice', 'ask_name', {})).resultType, 'input_required');
  const third = await call('alice', 'ask_name', {});
  assert.equal(errorCode(third), 'TOO_MANY_RUNS', JSON.stringify(third));
  assert.equal(third.isError, true);
  assert.match(third.content[0].text, /^Tool "ask_name": the run paused to ask a question and cannot be kept to wait for the answer, but you have 2 runs stored, the most one caller may have/);
  assert.ok(server.logs.lines.some((line) => line.includes('TOO_MANY_RUNS')), 'the log says why');

  const task = (await taskRequest(server.url, 'tools/call', { name: 'slow', arguments: { step_ms: 1 } }, { 'x-user': 'alice' })).result;
  assert.equal(errorCode(task), 'TOO_MANY_RUNS', JSON.stringify(task));
  assert.match(task.content[0].text, /no task was created/);
  assert.equal(await server.graphMcp.store!.runs.countLive('alice', 10), 2, 'nothing more was stored for alice');

  // A 2025-era task request is answered with a task or an error: a JSON-RPC error, which its client reads.
  const legacy = new V1Client({ name: 'limit-v1', version: '1.0.0' });
  await legacy.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'alice' } } }));
  try {
    await assert.rejects(legacy.request({ method: 'tools/call', params: { name: 'slow', arguments: { step_ms: 1 }, task: {} } }, CreateTaskResultSchema), (error: Error & { code?: number }) => {
      assert.equal(error.code, -32000);
      assert.match(error.message, /you have 2 runs stored, the most one caller may have/);
      return true;
    });
  } finally {
    await legacy.close();
  }

  assert.equal((await call('bob', 'ask_name', {})).resultType, 'input_required', "bob's runs are his own count");
  assert.equal((await taskRequest(server.url, 'tools/call', { name: 'slow', arguments: { step_ms: 1 } }, { 'x-user': 'bob' })).result.resultType, 'task');
});

test('a call past the limit that outlasts max_wait_ms is not handed a run handle: it waits for its run', async () => {
  const quickStored = await call('carol', 'slow', { step_ms: 100 });
  assert.equal(quickStored._meta?.['graph-mcp/run']?.status, 'working', 'under the limit: a run handle');
  assert.equal((await call('carol', 'ask_name', {})).resultType, 'input_required');
  const waited = await call('carol', 'slow', { step_ms: 100 });
  assert.equal(waited._meta?.['graph-mcp/run'], undefined, JSON.stringify(waited));
  assert.equal(waited.isError, undefined, JSON.stringify(waited));
  assert.equal(waited.structuredContent?.done, 6, 'the whole run, answered in the call');
});

test('a run that reaches the step where its task begins past the limit is no task: TOO_MANY_RUNS; one that asked on the way already has its record, and becomes its task', async () => {
  const asked = (await taskRequest(server.url, 'tools/call', { name: 'ask_first', arguments: {} }, { 'x-user': 'dan' })).result;
  assert.equal(asked.resultType, 'input_required');
  assert.equal((await call('dan', 'ask_name', {})).resultType, 'input_required');
  const direct = (await taskRequest(server.url, 'tools/call', { name: 'ask_first', arguments: { user_name: 'Lin' } }, { 'x-user': 'dan' })).result;
  assert.equal(errorCode(direct), 'TOO_MANY_RUNS', JSON.stringify(direct));
  assert.match(direct.content[0].text, /reached the step where its task begins, and no task was created/);
  const answered = { name: 'ask_first', arguments: {}, requestState: asked.requestState, inputResponses: { q1: { action: 'accept', content: { name: 'Ada' } } } };
  const task = (await taskRequest(server.url, 'tools/call', answered, { 'x-user': 'dan' })).result;
  assert.equal(task.resultType, 'task', JSON.stringify(task));
});

test('a run that ends while its caller\'s stored runs are counted (after max_wait_ms) answers its call: it is not handed out as a run that never ends', { timeout: 60_000 }, async () => {
  // The count, a store round trip, made slow enough for the run to end meanwhile.
  const store = new MemoryStore();
  const count = store.runs.countLive.bind(store.runs);
  store.runs.countLive = async (owner, atMost) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return count(owner, atMost);
  };
  const racing = await startServer({ name: 'count-race', graphs: { slow: { path: './graphs/hitl.ts:slow', max_wait_ms: 250 } } }, { load: { store } });
  try {
    const answer = await callModern(racing.url, 'slow', { step_ms: 50 });
    const result = answer.messages.find((message) => 'result' in message)?.result;
    assert.equal(result?._meta?.['graph-mcp/run'], undefined, answer.text);
    assert.equal(result?.structuredContent?.done, 6, answer.text);
    assert.equal(await count('', 10), 0, 'nothing was stored for it');
  } finally {
    // A run handed out and never settled held the shutdown for ever.
    await racing.close(2_000);
  }
});

test('0 is no limit', async () => {
  const unlimited = await startServer(
    { name: 'no-limit', defaults: { max_stored_runs_per_caller: 0 }, graphs: { ask_name: './graphs/hitl.ts:askName' } },
    { load: { authenticate: () => ({ id: 'erin', scopes: [] }) } },
  );
  try {
    for (let i = 0; i < 3; i += 1) {
      const answer = await post(
        unlimited.url,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'ask_name', arguments: {} }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } }) },
        modernHeaders('tools/call', 'ask_name'),
      );
      assert.equal(answer.messages[0]?.result?.resultType, 'input_required', answer.text);
    }
  } finally {
    await unlimited.close(0);
  }
});

if (await postgresReady('the stored-runs limit on PostgreSQL')) {
  test("one caller's runs pausing (or tasks created) at the same moment, on two processes sharing PostgreSQL, store no more than the limit: counted with the insert, not before it", { timeout: 60_000 }, async () => {
    const schema = freshSchema('limit');
    const config = { name: 'limit-pg', defaults: { max_stored_runs_per_caller: 2 }, graphs: { ask_name: './graphs/hitl.ts:askName', slow: './graphs/hitl.ts:slow' } };
    const load = async () => ({ store: await PostgresStore.open({ connectionString: POSTGRES_URL, schema }), authenticate: (request: Request) => ({ id: request.headers.get('x-user') ?? 'anonymous', scopes: [] }) });
    const one = await startServer(config, { load: await load() });
    const two = await startServer(config, { load: await load() });
    try {
      const servers = [one, two];
      const pausing = async (i: number) => {
        const answer = await post(
          servers[i % 2]!.url,
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'ask_name', arguments: {} }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } }) },
          { ...modernHeaders('tools/call', 'ask_name'), 'x-user': 'erin' },
        );
        return answer.messages.find((message) => 'result' in message)?.result as Record<string, any>;
      };
      const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => pausing(i)));
      const outcomes = answers.map((result) => (result?.resultType === 'input_required' ? 'input_required' : errorCode(result ?? {})));
      assert.equal(outcomes.filter((outcome) => outcome === 'input_required').length, 2, JSON.stringify(outcomes));
      assert.equal(outcomes.filter((outcome) => outcome === 'TOO_MANY_RUNS').length, 14, JSON.stringify(outcomes));
      assert.equal(await one.graphMcp.store!.runs.countLive('erin', 100), 2);
      const tasks = await Promise.all(Array.from({ length: 16 }, (_, i) => taskRequest(servers[i % 2]!.url, 'tools/call', { name: 'slow', arguments: { step_ms: 1 } }, { 'x-user': 'frank' })));
      assert.equal(tasks.filter((answer) => errorCode(answer.result ?? {}) === 'TOO_MANY_RUNS').length, 14, JSON.stringify(tasks.map((answer) => answer.result ?? answer.text)));
      assert.equal(await one.graphMcp.store!.runs.countLive('frank', 100), 2);
    } finally {
      await two.close(0);
      await one.close(0);
      await dropSchema(schema);
    }
  });
}
