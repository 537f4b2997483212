// A deploy between a pause and its answer (or a task's takeover) changes the graph. An answer
// to a run that stopped before a node this server's version does not have is refused, the run
// left paused for a server that has it (a rolling deploy); a task taken over there ends with
// GRAPH_CHANGED. Neither is reported complete with its answer or the rest of its work dropped.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { changedVisits } from '../fixtures/graphs/changed.js';
import { envelope, legacyHeaders, modernHeaders, post, taskRequest } from '../helpers/raw.js';
import { FIXTURES, startServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

let dir: string;
let configCount = 0;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-changed-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A config serving `graph` (a fixture `file:export`) as tool `tool`, with `input_schema` when given; every config shares one SQLite store. */
async function config(graph: string, tool = 'approve', inputSchema?: Record<string, unknown>): Promise<string> {
  const file = path.join(dir, `${(configCount += 1)}.config.json`);
  const served = path.join(FIXTURES, 'graphs', graph);
  const graphs = { [tool]: inputSchema === undefined ? served : { path: served, input_schema: inputSchema } };
  await writeFile(file, JSON.stringify({ graphs, store: { type: 'sqlite', path: path.join(dir, 'state.sqlite') } }));
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

/** Pauses a call served by graph `first` (a config file, or a fixture `file:export`): its question, as a server of that version asked it. */
async function pause(first: string, args: Record<string, unknown>): Promise<Record<string, any>> {
  const old = await startServer(first.endsWith('.json') ? first : await config(first), { configStore: true });
  try {
    const asked = (await call(old.url, { arguments: args })).messages[0]?.result;
    assert.equal(asked?.resultType, 'input_required', JSON.stringify(asked));
    return asked;
  } finally {
    await old.close(0);
  }
}

/** Answers every question `asked` holds with `content`, on a server of graph `then` (a config file, or a fixture `file:export`). */
async function answer(then: string, asked: Record<string, any>, args: Record<string, unknown>, content: Record<string, unknown>): Promise<Record<string, any>> {
  const inputResponses = Object.fromEntries(Object.keys(asked.inputRequests).map((key) => [key, { action: 'accept', content }]));
  const deployed = await startServer(then.endsWith('.json') ? then : await config(then), { configStore: true });
  try {
    return (await call(deployed.url, { arguments: args, requestState: asked.requestState, inputResponses })).messages[0]!;
  } finally {
    await deployed.close(0);
  }
}

/** Pauses a call served by graph `first`, then answers it on a server of graph `then`: the deploy between the two. */
async function pauseThenAnswer(first: string, then: string, args: Record<string, unknown> = { item: 'refund' }, content: Record<string, unknown> = { answer: 'yes' }): Promise<Record<string, any>> {
  return answer(then, await pause(first, args), args, content);
}

/** The answer was refused for the missing node: the run asks again, still paused. */
function assertRefusedFor(answered: Record<string, any>, node: string): Record<string, any> {
  assert.equal(answered.result?.resultType, 'input_required', JSON.stringify(answered));
  const messages = Object.values(answered.result.inputRequests as Record<string, { params: { message: string } }>).map((request) => request.params.message);
  const missing = `without "${node}", where the run stopped (a deploy changed the graph), so the answer was not applied; the run stays paused for a server that has it, or cancel it`;
  assert.ok(messages.some((message) => message.includes(missing)), messages.join('\n'));
  return answered.result;
}

/** Creates a task of `tool` on a server of `graph`, waits until `ready` says so of it, and closes that server: the task's id. */
async function taskBefore(graph: string, tool: string, args: Record<string, unknown>, ready: (task: Record<string, any>) => boolean): Promise<string> {
  const server = await startServer(await config(graph, tool), { configStore: true });
  try {
    const taskId = (await taskRequest(server.url, 'tools/call', { name: tool, arguments: args })).result.taskId as string;
    await until('the task', async () => (ready((await taskRequest(server.url, 'tasks/get', { taskId })).result ?? {}) ? true : undefined));
    return taskId;
  } finally {
    // A task still running is stopped: its claim is given back, for the next server to go on from its last checkpoint.
    await server.close(0);
  }
}

const asking = (task: Record<string, any>) => task.status === 'input_required';

test('an answer to a paused call through a server whose version lacks the node it stopped before is refused, the run left paused; a server with that node finishes it', async () => {
  changedVisits.length = 0;
  const args = { item: 'refund' };
  const asked = await pause('changed.ts:before', args);
  const refused = assertRefusedFor(await answer('changed.ts:renamed', asked, args, { answer: 'yes' }), 'ask');
  assert.deepEqual(changedVisits, ['before.prep', 'before.ask'], 'neither the renamed node nor the one after it ran');
  // A rolling deploy: the next answer reaches a server still on the version the run needs.
  const done = await answer('changed.ts:same', refused, args, { answer: 'yes' });
  assert.equal(done.result?.structuredContent?.approved, 'yes', JSON.stringify(done));
  assert.deepEqual(changedVisits, ['before.prep', 'before.ask', 'same.ask', 'same.finish']);
});

test('an answer refused by a server without the node keeps the answers given earlier to the pause\'s other questions', async () => {
  const args = { item: 'refund' };
  const asked = await pause('changed.ts:twoAsk', args);
  assert.deepEqual(Object.keys(asked.inputRequests).sort(), ['first', 'second']);
  const accept = (answer: string) => ({ action: 'accept', content: { answer } });
  const server = await startServer(await config('changed.ts:twoAsk'), { configStore: true });
  try {
    // The first answered alone, on a server of the version that paused: kept, the second asked.
    const partly = (await call(server.url, { arguments: args, requestState: asked.requestState, inputResponses: { first: accept('one') } })).messages[0]?.result;
    assert.deepEqual(Object.keys(partly.inputRequests), ['second']);
    // The second reaches a server without its node: refused, and only the second asked again.
    const renamed = await startServer(await config('changed.ts:twoAskRenamed'), { configStore: true });
    let refused: Record<string, any>;
    try {
      refused = (await call(renamed.url, { arguments: args, requestState: partly.requestState, inputResponses: { second: accept('two') } })).messages[0]?.result;
    } finally {
      await renamed.close(0);
    }
    assertRefusedFor({ result: refused }, 'askSecond');
    assert.deepEqual(Object.keys(refused.inputRequests), ['second.2'], 'the first, answered, is not asked again');
    const done = (await call(server.url, { arguments: args, requestState: refused.requestState, inputResponses: { 'second.2': accept('two') } })).messages[0]?.result;
    assert.deepEqual(done?.structuredContent, { item: 'refund', first: 'one', second: 'two', done: true }, JSON.stringify(done));
  } finally {
    await server.close(0);
  }
});

test('resume_run: an answer refused by a server without the node keeps the answers given earlier, and says so', async () => {
  const v1 = async (url: string) => {
    const client = new V1Client({ name: 'graph-changed', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(url)));
    return client;
  };
  const run = (result: unknown) => (result as { _meta: Record<string, any> })._meta['graph-mcp/run'];
  const keys = (result: unknown) => run(result).questions.map((question: { key: string }) => question.key);
  const old = await startServer(await config('changed.ts:twoAsk'), { configStore: true });
  const renamed = await startServer(await config('changed.ts:twoAskRenamed'), { configStore: true });
  const [onOld, onRenamed] = [await v1(old.url), await v1(renamed.url)];
  try {
    const paused = await onOld.callTool({ name: 'approve', arguments: { item: 'refund' } });
    const id = run(paused).id as string;
    assert.deepEqual(keys(paused).sort(), ['first', 'second']);
    const partly = await onOld.callTool({ name: 'resume_run', arguments: { run_id: id, answers: { first: 'one' } } });
    assert.deepEqual(keys(partly), ['second']);
    const refused = await onRenamed.callTool({ name: 'resume_run', arguments: { run_id: id, answers: { second: 'two' } } });
    assert.deepEqual(keys(refused), ['second'], 'only the refused question is asked again');
    assert.match((refused.content as Array<{ text: string }>)[0]!.text, /without "askSecond"[\s\S]*Kept: the answers given earlier to the pause's other questions/);
    const done = await onOld.callTool({ name: 'resume_run', arguments: { run_id: id, answers: { second: 'two' } } });
    assert.deepEqual(done.structuredContent, { item: 'refund', first: 'one', second: 'two', done: true }, JSON.stringify(done));
  } finally {
    await Promise.all([onOld.close(), onRenamed.close()]);
    await Promise.all([old.close(0), renamed.close(0)]);
  }
});

test('the same answer after a deploy that kept the node goes on where the run stopped', async () => {
  changedVisits.length = 0;
  const answered = await pauseThenAnswer('changed.ts:before', 'changed.ts:same');
  assert.equal(answered.result?.structuredContent?.approved, 'yes', JSON.stringify(answered));
  assert.deepEqual(changedVisits, ['before.prep', 'before.ask', 'same.ask', 'same.finish']);
});

test("a deploy that gave the tool's input a default, or changed one: the retry with the same arguments goes on, and one with others is refused", async () => {
  const input = (note: Record<string, unknown>) => ({ type: 'object', properties: { item: { type: 'string' }, note: { type: 'string', ...note } }, required: ['item'] });
  const asked = await pause(await config('changed.ts:before', 'approve', input({})), { item: 'refund' });
  const deployed = await config('changed.ts:same', 'approve', input({ default: 'none' }));
  const other = await answer(deployed, asked, { item: 'refund', note: 'urgent' }, { answer: 'yes' });
  assert.match(other.error?.message ?? '', /made with other arguments/, JSON.stringify(other));
  const answered = await answer(deployed, asked, { item: 'refund' }, { answer: 'yes' });
  assert.equal(answered.result?.structuredContent?.approved, 'yes', JSON.stringify(answered));
  // The run filled the first version's default into its arguments: what binds the retry is what the client sent.
  const changed = await pause(await config('changed.ts:before', 'approve', input({ default: 'a' })), { item: 'refund' });
  const again = await answer(await config('changed.ts:same', 'approve', input({ default: 'b' })), changed, { item: 'refund' }, { answer: 'yes' });
  assert.equal(again.result?.structuredContent?.approved, 'yes', JSON.stringify(again));
});

test('a deploy that renamed a node which ran before the pause: the run goes on where it stopped', async () => {
  changedVisits.length = 0;
  const answered = await pauseThenAnswer('changed.ts:before', 'changed.ts:prepRenamed');
  assert.deepEqual(answered.result?.structuredContent, { item: 'refund', approved: 'yes', done: true }, JSON.stringify(answered));
  assert.deepEqual(changedVisits, ['before.prep', 'before.ask', 'prepRenamed.ask', 'prepRenamed.finish']);
});

test('an answer through a server whose version renamed the node a Send went to is refused', async () => {
  assertRefusedFor(await pauseThenAnswer('changed.ts:sendToWorker', 'changed.ts:sendToRenamedWorker'), 'worker');
});

test('a renamed node whose old name began with __ is seen as gone too', async () => {
  assertRefusedFor(await pauseThenAnswer('changed.ts:dunderAsks', 'changed.ts:dunderRenamed'), '__review');
});

test('an answer through a server whose version of an agent lacks its human-in-the-loop middleware is refused', async () => {
  const answered = await pauseThenAnswer('hitl.ts:reviewedAgent', 'changed.ts:unreviewedAgent', { message: 'email Bob' }, { decision: 'approve' });
  assertRefusedFor(answered, 'HumanInTheLoopMiddleware.after_model');
});

test('a task answered through a server whose version renamed the node it waits in asks again, saying why', async () => {
  changedVisits.length = 0;
  const taskId = await taskBefore('changed.ts:before', 'approve', { item: 'refund' }, asking);
  const second = await startServer(await config('changed.ts:renamed'), { configStore: true });
  try {
    await taskRequest(second.url, 'tasks/update', { taskId, inputResponses: { approve } });
    const again = await until('the question again', async () => {
      const task = (await taskRequest(second.url, 'tasks/get', { taskId })).result;
      return task?.status === 'input_required' && /a deploy changed the graph/.test(task.statusMessage ?? '') ? task : undefined;
    });
    assert.match(again.statusMessage, /without "ask", where the run stopped/);
    assert.ok(!changedVisits.includes('renamed.finish'));
  } finally {
    await second.close(0);
  }
});

test('a task taken over by a server whose version lacks the node it was running ends with GRAPH_CHANGED', async () => {
  changedVisits.length = 0;
  const taskId = await taskBefore('changed.ts:slowWork', 'work', { item: 'batch' }, () => changedVisits.includes('work.start'));
  const second = await startServer(await config('changed.ts:slowCrunch', 'work'), { configStore: true });
  try {
    const done = await until('its end', async () => {
      const task = (await taskRequest(second.url, 'tasks/get', { taskId })).result;
      return task?.status === 'completed' ? task : undefined;
    });
    assert.equal(done.result.isError, true, JSON.stringify(done));
    assert.equal(done.result._meta['graph-mcp/error'].code, 'GRAPH_CHANGED');
    assert.match(done.result.content[0].text, /it stopped before "work", which this version of the graph no longer has/);
    assert.deepEqual(changedVisits, ['work.start'], 'nothing ran after the takeover');
  } finally {
    await second.close(0);
  }
});

test('a task of a tool a deploy renamed: its owner is told so, not that it never existed, and may still cancel it', async () => {
  const ids = [await taskBefore('changed.ts:before', 'approve', { item: 'refund' }, asking), await taskBefore('changed.ts:before', 'approve', { item: 'credit' }, asking)];
  const [taskId, other] = ids as [string, string];
  const notServed = new RegExp(`${taskId} is of tool "approve", which this server does not serve \\(a deploy removed or renamed it, or only other processes serve it\\)`);
  const renamed = await startServer(await config('changed.ts:before', 'approval'), { configStore: true });
  try {
    // Its status is the store's: a client polling it reads it (an error would end its polling), and why it may not move on.
    const note = /This server does not serve tool "approve" \(a deploy removed or renamed it, or only other processes serve it\): the task goes on only on a server that serves it, until its ttl runs out; it can be cancelled here\.$/;
    const got = await taskRequest(renamed.url, 'tasks/get', { taskId });
    assert.equal(got.result?.status, 'input_required', JSON.stringify(got));
    assert.match(got.result.statusMessage, /^Approve refund\?/, 'the question it waits on comes first');
    assert.match(got.result.statusMessage, note);
    assert.deepEqual(got.result.inputRequests, {}, 'no question offered for an answer this server would refuse');
    const legacy = await post(renamed.url, { jsonrpc: '2.0', id: 4, method: 'tasks/get', params: { taskId } }, legacyHeaders());
    assert.equal(legacy.messages[0]?.result?.status, 'input_required', legacy.text);
    assert.match(legacy.messages[0].result.statusMessage, note);
    const update = await taskRequest(renamed.url, 'tasks/update', { taskId, inputResponses: {} });
    assert.equal(update.error?.code, -32602, JSON.stringify(update));
    assert.match(update.error.message, notServed);
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

test('a task of a tool a deploy renamed that had ended: its owner still reads what it answered, and finds it listed', async () => {
  changedVisits.length = 0;
  const taskId = await taskBefore('changed.ts:slowWork', 'work', { item: 'batch' }, (task) => task.status === 'completed');
  const renamed = await startServer(await config('changed.ts:slowWork', 'crunch'), { configStore: true });
  try {
    const got = (await taskRequest(renamed.url, 'tasks/get', { taskId })).result;
    assert.equal(got?.status, 'completed', JSON.stringify(got));
    assert.equal(got.result.structuredContent.done, true);
    const viaTool = (await taskRequest(renamed.url, 'tools/call', { name: 'get_run', arguments: { run_id: taskId } })).result;
    assert.equal(viaTool?.structuredContent?.done, true, JSON.stringify(viaTool));
    const listed = await post(renamed.url, { jsonrpc: '2.0', id: 5, method: 'tasks/list', params: {} }, legacyHeaders());
    assert.ok(listed.messages[0]?.result?.tasks.some((task: { taskId: string }) => task.taskId === taskId), listed.text);
  } finally {
    await renamed.close(0);
  }
});
