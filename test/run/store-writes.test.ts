// Writes a run repeats while it goes on are kept few in flight: a write stuck on a row lock
// must not be joined by more, each holding a pooled connection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keepClaim, newestOnly } from '../../src/run/store-writes.js';
import { until } from '../helpers/wait.js';

/** Writes the test lets finish (or fail) one by one: what each was given, and how many are in flight now and at most. */
function heldWrites() {
  const settles: Array<(fail?: boolean) => void> = [];
  const seen: string[] = [];
  let inFlight = 0;
  let most = 0;
  const write = (message = '') => {
    seen.push(message);
    inFlight += 1;
    most = Math.max(most, inFlight);
    return new Promise<void>((resolve, reject) =>
      settles.push((fail) => {
        inFlight -= 1;
        if (fail) reject(new Error('the store is down'));
        else resolve();
      }),
    );
  };
  return { write, seen, settles, most: () => most };
}

const periods = (count: number, ms: number) => new Promise((resolve) => setTimeout(resolve, count * ms));

test('claim renewals: two wait on the store at most (one that hangs is covered by the next), and they go on once one is done', async () => {
  const held = heldWrites();
  const timer = keepClaim(5, () => held.write());
  try {
    await until('two renewals out', async () => (held.seen.length === 2 ? true : undefined));
    // Many periods go by while both wait: none more is sent.
    await periods(20, 5);
    assert.equal(held.seen.length, 2);
    held.settles[0]!();
    await until('the next renewal, once one is done', async () => (held.seen.length === 3 ? true : undefined));
    assert.equal(held.most(), 2);
  } finally {
    clearInterval(timer);
    for (const settle of held.settles) settle();
  }
});

test('a claim renewal that fails does not stop the next', async () => {
  let calls = 0;
  const timer = keepClaim(5, async () => {
    calls += 1;
    throw new Error('the store is down');
  });
  try {
    await until('renewed again after failures', async () => (calls >= 3 ? true : undefined));
  } finally {
    clearInterval(timer);
  }
});

test('status messages given while a write waits: only the newest is written after it, one write at a time; a failure does not stop the next', async () => {
  const held = heldWrites();
  const status = newestOnly(held.write);
  status.write('one');
  status.write('two');
  status.write('three');
  assert.deepEqual(held.seen, ['one']);
  held.settles[0]!();
  await until('the newest written next', async () => (held.seen.length === 2 ? true : undefined));
  assert.deepEqual(held.seen, ['one', 'three']);
  held.settles[1]!(true);
  status.write('four');
  await until('written after the failure', async () => (held.seen.length === 3 ? true : undefined));
  assert.deepEqual(held.seen, ['one', 'three', 'four']);
  assert.equal(held.most(), 1);
  held.settles[2]!();
});

test("the message waiting behind a write is handed to a last write that carries it, and is not written after", async () => {
  const held = heldWrites();
  const status = newestOnly(held.write);
  status.write('step 1');
  status.write('step 2 (newest)');
  assert.equal(status.take(), 'step 2 (newest)');
  assert.equal(status.take(), undefined);
  held.settles[0]!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(held.seen, ['step 1']);
});
