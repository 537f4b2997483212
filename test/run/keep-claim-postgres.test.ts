// Claim renewals answered over a real connection: a timer runs before the event loop reads
// its sockets, so a renewal answered while a node computed is not seen by the timer that
// follows. A healthy store must not get a run stopped as cut off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { keepClaim } from '../../src/run/store-writes.js';
import { POSTGRES_URL, postgresReady } from '../helpers/postgres.js';

/** Keeps the event loop busy, as a node computing would. */
function compute(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // computing
  }
}

/** A node computing in stretches of `chunks` ms, letting the loop run between them, beside a claim renewed over PostgreSQL. */
async function computeInStretches(leaseMs: number, chunks: number[], nodes = 1): Promise<{ lapsedAfter: number | undefined; confirmed: number }> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  // Both connections open, as in a server that has served a while: opening one takes a few turns of the loop.
  await Promise.all([pool.query('SELECT pg_sleep(0.01)'), pool.query('SELECT pg_sleep(0.01)')]);
  let lapsedAfter: number | undefined;
  let confirmed = 0;
  const started = performance.now();
  const end = keepClaim({
    leaseMs,
    leaseUntil: Date.now() + leaseMs,
    now: Date.now,
    renew: () => pool.query('SELECT 1').then(() => ((confirmed += 1), true)),
    onLapse: () => (lapsedAfter = performance.now() - started),
  });
  try {
    // Each node computes its stretches in turn with the others, yielding between them.
    await Promise.all(
      Array.from({ length: nodes }, async () => {
        for (const ms of chunks) {
          if (lapsedAfter !== undefined) break;
          compute(ms);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, leaseMs));
  } finally {
    end();
    await pool.end();
  }
  return { lapsedAfter, confirmed };
}

if (await postgresReady('claim renewals over PostgreSQL')) {
  test('a node computing in stretches shorter than a renewal period, renewals answered by PostgreSQL: the run is not stopped', { timeout: 30_000 }, async () => {
    const steady = await computeInStretches(300, Array(30).fill(60));
    assert.equal(steady.lapsedAfter, undefined, `stopped after ${steady.lapsedAfter} ms, ${steady.confirmed} renewals confirmed`);
    for (let i = 0; i < 3; i += 1) {
      const uneven = await computeInStretches(600, Array.from({ length: 24 }, () => 40 + Math.random() * 90));
      assert.equal(uneven.lapsedAfter, undefined, `stopped after ${uneven.lapsedAfter} ms, ${uneven.confirmed} renewals confirmed`);
    }
  });

  test('two nodes computing in turns (each yielding to the other), renewals answered by PostgreSQL: the run is not stopped', { timeout: 30_000 }, async () => {
    const turns = await computeInStretches(600, Array.from({ length: 14 }, () => 100 + Math.random() * 100), 2);
    assert.equal(turns.lapsedAfter, undefined, `stopped after ${turns.lapsedAfter} ms, ${turns.confirmed} renewals confirmed`);
  });

  test('a node that stood still for longer than a lease, then computes on in short stretches: the renewal answered after it keeps the run going', { timeout: 30_000 }, async () => {
    const after = await computeInStretches(300, [50, 900, 95, 10, 10]);
    assert.equal(after.lapsedAfter, undefined, `stopped after ${after.lapsedAfter} ms, ${after.confirmed} renewals confirmed`);
  });
}
