// A caller's downstream credential, quoted in an error a node throws, is not written to the
// store: LangGraph stores a failed node's message with the run's checkpoints, and SQLite keeps
// deleted rows' bytes in its files (the write-ahead log, free pages) after the run is gone.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, startServer, type TestServer } from '../helpers/server.js';
import { callModern, taskRequest } from '../helpers/raw.js';
import { until } from '../helpers/wait.js';

const CANARY = `canary-${randomBytes(8).toString('hex')}`;
let dir: string;
let server: TestServer | undefined;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-at-rest-'));
});
after(async () => {
  await server?.close(0);
  await rm(dir, { recursive: true, force: true });
});

/** What an authenticate function may return beside who the caller is: the inbound token, a refresh token. */
const INBOUND = `inbound-${randomBytes(8).toString('hex')}`;

/** A server on its own SQLite file, whose one caller has CANARY as the credential for "notes". */
async function serveOn(file: string, graphs: Record<string, string>): Promise<TestServer> {
  server = await startServer(
    {
      name: 'at-rest',
      graphs,
      // Never contacted: the graphs only read their credential.
      secrets: { servers: { notes: { url: 'http://127.0.0.1:9/mcp' } } },
      store: { type: 'sqlite', path: file },
      defaults: { poll_interval_ms: 50 },
    },
    {
      baseDir: ROOT,
      configStore: true,
      load: {
        authenticate: () => ({ id: 'ivy', scopes: ['notes'], name: 'Ivy', accessToken: INBOUND, oauth: { refresh_token: INBOUND, issued: 1 } }),
        secretStore: { get: async (user, name) => (user === 'ivy' && name === 'notes' ? { Authorization: `Bearer ${CANARY}` } : undefined) },
      },
    },
  );
  return server;
}

/** Stops the server, then looks for the credential in every file of the store. */
async function assertNotStored(file: string): Promise<void> {
  await server?.close(0);
  server = undefined;
  const files = [file, `${file}-wal`].filter((name) => existsSync(name));
  assert.ok(files.length >= 1);
  for (const name of files) {
    assert.equal((await readFile(name)).includes(CANARY), false, `${path.basename(name)} holds the credential`);
    assert.equal((await readFile(name)).includes(INBOUND), false, `${path.basename(name)} holds the inbound token`);
  }
}

test("a task whose node throws with the caller's credential in its message stores none of it, in the store's files either", async () => {
  const file = path.join(dir, 'task.sqlite');
  const running = await serveOn(file, { leaky: './test/fixtures/graphs/basic.ts:leaky' });
  const created = (await taskRequest(running.url, 'tools/call', { name: 'leaky', arguments: { mode: 'throw' } })).result;
  assert.equal(created?.resultType, 'task', JSON.stringify(created));
  const ended = await until('the task ends', async () => {
    const got = (await taskRequest(running.url, 'tasks/get', { taskId: created.taskId })).result;
    return got?.status === 'completed' || got?.status === 'failed' ? got : undefined;
  });
  assert.equal(ended.result.content[0].text, 'Tool "leaky" failed: downstream refused [redacted]');
  await assertNotStored(file);
});

test("a call that pauses after a node failed with the caller's credential in its message (its error handler asks) stores none of it", async () => {
  const file = path.join(dir, 'paused.sqlite');
  const running = await serveOn(file, { fails_then_asks: './test/fixtures/graphs/basic.ts:failsThenAsks' });
  // It declares no elicitation: answered with a paused-run result, the run stored (its writes held until then, in one batch).
  const paused = await callModern(running.url, 'fails_then_asks', {});
  assert.equal(paused.messages[0]?.result?._meta?.['graph-mcp/run']?.status, 'input_required', paused.text);
  assert.ok(!paused.text.includes(CANARY));
  await assertNotStored(file);
});

test("a call that pauses on a question quoting the caller's credential stores none of it: the question as stored is scrubbed, as the caller is shown it", async () => {
  const file = path.join(dir, 'asked.sqlite');
  const running = await serveOn(file, { leaky: './test/fixtures/graphs/basic.ts:leaky' });
  const paused = await callModern(running.url, 'leaky', { mode: 'ask' });
  const run = paused.messages[0]?.result?._meta?.['graph-mcp/run'];
  assert.equal(run?.status, 'input_required', paused.text);
  assert.match(run.questions[0].text, /^May I call notes with \[redacted\]\?$/);
  // Read back from the store, the question is the same.
  const got = await callModern(running.url, 'get_run', { run_id: run.id });
  assert.match(got.messages[0]?.result?._meta?.['graph-mcp/run']?.questions?.[0]?.text ?? '', /^May I call notes with \[redacted\]\?$/, got.text);
  await assertNotStored(file);
});

test("a task stores its caller without the fields of the principal named for a credential (an inbound or refresh token), and runs as that caller", async () => {
  const file = path.join(dir, 'principal.sqlite');
  const running = await serveOn(file, { whoami: './test/fixtures/graphs/basic.ts:whoami' });
  const created = (await taskRequest(running.url, 'tools/call', { name: 'whoami', arguments: {} })).result;
  const ended = await until('the task ends', async () => {
    const got = (await taskRequest(running.url, 'tasks/get', { taskId: created.taskId })).result;
    return got?.status === 'completed' ? got : undefined;
  });
  assert.deepEqual(ended.result.structuredContent, { user: 'ivy', scopes: ['notes'] });
  const stored = await running.graphMcp.store!.runs.get(created.taskId, 'ivy');
  assert.deepEqual((stored?.data as { principal?: unknown }).principal, { id: 'ivy', scopes: ['notes'], name: 'Ivy', oauth: { issued: 1 } });
  await assertNotStored(file);
});
