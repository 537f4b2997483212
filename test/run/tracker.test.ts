import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RunTracker } from '../../src/run/tracker.js';

test('cancel finds a run by principal and request id, and only that run', () => {
  const tracker = new RunTracker();
  const alice = new AbortController();
  const bob = new AbortController();
  tracker.track('alice', 7, alice);
  tracker.track('bob', 7, bob);
  assert.equal(tracker.cancel('alice', '7'), false, 'string "7" is not number 7');
  assert.equal(tracker.cancel('alice', 7), true);
  assert.equal(alice.signal.aborted, true);
  assert.equal(bob.signal.aborted, false, "bob's run with the same id is untouched");
});

test('anonymous callers share a namespace: an ambiguous cancel cancels nothing', () => {
  const tracker = new RunTracker();
  const first = new AbortController();
  const second = new AbortController();
  tracker.track(undefined, 1, first);
  const untrackSecond = tracker.track(undefined, 1, second);
  assert.equal(tracker.cancel(undefined, 1), false);
  assert.equal(first.signal.aborted || second.signal.aborted, false);
  untrackSecond();
  assert.equal(tracker.cancel(undefined, 1), true);
  assert.equal(first.signal.aborted, true);
});

test('waitIdle resolves when the last run ends, or reports false after the time limit', async () => {
  const tracker = new RunTracker();
  const untrack = tracker.track('a', 1, new AbortController());
  assert.equal(tracker.size, 1);
  assert.equal(await tracker.waitIdle(20), false);
  setTimeout(untrack, 10);
  assert.equal(await tracker.waitIdle(1_000), true);
  untrack();
  assert.equal(tracker.size, 0, 'untracking twice is harmless');
});

test('stopAll aborts the stop signal every run listens to', () => {
  const tracker = new RunTracker();
  assert.equal(tracker.stopSignal.aborted, false);
  tracker.stopAll();
  assert.equal(tracker.stopSignal.aborted, true);
});
