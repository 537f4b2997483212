// A graph compiled with its own checkpointer keeps using it; what a run wrote there under the
// thread graph-mcp gave it is deleted once the run ends, as it is from graph-mcp's own store.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { asked, saver, threadsLeft } from '../fixtures/graphs/own-saver.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { callModern, envelope, modernHeaders, post, taskRequest } from '../helpers/raw.js';
import { captureLogs } from '../helpers/server.js';
import { forgetThread } from '../../src/run/runs.js';
import { storeFailure } from '../../src/store/store-failure.js';
import { until } from '../helpers/wait.js';

let server: TestServer;
before(async () => {
  server = await startServer({ graphs: { echo_own: './graphs/own-saver.ts:echoOwn', ask_own: './graphs/own-saver.ts:askOwn', slow_own: './graphs/own-saver.ts:slowOwn', audited: './graphs/own-saver.ts:echoAudited' } });
});
after(() => server.close(0));

/** The deletes run in the background, after the answer. */
async function noThreadsLeft(): Promise<void> {
  for (let i = 0; i < 100 && threadsLeft().length > 0; i += 1) await sleep(20);
  assert.deepEqual(threadsLeft(), [], 'every run ended, so no thread is left in the graph\'s own saver');
}

test('start-up warns that a graph with its own MemorySaver keeps its pauses in this process only', () => {
  for (const name of ['echo_own', 'ask_own', 'slow_own', 'audited']) {
    assert.ok(
      server.logs.lines.some((line) => line.includes(`graph \\"${name}\\" was compiled with its own MemorySaver`)),
      `a warning names ${name}:\n${server.logs.text()}`,
    );
  }
});

test('calls that never pause leave nothing behind in it (each call had kept its thread for ever)', async () => {
  for (let i = 0; i < 5; i += 1) {
    const answer = await callModern(server.url, 'echo_own', { value: `v${i}` });
    assert.deepEqual(answer.messages[0]?.result?.structuredContent, { value: `echo v${i}` });
  }
  await noThreadsLeft();
});

test('a run that paused keeps its thread there until it is answered, then leaves nothing', async () => {
  const client = new V1Client({ name: 'own-saver', version: '1.0.0' });
  await client.connect(new V1Transport(new URL(server.url)));
  try {
    const paused = await client.callTool({ name: 'ask_own', arguments: { value: 'refund' } });
    const run = paused._meta?.['graph-mcp/run'] as { id: string; status: string };
    assert.equal(run.status, 'input_required');
    assert.deepEqual(threadsLeft(), [run.id], 'the paused run is in the graph\'s own saver');
    const done = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: 'yes' } });
    assert.deepEqual(done.structuredContent, { value: 'refund: yes' });
  } finally {
    await client.close();
  }
  await noThreadsLeft();
});

test('a task leaves nothing behind in it either', async () => {
  const created = await taskRequest(server.url, 'tools/call', { name: 'echo_own', arguments: { value: 'task' } });
  const taskId = created.result?.taskId as string;
  assert.ok(taskId, JSON.stringify(created));
  let status = created.result.status as string;
  for (let i = 0; i < 200 && status === 'working'; i += 1) {
    await sleep(20);
    status = (await taskRequest(server.url, 'tasks/get', { taskId })).result?.status;
  }
  assert.equal(status, 'completed');
  await noThreadsLeft();
});

test('a call its caller cancels mid-run leaves nothing behind either', async () => {
  const abort = new AbortController();
  const body = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: envelope({ name: 'slow_own', arguments: { value: 'gone' } }) };
  const call = post(server.url, body, modernHeaders('tools/call', 'slow_own'), abort.signal).catch(() => undefined);
  for (let i = 0; i < 200 && threadsLeft().length === 0; i += 1) await sleep(10);
  assert.equal(threadsLeft().length, 1, 'the run is under way, its thread in the saver');
  abort.abort();
  await call;
  await noThreadsLeft();
});

test("a custom checkpointer's deleteThread that throws, or returns no promise, is logged, never thrown into the run", async () => {
  const logs = captureLogs();
  assert.doesNotThrow(() => forgetThread({ deleteThread: () => { throw new Error('not supported'); } }, 'r1', logs.logger));
  assert.doesNotThrow(() => forgetThread({ deleteThread: (() => undefined) as unknown as (id: string) => Promise<void> }, 'r2', logs.logger));
  await logs.logged("deleting a run's checkpoints failed");
  assert.match(logs.text(), /not supported/);
  // A store's failure says only that; its cause has the driver's words, which the log keeps.
  assert.doesNotThrow(() => forgetThread({ deleteThread: () => Promise.reject(storeFailure(new Error('connection terminated unexpectedly'))) }, 'r3', logs.logger));
  await until('the cause to be logged', async () => (/"cause":"connection terminated unexpectedly"/.test(logs.text()) ? true : undefined), 5_000);
});

test("a resume in a process whose own checkpointer does not hold the run is refused, the run left as it was (it started over, asking anew, and the process holding it could no longer go on)", async () => {
  const client = new V1Client({ name: 'own-saver', version: '1.0.0' });
  await client.connect(new V1Transport(new URL(server.url)));
  try {
    const paused = await client.callTool({ name: 'ask_own', arguments: { value: 'elsewhere' } });
    const run = paused._meta?.['graph-mcp/run'] as { id: string };
    // As another process sees it: its own MemorySaver never held this run.
    const kept = structuredClone(saver.storage[run.id]);
    const keptWrites = Object.fromEntries(Object.entries(saver.writes).filter(([key]) => key.includes(run.id)));
    await saver.deleteThread(run.id);
    const startsBefore = asked.length;
    const refused = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: 'yes' } });
    assert.equal((refused._meta?.['graph-mcp/error'] as { code: string }).code, 'ANSWER_INVALID', JSON.stringify(refused));
    assert.match((refused.content as Array<{ text: string }>)[0]!.text, /this process does not hold the run/);
    assert.equal(asked.length, startsBefore, 'the graph did not start over');
    // Back in the process that holds it: the answer goes through.
    saver.storage[run.id] = kept!;
    Object.assign(saver.writes, keptWrites);
    const done = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: 'yes' } });
    assert.deepEqual(done.structuredContent, { value: 'elsewhere: yes' }, JSON.stringify(done));
  } finally {
    await client.close();
  }
});
