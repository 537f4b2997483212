// A deploy between a pause and its answer (or a task's takeover) changes the graph: a run
// that stopped before a node the new version no longer has is ended with GRAPH_CHANGED, not
// reported complete with its answer and the rest of its work dropped.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { changedVisits } from '../fixtures/graphs/changed.js';
import { envelope, modernHeaders, post, taskRequest } from '../helpers/raw.js';
import { FIXTURES, startServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

let dir: string;
let configCount = 0;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-changed-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A config serving `graph` (a fixture `file:export`) as tool `tool`; every config shares one SQLite store. */
async function config(graph: string, tool = 'approve'): Promise<string> {
  const file = path.join(dir, `${(configCount += 1)}.config.json`);
  await writeFile(file, JSON.stringify({ graphs: { [tool]: path.join(FIXTURES, 'graphs', graph) }, store: { type: 'sqlite', path: path.join(dir, 'state.sqlite') } }));
  return file;
}

const approve = { action: 'accept', content: { answer: 'yes' } };

function call(url: string, params: Record<string, unknown>) {
  return post(
    url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'approve', arguments: { item: 'refund' }, ...params }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } }) },
    modernHeaders('tools/call', 'approve'),
  );
}

/**
 * Pauses a call served by graph `first`, then answers every question it asks with `content`
 * on a server of graph `then`, one server after the other: the deploy between the two.
 */
async function pauseThenAnswer(first: string, then: string, args: Record<string, unknown> = { item: 'refund' }, content: Record<string, unknown> = { answer: 'yes' }): Promise<Record<string, any>> {
  const old = await startServer(await config(first), { configStore: true });
  const asked = (await call(old.url, { arguments: args })).messages[0]?.result;
  await old.close(0);
  assert.equal(asked?.resultType, 'input_required', JSON.stringify(asked));
  const inputResponses = Object.fromEntries(Object.keys(asked.inputRequests).map((key) => [key, { action: 'accept', content }]));
  const deployed = await startServer(await config(then), { configStore: true });
  try {
    return (await call(deployed.url, { arguments: args, requestState: asked.requestState, inputResponses })).messages[0]!;
  } finally {
    await deployed.close(0);
  }
}

function assertChanged(answered: Record<string, any>, node: string): void {
  assert.equal(answered.result?.isError, true, JSON.stringify(answered));
  assert.equal(answered.result._meta['graph-mcp/error'].code, 'GRAPH_CHANGED');
  assert.match(answered.result.content[0].text, new RegExp(`stopped before "${node.replace(/[.]/g, '\\.')}", which this version of the graph no longer has`));
}

test('a paused call answered after a deploy renamed the node it stopped before: GRAPH_CHANGED, and nothing after it runs', async () => {
  changedVisits.length = 0;
  assertChanged(await pauseThenAnswer('changed.ts:before', 'changed.ts:renamed'), 'ask');
  assert.deepEqual(changedVisits, ['before.prep', 'before.ask'], 'neither the renamed node nor the one after it ran');
});

test('the same answer after a deploy that kept the node goes on where the run stopped', async () => {
  changedVisits.length = 0;
  const answered = await pauseThenAnswer('changed.ts:before', 'changed.ts:same');
  assert.equal(answered.result?.structuredContent?.approved, 'yes', JSON.stringify(answered));
  assert.deepEqual(changedVisits, ['before.prep', 'before.ask', 'same.ask', 'same.finish']);
});

test('a deploy that renamed a node which ran before the pause: the run goes on where it stopped', async () => {
  changedVisits.length = 0;
  const answered = await pauseThenAnswer('changed.ts:before', 'changed.ts:prepRenamed');
  assert.deepEqual(answered.result?.structuredContent, { item: 'refund', approved: 'yes', done: true }, JSON.stringify(answered));
  assert.deepEqual(changedVisits, ['before.prep', 'before.ask', 'prepRenamed.ask', 'prepRenamed.finish']);
});

test('a deploy that renamed the node a Send went to: GRAPH_CHANGED', async () => {
  assertChanged(await pauseThenAnswer('changed.ts:sendToWorker', 'changed.ts:sendToRenamedWorker'), 'worker');
});

test("an agent whose human-in-the-loop middleware a deploy took out: GRAPH_CHANGED", async () => {
  const answered = await pauseThenAnswer('hitl.ts:reviewedAgent', 'changed.ts:unreviewedAgent', { message: 'email Bob' }, { decision: 'approve' });
  assertChanged(answered, 'HumanInTheLoopMiddleware.after_model');
});

test('a task answered after a deploy renamed the node it waits in: completed with GRAPH_CHANGED', async () => {
  changedVisits.length = 0;
  const first = await startServer(await config('changed.ts:before'), { configStore: true });
  let taskId: string;
  try {
    const created = await taskRequest(first.url, 'tools/call', { name: 'approve', arguments: { item: 'refund' } });
    taskId = created.result.taskId;
    await until('the question', async () => ((await taskRequest(first.url, 'tasks/get', { taskId })).result?.status === 'input_required' ? true : undefined));
  } finally {
    await first.close(0);
  }
  const second = await startServer(await config('changed.ts:renamed'), { configStore: true });
  try {
    await taskRequest(second.url, 'tasks/update', { taskId, inputResponses: { approve } });
    const done = await until('its end', async () => {
      const task = (await taskRequest(second.url, 'tasks/get', { taskId })).result;
      return task?.status === 'completed' ? task : undefined;
    });
    assert.equal(done.result.isError, true, JSON.stringify(done));
    assert.equal(done.result._meta['graph-mcp/error'].code, 'GRAPH_CHANGED');
    assert.ok(!changedVisits.includes('renamed.finish'));
  } finally {
    await second.close(0);
  }
});

test('a task of a tool a deploy renamed: its owner is told so, not that it never existed, and may still cancel it', async () => {
  const first = await startServer(await config('changed.ts:before'), { configStore: true });
  const ids: string[] = [];
  try {
    for (const item of ['refund', 'credit']) {
      const taskId = (await taskRequest(first.url, 'tools/call', { name: 'approve', arguments: { item } })).result.taskId as string;
      await until('the question', async () => ((await taskRequest(first.url, 'tasks/get', { taskId })).result?.status === 'input_required' ? true : undefined));
      ids.push(taskId);
    }
  } finally {
    await first.close(0);
  }
  const [taskId, other] = ids as [string, string];
  const notServed = new RegExp(`${taskId} is of tool "approve", which this server does not serve \\(a deploy removed or renamed it, or only other processes serve it\\)`);
  const renamed = await startServer(await config('changed.ts:before', 'approval'), { configStore: true });
  try {
    const got = await taskRequest(renamed.url, 'tasks/get', { taskId });
    assert.equal(got.error?.code, -32602, JSON.stringify(got));
    assert.match(got.error.message, notServed);
    for (const [tool, args] of [['get_run', { run_id: taskId }], ['resume_run', { run_id: taskId, answer: 'yes' }]] as const) {
      const answered = (await taskRequest(renamed.url, 'tools/call', { name: tool, arguments: args })).result;
      assert.equal(answered?._meta?.['graph-mcp/error']?.code, 'RUN_NOT_FOUND', `${tool}: ${JSON.stringify(answered)}`);
      assert.match(answered.content[0].text, notServed);
    }
    const cancelled = await taskRequest(renamed.url, 'tasks/cancel', { taskId });
    assert.ok(cancelled.result, JSON.stringify(cancelled));
    const viaTool = (await taskRequest(renamed.url, 'tools/call', { name: 'cancel_run', arguments: { run_id: other } })).result;
    assert.equal(viaTool?._meta?.['graph-mcp/run']?.status, 'cancelled', JSON.stringify(viaTool));
  } finally {
    await renamed.close(0);
  }
  const back = await startServer(await config('changed.ts:before'), { configStore: true });
  try {
    for (const id of ids) assert.equal((await taskRequest(back.url, 'tasks/get', { taskId: id })).result?.status, 'cancelled');
  } finally {
    await back.close(0);
  }
});
