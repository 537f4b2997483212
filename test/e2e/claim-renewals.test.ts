// A process keeps its claim on a running task by renewing it. One renewal that never settles
// (a write on a pooled connection that stands still) must not stop the renewals after it: the
// lease would lapse, and another process would run the task again while this one still runs it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { closeGate, letGo, runsOf, stillRuns } from '../fixtures/graphs/gated.js';
import { taskRequest } from '../helpers/raw.js';
import { startServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

test('one claim renewal that hangs is covered by the next: no other process takes the task over while it runs', { timeout: 30_000 }, async () => {
  const shared = new MemoryStore();
  let hangOne = false;
  let hung = 0;
  // Process A's view of the shared store: its next lease renewal stands still; everything else goes through.
  const runs = Object.create(shared.runs) as Store['runs'];
  runs.updateLeased = (id, owner, patch) => {
    if (hangOne && Object.keys(patch).length === 1 && 'leaseUntil' in patch) {
      hangOne = false;
      hung += 1;
      return new Promise(() => undefined);
    }
    return shared.runs.updateLeased(id, owner, patch);
  };
  const storeA = Object.create(shared) as Store;
  Object.defineProperty(storeA, 'runs', { value: runs });
  const config = { name: 'renewals', graphs: { gated: './graphs/gated.ts:gated' }, defaults: { task_lease_ms: 600, poll_interval_ms: 50 } };
  const a = await startServer(config, { load: { store: storeA } });
  let b: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const gate = closeGate();
    const created = await taskRequest(a.url, 'tools/call', { name: 'gated', arguments: { topic: 'tides' } });
    const taskId = created.result?.taskId as string;
    await gate.started;
    hangOne = true;
    b = await startServer(config, { load: { store: shared } });
    // Five leases go by, B claiming whatever lapses.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal(hung, 1);
    assert.equal(runsOf.first, 1, 'the task ran once: B never took it over');
    letGo();
    const done = await until('the task completes', async () => {
      const answer = await taskRequest(b!.url, 'tasks/get', { taskId });
      return answer.result?.status === 'completed' ? answer : undefined;
    });
    assert.equal(done.result.result.structuredContent.summary, 'tides after 1 step');
  } finally {
    letGo();
    await b?.close(0);
    await a.close(0);
  }
});


/** Servers of the gated graph, on a short lease. */
const GATED = { name: 'renewals', graphs: { gated: './graphs/gated.ts:gated' }, defaults: { task_lease_ms: 600, poll_interval_ms: 50 } };

/** Creates a task of the gated graph on `url`: its id, once its first step waits at the gate. */
async function gatedTask(url: string): Promise<string> {
  const gate = closeGate();
  const created = await taskRequest(url, 'tools/call', { name: 'gated', arguments: { topic: 'tides' } });
  const taskId = created.result?.taskId as string;
  assert.ok(taskId, JSON.stringify(created));
  await gate.started;
  return taskId;
}

/** A process's view of a shared store: while `cutOff.on`, its lease renewals never answer; everything else goes through. */
function viewCutOffFrom(shared: MemoryStore): { store: Store; cutOff: { on: boolean } } {
  const cutOff = { on: false };
  const runs = Object.create(shared.runs) as Store['runs'];
  runs.updateLeased = (id, owner, patch) =>
    cutOff.on && Object.keys(patch).length === 1 && 'leaseUntil' in patch ? new Promise(() => undefined) : shared.runs.updateLeased(id, owner, patch);
  const store = Object.create(shared) as Store;
  Object.defineProperty(store, 'runs', { value: runs });
  return { store, cutOff };
}

test('a process cut off from the store (its renewals hang) stops its task before the claim lapses; another runs it from its checkpoint, and its steps after run once', { timeout: 30_000 }, async () => {
  const shared = new MemoryStore();
  const { store: storeA, cutOff } = viewCutOffFrom(shared);
  const a = await startServer(GATED, { load: { store: storeA } });
  let b: Awaited<ReturnType<typeof startServer>> | undefined;
  const firstBefore = runsOf.first;
  const secondBefore = runsOf.second;
  try {
    const taskId = await gatedTask(a.url);
    cutOff.on = true;
    b = await startServer(GATED, { load: { store: shared } });
    await a.logs.logged('stopped here before the claim lapses', 10_000);
    cutOff.on = false;
    // Its lease runs out, and a process (either) runs the task again; that run too waits at the gate.
    await until('the task run again', async () => (runsOf.first === firstBefore + 2 ? true : undefined), 10_000);
    letGo();
    const done = await until('the task completes', async () => {
      const answer = await taskRequest(b!.url, 'tasks/get', { taskId });
      return answer.result?.status === 'completed' ? answer : undefined;
    });
    assert.equal(done.result.result.structuredContent.summary, 'tides after 1 step');
    // The run A stopped did not go on once its node was let go: the step after it ran once, in the run that completed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(runsOf.second, secondBefore + 1);
  } finally {
    letGo();
    await b?.close(0);
    await a.close(0);
  }
});

test('a node that keeps the event loop busy for longer than a lease: the claim the store confirms after it keeps the task running here, once', { timeout: 30_000 }, async () => {
  const config = { name: 'renewals', graphs: { still: './graphs/gated.ts:standsStill' }, defaults: { task_lease_ms: 600, poll_interval_ms: 50 } };
  const a = await startServer(config, { load: { store: new MemoryStore() } });
  const before = stillRuns.count;
  try {
    const created = await taskRequest(a.url, 'tools/call', { name: 'still', arguments: { ms: 2_000 } });
    const taskId = created.result?.taskId as string;
    assert.ok(taskId, JSON.stringify(created));
    const done = await until('the task completes', async () => {
      const answer = await taskRequest(a.url, 'tasks/get', { taskId });
      return answer.result?.status === 'completed' ? answer : undefined;
    });
    assert.deepEqual(done.result.result.structuredContent, { ms: 2_000, done: true });
    assert.equal(stillRuns.count, before + 1, 'the step ran once: the run was not stopped and run again');
    assert.ok(!a.logs.lines.some((line) => line.includes('before the claim lapses')), 'not stopped as cut off from the store');
  } finally {
    await a.close(0);
  }
});

test('a resume whose process is cut off from the store stops before its claim lapses, answered -32603; once the lease has run out, the same answer resumes it', { timeout: 30_000 }, async () => {
  const shared = new MemoryStore();
  const { store: storeA, cutOff } = viewCutOffFrom(shared);
  const config = { name: 'renewals', graphs: { asked: './graphs/gated.ts:askedGated' }, defaults: { task_lease_ms: 600 } };
  const a = await startServer(config, { load: { store: storeA } });
  const b = await startServer(config, { load: { store: shared } });
  const onA = new V1Client({ name: 'renewals', version: '1.0.0' });
  const onB = new V1Client({ name: 'renewals', version: '1.0.0' });
  await onA.connect(new V1Transport(new URL(a.url)));
  await onB.connect(new V1Transport(new URL(b.url)));
  try {
    const paused = await onA.callTool({ name: 'asked', arguments: {} });
    const id = (paused._meta?.['graph-mcp/run'] as { id: string }).id;
    const gate = closeGate();
    const first = onA.callTool({ name: 'resume_run', arguments: { run_id: id, answer: 'tides' } }).then(
      (result) => ({ result }),
      (error: unknown) => ({ error: error as { code?: number; message: string } }),
    );
    await gate.started;
    cutOff.on = true;
    const stopped = await first;
    assert.ok('error' in stopped, JSON.stringify(stopped));
    assert.equal(stopped.error.code, -32603);
    await a.logs.logged('stopped before the claim lapses');
    cutOff.on = false;
    // The run it stopped records nothing (its writes are version-checked); answered again on the other process, it runs from where it paused.
    letGo();
    const resumed = await until('resumed once the lease has run out', async () => {
      const result = await onB.callTool({ name: 'resume_run', arguments: { run_id: id, answer: 'tides' } });
      const text = (result.content as Array<{ text?: string }>)[0]?.text ?? '';
      return /being resumed by another request/.test(text) ? undefined : result;
    }, 10_000);
    assert.deepEqual(resumed.structuredContent, { topic: 'tides', summary: 'about tides' }, JSON.stringify(resumed));
  } finally {
    letGo();
    await onA.close();
    await onB.close();
    await b.close(0);
    await a.close(0);
  }
});

test('a task cancelled through another process while its own misses the cancel signal is stopped as cancelled at its next renewal, and goes no further', { timeout: 30_000 }, async () => {
  const shared = new MemoryStore();
  // Process A's view of the shared store: cancel signals never reach it.
  const signals = Object.create(shared.signals) as Store['signals'];
  signals.subscribe = (channel, listener) => (channel.startsWith('tasks:cancel:') ? Promise.resolve(() => undefined) : shared.signals.subscribe(channel, listener));
  const storeA = Object.create(shared) as Store;
  Object.defineProperty(storeA, 'signals', { value: signals });
  const a = await startServer(GATED, { load: { store: storeA } });
  const b = await startServer(GATED, { load: { store: shared } });
  const secondBefore = runsOf.second;
  try {
    const taskId = await gatedTask(a.url);
    const cancelled = await taskRequest(b.url, 'tasks/cancel', { taskId });
    assert.ok(cancelled.result !== undefined, JSON.stringify(cancelled));
    await a.logs.logged('task cancelled while it ran: stopped', 10_000);
    letGo();
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(runsOf.second, secondBefore, 'the cancelled run went no further');
    assert.equal((await taskRequest(a.url, 'tasks/get', { taskId })).result?.status, 'cancelled');
  } finally {
    letGo();
    await b.close(0);
    await a.close(0);
  }
});

test("a run whose task another process ran meanwhile (this one paused past its lease), taken back by this process just before the run's last write: that write fails in the store, and a fresh run records the outcome", { timeout: 30_000 }, async () => {
  const shared = new MemoryStore();
  // A's view: the first write that ends a task waits, before it reaches the store, for what a pause past
  // the lease lets happen: B takes the task over (its attempt counted), then gives it back; A's next claim takes it.
  let held: { id: string; owner: string } | undefined;
  const runs = Object.create(shared.runs) as Store['runs'];
  runs.updateLeased = async (id, owner, patch) => {
    if (held === undefined && patch.status === 'completed') {
      held = { id, owner };
      let record = (await shared.runs.get(id, ''))!;
      record = (await shared.runs.update(id, record.version, { leaseOwner: 'B', data: { ...(record.data as object), attempt: 2 } }))!;
      await shared.runs.update(id, record.version, { leaseOwner: null, leaseUntil: null });
      await until('A to claim the task back', async () => ((await shared.runs.get(id, ''))?.leaseOwner?.startsWith(owner.split('.')[0]!) ? true : undefined), 10_000);
    }
    return shared.runs.updateLeased(id, owner, patch);
  };
  const storeA = Object.create(shared) as Store;
  Object.defineProperty(storeA, 'runs', { value: runs });
  const a = await startServer(GATED, { load: { store: storeA } });
  const firstBefore = runsOf.first;
  try {
    const taskId = await gatedTask(a.url);
    letGo();
    const done = await until('the task completes', async () => {
      const answer = await taskRequest(a.url, 'tasks/get', { taskId });
      return answer.result?.status === 'completed' ? answer : undefined;
    });
    assert.ok(held, 'the first run reached its last write');
    const record = (await shared.runs.get(taskId, ''))!;
    assert.equal((record.data as { attempt?: number }).attempt, 3, 'recorded by the run begun after the task came back, not by the first (attempt 1)');
    assert.equal(runsOf.first, firstBefore + 1, 'the fresh run went on from the checkpoint after the first step');
    assert.equal(done.result.result.structuredContent.summary, 'tides after 1 step');
  } finally {
    letGo();
    await a.close(0);
  }
});
