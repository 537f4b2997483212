// Tasks in both eras: the 2026-07-28 extension over raw HTTP, and 2025-11-25
// experimental tasks through the v1 client's own task API.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { envelope, legacyHeaders, modernHeaders, MODERN, post } from '../helpers/raw.js';
import { visits } from '../fixtures/graphs/hitl.js';
import { closeGate, letGo, runsOf } from '../fixtures/graphs/gated.js';
import { QUEUED_MESSAGE } from '../../src/mcp/task-shapes.js';
import { until } from '../helpers/wait.js';

const EXT = 'io.modelcontextprotocol/tasks';
const CANARY = `canary-${randomBytes(6).toString('hex')}`;
let server: TestServer;
before(async () => {
  server = await startServer(
    {
      name: 'tasks-test',
      graphs: {
        slow: './graphs/hitl.ts:slow',
        ask_name: './graphs/hitl.ts:askName',
        parallel: './graphs/hitl.ts:parallel',
        builtin_keys: './graphs/hitl.ts:builtinKeys',
        only_task: { path: './graphs/hitl.ts:slow', task: 'required' },
        never_task: { path: './graphs/basic.ts:echo', task: 'never' },
        echo: './graphs/basic.ts:echo',
        ask_first: { path: './graphs/hitl.ts:askThenWork', task: 'required', task_starts_at: 'work' },
        ask_first_optional: { path: './graphs/hitl.ts:askThenWork', task: 'optional', task_starts_at: 'work' },
        reporting: './graphs/hitl.ts:reporting',
        reporting_short_wait: { path: './graphs/hitl.ts:reporting', max_wait_ms: 150 },
        keeps_credential: './graphs/hitl.ts:keepsCredential',
        unstorable: './graphs/hitl.ts:unstorableState',
        unstorable_credential: './graphs/hitl.ts:unstorableCredential',
        gated: './graphs/gated.ts:gated',
        throws: './graphs/basic.ts:throws',
        throws_unreadable: './graphs/basic.ts:throwsUnreadable',
        refined: './graphs/hitl.ts:refinedName',
        refined_pair: './graphs/hitl.ts:refinedPair',
        refined_sub: './graphs/hitl.ts:refinedInSubgraph',
        form_and_link: './graphs/hitl.ts:formAndLink',
      },
      defaults: { poll_interval_ms: 50 },
      // Never contacted: the reporting graph only reads its credential.
      secrets: { servers: { notes: { url: 'http://127.0.0.1:9/mcp' } } },
    },
    {
      load: {
        authenticate: (request) => ({ id: request.headers.get('x-user') ?? 'anonymous', scopes: [] }),
        secretStore: { get: async (user, name) => (user === 'ivy' && name === 'notes' ? { Authorization: `Bearer ${CANARY}` } : undefined) },
      },
    },
  );
});
after(() => server.close(0));

/** A raw 2026-07-28 request from `user`, declaring the tasks extension unless told otherwise. */
async function rpc(user: string, method: string, params: Record<string, unknown>, options: { extension?: boolean; name?: string; elicitation?: boolean; signal?: AbortSignal } = {}) {
  const asks = options.elicitation === false ? {} : { elicitation: {} };
  const capabilities = options.extension === false ? asks : { ...asks, extensions: { [EXT]: {} } };
  const name = options.name ?? (typeof params.name === 'string' ? params.name : typeof params.taskId === 'string' ? params.taskId : undefined);
  const answer = await post(
    server.url,
    { jsonrpc: '2.0', id: 1, method, params: envelope(params, { 'io.modelcontextprotocol/clientCapabilities': capabilities }) },
    {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': method,
      ...(name ? { 'mcp-name': name } : {}),
      'x-user': user,
    },
    options.signal,
  );
  return { status: answer.status, message: answer.messages.find((m) => 'result' in m || 'error' in m)! };
}

async function untilStatus(user: string, taskId: string, statuses: string[]) {
  for (let i = 0; i < 300; i += 1) {
    const { message } = await rpc(user, 'tasks/get', { taskId });
    if (statuses.includes(message.result?.status)) return message.result;
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  throw new Error(`task ${taskId} never reached ${statuses.join('/')}`);
}

/** The task once it waits on questions none of whose keys is in `notKeys` (`count` of them, when given). */
async function askedAnew(taskId: string, notKeys: string[] = [], count?: number) {
  for (let i = 0; i < 300; i += 1) {
    const task = (await rpc('alice', 'tasks/get', { taskId })).message.result;
    const keys = Object.keys(task.inputRequests ?? {});
    if (task.status === 'input_required' && keys.length > 0 && (count === undefined || keys.length === count) && !keys.some((key) => notKeys.includes(key))) return task;
    assert.notEqual(task.status, 'completed', JSON.stringify(task));
    await sleep(20);
  }
  throw new Error('the task never asked');
}

describe('2026-07-28 tasks extension', () => {
  test('server/discover advertises the extension', async () => {
    const { message } = await rpc('alice', 'server/discover', {});
    assert.deepEqual(message.result.capabilities.extensions[EXT], {});
    assert.equal(message.result.capabilities.tasks, undefined);
  });

  test('a task is created, polled while working, and completes with its result inline', async () => {
    const created = (await rpc('alice', 'tools/call', { name: 'slow', arguments: { step_ms: 40 } })).message.result;
    assert.equal(created.resultType, 'task');
    assert.equal(created.status, 'working');
    assert.equal(created.ttlMs, 3_600_000, 'defaults.task_ttl_ms exactly: the two times of its record are read from the clock apart');
    assert.equal(created.pollIntervalMs, 50);
    for (const key of ['task', 'ttl', 'pollInterval', 'result', 'requestState']) assert.ok(!(key in created), `no ${key}`);
    const first = (await rpc('alice', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.equal(first.taskId, created.taskId, 'stored before the answer: readable at once');
    const done = await untilStatus('alice', created.taskId, ['completed']);
    assert.equal(done.result.structuredContent.done, 6);
    // Six 40 ms steps: the status message is written at most every 250 ms, and the last one with the end.
    assert.equal(done.statusMessage, 'step6', 'the status message is where the run got to');
    assert.equal(done.result._meta?.['io.modelcontextprotocol/related-task'], undefined);
  });

  test('a task waiting for a free slot says so in its status message, unlike one that has begun', async () => {
    const gate = closeGate();
    const ids: string[] = [];
    try {
      // Four run at once in a process: the first four wait at the gate, the fifth for one of them.
      for (let i = 0; i < 5; i += 1) ids.push((await rpc('quinn', 'tools/call', { name: 'gated', arguments: { topic: `t${i}` } })).message.result.taskId as string);
      await gate.started;
      // Which one waits is the store's to choose (tasks created in the same millisecond tie).
      const statuses = await until('four tasks running, one queued', async () => {
        const all = await Promise.all(ids.map(async (taskId) => (await rpc('quinn', 'tasks/get', { taskId })).message.result));
        return all.filter((task) => task.statusMessage === QUEUED_MESSAGE).length === 1 ? all : undefined;
      }, 10_000);
      assert.ok(statuses.every((task) => task.status === 'working'));
      assert.equal(statuses.filter((task) => task.statusMessage !== QUEUED_MESSAGE).length, 4, 'the four running say nothing of a queue');
    } finally {
      letGo();
    }
    for (const taskId of ids) assert.equal((await untilStatus('quinn', taskId, ['completed'])).status, 'completed');
  });

  test("a worker that lost its claim (it blocked past its lease) leaves the task's checkpoints to the process that took it", async () => {
    const store = server.graphMcp.store!;
    const gate = closeGate();
    const secondBefore = runsOf.second;
    let taskId: string | undefined;
    try {
      taskId = (await rpc('rosa', 'tools/call', { name: 'gated', arguments: { topic: 'lease' } })).message.result.taskId as string;
      await gate.started;
      // Another process claims it, as after this worker's lease ran out.
      const record = (await store.runs.get(taskId, 'rosa'))!;
      assert.ok(await store.runs.update(taskId, record.version, { leaseOwner: 'another-process', leaseUntil: Date.now() + 60_000 }));
    } finally {
      letGo();
    }
    await until('the first worker to run its last node', async () => (runsOf.second > secondBefore ? true : undefined), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const checkpoint = await store.checkpointer.getTuple({ configurable: { thread_id: taskId, checkpoint_ns: '' } });
    assert.ok(checkpoint, 'the checkpoints the process now holding the task continues from are still there');
    assert.equal((await rpc('rosa', 'tasks/get', { taskId })).message.result.status, 'working', 'its end is not the first worker\'s to record');
    await rpc('rosa', 'tasks/cancel', { taskId });
  });

  test('a task whose lease ran out while its own process still runs it is not run a second time by that process', async () => {
    const store = server.graphMcp.store!;
    const gate = closeGate();
    const [firstBefore, secondBefore] = [runsOf.first, runsOf.second];
    let taskId: string | undefined;
    try {
      taskId = (await rpc('rosa', 'tools/call', { name: 'gated', arguments: { topic: 'own-lease' } })).message.result.taskId as string;
      await gate.started;
      // As after the database stood still past the lease: the claim, still this process's, has run out.
      const record = (await store.runs.get(taskId, 'rosa'))!;
      assert.ok(await store.runs.update(taskId, record.version, { leaseUntil: Date.now() - 1 }));
      // Several of the worker's polls (50 ms) find the task claimable, long before its own renewal (a third of
      // the lease, seconds away) could write a lease as fresh; without the guard the claim launched a second run.
      await until('the task to be claimed again', async () => (((await store.runs.get(taskId!, 'rosa'))?.leaseUntil ?? 0) > Date.now() ? true : undefined), 5_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      letGo();
    }
    const done = await untilStatus('rosa', taskId, ['completed']);
    assert.equal(done.result.structuredContent.summary, 'own-lease after 1 step');
    assert.deepEqual([runsOf.first - firstBefore, runsOf.second - secondBefore], [1, 1], 'each node ran once');
  });

  test('a task whose graph throws ends with GRAPH_FAILED, and the log has what it threw, at debug, with the task', async () => {
    const created = (await rpc('sam', 'tools/call', { name: 'throws', arguments: { value: 'x' } })).message.result;
    const ended = await untilStatus('sam', created.taskId, ['completed', 'failed']);
    assert.equal(ended.result._meta['graph-mcp/error'].code, 'GRAPH_FAILED');
    const thrown = server.logs.lines.map((line) => JSON.parse(line)).find((line) => line.msg === 'the graph failed; what it threw' && line.task === created.taskId);
    assert.ok(thrown, 'logged');
    assert.equal(thrown.level, 20);
    assert.match(thrown.err.stack, /^Error: the widget exploded\n\s+at /);
  });

  test('a task whose graph throws an Error with a Symbol for a message ends with GRAPH_FAILED, run once: not run again on every lease', async () => {
    const created = (await rpc('sam', 'tools/call', { name: 'throws_unreadable', arguments: { value: 'symbol-message' } })).message.result;
    const ended = await untilStatus('sam', created.taskId, ['completed', 'failed']);
    assert.equal(ended.result._meta['graph-mcp/error'].code, 'GRAPH_FAILED');
    assert.equal(ended.result.content[0].text, 'Tool "throws_unreadable" failed: the graph threw an error graph-mcp cannot read (its message is not text, or reading it failed)');
    const lines = server.logs.lines.map((line) => JSON.parse(line)).filter((line) => line.task === created.taskId);
    assert.deepEqual(lines.filter((line) => line.level >= 50), [], 'no failure of the server');
    assert.equal(lines.filter((line) => line.msg === 'task finished').length, 1);
  });

  test('arguments the tool refuses are answered at once with INVALID_ARGUMENTS, not with a task that fails when polled', async () => {
    const { message } = await rpc('alice', 'tools/call', { name: 'echo', arguments: { text: 42 } });
    assert.equal(message.result.resultType, 'complete', JSON.stringify(message.result));
    assert.equal(message.result.isError, true);
    assert.equal(message.result._meta['graph-mcp/error'].code, 'INVALID_ARGUMENTS');
    assert.match(message.result.content[0].text, /text/);
    const valid = (await rpc('alice', 'tools/call', { name: 'echo', arguments: { text: 'hi' } })).message.result;
    assert.equal(valid.resultType, 'task', 'valid arguments still make a task');
  });

  test('arguments nested thousands of levels deep, or holding a number beyond a double (1e309), are INVALID_ARGUMENTS at once, not a server error; 200 levels make a task', async () => {
    const nested = (levels: number) => {
      let value: unknown = 'bottom';
      for (let i = 0; i < levels; i += 1) value = { down: value };
      return value;
    };
    // Written as text: this process's JSON.stringify would run out of stack on it too.
    const request = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'slow', arguments: { step_ms: 1, extra: 'DEEP' } }, { 'io.modelcontextprotocol/clientCapabilities': { extensions: { [EXT]: {} } } }) };
    const body = JSON.stringify(request).replace('"DEEP"', `${'{"down":'.repeat(5_000)}"bottom"${'}'.repeat(5_000)}`);
    const deep = (await post(server.url, body, { ...modernHeaders('tools/call', 'slow'), 'x-user': 'alice' })).messages[0]!;
    assert.equal(deep.result?.isError, true, JSON.stringify(deep).slice(0, 300));
    assert.equal(deep.result._meta['graph-mcp/error'].code, 'INVALID_ARGUMENTS');
    assert.match(deep.result.content[0].text, /nested more than 256 levels/);
    // A number beyond a double's range: JSON.parse reads Infinity, which JSON writes back as null.
    const huge = (await post(server.url, JSON.stringify(request).replace('"DEEP"', '[1, -1e309]'), { ...modernHeaders('tools/call', 'slow'), 'x-user': 'alice' })).messages[0]!;
    assert.equal(huge.result?.isError, true, JSON.stringify(huge));
    assert.equal(huge.result._meta['graph-mcp/error'].code, 'INVALID_ARGUMENTS');
    assert.match(huge.result.content[0].text, /a number in the arguments is beyond the largest one this server reads/);
    const fine = (await rpc('alice', 'tools/call', { name: 'slow', arguments: { step_ms: 1, extra: nested(200) } })).message.result;
    assert.equal(fine.resultType, 'task');
    assert.equal((await untilStatus('alice', fine.taskId, ['completed', 'failed'])).status, 'completed');
    assert.doesNotMatch(server.logs.text(), /Maximum call stack/);
  });

  test('subscriptions/listen for task notifications from a client without the extension is refused with -32021', async () => {
    const refused = await rpc('alice', 'subscriptions/listen', { notifications: { taskIds: ['some-task'] } }, { extension: false });
    assert.equal(refused.status, 400);
    assert.equal(refused.message.error?.code, -32021);
    assert.deepEqual(refused.message.error?.data, { requiredCapabilities: { extensions: { [EXT]: {} } } });
    const declared = await rpc('alice', 'subscriptions/listen', { notifications: { taskIds: ['some-task'] } });
    assert.notEqual(declared.message?.error?.code, -32021, JSON.stringify(declared.message));
  });

  test('tasks/get asks only what the polling client declared it can answer; the question stays in the status message', async () => {
    const created = (await rpc('alice', 'tools/call', { name: 'ask_name', arguments: {} }, { elicitation: false })).message.result;
    assert.equal(created.resultType, 'task');
    let waiting: Record<string, any> | undefined;
    for (let i = 0; i < 300 && waiting === undefined; i += 1) {
      const { message } = await rpc('alice', 'tasks/get', { taskId: created.taskId }, { elicitation: false });
      if (message.result?.status === 'input_required') waiting = message.result;
      else await new Promise((resolve) => setTimeout(resolve, 30));
    }
    assert.ok(waiting, 'the task came to its question');
    assert.deepEqual(waiting.inputRequests, {}, 'no elicitation asked of a client without it, and the field the schema requires is there');
    assert.match(waiting.statusMessage, /name/i);
    const asked = (await rpc('alice', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.equal(Object.keys(asked.inputRequests).length, 1, 'a client that can answer is asked');
    await rpc('alice', 'tasks/cancel', { taskId: created.taskId });
  });

  test('an interrupted task asks through tasks/get and resumes through tasks/update; keys are never reused', async () => {
    const created = (await rpc('alice', 'tools/call', { name: 'parallel', arguments: {} })).message.result;
    const asking = await untilStatus('alice', created.taskId, ['input_required']);
    assert.deepEqual(Object.keys(asking.inputRequests).sort(), ['left', 'right']);
    // Partial answer, plus a key nobody asked: applied at once, the rest still asked.
    const ack = (await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { left: { action: 'accept', content: { answer: 'L' } }, bogus: { ignored: true } } })).message.result;
    assert.deepEqual(Object.keys(ack).filter((k) => k !== '_meta'), ['resultType']);
    const still = (await rpc('alice', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.equal(still.status, 'input_required');
    assert.deepEqual(Object.keys(still.inputRequests), ['right']);
    await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { right: { action: 'accept', content: { answer: 'R' } } } });
    const done = await untilStatus('alice', created.taskId, ['completed']);
    assert.equal(done.result.structuredContent.joined, 'L+R');
  });

  test('a retry with requestState and inputResponses that now declares the tasks extension continues the paused run with its answer, not a task begun anew', async () => {
    const asked = (await rpc('alice', 'tools/call', { name: 'ask_name', arguments: {} }, { extension: false })).message.result;
    assert.equal(asked.resultType, 'input_required', JSON.stringify(asked));
    const [key] = Object.keys(asked.inputRequests);
    const asks = visits.filter((visit) => visit === 'askName.ask').length;
    const retried = (await rpc('alice', 'tools/call', { name: 'ask_name', arguments: {}, requestState: asked.requestState, inputResponses: { [key!]: { action: 'accept', content: { answer: 'Ada' } } } })).message.result;
    assert.notEqual(retried.resultType, 'task', JSON.stringify(retried));
    assert.equal(retried.structuredContent?.answer, 'Hello, Ada!', JSON.stringify(retried));
    assert.equal(visits.filter((visit) => visit === 'askName.ask').length, asks + 1, 'resumed once, not begun again');
  });

  test('questions keyed "constructor" and "toString" are answered only by what the client sends under those keys', async () => {
    // Read through Object's prototype, an answer to one alone made the other "answered" with a built-in, refused and asked again.
    const accept = (answer: string) => ({ action: 'accept', content: { answer } });
    const created = (await rpc('alice', 'tools/call', { name: 'builtin_keys', arguments: {} })).message.result;
    const asking = await askedAnew(created.taskId, [], 2);
    assert.deepEqual(Object.keys(asking.inputRequests).sort(), ['constructor', 'toString']);
    await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { toString: accept('T') } });
    const still = (await rpc('alice', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.deepEqual(Object.keys(still.inputRequests ?? {}), ['constructor'], JSON.stringify(still));
    assert.doesNotMatch(JSON.stringify(still), /could not be used/);
    // Through resume_run: an answer to one of them leaves the other unanswered, not answered by Object's own.
    const partial = (await rpc('alice', 'tools/call', { name: 'resume_run', arguments: { run_id: created.taskId, answers: {} } }, { extension: false })).message.result;
    assert.match(partial.content[0].text, /"constructor": no answer given/, JSON.stringify(partial));
    await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { constructor: accept('C') } });
    assert.equal((await untilStatus('alice', created.taskId, ['completed'])).result.structuredContent.joined, 'C+T');
  });

  test('resume_run answering a task hands the answer to the task: a worker runs the rest, and the answer holds when the request goes away', async () => {
    const created = (await rpc('ivy', 'tools/call', { name: 'reporting', arguments: { step_ms: 150 } })).message.result;
    await untilStatus('ivy', created.taskId, ['input_required']);
    const gone = new AbortController();
    const resumed = rpc('ivy', 'tools/call', { name: 'resume_run', arguments: { run_id: created.taskId, answer: 'onwards' } }, { extension: false, signal: gone.signal }).catch(() => undefined);
    await untilStatus('ivy', created.taskId, ['working']);
    // The caller leaves while the three steps after the question run.
    gone.abort();
    await resumed;
    const ended = await untilStatus('ivy', created.taskId, ['completed', 'input_required', 'failed', 'cancelled']);
    assert.equal(ended.status, 'completed', JSON.stringify(ended));
    assert.equal(ended.result.structuredContent.answer, 'onwards');
    assert.equal(ended.result.structuredContent.done, 3);
    assert.equal(ended.statusMessage, 'publish', "the status message followed the task's steps after the answer");
  });

  test("resume_run answering a task whose rest outlasts the tool's max_wait_ms answers with the run handle; get_run then has the result", async () => {
    const created = (await rpc('ivy', 'tools/call', { name: 'reporting_short_wait', arguments: { step_ms: 200 } })).message.result;
    await untilStatus('ivy', created.taskId, ['input_required']);
    const answered = (await rpc('ivy', 'tools/call', { name: 'resume_run', arguments: { run_id: created.taskId, answer: 'later' } }, { extension: false })).message.result;
    assert.equal(answered.isError, true, JSON.stringify(answered));
    assert.equal(answered._meta['graph-mcp/run'].status, 'working', JSON.stringify(answered));
    assert.match(answered.content[0].text, /still running in the background; it has not failed/);
    const task = (await rpc('ivy', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.equal(task.status, 'working', 'the task runs on in a worker, not in the request that answered');
    const finished = await untilStatus('ivy', created.taskId, ['completed']);
    assert.equal(finished.result.structuredContent.answer, 'later');
    const got = (await rpc('ivy', 'tools/call', { name: 'get_run', arguments: { run_id: created.taskId } }, { extension: false })).message.result;
    assert.deepEqual(got.structuredContent, finished.result.structuredContent);
  });

  test('a credential a node kept in the state before the pause is scrubbed from what the resumed run returns', async () => {
    // resume_run (a caller that cannot be asked), a 2026-07-28 retry with inputResponses, and a task.
    const accept = (content: Record<string, unknown>) => ({ action: 'accept', content });
    const paused = (await rpc('ivy', 'tools/call', { name: 'keeps_credential', arguments: {} }, { extension: false, elicitation: false })).message.result;
    const runId = paused._meta['graph-mcp/run'].id as string;
    const resumed = (await rpc('ivy', 'tools/call', { name: 'resume_run', arguments: { run_id: runId, answer: 'yes' } }, { extension: false })).message.result;
    const asked = (await rpc('ivy', 'tools/call', { name: 'keeps_credential', arguments: {} }, { extension: false })).message.result;
    const key = Object.keys(asked.inputRequests)[0]!;
    const retried = (
      await rpc('ivy', 'tools/call', { name: 'keeps_credential', arguments: {}, requestState: asked.requestState, inputResponses: { [key]: accept({ answer: 'yes' }) } }, { extension: false })
    ).message.result;
    const created = (await rpc('ivy', 'tools/call', { name: 'keeps_credential', arguments: {} })).message.result;
    const asking = await untilStatus('ivy', created.taskId, ['input_required']);
    await rpc('ivy', 'tasks/update', { taskId: created.taskId, inputResponses: { [Object.keys(asking.inputRequests)[0]!]: accept({ answer: 'yes' }) } });
    const task = await untilStatus('ivy', created.taskId, ['completed']);
    for (const [how, result] of [['resume_run', resumed], ['inputResponses', retried], ['task', task.result]] as const) {
      assert.equal(result.structuredContent?.out, 'after yes: [redacted]', how);
      assert.ok(!JSON.stringify(result).includes(CANARY), `${how}: ${JSON.stringify(result)}`);
    }
  });

  test('a state JSON cannot hold, keyed by a credential: the error naming where it is names no credential, in a call, a task and the log', async () => {
    const called = (await rpc('ivy', 'tools/call', { name: 'unstorable_credential', arguments: {} }, { extension: false })).message.result;
    const created = (await rpc('ivy', 'tools/call', { name: 'unstorable_credential', arguments: {} })).message.result;
    const task = await untilStatus('ivy', created.taskId, ['completed', 'failed']);
    assert.ok(called.content[0].text.includes('JSON cannot hold a BigInt (at "count"."[redacted]")'), called.content[0].text);
    for (const [how, result] of [['call', called], ['task', task]] as const) {
      assert.ok(!JSON.stringify(result).includes(CANARY), `${how}: ${JSON.stringify(result)}`);
    }
    assert.match(JSON.stringify(task), /STATE_NOT_STORABLE|cannot be stored/);
    assert.deepEqual(server.logs.lines.filter((line) => line.includes(CANARY)), [], 'nor does the log');
  });

  test('an answer through tasks/update that cannot be used is asked again, and the status message says why; a good one then resumes the task', async () => {
    const created = (await rpc('alice', 'tools/call', { name: 'ask_name', arguments: {} })).message.result;
    const asking = await untilStatus('alice', created.taskId, ['input_required']);
    const [key] = Object.keys(asking.inputRequests);
    await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { [key!]: { action: 'accept', content: { answer: 42 } } } });
    const again = (await rpc('alice', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.equal(again.status, 'input_required');
    // Asked again under a new key: a key whose answer was delivered is not asked with again.
    assert.deepEqual(Object.keys(again.inputRequests), [`${key}.2`]);
    assert.match(again.statusMessage, new RegExp(`The last answer could not be used \\(asked again\\):\\n- "${key}": `));
    await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { [key!]: { action: 'accept', content: { answer: 'Old' } } } });
    const unchanged = (await rpc('alice', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.equal(unchanged.status, 'input_required', 'the old key answers nothing');
    // ... and changes nothing: the status message still says why the question was asked again.
    assert.equal(unchanged.statusMessage, again.statusMessage);
    assert.equal(unchanged.lastUpdatedAt, again.lastUpdatedAt);
    // An action that is not one of the three is an answer that cannot be used, not a decline.
    await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { [`${key}.2`]: { action: 'maybe' } } });
    const third = (await rpc('alice', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.equal(third.status, 'input_required');
    assert.deepEqual(Object.keys(third.inputRequests), [`${key}.3`]);
    // An update without answers to deliver is refused, and changes nothing.
    const refused = (await rpc('alice', 'tasks/update', { taskId: created.taskId })).message;
    assert.equal(refused.error?.code, -32602);
    assert.match(refused.error.message, /inputResponses/);
    // So is one whose inputResponses is no object of answers (the SDK reads it as none: it was acknowledged).
    for (const [wrong, named] of [[null, 'null'], [[{ action: 'accept' }], 'a list'], ['accept', 'string'], [5, 'number']] as const) {
      const malformed = (await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: wrong })).message;
      assert.equal(malformed.error?.code, -32602, JSON.stringify(malformed));
      assert.equal(malformed.error.message, `Invalid params for tasks/update: inputResponses must be an object of answers keyed by input request key, not ${named}`);
    }
    assert.equal((await rpc('alice', 'tasks/get', { taskId: created.taskId })).message.result.lastUpdatedAt, third.lastUpdatedAt, 'the task is as it was');
    // The request's other faults are said first: without the tasks extension, -32021 as for any tasks/update.
    const undeclared = (await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: null }, { extension: false })).message;
    assert.equal(undeclared.error?.code, -32021, JSON.stringify(undeclared));
    // An answer that is no result object at all (the SDK drops it) cannot be used either.
    await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { [`${key}.3`]: 42 } });
    const fourth = (await rpc('alice', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.deepEqual(Object.keys(fourth.inputRequests), [`${key}.4`]);
    assert.match(fourth.statusMessage, /not a result object/);
    await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { [`${key}.4`]: { action: 'accept', content: { answer: 'Ada' } } } });
    const done = await untilStatus('alice', created.taskId, ['completed']);
    assert.equal(done.result.structuredContent.answer, 'Hello, Ada!');
    assert.doesNotMatch(done.statusMessage ?? '', /could not be used/);
  });

  test('a task whose state cannot be stored (a BigInt) ends with STATE_NOT_STORABLE, and says why', async () => {
    const created = (await rpc('alice', 'tools/call', { name: 'unstorable', arguments: {} })).message.result;
    assert.equal(created.resultType, 'task');
    const ended = await untilStatus('alice', created.taskId, ['completed', 'failed', 'cancelled', 'input_required']);
    assert.equal(ended.status, 'completed', JSON.stringify(ended));
    assert.equal(ended.result.isError, true);
    assert.equal(ended.result._meta['graph-mcp/error'].code, 'STATE_NOT_STORABLE');
    assert.match(ended.result.content[0].text, /cannot be stored: .*BigInt/);
  });

  test('a question of the task declined (or cancelled) through tasks/update cancels it, and says so: INPUT_DECLINED in its status message', async () => {
    for (const action of ['decline', 'cancel']) {
      const created = (await rpc('alice', 'tools/call', { name: 'ask_name', arguments: {} })).message.result;
      const asking = await untilStatus('alice', created.taskId, ['input_required']);
      const [key] = Object.keys(asking.inputRequests);
      await rpc('alice', 'tasks/update', { taskId: created.taskId, inputResponses: { [key!]: { action } } });
      const cancelled = await untilStatus('alice', created.taskId, ['cancelled', 'completed', 'failed']);
      assert.equal(cancelled.status, 'cancelled', `${action}: ${JSON.stringify(cancelled)}`);
      assert.match(cancelled.statusMessage, new RegExp(`the question was not answered \\(${action}\\)`));
    }
  });

  test('tasks/cancel stops a working task: no further node runs; cancelling an ended task is acknowledged all the same', async () => {
    const steps = () => visits.filter((visit) => visit.startsWith('slow.')).length;
    const before = steps();
    const created = (await rpc('alice', 'tools/call', { name: 'slow', arguments: { step_ms: 300 } })).message.result;
    await until('the first step to start', async () => (steps() > before ? true : undefined), 10_000);
    const ack = (await rpc('alice', 'tasks/cancel', { taskId: created.taskId })).message;
    assert.ok(ack.result, JSON.stringify(ack));
    const atCancel = steps();
    assert.equal((await untilStatus('alice', created.taskId, ['cancelled', 'completed', 'failed'])).status, 'cancelled');
    await sleep(900);
    assert.equal(steps(), atCancel, `no step ran after the cancel: ${visits.filter((visit) => visit.startsWith('slow.')).join(', ')}`);
    assert.ok((await rpc('alice', 'tasks/cancel', { taskId: created.taskId })).message.result, 'idempotent');
  });

  test('another principal cannot see, answer or cancel a task: answered like an unknown id', async () => {
    const created = (await rpc('alice', 'tools/call', { name: 'slow', arguments: { step_ms: 200 } })).message.result;
    for (const method of ['tasks/get', 'tasks/cancel']) {
      const foreign = (await rpc('bob', method, { taskId: created.taskId })).message;
      const unknown = (await rpc('bob', method, { taskId: 'no-such-task' })).message;
      assert.equal(foreign.error?.code, -32602, method);
      assert.equal(unknown.error?.code, -32602, method);
    }
    const update = await rpc('bob', 'tasks/update', { taskId: created.taskId, inputResponses: {} });
    assert.equal(update.message.error?.code, -32602);
    await rpc('alice', 'tasks/cancel', { taskId: created.taskId });
  });

  test('without the extension: task methods and task-only tools are refused with -32021 (HTTP 400); others run in the call', async () => {
    const gated = await rpc('alice', 'tasks/get', { taskId: 'gate-test' }, { extension: false });
    assert.equal(gated.message.error?.code, -32021);
    assert.deepEqual(gated.message.error?.data?.requiredCapabilities?.extensions?.[EXT], {});
    const required = await rpc('alice', 'tools/call', { name: 'only_task', arguments: { step_ms: 1 } }, { extension: false });
    assert.equal(required.status, 400);
    assert.equal(required.message.error?.code, -32021);
    const direct = (await rpc('alice', 'tools/call', { name: 'slow', arguments: { step_ms: 1 } }, { extension: false })).message.result;
    assert.equal(direct.structuredContent.done, 6);
    const never = (await rpc('alice', 'tools/call', { name: 'never_task', arguments: { text: 'x' } })).message.result;
    assert.deepEqual(never.structuredContent, { echoed: 'x' }, 'a never-task graph answers in the call even to a task client');
  });
});

describe('2026-07-28: a task that begins further in (task_starts_at)', () => {
  const accept = (content: Record<string, unknown>) => ({ action: 'accept', content });

  test('the run asks in the call first (input_required, no task), and the retry with the answer is answered with the task', async () => {
    const before = visits.filter((v) => v === 'askThenWork.work').length;
    const asked = (await rpc('gina', 'tools/call', { name: 'ask_first', arguments: {} })).message.result;
    assert.equal(asked.resultType, 'input_required');
    assert.ok(!('taskId' in asked), 'no task yet');
    assert.deepEqual(Object.keys(asked.inputRequests), ['q1']);
    const params = { name: 'ask_first', arguments: {}, requestState: asked.requestState, inputResponses: { q1: accept({ name: 'Ada' }) } };
    const created = (await rpc('gina', 'tools/call', params)).message.result;
    assert.equal(created.resultType, 'task');
    assert.equal(created.status, 'working');
    // Its ttl as given, though its record was created with the call, before the task began.
    assert.equal(created.ttlMs, 3_600_000);
    for (const key of ['requestState', 'inputRequests', 'result']) assert.ok(!(key in created), `no ${key}`);
    const again = (await rpc('gina', 'tools/call', params)).message.result;
    assert.equal(again.taskId, created.taskId, 'a retry of that round is answered with the same task');
    const done = await untilStatus('gina', created.taskId, ['completed', 'failed']);
    assert.equal(done.result.structuredContent.greeting, 'Hello, Ada!', 'the answer given before the task reached its result');
    assert.equal(visits.filter((v) => v === 'askThenWork.work').length - before, 1, 'the task continued from where the call stopped: work ran once');
    const foreign = await rpc('hank', 'tasks/get', { taskId: created.taskId });
    assert.equal(foreign.message.error?.code, -32602, 'the task is its caller\'s alone');
  });

  test('the task says it was created when the answer began it (createdAt + ttlMs is when it expires), not when the call asked', async () => {
    const askedAt = Date.now();
    const asked = (await rpc('gina', 'tools/call', { name: 'ask_first', arguments: {} })).message.result;
    await sleep(300);
    const answeredAt = Date.now();
    const created = (await rpc('gina', 'tools/call', { name: 'ask_first', arguments: {}, requestState: asked.requestState, inputResponses: { q1: accept({ name: 'Ada' }) } })).message.result;
    assert.equal(created.resultType, 'task');
    assert.ok(Date.parse(created.createdAt) >= answeredAt, `created ${created.createdAt}, answered at ${new Date(answeredAt).toISOString()} (asked at ${new Date(askedAt).toISOString()})`);
    const got = (await rpc('gina', 'tasks/get', { taskId: created.taskId })).message.result;
    assert.equal(got.createdAt, created.createdAt);
    assert.equal(got.ttlMs, 3_600_000);
    await untilStatus('gina', created.taskId, ['completed']);
  });

  test("a retry, without the tasks extension, of the round whose answer began a task is refused (-32021): the task is not handed to a client that cannot poll it", async () => {
    const asked = (await rpc('gina', 'tools/call', { name: 'ask_first_optional', arguments: {} })).message.result;
    assert.equal(asked.resultType, 'input_required');
    const params = { name: 'ask_first_optional', arguments: {}, requestState: asked.requestState, inputResponses: { q1: accept({ name: 'Ada' }) } };
    const created = (await rpc('gina', 'tools/call', params)).message.result;
    assert.equal(created.resultType, 'task');
    const without = await rpc('gina', 'tools/call', params, { extension: false });
    assert.equal(without.status, 400);
    assert.equal(without.message.error?.code, -32021, JSON.stringify(without.message));
    assert.deepEqual(without.message.error?.data?.requiredCapabilities, { extensions: { [EXT]: {} } });
    assert.match(without.message.error?.message, /continues a run that has become a task/);
    assert.equal((await rpc('gina', 'tools/call', params)).message.result.taskId, created.taskId, 'with the extension, the same task');
    await untilStatus('gina', created.taskId, ['completed']);
  });

  test('a run with nothing to ask is a task at once; a question inside the task gets a key the call did not use', async () => {
    const direct = (await rpc('gina', 'tools/call', { name: 'ask_first', arguments: { user_name: 'Lin' } })).message.result;
    assert.equal(direct.resultType, 'task', 'no question before the task: the first answer is the task');
    assert.equal((await untilStatus('gina', direct.taskId, ['completed'])).result.structuredContent.greeting, 'Hello, Lin!');

    const asked = (await rpc('gina', 'tools/call', { name: 'ask_first', arguments: {} })).message.result;
    const created = (await rpc('gina', 'tools/call', { name: 'ask_first', arguments: {}, requestState: asked.requestState, inputResponses: { q1: accept({ name: 'twice' }) } })).message.result;
    assert.equal(created.resultType, 'task');
    const inside = await untilStatus('gina', created.taskId, ['input_required']);
    assert.deepEqual(Object.keys(inside.inputRequests), ['q2'], 'q1 was asked before the task: never reused within it');
    await rpc('gina', 'tasks/update', { taskId: created.taskId, inputResponses: { q2: accept({ answer: 'Lovelace' }) } });
    assert.equal((await untilStatus('gina', created.taskId, ['completed'])).result.structuredContent.greeting, 'Hello, twice and Lovelace!');
  });

  test('a 2025 client that asks for a task gets it at once, and is asked inside it', async () => {
    const client = new V1Client({ name: 'tasks-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => ({ action: 'accept', content: /surname/.test(request.params.message) ? { answer: 'x' } : { name: 'Grace' } }));
    await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'gina' } } }));
    try {
      const kinds: string[] = [];
      let result: Record<string, unknown> | undefined;
      for await (const message of client.experimental.tasks.callToolStream({ name: 'ask_first', arguments: {} }, CallToolResultSchema, { task: {} })) {
        kinds.push(message.type);
        if (message.type === 'result') result = message.result as Record<string, unknown>;
        if (message.type === 'error') throw message.error;
      }
      assert.equal(kinds[0], 'taskCreated');
      assert.equal((result?.structuredContent as { greeting: string }).greeting, 'Hello, Grace!');
    } finally {
      await client.close();
    }
  });
});

describe('2025-11-25 experimental tasks (v1 client)', () => {
  async function v1(user: string, elicit?: (message: string) => Record<string, unknown>) {
    const client = new V1Client({ name: 'tasks-v1', version: '1.0.0' }, { capabilities: elicit ? { elicitation: {} } : {} });
    if (elicit) client.setRequestHandler(ElicitRequestSchema, async (request) => ({ action: 'accept', content: elicit(request.params.message) }));
    await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': user } } }));
    await client.listTools();
    return client;
  }

  /** Starts a task of `tool` (2025-11-25's params.task) and waits for its result in tasks/result. */
  async function taskWithResult(client: V1Client, tool: string) {
    const { CreateTaskResultSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const created = await client.request({ method: 'tools/call', params: { name: tool, arguments: {}, task: {} } }, CreateTaskResultSchema);
    const taskId = created.task.taskId;
    return { taskId, result: client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema, { timeout: 120_000 }) };
  }

  test("tasks/result with a progress token of its own gets the task's progress under it too: a client that resets its timeout on progress waits out a long task", async () => {
    const client = await v1('carol');
    try {
      const { CreateTaskResultSchema } = await import('@modelcontextprotocol/sdk/types.js');
      const created = await client.request({ method: 'tools/call', params: { name: 'slow', arguments: { step_ms: 300 }, task: {} } }, CreateTaskResultSchema, { onprogress: () => undefined });
      const seen: number[] = [];
      // Six steps of 300 ms against a timeout of 1 s, reset by each step's progress.
      const result = await client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema, { timeout: 1000, resetTimeoutOnProgress: true, onprogress: (update) => seen.push(update.progress) });
      assert.equal((result.structuredContent as { done: number }).done, 6);
      assert.ok(seen.length >= 3, `progress on tasks/result's own token: ${seen.join(', ')}`);
      assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'rising');
    } finally {
      await client.close();
    }
  });

  test('callToolStream: task created, polled and finished', async () => {
    const client = await v1('carol');
    try {
      const kinds: string[] = [];
      let result: Record<string, unknown> | undefined;
      for await (const message of client.experimental.tasks.callToolStream({ name: 'slow', arguments: { step_ms: 30 } }, CallToolResultSchema, { task: { ttl: 60_000 } })) {
        kinds.push(message.type);
        if (message.type === 'result') result = message.result as Record<string, unknown>;
        if (message.type === 'error') throw message.error;
      }
      assert.equal(kinds[0], 'taskCreated');
      assert.ok(kinds.includes('taskStatus'));
      assert.equal((result?.structuredContent as { done: number }).done, 6);
      const listed = await client.experimental.tasks.listTasks();
      assert.ok(listed.tasks.length >= 1 && listed.tasks.every((t) => typeof t.taskId === 'string'));
    } finally {
      await client.close();
    }
  });

  test('a question declined on the tasks/result stream ends the task with INPUT_DECLINED', async () => {
    const client = new V1Client({ name: 'tasks-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));
    await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'carol' } } }));
    try {
      let result: Record<string, unknown> | undefined;
      for await (const message of client.experimental.tasks.callToolStream({ name: 'ask_name', arguments: {} }, CallToolResultSchema, { task: {} })) {
        if (message.type === 'result') result = message.result as Record<string, unknown>;
        if (message.type === 'error') throw message.error;
      }
      assert.equal(result?.isError, true);
      assert.equal((result?._meta as Record<string, { code: string }>)['graph-mcp/error']!.code, 'INPUT_DECLINED', JSON.stringify(result));
    } finally {
      await client.close();
    }
  });

  test('an interrupted task gets its answer through tasks/result, with elicitation on its stream', async () => {
    const client = await v1('carol', () => ({ answer: 'Grace' }));
    try {
      let result: Record<string, unknown> | undefined;
      for await (const message of client.experimental.tasks.callToolStream({ name: 'ask_name', arguments: {} }, CallToolResultSchema, { task: {} })) {
        if (message.type === 'result') result = message.result as Record<string, unknown>;
        if (message.type === 'error') throw message.error;
      }
      assert.equal((result?.structuredContent as { answer: string }).answer, 'Hello, Grace!');
    } finally {
      await client.close();
    }
  });

  test('a ttl asked below a second, or not a whole number, is made a whole second at least: the task is there to poll, on every store', async () => {
    const headers = { 'content-type': 'application/json', ...legacyHeaders({ 'x-user': 'dora' }) };
    const rpc = async (body: Record<string, unknown>) => (await (await fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', ...body }) })).json()) as Record<string, any>;
    for (const [asked, given] of [[0.5, 1_000], [1e-300, 1_000], [1.7, 1_000], [1_500.25, 1_501]] as const) {
      const created = await rpc({ id: 1, method: 'tools/call', params: { name: 'slow', arguments: { step_ms: 1 }, task: { ttl: asked } } });
      assert.equal(created.error, undefined, JSON.stringify(created));
      assert.equal(created.result.task.ttl, given, `ttl ${asked}`);
      const got = await rpc({ id: 2, method: 'tasks/get', params: { taskId: created.result.task.taskId } });
      assert.equal(got.result?.ttl, given, JSON.stringify(got));
    }
  });

  test('notifications/cancelled for a waiting tasks/result ends its stream without a response; the task goes on', async () => {
    const headers = { 'content-type': 'application/json', ...legacyHeaders({ 'x-user': 'carol' }) };
    const rpc = (body: Record<string, unknown>) => fetch(server.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', ...body }) });
    // 6 steps of 800 ms: the task outlives the wait by seconds, even on a loaded machine.
    const created = (await (await rpc({ id: 1, method: 'tools/call', params: { name: 'slow', arguments: { step_ms: 800 }, task: { ttl: 60_000 } } })).text()).match(/"taskId":"([^"]+)"/);
    assert.ok(created, 'a task was created');
    const taskId = created[1]!;
    let ended = false;
    const streamed = rpc({ id: 'result-7', method: 'tasks/result', params: { taskId } })
      .then((waiting) => {
        assert.equal(waiting.status, 200);
        return waiting.text();
      })
      .finally(() => (ended = true));
    // Sent until the answer ends: the first may arrive before the wait has begun.
    for (let sent = 0; !ended && sent < 20; sent += 1) {
      const cancel = await rpc({ method: 'notifications/cancelled', params: { requestId: 'result-7', reason: 'no longer needed' } });
      assert.equal(cancel.status, 202);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const text = await streamed;
    assert.doesNotMatch(text, /"result"|"error"/, 'no response to a cancelled request');
    const status = await (await rpc({ id: 2, method: 'tasks/get', params: { taskId } })).text();
    assert.match(status, /"status":"working"/, 'the stream ended before the task did, and the task goes on');
    await until('the task completes', async () => ((await (await rpc({ id: 3, method: 'tasks/get', params: { taskId } })).text()).includes('"status":"completed"') ? true : undefined));
  });

  test('a task-only tool called without params.task is refused with -32601, as 2025-11-25 asks; with it, it runs', async () => {
    const client = await v1('carol');
    try {
      const listed = (await client.listTools()).tools.find((tool) => tool.name === 'only_task');
      assert.equal(listed?.execution?.taskSupport, 'required');
      // The v1 client refuses such a call itself; a client that sends it anyway is answered by the server.
      const raw = await post(server.url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'only_task', arguments: { step_ms: 1 } } }, legacyHeaders({ 'x-user': 'carol' }));
      const refused = raw.messages.find((message) => message.id === 7);
      assert.equal(refused?.error?.code, -32601, JSON.stringify(refused));
      assert.match(String(refused?.error?.message), /runs only as a task/);
      let result: Record<string, unknown> | undefined;
      for await (const message of client.experimental.tasks.callToolStream({ name: 'only_task', arguments: { step_ms: 1 } }, CallToolResultSchema, { task: { ttl: 60_000 } })) {
        if (message.type === 'result') result = message.result as Record<string, unknown>;
      }
      assert.equal((result?.structuredContent as { done?: number } | undefined)?.done, 6);
    } finally {
      await client.close();
    }
  });

  test('a task asked to live briefly (params.task.ttl) is gone after its time to live; one asked to live past task_ttl_ms gets task_ttl_ms', async () => {
    const client = await v1('frank');
    try {
      const { CreateTaskResultSchema } = await import('@modelcontextprotocol/sdk/types.js');
      // A second: the least ttl given (see the test of ttls asked below it).
      const created = await client.request({ method: 'tools/call', params: { name: 'slow', arguments: { step_ms: 1 }, task: { ttl: 1_000 } } }, CreateTaskResultSchema);
      assert.equal(created.task.ttl, 1_000);
      // One asked to live longer than defaults.task_ttl_ms gets that long, no longer.
      const capped = await client.request({ method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, task: { ttl: 10 * 3_600_000 } } }, CreateTaskResultSchema);
      assert.equal(capped.task.ttl, 3_600_000);
      assert.equal((await client.experimental.tasks.getTask(created.task.taskId)).taskId, created.task.taskId);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await assert.rejects(client.experimental.tasks.getTask(created.task.taskId), /Task not found/);
      await server.graphMcp.pausedRuns!.sweep();
      assert.deepEqual(await server.graphMcp.store!.runs.deleteExpired(Date.now(), 10), [], 'and clean-up deleted it');
    } finally {
      await client.close();
    }
  });

  test('tasks/list shows only the caller\'s tasks; cancel works; a foreign id is unknown', async () => {
    const dave = await v1('dave');
    const erin = await v1('erin');
    try {
      const created = await dave.request({ method: 'tools/call', params: { name: 'slow', arguments: { step_ms: 300 }, task: {} } }, (await import('@modelcontextprotocol/sdk/types.js')).CreateTaskResultSchema);
      const taskId = created.task.taskId;
      const erinsList = await erin.experimental.tasks.listTasks();
      assert.ok(!erinsList.tasks.some((t) => t.taskId === taskId));
      await assert.rejects(erin.experimental.tasks.getTask(taskId), /Task not found/);
      await assert.rejects(erin.experimental.tasks.cancelTask(taskId), /Task not found/);
      const cancelled = await dave.experimental.tasks.cancelTask(taskId);
      assert.equal(cancelled.status, 'cancelled');
      await assert.rejects(dave.experimental.tasks.cancelTask(taskId), /already ended/);
    } finally {
      await dave.close();
      await erin.close();
    }
  });

  test('progress of a task reaches a caller waiting in tasks/result: the call\'s token, counted on across a question, scrubbed', async () => {
    const client = await v1('ivy', () => ({ answer: 'yes' }));
    try {
      const { CreateTaskResultSchema } = await import('@modelcontextprotocol/sdk/types.js');
      const updates: Array<{ progress: number; total?: number; message?: string; _meta?: Record<string, unknown> }> = [];
      const created = await client.request(
        { method: 'tools/call', params: { name: 'reporting', arguments: { step_ms: 100 }, task: {} } },
        CreateTaskResultSchema,
        { onprogress: (update) => void updates.push(update) },
      );
      const taskId = created.task.taskId;
      // The v1 client keeps the call's progress handler for the task's life; tasks/result keeps its stream open to the end.
      const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
      assert.equal((result.structuredContent as { done: number }).done, 3);
      const messages = updates.map((u) => u.message);
      assert.ok(messages.includes('calling notes with [redacted]'), JSON.stringify(messages));
      assert.ok(messages.includes('summarising'), 'progress on as the task goes');
      assert.ok(!JSON.stringify(updates).includes(CANARY), 'the credential reached nobody');
      for (let i = 1; i < updates.length; i += 1) assert.ok(updates[i]!.progress > updates[i - 1]!.progress, `strictly increasing: ${JSON.stringify(updates.map((u) => u.progress))}`);
      // prepare (1) came before the question; after it, ask (2), then fetch (3) of 5 in all.
      const fetched = updates.find((u) => u.message === 'fetch')!;
      assert.equal(fetched.progress, 3, 'counted on from before the question');
      assert.equal(fetched.total, 5);
      // The last update too, though the task's end may be seen before its signal arrives.
      assert.equal(updates.at(-1)!.progress, 5, JSON.stringify(updates.map((u) => u.progress)));
      // Asked again once it has ended: its result, and no progress (the work is done; the numbers must only rise).
      const count = updates.length;
      await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
      assert.equal(updates.length, count, 'no progress after the end');
      assert.deepEqual(fetched._meta?.['io.modelcontextprotocol/related-task'], { taskId });
    } finally {
      await client.close();
    }
  });

  test('a waiting tasks/result whose question is out ends when the task is cancelled elsewhere, not at the question timeout', async () => {
    // A client that is asked, and never answers.
    const asked = new Promise<void>((resolve) => {
      void (async () => {
        const client = new V1Client({ name: 'tasks-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
        client.setRequestHandler(ElicitRequestSchema, () => {
          resolve();
          return new Promise(() => undefined);
        });
        await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'kim' } } }));
        waiting.client = client;
        const { CreateTaskResultSchema } = await import('@modelcontextprotocol/sdk/types.js');
        const created = await client.request({ method: 'tools/call', params: { name: 'ask_name', arguments: {}, task: {} } }, CreateTaskResultSchema);
        waiting.taskId = created.task.taskId;
        waiting.result = client.experimental.tasks.getTaskResult(created.task.taskId, CallToolResultSchema, { timeout: 120_000 });
      })();
    });
    const waiting: { client?: V1Client; taskId?: string; result?: Promise<Record<string, unknown>> } = {};
    await asked;
    const other = await v1('kim');
    try {
      await other.experimental.tasks.cancelTask(waiting.taskId!);
      const bound = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 20_000).unref());
      const result = await Promise.race([waiting.result!, bound]);
      assert.notEqual(result, 'still waiting', 'tasks/result answered once the task was cancelled');
      assert.equal(((result as Record<string, any>)._meta['graph-mcp/error'] as { code: string }).code, 'RUN_CANCELLED');
    } finally {
      await other.close();
      await waiting.client?.close();
    }
  });

  test('a 2025-06-18 client in tasks/result is asked the form of a round, not its URL-mode question, which waits for an answer given elsewhere', async () => {
    const forms: string[] = [];
    const client = new V1Client({ name: 'tasks-2025-06-18', version: '1.0.0' }, { capabilities: { elicitation: { form: {}, url: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      forms.push(request.params.message);
      return { action: 'accept', content: { name: 'Ada' } } as never;
    });
    const transport = new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'vic' } } });
    await client.connect(transport);
    transport.setProtocolVersion('2025-06-18');
    try {
      const { taskId, result } = await taskWithResult(client, 'form_and_link');
      const waiting = await until('the form answered, the page left', async () => {
        const task = await client.experimental.tasks.getTask(taskId);
        return task.status === 'input_required' && !/What is your name/.test(task.statusMessage ?? '') ? task : undefined;
      });
      assert.match(waiting.statusMessage ?? '', /Give consent on the page/);
      assert.deepEqual(forms, ['What is your name?'], 'the URL-mode question was not sent');
      assert.ok(server.logs.lines.some((line) => line.includes(taskId) && line.includes('cannot read')), 'the log says why it was not sent');
      // The page visited, said through resume_run (a model, or another client): the task ends, and the waiting stream has its result.
      await client.callTool({ name: 'resume_run', arguments: { run_id: taskId, answers: { consent: 'accept' } } });
      const done = await result;
      assert.deepEqual(forms, ['What is your name?'], 'the form was not asked again');
      assert.deepEqual(done.structuredContent, { name: 'Ada', consent: 'accept' }, JSON.stringify(done));
    } finally {
      await client.close();
    }
  });

  test('a client in tasks/result that answers a round in part (a form, not the URL-mode question it cannot take): its answer is kept, and the task ends once the rest is answered elsewhere', async () => {
    const forms: string[] = [];
    // Form mode only: the v1 client refuses a URL-mode question itself.
    const client = new V1Client({ name: 'tasks-form-only', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      forms.push(request.params.message);
      return { action: 'accept', content: { name: 'Ada' } } as never;
    });
    await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': 'wes' } } }));
    try {
      const { taskId, result } = await taskWithResult(client, 'form_and_link');
      const waiting = await until('the form answered, the page left', async () => {
        const task = await client.experimental.tasks.getTask(taskId);
        return task.status === 'input_required' && !/What is your name/.test(task.statusMessage ?? '') ? task : undefined;
      });
      assert.match(waiting.statusMessage ?? '', /Give consent on the page/);
      assert.deepEqual(forms, ['What is your name?']);
      await client.callTool({ name: 'resume_run', arguments: { run_id: taskId, answer: 'accept' } });
      const done = await result;
      assert.deepEqual(done.structuredContent, { name: 'Ada', consent: 'accept' }, JSON.stringify(done));
      assert.deepEqual(forms, ['What is your name?'], 'the form was not asked again');
    } finally {
      await client.close();
    }
  });

  /**
   * A `parallel` task awaited in `tasks/result` by a v1 client of `user`, asked both questions on its
   * stream. It holds the questions in `held` unanswered while another request answers "Right?" through
   * resume_run (then `meanwhile` runs), and only then answers them: "Left?" with L, "Right?" (answered
   * already) with a cancel. The task's result, and every question the client was asked.
   */
  async function rightAnsweredElsewhere(user: string, held: string[], meanwhile: (client: V1Client, taskId: string) => Promise<void> = async () => undefined) {
    const asked: string[] = [];
    let answeredElsewhere: () => void = () => undefined;
    const elsewhere = new Promise<void>((resolve) => (answeredElsewhere = resolve));
    const client = new V1Client({ name: 'tasks-v1', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      if (held.includes(request.params.message)) await elsewhere;
      return (request.params.message === 'Left?' ? { action: 'accept', content: { answer: 'L' } } : { action: 'cancel' }) as never;
    });
    await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': user } } }));
    try {
      const { taskId, result } = await taskWithResult(client, 'parallel');
      await until('both asked', async () => (asked.length >= 2 ? true : undefined));
      const other = await v1(user);
      try {
        await other.callTool({ name: 'resume_run', arguments: { run_id: taskId, answers: { right: 'R' } } });
      } finally {
        await other.close();
      }
      await meanwhile(client, taskId);
      answeredElsewhere();
      return { done: await result, asked };
    } finally {
      answeredElsewhere();
      await client.close();
    }
  }

  test('an answer given on the tasks/result stream as another request answers the rest of the round is kept, not asked for again', async () => {
    const { done, asked } = await rightAnsweredElsewhere('yan', ['Right?']);
    assert.equal((done.structuredContent as { joined?: string } | undefined)?.joined, 'L+R', JSON.stringify(done));
    assert.deepEqual([...asked].sort(), ['Left?', 'Right?'], 'nothing asked again');
  });

  test('a question still out on the tasks/result stream when another request answers the rest of the round stays out: its answer is applied, and it is not asked again', async () => {
    // The user is still on "Left?" when "Right?" is answered through another request; then answers it.
    const { done, asked } = await rightAnsweredElsewhere('zed', ['Left?', 'Right?'], async (client, taskId) => {
      // Only "Left?" waits now: the stream has moved on, and the question it still has out is the one waited for.
      await until('the round moved on', async () => ((await client.experimental.tasks.getTask(taskId)).statusMessage === 'Left?' ? true : undefined));
      // Several poll intervals (50 ms) go by: a stream that lost its question when the round moved on would have asked it again.
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    assert.equal((done.structuredContent as { joined?: string } | undefined)?.joined, 'L+R', JSON.stringify(done));
    assert.deepEqual([...asked].sort(), ['Left?', 'Right?'], 'nothing asked again');
  });

  test('a client that refuses the question is asked once per tasks/result, not again at every poll; the wait goes on to the end', async () => {
    const client = await v1('lou'); // no elicitation handler: the v1 client refuses elicitation/create
    try {
      const { CreateTaskResultSchema } = await import('@modelcontextprotocol/sdk/types.js');
      const created = await client.request({ method: 'tools/call', params: { name: 'ask_name', arguments: {}, task: {} } }, CreateTaskResultSchema);
      const taskId = created.task.taskId;
      const result = client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema, { timeout: 120_000 });
      await server.logs.logged('the caller did not answer');
      // Several poll intervals (50 ms) go by: not asked again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await client.experimental.tasks.cancelTask(taskId);
      assert.equal(((await result)._meta as Record<string, { code: string }>)['graph-mcp/error']!.code, 'RUN_CANCELLED');
      const asks = server.logs.lines.filter((line) => line.includes(taskId) && line.includes('asked the caller'));
      assert.equal(asks.length, 1, asks.join('\n'));
    } finally {
      await client.close();
    }
  });

  test('a client whose answers can never be used is asked at most 100 times per tasks/result, then the wait goes on', async () => {
    let asked = 0;
    const client = await v1('uma', () => {
      asked += 1;
      return { answer: 5 }; // a number where the form asks for text: asked again, under a new key
    });
    try {
      const { CreateTaskResultSchema } = await import('@modelcontextprotocol/sdk/types.js');
      const created = await client.request({ method: 'tools/call', params: { name: 'ask_name', arguments: {}, task: {} } }, CreateTaskResultSchema);
      const taskId = created.task.taskId;
      const result = client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema, { timeout: 120_000 });
      // Awaited below; if an assertion fails first, its rejection is not left unhandled.
      result.catch(() => undefined);
      await until('100 questions', async () => (asked >= 100 ? true : undefined), 60_000);
      // Several poll intervals (50 ms) go by: no 101st.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(asked, 100);
      assert.equal((await client.experimental.tasks.getTask(taskId)).status, 'input_required');
      await client.experimental.tasks.cancelTask(taskId);
      assert.equal(((await result)._meta as Record<string, { code: string }>)['graph-mcp/error']!.code, 'RUN_CANCELLED');
    } finally {
      await client.close();
    }
  });

  test('tasks/list pages on from its cursor even when the task that marked it has expired', async () => {
    const call = (ttl: number) =>
      post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' }, task: { ttl } } }, legacyHeaders({ 'x-user': 'pat' }));
    const list = async (cursor?: string) =>
      (await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tasks/list', params: cursor === undefined ? {} : { cursor } }, legacyHeaders({ 'x-user': 'pat' }))).messages[0]!;
    // Oldest first: two long-lived tasks, then the one that ends page 1 (it lives briefly: long enough,
    // on a loaded machine, for the 49 more created after it and the first page), then 49 more.
    const ids: string[] = [];
    for (const ttl of [600_000, 600_000, 8_000, ...Array.from({ length: 49 }, () => 600_000)]) {
      ids.push((await call(ttl)).messages[0]?.result?.task?.taskId as string);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const first = await list();
    assert.equal(first.result.tasks.length, 50);
    assert.equal(first.result.tasks.at(-1).taskId, ids[2], 'page 1 ends with the short-lived task');
    await until(
      'the short-lived task to expire',
      async () => {
        const got = await post(server.url, { jsonrpc: '2.0', id: 5, method: 'tasks/get', params: { taskId: ids[2] } }, legacyHeaders({ 'x-user': 'pat' }));
        return got.messages[0]?.error ? true : undefined;
      },
      20_000,
    );
    const second = await list(first.result.nextCursor);
    assert.deepEqual(second.result?.tasks?.map((t: { taskId: string }) => t.taskId), [ids[1], ids[0]], JSON.stringify(second));
    assert.equal(second.result.nextCursor, undefined);
  });

  test('tasks/list refuses a cursor it never handed out with -32602', async () => {
    // Not base64url JSON; and JSON of another shape than [createdAt, id].
    const shaped = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of ['not-a-real-cursor', '', shaped(['x', 1]), shaped([1]), shaped([1.5, 'id']), shaped({ createdAt: 1, id: 'x' })]) {
      const raw = await post(server.url, { jsonrpc: '2.0', id: 3, method: 'tasks/list', params: { cursor } }, legacyHeaders({ 'x-user': 'carol' }));
      assert.equal(raw.messages[0]?.error?.code, -32602, `${JSON.stringify(cursor)}: ${raw.text}`);
    }
  });

  test('params.task on a tool that does not run as a task (never, or graph-mcp\'s own) is -32601, and nothing runs', async () => {
    for (const name of ['never_task', 'get_run']) {
      const raw = await post(server.url, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name, arguments: { text: 'x', run_id: 'r' }, task: {} } }, legacyHeaders({ 'x-user': 'carol' }));
      assert.equal(raw.messages[0]?.error?.code, -32601, `${name}: ${raw.text}`);
      assert.match(raw.messages[0]?.error?.message, /does not run as a task/);
    }
  });

  test("a ttl of zero or below is a smaller ttl, raised to the least one (a second), not taken for none (the hour's default)", async () => {
    for (const ttl of [0, -5, 1.5]) {
      const raw = await post(server.url, { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'echo', arguments: { text: 'ttl' }, task: { ttl } } }, legacyHeaders({ 'x-user': 'carol' }));
      assert.equal(raw.messages[0]?.result?.task?.ttl, 1000, `${ttl}: ${raw.text}`);
    }
  });

  test('a task still running at the end of its time to live is stopped', async () => {
    visits.length = 0;
    const raw = await post(server.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'slow', arguments: { step_ms: 300 }, task: { ttl: 500 } } }, legacyHeaders({ 'x-user': 'carol' }));
    const taskId = raw.messages[0]?.result?.task?.taskId as string;
    assert.ok(taskId, raw.text);
    await server.logs.logged('task expired (its ttl) while it ran: stopped');
    const reached = visits.length;
    await new Promise((resolve) => setTimeout(resolve, 900));
    assert.equal(visits.length, reached, `no step ran after it was stopped: ${visits.join(', ')}`);
    assert.ok(!visits.includes('slow.step6'), visits.join(', '));
  });

  test('a task meant to live longer than a timer can wait (30 days) is not stopped early', async () => {
    const long = await startServer({ name: 'long-ttl', graphs: { slow: './graphs/hitl.ts:slow' }, defaults: { task_ttl_ms: 30 * 86_400_000, poll_interval_ms: 50 } });
    try {
      const raw = await post(long.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: { step_ms: 20 }, task: {} } }, legacyHeaders());
      const taskId = raw.messages[0]?.result?.task?.taskId as string;
      const done = await until('the task ends', async () => {
        const got = (await post(long.url, { jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { taskId } }, legacyHeaders())).messages[0]?.result;
        return got?.status === 'working' ? undefined : got;
      });
      assert.equal(done.status, 'completed', JSON.stringify(done));
      assert.doesNotMatch(long.logs.text(), /expired/);
    } finally {
      await long.close(0);
    }
  });

  test('a task created without a progress token sends no progress', async () => {
    const client = await v1('ivy', () => ({ answer: 'yes' }));
    try {
      const strays: unknown[] = [];
      client.onerror = (error) => strays.push(error.message);
      let result: Record<string, unknown> | undefined;
      for await (const message of client.experimental.tasks.callToolStream({ name: 'reporting', arguments: { step_ms: 20 } }, CallToolResultSchema, { task: {} })) {
        if (message.type === 'result') result = message.result as Record<string, unknown>;
        if (message.type === 'error') throw message.error;
      }
      assert.equal((result?.structuredContent as { done: number }).done, 3);
      assert.deepEqual(strays, [], 'no progress notification for a token the client never sent');
    } finally {
      await client.close();
    }
  });
});

test('a task of a tool the caller may no longer call is gone from tasks/list too, as from tasks/get and tasks/result', async () => {
  const scoped = await startServer(
    { name: 'tasks-scoped', graphs: { scoped_slow: { path: './graphs/hitl.ts:slow', access: { scopes: ['ask'] } }, slow: './graphs/hitl.ts:slow' } },
    { load: { authenticate: (request) => ({ id: 'gina', scopes: (request.headers.get('x-scopes') ?? '').split(' ').filter(Boolean) }) } },
  );
  const client = async (scopes: string) => {
    const v1Client = new V1Client({ name: 'tasks-scoped', version: '1.0.0' });
    await v1Client.connect(new V1Transport(new URL(scoped.url), { requestInit: { headers: { 'x-scopes': scopes } } }));
    return v1Client;
  };
  const withAsk = await client('ask');
  const without = await client('');
  try {
    const { CreateTaskResultSchema } = await import('@modelcontextprotocol/sdk/types.js');
    const create = (name: string) => withAsk.request({ method: 'tools/call', params: { name, arguments: { step_ms: 10 }, task: {} } }, CreateTaskResultSchema);
    const [hidden, open] = [(await create('scoped_slow')).task.taskId, (await create('slow')).task.taskId];
    const listed = async (who: V1Client) => (await who.experimental.tasks.listTasks()).tasks.map((task) => task.taskId).sort();
    assert.deepEqual(await listed(withAsk), [hidden, open].sort());
    await assert.rejects(without.experimental.tasks.getTask(hidden), /Task not found/);
    assert.deepEqual(await listed(without), [open]);
  } finally {
    await withAsk.close();
    await without.close();
    await scoped.close(0);
  }
});

test("a task whose answer the graph's own responseSchema refuses goes back to input_required, asked again under a new key saying why", async () => {
  // It failed the task: LangGraph's ZodError (a refinement no form can say) was the run's failure.
  const created = (await rpc('alice', 'tools/call', { name: 'refined', arguments: {}, task: { ttl: 60_000 } })).message.result;
  const taskId = created.taskId as string;
  assert.ok(taskId, JSON.stringify(created));
  const first = await askedAnew(taskId);
  const [key] = Object.keys(first.inputRequests);
  await rpc('alice', 'tasks/update', { taskId, inputResponses: { [key!]: { action: 'accept', content: { name: 'Bob' } } } });
  const again = await askedAnew(taskId, [key!]);
  const [newKey] = Object.keys(again.inputRequests);
  assert.notEqual(newKey, key, 'a key is never reused');
  assert.match(JSON.stringify(again.inputRequests), /The last answer could not be used \(name: must start with A\)/);
  await rpc('alice', 'tasks/update', { taskId, inputResponses: { [newKey!]: { action: 'accept', content: { name: 'Ann' } } } });
  const done = await untilStatus('alice', taskId, ['completed', 'failed']);
  assert.equal(done.status, 'completed', JSON.stringify(done));
  assert.equal(done.result?.structuredContent?.answer, 'Hello, Ann!', JSON.stringify(done));
});

test("resume_run answering a task with an answer the graph's own responseSchema refuses: ANSWER_INVALID, saying why, the task asking again; a good answer then completes it", async () => {
  const created = (await rpc('alice', 'tools/call', { name: 'refined', arguments: {}, task: { ttl: 60_000 } })).message.result;
  const taskId = created.taskId as string;
  await askedAnew(taskId);
  const refused = (await rpc('alice', 'tools/call', { name: 'resume_run', arguments: { run_id: taskId, answer: { name: 'Bob' } } }, { extension: false })).message.result;
  assert.equal(refused._meta?.['graph-mcp/error']?.code, 'ANSWER_INVALID', JSON.stringify(refused));
  assert.match(refused.content[0].text, /must start with A/);
  assert.equal(refused._meta['graph-mcp/run'].status, 'input_required');
  const done = (await rpc('alice', 'tools/call', { name: 'resume_run', arguments: { run_id: taskId, answer: { name: 'Ann' } } }, { extension: false })).message.result;
  assert.equal(done.structuredContent?.answer, 'Hello, Ann!', JSON.stringify(done));
  assert.equal((await untilStatus('alice', taskId, ['completed'])).result.structuredContent.answer, 'Hello, Ann!');
});

test("a task asking two questions at once, one answer refused by the graph: only that one is asked again, and the other branch is not run again", async () => {
  // Both were asked again (the other told its answer "could not be used"), and its new answer was dropped.
  const created = (await rpc('alice', 'tools/call', { name: 'refined_pair', arguments: {}, task: { ttl: 60_000 } })).message.result;
  const taskId = created.taskId as string;
  const first = await askedAnew(taskId, [], 2);
  assert.deepEqual(Object.keys(first.inputRequests).sort(), ['left', 'right']);
  const rightRuns = visits.filter((visit) => visit === 'refinedPair.right').length;
  await rpc('alice', 'tasks/update', { taskId, inputResponses: { left: { action: 'accept', content: { name: 'Bob' } }, right: { action: 'accept', content: { answer: 'R1' } } } });
  const again = await askedAnew(taskId, ['left', 'right'], 1);
  const [key] = Object.keys(again.inputRequests);
  assert.match(JSON.stringify(again.inputRequests), /Left name, starting with A\?/);
  assert.match(JSON.stringify(again.inputRequests), /The last answer could not be used \(name: must start with A\)/);
  await rpc('alice', 'tasks/update', { taskId, inputResponses: { [key!]: { action: 'accept', content: { name: 'Ann' } } } });
  const done = await untilStatus('alice', taskId, ['completed', 'failed']);
  assert.equal(done.result?.structuredContent?.joined, 'Ann+R1', JSON.stringify(done));
  assert.equal(visits.filter((visit) => visit === 'refinedPair.right').length, rightRuns + 1, 'the right node ran once, with its answer');
});

test('a task whose subgraph asked two questions at once, one answer refused: only that one is asked again', async () => {
  const created = (await rpc('alice', 'tools/call', { name: 'refined_sub', arguments: {}, task: { ttl: 60_000 } })).message.result;
  const taskId = created.taskId as string;
  await askedAnew(taskId, [], 2);
  await rpc('alice', 'tasks/update', { taskId, inputResponses: { left: { action: 'accept', content: { name: 'Bob' } }, right: { action: 'accept', content: { answer: 'R1' } } } });
  const again = await askedAnew(taskId, ['left', 'right'], 1);
  assert.match(JSON.stringify(again.inputRequests), /Inner left A-name\?/);
  const [key] = Object.keys(again.inputRequests);
  await rpc('alice', 'tasks/update', { taskId, inputResponses: { [key!]: { action: 'accept', content: { name: 'Ann' } } } });
  const done = await untilStatus('alice', taskId, ['completed', 'failed']);
  assert.deepEqual([...(done.result?.structuredContent?.said ?? [])].sort(), ['L:Ann', 'R:R1'], JSON.stringify(done));
});
