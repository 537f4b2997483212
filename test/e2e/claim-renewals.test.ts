// A process keeps its claim on a running task by renewing it. One renewal that never settles
// (a write on a pooled connection that stands still) must not stop the renewals after it: the
// lease would lapse, and another process would run the task again while this one still runs it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Store } from '../../src/store/store.js';
import { closeGate, letGo, runsOf } from '../fixtures/graphs/gated.js';
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

