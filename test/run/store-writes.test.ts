// Writes a run repeats while it goes on are kept to one in flight: a write stuck on a row lock
// must not be joined by more, each holding a pooled connection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { everyUnlessBusy, newestOnly } from '../../src/run/store-writes.js';
import { until } from '../helpers/wait.js';

/** A write the test lets finish: each call's promise, and how many are in flight now and at most. */
function heldWrites() {
  const releases: Array<() => void> = [];
  const seen: string[] = [];
  let inFlight = 0;
  let most = 0;
  const write = (message = '') => {
    seen.push(message);
    inFlight += 1;
    most = Math.max(most, inFlight);
    return new Promise<void>((resolve) => releases.push(() => {
      inFlight -= 1;
      resolve();
    }));
  };
  return { write, seen, releases, most: () => most };
}

test('a periodic write is skipped while the last one still waits on the store, and goes on once it is done', async () => {
  const held = heldWrites();
  const timer = everyUnlessBusy(5, () => held.write());
  try {
    await until('the first write', async () => (held.seen.length === 1 ? true : undefined));
    // Many periods go by while it waits: none more is sent.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(held.seen.length, 1);
    held.releases[0]!();
    await until('the next write, once the first is done', async () => (held.seen.length === 2 ? true : undefined));
    assert.equal(held.most(), 1);
  } finally {
    clearInterval(timer);
    for (const release of held.releases) release();
  }
});

test('a periodic write that fails does not stop the next', async () => {
  let calls = 0;
  const timer = everyUnlessBusy(5, async () => {
    calls += 1;
    throw new Error('the store is down');
  });
  try {
    await until('written again after a failure', async () => (calls >= 3 ? true : undefined));
  } finally {
    clearInterval(timer);
  }
});

test('status messages given while a write waits: only the newest is written after it, one write at a time; a failure does not stop the next', async () => {
  const held = heldWrites();
  const say = newestOnly(held.write);
  say('one');
  say('two');
  say('three');
  assert.deepEqual(held.seen, ['one']);
  held.releases[0]!();
  await until('the newest written next', async () => (held.seen.length === 2 ? true : undefined));
  assert.deepEqual(held.seen, ['one', 'three']);
  held.releases[1]!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(held.seen, ['one', 'three'], 'nothing left to write');
  assert.equal(held.most(), 1);

  const failing = newestOnly(async (message: string) => {
    held.seen.push(message);
    throw new Error('the store is down');
  });
  failing('four');
  failing('five');
  await until('written after the failure', async () => (held.seen.includes('five') ? true : undefined));
});
