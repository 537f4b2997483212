// A task's progress, published by its executions and watched by a caller waiting on it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/store/memory-store.js';
import { taskProgress, watchTaskProgress } from '../../src/run/task-progress.js';
import { risingProgress, type ProgressUpdate } from '../../src/run/progress.js';

test('every update is numbered above the one before, across a pause and a crash', async () => {
  const store = new MemoryStore();
  const seen: ProgressUpdate[] = [];
  const stop = await watchTaskProgress(store.signals, 't1', (update) => void seen.push(update));
  const statuses: string[] = [];
  const first = taskProgress({ taskId: 't1', writeStatus: (m) => void statuses.push(m), signals: store.signals });
  await first.report({ progress: 1, total: 4, message: 'a' });
  await first.report({ progress: 1.5, total: 4, message: 'half way' });
  await first.report({ progress: 2, total: 4, message: 'b' });
  // Paused after b: the next execution counts on from there.
  const resumed = taskProgress({ taskId: 't1', writeStatus: () => undefined, signals: store.signals, base: first.reached() });
  await resumed.report({ progress: 1, total: 4, message: 'c' });
  // Then a crash: the run continued elsewhere counts from its last pause again.
  const continued = taskProgress({ taskId: 't1', writeStatus: () => undefined, signals: store.signals, base: first.reached() });
  await continued.report({ progress: 1, total: 4, message: 'c' });
  await continued.report({ progress: 2, total: 4, message: 'd' });
  await new Promise((resolve) => setImmediate(resolve));
  stop();
  assert.deepEqual(seen.map((u) => [u.progress, u.message]), [[1, 'a'], [1.5, 'half way'], [2, 'b'], [3, 'c'], [4, 'c'], [5, 'd']]);
  assert.equal(statuses[0], 'a', 'the status message: the first, then at most one every 250 ms');
  await store.close();
});

test('without signals (no caller asked for progress), an update becomes the status message and still counts', async () => {
  const statuses: string[] = [];
  const quiet = taskProgress({ taskId: 't2', writeStatus: (m) => void statuses.push(m), base: 3 });
  quiet.report({ progress: 1, message: 'only a status' });
  assert.deepEqual(statuses, ['only a status']);
  assert.equal(quiet.reached(), 4, 'counted from where earlier executions got to');
});

test('numbers that start again are moved up by whole steps: a whole step stays whole, a message keeps its fraction', () => {
  const rising = risingProgress();
  const numbers = [1, 1.5, /* resumed */ 1, 2, /* resumed, a message first */ 0.5, 1].map((progress) => rising({ progress }).progress);
  assert.deepEqual(numbers, [1, 1.5, 2, 3, 3.5, 4]);
});
