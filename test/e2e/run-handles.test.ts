// Callers that can neither poll tasks nor wait long get a run handle after max_wait_ms,
// and fetch the result with get_run or stop the run with cancel_run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import type { ToolMessage } from '@langchain/core/messages';
import { startServer, type TestServer } from '../helpers/server.js';
import { visits } from '../fixtures/graphs/hitl.js';
import { closeGate, letGo } from '../fixtures/graphs/gated.js';

let server: TestServer;
before(async () => {
  server = await startServer(
    { name: 'handles-test', graphs: {
        slow: { path: './graphs/hitl.ts:slow', max_wait_ms: 250 },
        limited: { path: './graphs/hitl.ts:slow', max_wait_ms: 250, timeout_ms: 900 },
        quick: './graphs/basic.ts:echo',
        prepared: { path: './graphs/gated.ts:preparedGated', max_wait_ms: 250 },
        prepared_patient: { path: './graphs/gated.ts:preparedGated', max_wait_ms: 2_000 },
        asked: './graphs/gated.ts:askedGated',
        scoped_slow: { path: './graphs/hitl.ts:slow', max_wait_ms: 250, access: { scopes: ['slow'] } },
        ask_then_work: { path: './graphs/hitl.ts:askThenWork', max_wait_ms: 250 },
      },
    },
    { load: { authenticate: (request) => ({ id: request.headers.get('x-user') ?? 'anonymous', scopes: (request.headers.get('x-scopes') ?? '').split(' ').filter(Boolean) }) } },
  );
});
after(() => server.close(0));

async function v1(user: string, scopes = '') {
  const client = new V1Client({ name: 'handles', version: '1.0.0' });
  await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { 'x-user': user, 'x-scopes': scopes } } }));
  return client;
}

type Meta = { id: string; status: string; progress?: string };

async function until<T>(poll: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i += 1) {
    const value = await poll();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('gave up polling');
}

test('a call that outlasts max_wait_ms answers with a run handle; get_run returns the result once it has one', async () => {
  const client = await v1('alice');
  try {
    const quick = await client.callTool({ name: 'quick', arguments: { text: 'fast' } });
    assert.deepEqual(quick.structuredContent, { echoed: 'fast' }, 'a quick call is answered directly');

    const handle = await client.callTool({ name: 'slow', arguments: { step_ms: 150 } });
    const run = handle._meta?.['graph-mcp/run'] as Meta;
    assert.equal(handle.isError, true, 'flagged so output-schema checks pass');
    assert.equal(run.status, 'working');
    assert.match((handle.content as Array<{ text: string }>)[0]!.text, /still running in the background; it has not failed/);
    const working = await client.callTool({ name: 'get_run', arguments: { run_id: run.id } });
    assert.equal((working._meta?.['graph-mcp/run'] as Meta).status, 'working');
    // A model that takes the handle for a question: told the run asks nothing, and where it is.
    const answered = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: 'yes' } });
    assert.equal((answered._meta?.['graph-mcp/run'] as Meta).status, 'working', JSON.stringify(answered));
    const [note, handleText] = answered.content as Array<{ text: string }>;
    assert.equal(note!.text, 'The run of tool "slow" is not waiting for an answer: this answer was not applied.');
    assert.match(handleText!.text, /still running in the background; it has not failed/);
    const finished = await until(
      () => client.callTool({ name: 'get_run', arguments: { run_id: run.id } }),
      (r) => r.structuredContent !== undefined,
    );
    assert.equal((finished.structuredContent as { done: number }).done, 6, 'the run went on after the call answered');
  } finally {
    await client.close();
  }
});


test('resume_run waits for the rest of a paused run no longer than max_wait_ms: a long rest answers the run handle, and the run goes on to its result', async () => {
  // It ran the rest in the request, however long: a client whose timeout was shorter cancelled it on every answer.
  const client = await v1('erin');
  try {
    const paused = await client.callTool({ name: 'ask_then_work', arguments: { step_ms: 1_500 } });
    const run = paused._meta?.['graph-mcp/run'] as Meta;
    assert.equal(run.status, 'input_required', JSON.stringify(paused));
    const started = Date.now();
    const answered = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: { name: 'Ada' } } });
    assert.ok(Date.now() - started < 1_200, `answered after ${Date.now() - started} ms`);
    assert.equal((answered._meta?.['graph-mcp/run'] as Meta).status, 'working', JSON.stringify(answered));
    assert.match((answered.content as Array<{ text: string }>)[0]!.text, /still running in the background; it has not failed/);
    const finished = await until(
      () => client.callTool({ name: 'get_run', arguments: { run_id: run.id } }),
      (r) => r.structuredContent !== undefined,
    );
    assert.equal((finished.structuredContent as { greeting: string }).greeting, 'Hello, Ada!');
    // A short rest is answered in the request, as before.
    const again = await client.callTool({ name: 'ask_then_work', arguments: { step_ms: 10 } });
    const quick = await client.callTool({ name: 'resume_run', arguments: { run_id: (again._meta?.['graph-mcp/run'] as Meta).id, answer: { name: 'Bo' } } });
    assert.equal((quick.structuredContent as { greeting: string }).greeting, 'Hello, Bo!', JSON.stringify(quick));
  } finally {
    await client.close();
  }
});

test("a run taken over after max_wait_ms keeps its time limit: timeout_ms counts from the call, not from the take-over", async () => {
  const client = await v1('alice');
  try {
    // Six 200 ms steps (1.2 s) under a 900 ms limit: taken over at 250 ms, continued from its
    // checkpoint at the next step boundary, it would have a fresh 900 ms there and finish.
    const handle = await client.callTool({ name: 'limited', arguments: { step_ms: 200 } });
    const run = handle._meta?.['graph-mcp/run'] as Meta;
    assert.equal(run.status, 'working');
    const ended = await until(
      () => client.callTool({ name: 'get_run', arguments: { run_id: run.id } }),
      (r) => (r._meta?.['graph-mcp/run'] as Meta | undefined)?.status !== 'working',
    );
    assert.equal((ended._meta?.['graph-mcp/error'] as { code?: string } | undefined)?.code, 'RUN_TIMEOUT', JSON.stringify(ended));
    assert.match((ended.content as Array<{ text: string }>)[0]!.text, /timed out after 900 ms/);
  } finally {
    await client.close();
  }
});

test('the handle tells how far the run got before it was handed out', async () => {
  const client = await v1('dora');
  const gate = closeGate();
  try {
    const handle = client.callTool({ name: 'prepared', arguments: { topic: 't' } });
    await gate.started;
    const run = (await handle)._meta?.['graph-mcp/run'] as Meta;
    assert.equal(run.status, 'working');
    assert.equal(run.progress, 'prepare', 'the step that finished before max_wait_ms');
    const got = await client.callTool({ name: 'get_run', arguments: { run_id: run.id } });
    assert.match((got.content as Array<{ text: string }>)[0]!.text, /Last step: prepare/);
    letGo();
    const finished = await until(
      () => client.callTool({ name: 'get_run', arguments: { run_id: run.id } }),
      (r) => r.structuredContent !== undefined,
    );
    assert.equal((finished.structuredContent as { summary: string }).summary, 'let go');
  } finally {
    letGo();
    await client.close();
  }
});

test('get_run tells how far a handed-out run got (its last step)', async () => {
  const client = await v1('dora');
  try {
    const handle = await client.callTool({ name: 'slow', arguments: { step_ms: 200 } });
    const run = handle._meta?.['graph-mcp/run'] as Meta;
    const reported = await until(
      () => client.callTool({ name: 'get_run', arguments: { run_id: run.id } }),
      (r) => (r._meta?.['graph-mcp/run'] as Meta | undefined)?.progress !== undefined || r.structuredContent !== undefined,
    );
    const meta = reported._meta?.['graph-mcp/run'] as Meta;
    assert.match(meta.progress ?? '', /^step[1-6]$/, 'a step finished after the handle was sent');
    assert.match((reported.content as Array<{ text: string }>)[0]!.text, new RegExp(`Last step: ${meta.progress}`));
    await client.callTool({ name: 'cancel_run', arguments: { run_id: run.id } });
  } finally {
    await client.close();
  }
});

test('cancel_run stops a run in the background; another caller cannot see or cancel it', async () => {
  const alice = await v1('alice');
  const bob = await v1('bob');
  try {
    const handle = await alice.callTool({ name: 'slow', arguments: { step_ms: 200 } });
    const run = handle._meta?.['graph-mcp/run'] as Meta;
    const foreignGet = await bob.callTool({ name: 'get_run', arguments: { run_id: run.id } });
    const foreignCancel = await bob.callTool({ name: 'cancel_run', arguments: { run_id: run.id } });
    assert.equal((foreignGet._meta?.['graph-mcp/error'] as { code: string }).code, 'RUN_NOT_FOUND');
    assert.equal((foreignCancel._meta?.['graph-mcp/error'] as { code: string }).code, 'RUN_NOT_FOUND');

    const cancelled = await alice.callTool({ name: 'cancel_run', arguments: { run_id: run.id } });
    assert.equal((cancelled._meta?.['graph-mcp/run'] as Meta).status, 'cancelled');
    const stepsAtCancel = visits.filter((v) => v.startsWith('slow.')).length;
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.ok(visits.filter((v) => v.startsWith('slow.')).length <= stepsAtCancel + 1, 'no further steps ran after the cancel');
    const after = await alice.callTool({ name: 'get_run', arguments: { run_id: run.id } });
    assert.equal((after._meta?.['graph-mcp/error'] as { code: string }).code, 'RUN_CANCELLED');
    // The log says what happened: the caller cancelled its run, which is no fault.
    const lines = server.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const cancelCalls = lines.filter((line) => line.msg === 'mcp request' && line.tool === 'cancel_run' && line.principal === 'alice');
    assert.deepEqual(cancelCalls.map((line) => line.outcome), ['cancelled']);
    const stopped = lines.filter((line) => line.run === run.id && typeof line.msg === 'string' && line.msg.startsWith('an adopted run'));
    assert.deepEqual(stopped.map((line) => [line.level, line.msg]), [[30, 'an adopted run was cancelled']]);
  } finally {
    await alice.close();
    await bob.close();
  }
});

test('a run id longer than any graph-mcp makes is refused as an argument, and a long task id is not said back whole', async () => {
  const alice = await v1('alice');
  try {
    const long = 'r'.repeat(100_000);
    for (const [name, args] of [['get_run', { run_id: long }], ['cancel_run', { run_id: long }], ['resume_run', { run_id: long, answer: 'x' }]] as const) {
      const refused = await alice.callTool({ name, arguments: args });
      assert.equal((refused._meta?.['graph-mcp/error'] as { code: string } | undefined)?.code, 'INVALID_ARGUMENTS', `${name}: ${JSON.stringify(refused).slice(0, 300)}`);
      assert.ok(JSON.stringify(refused).length < 1_000, `${name}: the answer does not repeat the id`);
    }
    await assert.rejects(alice.experimental.tasks.getTask(long), (error: Error) => {
      assert.match(error.message, /Task not found: r{64}…$/);
      return true;
    });
  } finally {
    await alice.close();
  }
});

test('get_run and cancel_run do not find a run of a tool its caller may no longer call, and do not cancel it', async () => {
  const allowed = await v1('alice', 'slow');
  const revoked = await v1('alice');
  try {
    const handle = await allowed.callTool({ name: 'scoped_slow', arguments: { step_ms: 200 } });
    const run = handle._meta?.['graph-mcp/run'] as Meta;
    assert.equal(run.status, 'working');
    for (const name of ['get_run', 'cancel_run']) {
      const refused = await revoked.callTool({ name, arguments: { run_id: run.id } });
      assert.equal((refused._meta?.['graph-mcp/error'] as { code: string } | undefined)?.code, 'RUN_NOT_FOUND', `${name}: ${JSON.stringify(refused)}`);
    }
    const still = await allowed.callTool({ name: 'get_run', arguments: { run_id: run.id } });
    assert.notEqual((still._meta?.['graph-mcp/run'] as Meta).status, 'cancelled', JSON.stringify(still));
    await allowed.callTool({ name: 'cancel_run', arguments: { run_id: run.id } });
  } finally {
    await allowed.close();
    await revoked.close();
  }
});

test('MultiServerMCPClient drives a long run to its result through get_run', async () => {
  const client = new MultiServerMCPClient({ mcpServers: { s: { url: server.url, transport: 'http', headers: { 'x-user': 'carol' } } }, useStandardContentBlocks: true });
  try {
    const tools = await client.getTools();
    const slow = tools.find((t) => t.name === 'slow')!;
    const getRun = tools.find((t) => t.name === 'get_run')!;
    // The adapter turns a result flagged isError into a ToolException (an agent's ToolNode shows
    // its text to the model): the handle's text carries the run id.
    const first = await slow.invoke({ type: 'tool_call', id: 'c1', name: 'slow', args: { step_ms: 120 } }).catch((error: Error) => error);
    assert.ok(first instanceof Error);
    const runId = /"run_id": "([^"]+)"/.exec(first.message)![1]!;
    const done = (await until(
      () => getRun.invoke({ type: 'tool_call', id: 'c2', name: 'get_run', args: { run_id: runId } }).catch((error: Error) => error),
      (answer) => !(answer instanceof Error),
    )) as ToolMessage;
    const structured = (done.artifact as Array<{ type: string; data?: { done?: number } }>).find((a) => a.type === 'mcp_structured_content');
    assert.equal(structured?.data?.done, 6);
  } finally {
    await client.close();
  }
});

test('cancel_run on a paused run while resume_run runs it stops it: the resume is told RUN_CANCELLED, not a result the cancel contradicts', async () => {
  const client = await v1('dora');
  const other = await v1('dora');
  try {
    const paused = await client.callTool({ name: 'asked', arguments: {} });
    const run = paused._meta?.['graph-mcp/run'] as Meta;
    const gate = closeGate();
    const resumed = client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: 'tides' } });
    await gate.started;
    const cancel = await other.callTool({ name: 'cancel_run', arguments: { run_id: run.id } });
    assert.equal((cancel._meta?.['graph-mcp/run'] as Meta).status, 'cancelled');
    // Stopped at once, though its node waits at the gate still.
    const answer = await resumed;
    assert.equal(answer.isError, true, JSON.stringify(answer));
    assert.equal((answer._meta?.['graph-mcp/error'] as { code: string }).code, 'RUN_CANCELLED');
    assert.match((answer.content as Array<{ text: string }>)[0]!.text, /was cancelled while it was resumed/);
    letGo();
    const after = await other.callTool({ name: 'get_run', arguments: { run_id: run.id } });
    assert.equal((after._meta?.['graph-mcp/error'] as { code: string } | undefined)?.code ?? (after._meta?.['graph-mcp/run'] as Meta | undefined)?.status, 'RUN_CANCELLED', JSON.stringify(after));
  } finally {
    letGo();
    await client.close();
    await other.close();
  }
});

test('resume_run on a run another resume_run holds: RUN_CONFLICT, saying when that claim lapses', async () => {
  const client = await v1('carol');
  try {
    const paused = await client.callTool({ name: 'asked', arguments: {} });
    const run = paused._meta?.['graph-mcp/run'] as Meta;
    assert.equal(run.status, 'input_required', JSON.stringify(paused));
    const gate = closeGate();
    const first = client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: 'tides' } });
    await gate.started;
    const second = await client.callTool({ name: 'resume_run', arguments: { run_id: run.id, answer: 'winds' } });
    assert.equal(second.isError, true);
    const text = (second.content as Array<{ text: string }>)[0]!.text;
    assert.match(text, /^Tool "asked": this paused run is being resumed by another request\. Try again shortly\. If that request's process has stopped, its claim lapses at (\S+), and the run can be answered again then\.$/);
    const lapses = Date.parse(/lapses at (\S+),/.exec(text)![1]!);
    assert.ok(lapses > Date.now(), 'the claim lapses in the future');
    letGo();
    const done = await first;
    assert.deepEqual(done.structuredContent, { topic: 'tides', summary: 'about tides' });
  } finally {
    letGo();
    await client.close();
  }
});

test('a resume whose claim another answer took (its process went a whole lease without renewing) stops, refused as busy', async () => {
  const own = await startServer({ graphs: { asked: './graphs/gated.ts:askedGated' }, defaults: { task_lease_ms: 600 } });
  const client = new V1Client({ name: 'handles', version: '1.0.0' });
  await client.connect(new V1Transport(new URL(own.url)));
  try {
    const paused = await client.callTool({ name: 'asked', arguments: {} });
    const id = (paused._meta?.['graph-mcp/run'] as Meta).id;
    const gate = closeGate();
    const first = client.callTool({ name: 'resume_run', arguments: { run_id: id, answer: 'tides' } });
    await gate.started;
    // What another process's claim looks like to this one: the record names another holder.
    const store = own.graphMcp.store!;
    const record = (await store.runs.get(id, ''))!;
    assert.ok(await store.runs.update(id, record.version, { leaseOwner: 'another-process', leaseUntil: Date.now() + 60_000 }));
    const outcome = await Promise.race([first, new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000))]);
    assert.notEqual(outcome, 'still running', 'the run was stopped at its next renewal');
    assert.match(((outcome as { content: Array<{ text: string }> }).content)[0]!.text, /being resumed by another request/);
  } finally {
    letGo();
    await client.close();
    await own.close(0);
  }
});

test('get_run on a working run waits for it (up to the tool\'s max_wait_ms) and answers with the result once it ends', async () => {
  const client = await v1('dora');
  try {
    const gate = closeGate();
    const handle = await client.callTool({ name: 'prepared_patient', arguments: { topic: 'x' } });
    await gate.started;
    const run = handle._meta?.['graph-mcp/run'] as Meta;
    assert.equal(run.status, 'working');
    assert.match((handle.content as Array<{ text: string }>)[0]!.text, /call the tool "get_run" \(if your tool names carry a prefix, the one with the same prefix as "prepared_patient"\) with \{"run_id": "[^"]+"\}: it waits for the run a while before it answers/);
    let answered = false;
    const got = client.callTool({ name: 'get_run', arguments: { run_id: run.id } }).finally(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(answered, false, 'get_run is still waiting for the run');
    letGo();
    const result = await got;
    assert.deepEqual(result.structuredContent, { topic: 'x', steps: 0, summary: 'let go' }, JSON.stringify(result.content));
  } finally {
    letGo();
    await client.close();
  }
});
