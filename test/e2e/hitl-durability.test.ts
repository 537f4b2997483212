// Paused runs live in the store, not in a process: they survive a restart, reach
// whichever process gets the answer, and are gone after their time to live.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { FIXTURES, startServer } from '../helpers/server.js';
import { answersTo, cancelsTo, envelope, legacyHeaders, modernHeaders, post } from '../helpers/raw.js';
import { visits } from '../fixtures/graphs/hitl.js';
import { until } from '../helpers/wait.js';
import { startServeProcess } from '../helpers/cli.js';

let dir: string;
let configPath: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-hitl-'));
  configPath = path.join(dir, 'agent.config.json');
  // No "store": the default, a SQLite file beside the config.
  await writeFile(
    configPath,
    JSON.stringify({
      graphs: {
        ask_name: `${path.join(FIXTURES, 'graphs/hitl.ts')}:askName`,
        parallel: `${path.join(FIXTURES, 'graphs/hitl.ts')}:parallel`,
        slow: { path: `${path.join(FIXTURES, 'graphs/hitl.ts')}:slow`, task: 'never' },
      },
      defaults: { question_timeout_ms: 30_000 },
    }),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

function call(url: string, name: string, params: Record<string, unknown> = {}) {
  return post(
    url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name, arguments: {}, ...params }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } }) },
    modernHeaders('tools/call', name),
  );
}

test('a server restart between the question and the answer loses nothing (default SQLite store)', async () => {
  const first = await startServer(configPath, { configStore: true });
  assert.equal(first.graphMcp.store?.kind, 'sqlite');
  const asked = (await call(first.url, 'parallel')).messages[0]?.result;
  assert.equal(asked.resultType, 'input_required');
  assert.deepEqual(Object.keys(asked.inputRequests).sort(), ['left', 'right']);
  await first.close(0);

  const before = visits.filter((v) => v === 'parallel.start').length;
  const second = await startServer(configPath, { configStore: true });
  try {
    const answered = await call(second.url, 'parallel', {
      requestState: asked.requestState,
      inputResponses: { left: { action: 'accept', content: { answer: 'x' } }, right: { action: 'accept', content: { answer: 'y' } } },
    });
    assert.equal(answered.messages[0]?.result.structuredContent.joined, 'x+y');
    assert.equal(visits.filter((v) => v === 'parallel.start').length, before, 'resumed from the checkpoint: the node before the pause did not run again');
  } finally {
    await second.close(0);
  }
});

test('a 2025 elicitation answer posted to another process reaches the run waiting on the first', async () => {
  const a = await startServer(configPath, { configStore: true });
  const b = await startServer(configPath, { configStore: true });
  // Posts that carry an answer (a JSON-RPC response) go to B; everything else to A.
  const routing = answersTo(b.url);
  const client = new V1Client({ name: 'split', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { answer: 'Grace' } }));
  await client.connect(new V1Transport(new URL(a.url), { fetch: routing.fetch }));
  try {
    const result = await client.callTool({ name: 'ask_name', arguments: {} });
    assert.equal((result.structuredContent as { answer: string }).answer, 'Hello, Grace!');
    assert.equal(routing.answers(), 1, 'the answer went to the other process');
  } finally {
    await client.close();
    await a.close(0);
    await b.close(0);
  }
});

test('a paused run expires after its time to live and its checkpoints are cleaned up', async () => {
  const server = await startServer({ graphs: { ask_name: './graphs/hitl.ts:askName' }, defaults: { paused_run_ttl_ms: 1_000 } });
  try {
    const paused = (await call(server.url, 'ask_name', {}) as { messages: Array<Record<string, any>> }).messages[0]?.result;
    const legacy = await post(
      server.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: envelope({ name: 'ask_name', arguments: {} }) },
      modernHeaders('tools/call', 'ask_name'),
    );
    const runId = legacy.messages[0]?.result._meta['graph-mcp/run'].id as string;
    const store = server.graphMcp.store!;
    assert.ok(await store.checkpointer.getTuple({ configurable: { thread_id: runId, checkpoint_ns: '' } }), 'checkpointed while paused');

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const late = await call(server.url, 'ask_name', { requestState: paused.requestState, inputResponses: { q1: { action: 'accept', content: { answer: 'x' } } } });
    assert.equal(late.messages[0]?.error?.code, -32602, 'an expired requestState is refused');
    // Past its run's life, whether the state's own expiry (the SDK's codec) or the run's record refuses it: alike.
    assert.deepEqual(late.messages[0]?.error?.data, { reason: 'invalid_request_state' });
    const resumed = await post(
      server.url,
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: envelope({ name: 'resume_run', arguments: { run_id: runId, answer: 'x' } }) },
      modernHeaders('tools/call', 'resume_run'),
    );
    assert.equal(resumed.messages[0]?.result._meta['graph-mcp/error'].code, 'RUN_NOT_FOUND');

    // The server's own clean-up runs every TTL too, and may have been first.
    await server.graphMcp.pausedRuns!.sweep();
    assert.equal(await store.runs.deleteExpired(Date.now(), 10).then((ids) => ids.length), 0, 'no expired run is left');
    assert.equal(await store.checkpointer.getTuple({ configurable: { thread_id: runId, checkpoint_ns: '' } }), undefined, 'and their checkpoints');
  } finally {
    await server.close(0);
  }
});

test("an expired run's checkpoints that could not be deleted are deleted at a later clean-up pass, its record with them", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-sweep-'));
  const file = path.join(dir, 'state.sqlite');
  const server = await startServer({ graphs: { ask_name: './graphs/hitl.ts:askName' }, defaults: { paused_run_ttl_ms: 500 }, store: { type: 'sqlite', path: file } }, { configStore: true });
  const db = new Database(file);
  try {
    const paused = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'ask_name', arguments: {} }) }, modernHeaders('tools/call', 'ask_name'));
    const runId = paused.messages[0]?.result._meta['graph-mcp/run'].id as string;
    const checkpointed = () => server.graphMcp.store!.checkpointer.getTuple({ configurable: { thread_id: runId, checkpoint_ns: '' } });
    assert.ok(await checkpointed(), 'checkpointed while paused');
    // The database refuses to delete checkpoints while the run expires.
    db.exec("CREATE TRIGGER keep_checkpoints BEFORE DELETE ON checkpoints BEGIN SELECT RAISE(ABORT, 'simulated failure'); END;");
    const records = () => (db.prepare('SELECT count(*) AS n FROM graph_mcp_runs WHERE id = ?').get(runId) as { n: number }).n;
    await until('the run to expire', async () => ((await server.graphMcp.store!.runs.expiredIds(Date.now(), 1000)).includes(runId) ? true : undefined));
    await server.graphMcp.pausedRuns!.sweep();
    assert.ok(await checkpointed(), 'its checkpoints stayed');
    assert.equal(records(), 1, 'and so did its record, which names them for the next pass (a record deleted first left them named by nothing)');
    db.exec('DROP TRIGGER keep_checkpoints');
    await server.graphMcp.pausedRuns!.sweep();
    assert.equal(await checkpointed(), undefined, 'deleted once the database lets them go');
    assert.equal(records(), 0);
  } finally {
    db.close();
    await server.close(0);
    await rm(dir, { recursive: true, force: true });
  }
});

test('a 2025 notifications/cancelled received by another process stops the call where it runs', async () => {
  const a = await startServer(configPath, { configStore: true });
  const b = await startServer(configPath, { configStore: true });
  const routing = cancelsTo(b.url);
  const client = new V1Client({ name: 'split-cancel', version: '1.0.0' });
  await client.connect(new V1Transport(new URL(a.url), { fetch: routing.fetch }));
  try {
    const before = visits.filter((v) => v.startsWith('slow.')).length;
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { step_ms: 300 } }, undefined, { signal: controller.signal });
    await until('the run to start on A', async () => (visits.filter((v) => v.startsWith('slow.')).length > before ? true : undefined), 10_000);
    controller.abort('changed my mind');
    await assert.rejects(call);
    const atCancel = visits.filter((v) => v.startsWith('slow.')).length;
    await new Promise((resolve) => setTimeout(resolve, 900));
    assert.equal(routing.cancels(), 1, 'the cancel went to the other process');
    assert.ok(visits.filter((v) => v.startsWith('slow.')).length <= atCancel + 1, 'the run on A stopped');
    assert.ok(visits.filter((v) => v.startsWith('slow.')).length - before < 6, 'it did not run to its end');
  } finally {
    await client.close();
    await a.close(0);
    await b.close(0);
  }
});

test('a 2025 cancel naming no call is no cancel of a call begun after it with the same id, on this process or on another sharing the store', async () => {
  // Passed on to every process sharing the store, the cancel came back to its own within a poll, and
  // stopped a call begun meanwhile under that id (another client of the same user, counting from 0).
  const a = await startServer(configPath, { configStore: true });
  const b = await startServer(configPath, { configStore: true });
  try {
    for (const [at, runsOn] of [[a, a], [b, a]] as const) {
      const id = `fresh-${at === a ? 'here' : 'there'}`;
      const cancel = await post(at.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } }, legacyHeaders());
      assert.equal(cancel.status, 202);
      const answer = await post(runsOn.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: { step_ms: 60 } } }, legacyHeaders());
      const result = answer.messages.find((message) => message.id === id)?.result;
      assert.equal(result?.structuredContent?.done, 6, `${id}: ${answer.text}`);
    }
  } finally {
    await a.close(0);
    await b.close(0);
  }
});

test('a clean-up pass over many expired runs lets requests run between its deletions', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-sweep-many-'));
  const server = await startServer({ graphs: { ask_name: './graphs/hitl.ts:askName' }, store: { type: 'sqlite', path: path.join(dir, 'state.sqlite') } }, { configStore: true });
  try {
    const store = server.graphMcp.store!;
    const expired = 400;
    for (let i = 0; i < expired; i += 1) {
      await store.runs.create({ id: `expired-${i}`, owner: 'sweeper', tool: 'ask_name', status: 'input_required', data: {}, expiresAt: Date.now() - 1_000 });
    }
    // Turns of the event loop while the pass runs: SQLite's driver is synchronous, so a pass
    // that never yields gives none, and every request waits for the whole pass.
    let turns = 0;
    let counting = true;
    const count = () => {
      turns += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const deleted = await server.graphMcp.pausedRuns!.sweep();
    counting = false;
    assert.equal(deleted, expired);
    assert.ok(turns >= expired / 10, `${turns} turns of the event loop during a pass over ${expired} runs`);
  } finally {
    await server.close(0);
    await rm(dir, { recursive: true, force: true });
  }
});

test('a resume whose process dies holds the run only until its lease lapses (task_lease_ms), not for the tool\'s timeout', async () => {
  const held = path.join(dir, 'held.json');
  await writeFile(
    held,
    JSON.stringify({
      graphs: { ask_then_hold: `${path.join(FIXTURES, 'graphs/hitl.ts')}:askThenHold` },
      store: { type: 'sqlite', path: path.join(dir, 'held.sqlite') },
      // The tool's timeout (and so the old claim: it plus a minute) far beyond the test's wait.
      defaults: { task_lease_ms: 2_000, timeout_ms: 600_000 },
    }),
  );
  const started = await Promise.allSettled([
    startServeProcess(['--config', held, '--port', '0'], { env: { GRAPH_MCP_TEST_HOLD: '1' } }),
    startServeProcess(['--config', held, '--port', '0'], { env: { GRAPH_MCP_TEST_HOLD: '' } }),
  ]);
  const [dying, living] = started.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : undefined));
  if (dying === undefined || living === undefined) {
    await Promise.all([dying?.stop(), living?.stop()]);
    throw (started.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult).reason;
  }
  const connect = async (url: string) => {
    const client = new V1Client({ name: 'held', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(url)));
    return client;
  };
  const onLiving = await connect(living.url);
  const onDying = await connect(dying.url);
  try {
    const paused = await onLiving.callTool({ name: 'ask_then_hold', arguments: {} });
    const run = (paused._meta?.['graph-mcp/run'] as { id: string }).id;
    // Resumed on the process that will die: its work never ends there.
    void onDying.callTool({ name: 'resume_run', arguments: { run_id: run, answer: 'tides' } }).catch(() => undefined);
    await until('the resume to hold the run', async () => {
      const got = await onLiving.callTool({ name: 'get_run', arguments: { run_id: run } });
      return (got._meta?.['graph-mcp/run'] as { status: string }).status === 'working' ? true : undefined;
    });
    // Past two leases, the living holder has renewed its claim: the run is still its own.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const stillHeld = await onLiving.callTool({ name: 'resume_run', arguments: { run_id: run, answer: 'tides' } });
    assert.match((stillHeld.content as Array<{ text: string }>)[0]!.text, /being resumed by another request/, 'renewed while its process lives');
    dying.child.kill('SIGKILL');
    // Once its claim lapses, get_run says the run waits for its answer again (it said "still running" until the run expired).
    const pausedAgain = await until(
      'get_run to say it is paused again',
      async () => {
        const got = await onLiving.callTool({ name: 'get_run', arguments: { run_id: run } });
        return (got._meta?.['graph-mcp/run'] as { status: string }).status === 'input_required' ? got : undefined;
      },
      30_000,
    );
    const told = (pausedAgain.content as Array<{ text: string }>).map((item) => item.text).join('\n');
    assert.match(told, /^The answer given to the run of tool "ask_then_hold" may not have been applied: the process resuming it stopped renewing its claim on the run \(it stopped, or is stuck\)\. Answer again\./);
    assert.match(told, /resume_run/);
    const done = await until(
      'the lease to lapse',
      async () => {
        const got = await onLiving.callTool({ name: 'resume_run', arguments: { run_id: run, answer: 'winds' } });
        return got.structuredContent === undefined ? undefined : got;
      },
      30_000,
    );
    assert.deepEqual(done.structuredContent, { topic: 'winds', summary: 'about winds' });
  } finally {
    await onLiving.close();
    await onDying.close().catch(() => undefined);
    await living.stop();
    await dying.stop();
  }
});
