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
import { closeGate, letGo, runsOf } from '../fixtures/graphs/gated.js';

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

/** The gated graph as a task, on a SQLite store in `dir`, with a short lease by default: a claim given back (or not renewed) is taken within a second. */
function gatedTaskConfig(dir: string, leaseMs = 600) {
  return {
    graphs: { gated: { path: './graphs/gated.ts:gated', task: 'required' as const } },
    store: { type: 'sqlite' as const, path: path.join(dir, 'store.sqlite') },
    defaults: { task_lease_ms: leaseMs, poll_interval_ms: 50 },
  };
}

test('a task running on a process that shuts down goes on through the grace period and ends there, not run again elsewhere', async () => {
  const taskDir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-tasks-grace-'));
  try {
    const config = gatedTaskConfig(taskDir);
    const first = { ...runsOf };
    const stopping = await startServer(config, { configStore: true });
    const gate = closeGate();
    const created = (await taskRequest(stopping.url, 'tools/call', { name: 'gated', arguments: { topic: 'grace' } })).result;
    assert.equal(created.resultType, 'task');
    await gate.started;

    // SIGTERM's path: stop accepting, the grace period, then close.
    const closed = stopping.close(30_000);
    const other = await startServer(config, { configStore: true });
    servers.push(other);
    // Five of the other runner's poll periods and more than a lease: it would have taken a claim given back.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(runsOf.first, first.first + 1, 'the node under way was not started again elsewhere');

    letGo();
    await closed;
    const done = await until('the task to complete', async () => {
      const got = (await taskRequest(other.url, 'tasks/get', { taskId: created.taskId })).result;
      return got.status === 'completed' ? got : undefined;
    });
    assert.equal(done.result.structuredContent.summary, 'grace after 1 step');
    assert.deepEqual(runsOf, { first: first.first + 1, second: first.second + 1 }, 'each node ran once, on the process that shut down');
    assert.doesNotMatch(stopping.logs.text(), /stopping the tasks running here/);
  } finally {
    await rm(taskDir, { recursive: true, force: true });
  }
});

test('a task still running when the grace period ends is stopped, its claim given back, and another process continues it', async () => {
  const taskDir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-tasks-grace-over-'));
  try {
    // A lease far longer than the test: only a claim given back lets the other process in.
    const config = gatedTaskConfig(taskDir, 120_000);
    const stopping = await startServer(config, { configStore: true });
    const gate = closeGate();
    const created = (await taskRequest(stopping.url, 'tools/call', { name: 'gated', arguments: { topic: 'over' } })).result;
    await gate.started;
    await stopping.close(200);
    await stopping.logs.logged('grace period over: stopping the tasks running here');

    const other = await startServer(config, { configStore: true });
    servers.push(other);
    letGo();
    const done = await until('the other process to finish the task', async () => {
      const got = (await taskRequest(other.url, 'tasks/get', { taskId: created.taskId })).result;
      return got.status === 'completed' ? got : undefined;
    }, 15_000);
    assert.equal(done.result.structuredContent.summary, 'over after 1 step');
  } finally {
    await rm(taskDir, { recursive: true, force: true });
  }
});
