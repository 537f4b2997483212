// The store's clock: the database's time, carried forward on the monotonic clock. The
// database is stood in for by a function giving its time (the PostgreSQL store's reading of
// clock_timestamp() is covered by test/e2e/clock-skew-postgres.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DatabaseClock } from '../../src/store/database-clock.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { captureLogs } from '../helpers/server.js';
import { dropSchema, freshSchema, POSTGRES_URL, postgresReady, sql } from '../helpers/postgres.js';

test("reads the database's time, and keeps it when the machine's wall clock jumps", async (t) => {
  const databaseAhead = 45_000;
  const clock = new DatabaseClock(async () => Date.now() + databaseAhead);
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

test('a machine more than a second off the database is warned about once, and told when it agrees again', async () => {
  const logs = captureLogs();
  let databaseAhead = -2_500;
  const clock = new DatabaseClock(async () => Date.now() + databaseAhead, logs.logger);
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
  const clock = new DatabaseClock(async () => answer());
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
