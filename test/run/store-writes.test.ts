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

/** Claim keeping on the local clock; `leaseUntil` defaults to a lease from now. */
function keeping(leaseMs: number, renew: (leaseUntil: number) => Promise<boolean>, more: { leaseUntil?: number; onLapse?: () => void } = {}) {
  return keepClaim({ leaseMs, leaseUntil: more.leaseUntil ?? Date.now() + leaseMs, now: Date.now, renew, onLapse: more.onLapse ?? (() => undefined) });
}

/** Renewals of a process cut off from the store: ones that never answer, and ones that fail at once. */
const CUT_OFF = [
  ['hang', () => new Promise<boolean>(() => undefined)],
  ['fail', () => Promise.reject(new Error('the store is down'))],
] as const;

/** Keeps the event loop busy, as a node computing would: no timer fires meanwhile. */
function standStill(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

test('claim renewals: two wait on the store at most, and one that hangs is covered by the next, after which they go on', async () => {
  const held = heldWrites();
  let lapsed = false;
  const end = keeping(3_000, () => held.write().then(() => true), { onLapse: () => (lapsed = true) });
  try {
    await until('two renewals out', async () => (held.seen.length === 2 ? true : undefined));
    // Ticks go by while both wait: none more is sent.
    await periods(2, 250);
    assert.equal(held.seen.length, 2);
    // The second is confirmed, the first never answers: the claim is held, and renewed again a period on.
    held.settles[1]!();
    await until('the next renewal, once one is done', async () => (held.seen.length === 3 ? true : undefined));
    assert.equal(held.most(), 2);
    assert.equal(lapsed, false);
  } finally {
    end();
    for (const settle of held.settles) settle();
  }
});

test('a claim renewal that fails does not stop the next', async () => {
  let calls = 0;
  const end = keeping(3_000, async () => {
    calls += 1;
    throw new Error('the store is down');
  });
  try {
    await until('renewed again after failures', async () => (calls >= 3 ? true : undefined));
  } finally {
    end();
  }
});

for (const [cutOff, renew] of CUT_OFF) {
  test(`renewals that ${cutOff} (the store cut off) stop the run once, before its claim lapses; none is sent after`, async () => {
    const leaseMs = 3_000;
    const leaseUntil = Date.now() + leaseMs;
    let sent = 0;
    let lapsedAt: number | undefined;
    let lapses = 0;
    const end = keeping(
      leaseMs,
      () => {
        sent += 1;
        return renew();
      },
      {
        leaseUntil,
        onLapse: () => {
          lapses += 1;
          lapsedAt = Date.now();
        },
      },
    );
    try {
      await until('the run stopped', async () => (lapsedAt !== undefined ? true : undefined), 10_000);
      assert.ok(lapsedAt! < leaseUntil, `stopped ${lapsedAt! - leaseUntil} ms after the claim lapsed`);
      // Not at once either: the renewals had their time to answer (a late timer only makes it later).
      assert.ok(lapsedAt! >= leaseUntil - leaseMs / 2, `stopped ${leaseUntil - lapsedAt!} ms before the claim lapsed`);
      const sentThen = sent;
      await periods(3, 1_000);
      assert.equal(lapses, 1);
      assert.equal(sent, sentThen, 'no renewal after the run stopped');
    } finally {
      end();
    }
  });
}

/** A claim on a 300 ms lease whose every renewal the store confirms: how many were, and whether the run was stopped. */
function confirmedClaim() {
  const seen = { confirmed: 0, lapsed: false };
  const end = keeping(300, async () => {
    seen.confirmed += 1;
    return true;
  }, { onLapse: () => (seen.lapsed = true) });
  return { seen, end };
}

test('renewals the store confirms keep the claim for as long as the run goes on', async () => {
  const { seen, end } = confirmedClaim();
  try {
    await until('renewed over five leases', async () => (seen.confirmed >= 15 ? true : undefined), 10_000);
    assert.equal(seen.lapsed, false);
  } finally {
    end();
  }
});

test('an event loop that stood still for longer than a lease: the renewal sent after it decides, and a confirmed one keeps the run going', async () => {
  const { seen, end } = confirmedClaim();
  try {
    await until('renewing', async () => (seen.confirmed >= 1 ? true : undefined));
    // A node computing for three leases: the claim lapsed meanwhile, but nobody took it.
    standStill(900);
    const before = seen.confirmed;
    await until('renewed after it', async () => (seen.confirmed >= before + 3 ? true : undefined), 10_000);
    assert.equal(seen.lapsed, false, 'a claim the store confirmed after the stand-still does not stop the run');
  } finally {
    end();
  }
});

for (const [cutOff, renew] of CUT_OFF) {
  test(`renewals that ${cutOff}, and a node computing in stretches longer than a renewal period: each stand-still does not give more time, and the run stops`, async () => {
    let lapsed = false;
    let sent = 0;
    const end = keeping(300, () => {
      sent += 1;
      return renew();
    }, { onLapse: () => (lapsed = true) });
    try {
      const giveUp = Date.now() + 5_000;
      while (!lapsed && Date.now() < giveUp) {
        standStill(130);
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(lapsed, true, `still running after 5 s (renewals sent: ${sent})`);
    } finally {
      end();
    }
  });
}

test('an event loop that stood still, then a renewal that fails: the run stops at once, not a renewal period later', async () => {
  let failing = false;
  let lapsedAt: number | undefined;
  const end = keeping(3_000, () => (failing ? Promise.reject(new Error('the store is down')) : Promise.resolve(true)), { onLapse: () => (lapsedAt = performance.now()) });
  try {
    await periods(1, 300);
    failing = true;
    standStill(3_500);
    const resumed = performance.now();
    await until('the run stopped', async () => (lapsedAt !== undefined ? true : undefined), 10_000);
    assert.ok(lapsedAt! - resumed < 1_000, `stopped ${Math.round(lapsedAt! - resumed)} ms after the stand-still: the failed renewal ended the wait`);
  } finally {
    end();
  }
});

test('an event loop that stood still, then a renewal that hangs: the run stops', async () => {
  let hang = false;
  let lapsed = false;
  const end = keeping(300, () => (hang ? new Promise<boolean>(() => undefined) : Promise.resolve(true)), { onLapse: () => (lapsed = true) });
  try {
    await periods(2, 100);
    hang = true;
    standStill(900);
    await until('the run stopped', async () => (lapsed ? true : undefined), 10_000);
  } finally {
    end();
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
