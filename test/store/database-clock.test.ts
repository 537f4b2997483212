// The store's clock: the database's time, carried forward on the monotonic clock. The
// database is stood in for by a function giving its time (the PostgreSQL store's own reading
// is tested below, and across processes by test/e2e/clock-skew-postgres.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DatabaseClock, type ClockSession } from '../../src/store/database-clock.js';

/** A database whose time is `time()`, and how often it was read. */
function database(time: () => number): { connect: () => Promise<ClockSession>; reads: () => number } {
  let reads = 0;
  return {
    connect: async () => ({
      query: async () => {
        reads += 1;
        return time();
      },
      release: () => undefined,
    }),
    reads: () => reads,
  };
}
import { PostgresStore } from '../../src/store/postgres-store.js';
import { captureLogs } from '../helpers/server.js';
import { dropSchema, freshSchema, POSTGRES_URL, postgresReady, sql } from '../helpers/postgres.js';

test("reads the database's time, and keeps it when the machine's wall clock jumps", async (t) => {
  const databaseAhead = 45_000;
  const clock = new DatabaseClock(database(() => Date.now() + databaseAhead).connect);
  assert.ok(Math.abs(clock.now() - Date.now()) < 50, 'before its first reading, the local clock');
  await clock.read();
  assert.ok(Math.abs(clock.now() - (Date.now() + databaseAhead)) < 50, `the database's time: ${clock.now() - Date.now()} ms from the local clock`);
  assert.ok(Math.abs(clock.localOffsetMs + databaseAhead) < 50);

  const before = clock.now();
  const realNow = Date.now;
  t.mock.method(Date, 'now', () => realNow() - 3_600_000); // the wall clock set back an hour
  const after = clock.now();
  assert.ok(after >= before && after - before < 50, `unmoved by the wall clock: ${after - before} ms`);
});

test('connecting is not timed as the round trip, and at start-up the quickest of three readings is kept', async () => {
  let query = 0;
  const clock = new DatabaseClock(async () => {
    await new Promise((resolve) => setTimeout(resolve, 400)); // a slow connection (TLS, a remote database)
    return {
      query: async () => {
        query += 1;
        // The first answer comes late, read when asked: its middle is 150 ms off.
        const time = Date.now();
        if (query === 1) await new Promise((resolve) => setTimeout(resolve, 300));
        return time;
      },
      release: () => undefined,
    };
  });
  await clock.start();
  clock.stop();
  assert.equal(query, 3);
  assert.ok(Math.abs(clock.now() - Date.now()) < 50, `${clock.now() - Date.now()} ms off`);
});

test('the time is read again as soon as the wall clock and the monotonic clock part (the machine slept)', async (t) => {
  const db = database(() => Date.now());
  const clock = new DatabaseClock(db.connect);
  await clock.start();
  try {
    const started = db.reads();
    clock.now();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(db.reads(), started, 'no reading while the clocks agree');
    const realNow = Date.now;
    t.mock.method(Date, 'now', () => realNow() + 5_000); // five seconds of sleep: the monotonic clock stood still
    clock.now();
    clock.now();
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(db.reads(), started + 1, 'read again, once');
    assert.ok(Math.abs(clock.now() - Date.now()) < 50, 'and the time is right again');
  } finally {
    clock.stop();
  }
});

test('while the database does not answer, clocks found parted are read again once, not at every look at the time', async (t) => {
  let connects = 0;
  let down = false;
  const clock = new DatabaseClock(async () => {
    connects += 1;
    if (down) throw new Error('connection refused');
    return { query: async () => Date.now(), release: () => undefined };
  });
  await clock.start();
  try {
    down = true;
    const started = connects;
    const realNow = Date.now;
    t.mock.method(Date, 'now', () => realNow() + 5_000);
    for (let i = 0; i < 20; i += 1) {
      for (let j = 0; j < 100; j += 1) clock.now();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(connects, started + 1, 'one attempt');
  } finally {
    clock.stop();
  }
});

test('clocks found parted while a slow reading is under way: that reading is kept, though its round trip is too long to tell the time by otherwise', async (t) => {
  let slow = false;
  let databaseAhead = 0;
  const clock = new DatabaseClock(
    async () => ({
      query: async () => {
        if (slow) await new Promise((resolve) => setTimeout(resolve, 2_300));
        return Date.now() + databaseAhead;
      },
      release: () => undefined,
    }),
    undefined,
    300,
  );
  await clock.start();
  try {
    slow = true;
    await new Promise((resolve) => setTimeout(resolve, 350)); // a periodic reading, slow, is under way
    // The machine slept ten seconds: its wall clock and the database moved on, its monotonic clock did not.
    const realNow = Date.now;
    t.mock.method(Date, 'now', () => realNow() + 10_000);
    databaseAhead = 0;
    clock.now();
    await new Promise((resolve) => setTimeout(resolve, 2_600));
    assert.ok(Math.abs(clock.now() - Date.now()) < 1_500, `off by ${clock.now() - Date.now()} ms`);
  } finally {
    clock.stop();
  }
});

test('a machine more than a second off the database is warned about once, and told when it agrees again', async () => {
  const logs = captureLogs();
  let databaseAhead = -2_500;
  const clock = new DatabaseClock(database(() => Date.now() + databaseAhead).connect, logs.logger);
  await clock.read();
  await clock.read();
  const warnings = () => logs.lines.filter((line) => line.includes('"level":40'));
  assert.equal(warnings().length, 1, logs.text());
  assert.match(warnings()[0]!, /this machine's clock is 2\.5 s ahead of the PostgreSQL server's/);
  assert.match(warnings()[0]!, /"localClockOffsetMs":250\d/);
  databaseAhead = 4_000;
  await clock.read();
  assert.equal(warnings().length, 2, 'warned again: it changed by more than a second');
  assert.match(warnings()[1]!, /4\.0 s behind/);
  databaseAhead = 100;
  await clock.read();
  assert.match(logs.lines.at(-1)!, /agrees with the PostgreSQL server's again/);
  assert.equal(warnings().length, 2);
});

test('a reading that fails leaves the last one; one that is not a time is refused', async () => {
  let answer: () => number = () => Date.now() + 10_000;
  const clock = new DatabaseClock(database(() => answer()).connect);
  await clock.read();
  answer = () => {
    throw new Error('connection refused');
  };
  await assert.rejects(clock.read(), /connection refused/);
  assert.ok(Math.abs(clock.now() - (Date.now() + 10_000)) < 50);
  answer = () => Number.NaN;
  await assert.rejects(clock.read(), /read as NaN/);
  assert.ok(Math.abs(clock.now() - (Date.now() + 10_000)) < 50);
});

if (await postgresReady("the PostgreSQL store's clock")) {
  test("the PostgreSQL store's clock is the server's", async () => {
    const schema = freshSchema('clock');
    const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema });
    try {
      const [row] = await sql<{ now: number }>('SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS now');
      assert.ok(Math.abs(store.now() - row!.now) < 1_000, `${store.now() - row!.now} ms from the server's clock`);
    } finally {
      await store.close();
      await dropSchema(schema);
    }
  });
}
