// Closing a running server: runs in flight finish within the grace period; the rest are stopped and answered.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { TASK_RESULT_ON_CLOSE } from '../../src/mcp/tasks.js';
import { SHUTTING_DOWN } from '../../src/http/app.js';
import { ran } from '../fixtures/graphs/basic.js';
import { startServer } from '../helpers/server.js';
import { callModern, rawConnection } from '../helpers/raw.js';
import { until } from '../helpers/wait.js';

const config = { graphs: { slow: './graphs/basic.ts:slow' } };

/** Waits until the server has a run in flight. */
async function runInFlight(server: { graphMcp: { runs: { size: number } } }) {
  const deadline = Date.now() + 10_000;
  while (server.graphMcp.runs.size === 0) {
    if (Date.now() > deadline) throw new Error('the run never started');
    await sleep(5);
  }
}

/** A config for `graphs` on a SQLite file in a fresh directory, which `use` may serve from several servers in turn. */
async function onSharedStore(graphs: Record<string, string>, use: (config: { graphs: Record<string, string>; store: { type: 'sqlite'; path: string } }) => Promise<void>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-shutdown-'));
  try {
    await use({ graphs, store: { type: 'sqlite', path: path.join(dir, 'runs.sqlite') } });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A v1 client that can be asked, and a person who never answers; `asked` resolves at the first question. */
async function slowPerson(url: string) {
  const client = new V1Client({ name: 'slow-person', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  let wasAsked!: () => void;
  const asked = new Promise<void>((resolve) => (wasAsked = resolve));
  client.setRequestHandler(ElicitRequestSchema, () => {
    wasAsked();
    return new Promise<never>(() => undefined);
  });
  await client.connect(new V1Transport(new URL(url)));
  return { client, asked };
}

test('a run that ends within the grace period delivers its result; new requests are turned away', async () => {
  const server = await startServer(config);
  const call = callModern(server.url, 'slow', { label: 'grace-ok', ms: 100 });
  await runInFlight(server);
  const closing = server.close(5_000);
  await sleep(20);
  const late = await callModern(server.url, 'slow', { label: 'late', ms: 1 }).then(
    (answer) => answer.status,
    () => 'refused',
  );
  assert.ok(late === 503 || late === 'refused', `a request after close is not served (got ${late})`);
  const answer = await call;
  assert.deepEqual(answer.messages[0]?.result?.structuredContent?.steps, ['one', 'two', 'three', 'four']);
  await closing;
});

test("a request that reaches a closing server on a kept-alive connection is answered 503 in JSON-RPC's form, with Retry-After", async () => {
  const server = await startServer(config);
  const { socket, port, received: receivedSoFar, closed } = await rawConnection(server.url);
  const request = (id: number, method: string, params: Record<string, unknown>) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    return `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  socket.write(request(1, 'tools/call', { name: 'slow', arguments: { label: 'kept-alive', ms: 200 } }));
  // A longer run on another connection keeps the server draining (not yet closing every
  // connection) well after the first answer, however slow the machine.
  const longer = callModern(server.url, 'slow', { label: 'longer', ms: 2_500 });
  await until('both runs in flight', async () => (server.graphMcp.runs.size >= 2 ? true : undefined), 10_000);
  const closing = server.close(10_000);
  // Once the run's answer is in, the next request on the same connection.
  await until('the first answer', async () => (receivedSoFar().includes('"id":1}') ? true : undefined), 10_000);
  socket.write(request(2, 'tools/list', {}));
  await closed;
  await longer;
  await closing;
  const received = receivedSoFar();
  const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
  assert.deepEqual(statuses, ['200', '503'], received);
  const refusal = received.slice(received.lastIndexOf('HTTP/1.1 503'));
  assert.match(refusal, /\r\nretry-after: 1\r\n/i);
  const body = JSON.parse(refusal.slice(refusal.indexOf('\r\n\r\n') + 4)) as { jsonrpc: string; error: { code: number; message: string }; id: null };
  assert.deepEqual(body, { jsonrpc: '2.0', error: { code: -32000, message: SHUTTING_DOWN }, id: null });
});

test('a run still going when the grace period ends is stopped and answered with an isError result', async () => {
  const server = await startServer(config);
  const call = callModern(server.url, 'slow', { label: 'grace-over', ms: 2_000 });
  await runInFlight(server);
  await Promise.all([server.close(200), call]);
  const answer = await call;
  // Each step takes 2 s: a run that had been let finish would have recorded its steps.
  assert.deepEqual(ran.filter((step) => step.startsWith('grace-over:')), [], 'the run was stopped, not waited for');
  const result = answer.messages[0]?.result;
  assert.equal(result?.isError, true);
  assert.equal(result.content[0].text, 'Tool "slow" was stopped: the server is shutting down. Try again.');
});

test('a 2025-era call still waiting for its question when the grace period ends answers with its paused run, which another server resumes', () =>
  onSharedStore({ refund: '../../graphs/approval.ts:graph' }, async (shared) => {
    const first = await startServer(shared, { configStore: true });
    const { client, asked } = await slowPerson(first.url);
    const call = client.callTool({ name: 'refund', arguments: { customer: 'Ada', amount: 500 } });
    await asked;
    await first.close(200);
    const result = await call;
    await client.close();
    assert.equal(result.isError, true);
    const text = (result.content as Array<{ text: string }>)[0]!.text;
    assert.match(text, /paused to ask a question; it has not failed/);
    assert.match(text, /Approve a refund of \$500 to Ada\?/);
    const run = (result._meta as Record<string, { id: string; status: string }>)['graph-mcp/run']!;
    assert.equal(run.status, 'input_required');

    // Nothing was lost: the run waits in the store, and another server resumes it.
    const second = await startServer(shared, { configStore: true });
    const other = new V1Client({ name: 'model', version: '1.0.0' });
    try {
      await other.connect(new V1Transport(new URL(second.url)));
      const resumed = await other.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: { approved: true } } });
      assert.notEqual(resumed.isError, true, JSON.stringify(resumed.content));
      assert.deepEqual(resumed.structuredContent, { status: 'refunded', approved_by: 'person' });
    } finally {
      await other.close();
      await second.close(0);
    }
  }));

test("a 2025-era tasks/result waiting on its task's question is answered when the server begins to close; another server serves the task", () =>
  onSharedStore({ ask_name: './graphs/hitl.ts:askName' }, async (shared) => {
    const first = await startServer(shared, { configStore: true });
    const { client, asked } = await slowPerson(first.url);
    const messages: Array<{ type: string; task?: { taskId: string }; error?: Error }> = [];
    const streamed = (async () => {
      for await (const message of client.experimental.tasks.callToolStream({ name: 'ask_name', arguments: {} }, CallToolResultSchema, { task: {} })) {
        messages.push(message as (typeof messages)[number]);
      }
    })();
    await asked;
    // The grace period is long: tasks/result does not wait for it.
    const closed = first.close(30_000);
    await streamed;
    await closed;
    await client.close();
    const last = messages.at(-1)!;
    assert.equal(last.type, 'error', JSON.stringify(messages));
    assert.ok(String(last.error?.message).includes(TASK_RESULT_ON_CLOSE), String(last.error?.message));
    const taskId = messages.find((message) => message.type === 'taskCreated')!.task!.taskId;

    // Nothing was lost: another server asks the question again, and finishes the task.
    const second = await startServer(shared, { configStore: true });
    const other = new V1Client({ name: 'person', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    other.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { answer: 'Grace' } }));
    try {
      await other.connect(new V1Transport(new URL(second.url)));
      const result = await other.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
      assert.deepEqual(result.structuredContent, { answer: 'Hello, Grace!' });
    } finally {
      await other.close();
      await second.close(0);
    }
  }));
