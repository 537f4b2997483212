// A process that has begun to close (its grace period, runs still in flight)
// claims no new task: one claimed then would be stopped at the grace
// period's end and given back, its work so far done twice. Another process
// on the same store runs it.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { callModern, taskRequest } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';
import { closeGate, letGo } from '../fixtures/graphs/gated.js';

const servers: TestServer[] = [];
let dir: string | undefined;
after(async () => {
  letGo();
  await Promise.all(servers.map((server) => server.close(0)));
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a closing process leaves new tasks to others; another process on the store runs them', async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-tasks-drain-'));
  // A short lease: the task runner looks for work every 200 ms as well as on every wake-up.
  const config = {
    graphs: { gated: './graphs/gated.ts:gated', echo: './graphs/basic.ts:echo' },
    store: { type: 'sqlite' as const, path: path.join(dir, 'store.sqlite') },
    defaults: { task_lease_ms: 600, poll_interval_ms: 50 },
  };
  const closing = await startServer(config, { configStore: true });
  servers.push(closing);

  // A call in flight holds the grace period open.
  const gate = closeGate();
  const inFlight = callModern(closing.url, 'gated', { topic: 'drain' });
  await gate.started;
  const stopped = closing.graphMcp.stopRuns(30_000);

  // Still served while it drains: the task is stored, then left alone here.
  const created = (await taskRequest(closing.url, 'tools/call', { name: 'echo', arguments: { text: 'later' } })).result;
  assert.equal(created.resultType, 'task');
  // Five of the runner's poll periods, and the wake-up the new task sent.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const waiting = (await taskRequest(closing.url, 'tasks/get', { taskId: created.taskId })).result;
  assert.equal(waiting.status, 'working', 'not run by the process that is closing');

  // The call in flight is still answered in full, and the grace period ends with it.
  letGo();
  const answer = (await inFlight).messages.find((m) => 'result' in m);
  assert.equal(answer?.result?.structuredContent?.summary, 'drain after 1 step');
  await stopped;

  const other = await startServer(config, { configStore: true });
  servers.push(other);
  const done = await until('the other process to run the task', async () => {
    const got = (await taskRequest(other.url, 'tasks/get', { taskId: created.taskId })).result;
    return got.status === 'completed' ? got : undefined;
  });
  assert.equal(done.result.structuredContent.echoed, 'later');
});
