import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENDED_CALL_MEMORY_MS, idCancellable, MAX_CANCELLABLE_ID_LENGTH, RunTracker } from '../../src/run/tracker.js';

test('cancel finds a run by principal and request id, and only that run', () => {
  const tracker = new RunTracker();
  const alice = new AbortController();
  const bob = new AbortController();
  tracker.track('alice', 7, alice);
  tracker.track('bob', 7, bob);
  assert.equal(tracker.cancel('alice', '7'), 'unknown', 'string "7" is not number 7');
  assert.equal(tracker.cancel('alice', 7), 'cancelled');
  assert.equal(alice.signal.aborted, true);
  assert.equal(bob.signal.aborted, false, "bob's run with the same id is untouched");
});

test('anonymous callers share a namespace: an ambiguous cancel cancels nothing', () => {
  const tracker = new RunTracker();
  const first = new AbortController();
  const second = new AbortController();
  tracker.track(undefined, 1, first);
  const untrackSecond = tracker.track(undefined, 1, second);
  assert.equal(tracker.cancel(undefined, 1), 'ambiguous');
  assert.equal(first.signal.aborted || second.signal.aborted, false);
  untrackSecond();
  // The call that just ended could be the one meant, for a while.
  assert.equal(tracker.cancel(undefined, 1), 'ambiguous');
  assert.equal(first.signal.aborted, false);
  assert.equal(tracker.cancel(undefined, 1, Date.now() + ENDED_CALL_MEMORY_MS), 'cancelled');
  assert.equal(first.signal.aborted, true);
});

test("a cancel for a call that has ended does not stop another client's call with the same id", () => {
  const tracker = new RunTracker();
  for (const owner of [undefined, 'alice']) {
    const answered = new AbortController();
    tracker.track(owner, 2, answered)();
    // Nothing runs under that id now: a late cancel is for the call that ended, and goes nowhere else.
    assert.equal(tracker.cancel(owner, 2), 'ended', `${owner}: not passed on to other processes`);
    const running = new AbortController();
    const untrack = tracker.track(owner, 2, running);
    assert.equal(tracker.cancel(owner, 2), 'ambiguous', String(owner));
    assert.equal(running.signal.aborted, false, `${owner}: the running call goes on`);
    assert.equal(tracker.cancel(owner, 2, Date.now() + ENDED_CALL_MEMORY_MS), 'cancelled', `${owner}: once the ended call is long gone, the cancel is plain`);
    assert.equal(running.signal.aborted, true);
    untrack();
  }
});

test("a call a cancel stopped still makes a cancel naming its id ambiguous for a while: the v1 client cancels once at its timeout and again when the caller's signal fires", () => {
  const tracker = new RunTracker();
  const first = new AbortController();
  const untrackFirst = tracker.track('alice', 1, first);
  assert.equal(tracker.cancel('alice', 1), 'cancelled');
  untrackFirst();
  const another = new AbortController();
  tracker.track('alice', 1, another);
  assert.equal(tracker.cancel('alice', 1), 'ambiguous', "the first call's second cancel does not stop another client's call");
  assert.equal(another.signal.aborted, false);
});

test('one user with two calls under one id (two clients): a cancel naming the id stops neither', () => {
  const tracker = new RunTracker();
  const one = new AbortController();
  const two = new AbortController();
  tracker.track('alice', 5, one);
  tracker.track('alice', 5, two);
  assert.equal(tracker.cancel('alice', 5), 'ambiguous');
  assert.equal(one.signal.aborted || two.signal.aborted, false);
});

test('ended calls are remembered for a bounded time and number', () => {
  const tracker = new RunTracker();
  for (let id = 0; id < 25_000; id += 1) tracker.track('bulk', id, new AbortController())();
  const ended = (tracker as unknown as { ended: Map<string, number> }).ended;
  assert.ok(ended.size <= 20_000, `kept ${ended.size}`);
  assert.equal(tracker.cancel('bulk', 0), 'unknown', 'the oldest were let go');
  assert.equal(tracker.cancel('bulk', 24_999), 'ended');
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

test('a request id longer than a client would send (up to the body limit) is not kept: such a call is not cancelled by id, and its end is not remembered', () => {
  const tracker = new RunTracker();
  const long = 'x'.repeat(MAX_CANCELLABLE_ID_LENGTH + 1);
  const run = new AbortController();
  const end = tracker.track('alice', long, run);
  assert.equal(tracker.cancel('alice', long), 'unknown');
  assert.equal(run.signal.aborted, false);
  end();
  assert.equal(tracker.cancel('alice', long), 'unknown', 'its end is not remembered either');
  assert.equal(tracker.size, 0);
  // At the limit, as before.
  const atLimit = 'y'.repeat(MAX_CANCELLABLE_ID_LENGTH);
  const other = new AbortController();
  tracker.track('alice', atLimit, other);
  assert.equal(tracker.cancel('alice', atLimit), 'cancelled');
  assert.equal(idCancellable(long), false);
  assert.equal(idCancellable(atLimit), true);
  assert.equal(idCancellable(Number.MAX_SAFE_INTEGER), true);
});
