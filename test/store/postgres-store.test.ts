// The PostgreSQL store against the real server: the store contract (with a twin store on the same
// schema, as another process), concurrent migration, large signals, lost connections, start-up errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { ownerLockKey } from '../../src/store/postgres-runs.js';
import { dropSchema, freezingProxy, freshSchema, POSTGRES_URL, postgresReady, sql } from '../helpers/postgres.js';
import { captureLogs, startServer } from '../helpers/server.js';
import { CHECK_DB_TIMEOUT_MS } from '../../src/http/app.js';
import { storeContract } from './store-contract.js';
import { until } from '../helpers/wait.js';

const execFileAsync = promisify(execFile);
const ready = await postgresReady('PostgreSQL store');

if (ready) {
  const contractSchema = freshSchema('contract');
  after(() => dropSchema(contractSchema));
  storeContract('postgres (two stores on one schema, as two processes)', {
    open: () => PostgresStore.open({ connectionString: POSTGRES_URL, schema: contractSchema }),
    openTwin: () => PostgresStore.open({ connectionString: POSTGRES_URL, schema: contractSchema, poolSize: 2 }),
  });

  describe('PostgreSQL store', () => {
    const schemas: string[] = [];
    const schema = (label: string) => {
      const name = freshSchema(label);
      schemas.push(name);
      return name;
    };
    after(() => Promise.all(schemas.map(dropSchema)));

    test("one caller's runs created at once from six processes (createWithin): exactly the limit is stored", async () => {
      const shared = schema('within');
      const stores = await Promise.all(Array.from({ length: 6 }, () => PostgresStore.open({ connectionString: POSTGRES_URL, schema: shared, poolSize: 2 })));
      try {
        const live = { owner: 'ivy', tool: 't', status: 'input_required', data: {}, expiresAt: Date.now() + 3_600_000 } as const;
        // Every pooled connection open first, so that the creates run at once rather than as connections open.
        await Promise.all(stores.flatMap((store) => [1, 2].map(() => store.runs.countLive('ivy', 1))));
        const made = await Promise.all(Array.from({ length: 60 }, (_, i) => stores[i % 6]!.runs.createWithin({ id: `ivy-${i}`, ...live }, 3)));
        assert.equal(made.filter((run) => run !== undefined).length, 3);
        assert.equal(await stores[0]!.runs.countLive('ivy', 100), 3);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
    });

    test("one caller's creates waiting for another process's (createWithin) take one pooled connection, not the pool: other callers are served meanwhile", { timeout: 30_000 }, async () => {
      const shared = schema('withinpool');
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: shared, poolSize: 3, statementTimeoutMs: 20_000 });
      // Another process in the middle of a create for mallory: it holds her lock.
      const holder = new pg.Client({ connectionString: POSTGRES_URL });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT pg_advisory_xact_lock(${ownerLockKey(`"${shared}".graph_mcp_runs`, 'mallory')})`);
        const live = { tool: 't', status: 'input_required', data: {}, expiresAt: Date.now() + 3_600_000 } as const;
        const mallory = Array.from({ length: 8 }, (_, i) =>
          store.runs.createWithin({ id: `m-${i}`, owner: 'mallory', ...live }, 100).then(
            (run) => (run === undefined ? 'full' : 'stored'),
            (error: Error) => error.message,
          ),
        );
        await until('a create waiting on the lock', async () =>
          (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`))[0]!.n > 0 ? true : undefined,
        );
        // Bob's requests are served while mallory's wait (before, her creates held every connection of the pool).
        assert.ok(await store.runs.createWithin({ id: 'bob-1', owner: 'bob', ...live }, 100));
        assert.ok(await store.runs.create({ id: 'bob-2', owner: 'bob', ...live }));
        assert.equal(await store.runs.countLive('bob', 10), 2);
        await holder.query('COMMIT');
        assert.deepEqual(await Promise.all(mallory), Array(8).fill('stored'));
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
        await store.close();
      }
    });

    test('several processes opening a new schema at once migrate it exactly once', async () => {
      const fresh = schema('race');
      const script = `import { PostgresStore } from ${JSON.stringify(path.resolve('src/store/postgres-store.ts'))};
const store = await PostgresStore.open({ connectionString: ${JSON.stringify(POSTGRES_URL)}, schema: ${JSON.stringify(fresh)} });
await store.check();
await store.close();`;
      const runs = Array.from({ length: 4 }, () => execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]));
      const results = await Promise.allSettled(runs);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'], JSON.stringify(results));
      const versions = await sql<{ version: number }>(`SELECT version FROM "${fresh}".graph_mcp_migrations`);
      assert.deepEqual(versions.map((row) => row.version), [1], 'each migration recorded once');
      const tables = await sql<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [fresh]);
      assert.deepEqual(
        tables.map((row) => row.table_name),
        ['checkpoint_blobs', 'checkpoint_migrations', 'checkpoint_writes', 'checkpoints', 'graph_mcp_keys', 'graph_mcp_migrations', 'graph_mcp_runs', 'graph_mcp_signals'],
        "graph-mcp's tables and the checkpointer's, all in the configured schema",
      );
    });

    test("check() names a table dropped from a schema whose recorded version is current, and says how to mend it", async () => {
      const damaged = schema('damaged');
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: damaged });
      try {
        await store.check();
        await sql(`DROP TABLE "${damaged}".graph_mcp_runs; DROP TABLE "${damaged}".checkpoint_blobs`);
        await assert.rejects(store.check(), (error: Error) => {
          assert.match(error.message, new RegExp(`^PostgreSQL store schema ${damaged} lacks graph_mcp_runs, checkpoint_blobs, though its recorded version is current: restore them, or drop the schema`));
          return true;
        });
      } finally {
        await store.close();
      }
    });

    test("opening while another process holds the schema's migration lock says it waits, then opens once the lock is let go", async () => {
      const waiting = schema('migratewait');
      const holder = new pg.Client({ connectionString: POSTGRES_URL });
      await holder.connect();
      const logs = captureLogs();
      try {
        await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`graph-mcp migrate ${waiting}`]);
        let opened = false;
        const opening = PostgresStore.open({ connectionString: POSTGRES_URL, schema: waiting, logger: logs.logger }).then((store) => {
          opened = true;
          return store;
        });
        await logs.logged(`waiting for another process's migration of PostgreSQL schema ${waiting} (it holds the migration lock, 0 s so far): start-up goes on once it finishes`);
        assert.equal(opened, false);
        await holder.query('SELECT pg_advisory_unlock_all()');
        const store = await opening;
        await store.check();
        await store.close();
      } finally {
        await holder.end();
      }
    });

    test("opening is not bound by statement_timeout_ms: the checkpointer's migrations wait for a lock as long as it is held", async () => {
      const fresh = schema('setuplock');
      await (await PostgresStore.open({ connectionString: POSTGRES_URL, schema: fresh })).close();
      // Another session holds the table the checkpointer's setup reads first, for longer than the limit.
      const holder = new pg.Client({ connectionString: POSTGRES_URL });
      await holder.connect();
      let released = false;
      try {
        await holder.query('BEGIN');
        await holder.query(`LOCK TABLE "${fresh}".checkpoint_migrations IN ACCESS EXCLUSIVE MODE`);
        const opening = PostgresStore.open({ connectionString: POSTGRES_URL, schema: fresh, statementTimeoutMs: 100 }).then((store) => ({ store, released }));
        await new Promise((resolve) => setTimeout(resolve, 600));
        released = true;
        await holder.query('ROLLBACK');
        const { store, released: openedAfterRelease } = await opening;
        assert.equal(openedAfterRelease, true, 'the open waited for the lock');
        await store.check();
        await store.close();
      } finally {
        if (!released) await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
    });

    test('a signal too large for NOTIFY travels through the signals table, in order with small ones', async () => {
      const name = schema('spill');
      const a = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name });
      const b = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name });
      try {
        const got: unknown[] = [];
        const arrived = new Promise<void>((resolve) => {
          void b.signals.subscribe('big', (payload) => {
            got.push(payload);
            if (got.length === 3) resolve();
          });
        });
        const large = { text: 'é'.repeat(20_000) };
        await a.signals.publish('big', { n: 1 });
        await a.signals.publish('big', large);
        await a.signals.publish('big', { n: 3 });
        await arrived;
        assert.deepEqual(got, [{ n: 1 }, large, { n: 3 }]);
        const spilled = await sql<{ count: string }>(`SELECT count(*) FROM "${name}".graph_mcp_signals`);
        assert.equal(spilled[0]?.count, '1', 'only the large one was stored');
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('writeCheckpoints writes a batch in one transaction: one commit for all of it, and nothing when it fails', async () => {
      const { emptyCheckpoint } = await import('@langchain/langgraph-checkpoint');
      const name = schema('batch');
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name });
      try {
        const batch = (thread: string, fail: boolean) =>
          store.writeCheckpoints(async (checkpointer) => {
            const config = { configurable: { thread_id: thread, checkpoint_ns: '' } };
            const first = { ...emptyCheckpoint(), channel_values: { a: 1, b: 2 }, channel_versions: { a: 1, b: 1 } };
            await checkpointer.put(config, first, { source: 'input', step: -1, parents: {} }, { a: 1, b: 1 });
            await checkpointer.putWrites({ configurable: { ...config.configurable, checkpoint_id: first.id } }, [['a', 3], ['b', 4]], 'task-1');
            if (fail) throw new Error('the run failed mid-batch');
            const second = { ...emptyCheckpoint(), channel_values: { a: 3, b: 4 }, channel_versions: { a: 2, b: 2 } };
            await checkpointer.put({ configurable: { ...config.configurable, checkpoint_id: first.id } }, second, { source: 'loop', step: 0, parents: {} }, { a: 2, b: 2 });
          });
        await batch('whole', false);
        const writers = await sql<{ xmin: string }>(
          `SELECT xmin::text FROM "${name}".checkpoints WHERE thread_id = $1
           UNION SELECT xmin::text FROM "${name}".checkpoint_blobs WHERE thread_id = $1
           UNION SELECT xmin::text FROM "${name}".checkpoint_writes WHERE thread_id = $1`,
          ['whole'],
        );
        assert.equal(writers.length, 1, 'two checkpoints, four blobs and two writes, all written by one transaction');
        assert.deepEqual((await store.checkpointer.getTuple({ configurable: { thread_id: 'whole' } }))?.checkpoint.channel_values, { a: 3, b: 4 });

        await assert.rejects(batch('broken', true), /the run failed mid-batch/);
        assert.equal(await store.checkpointer.getTuple({ configurable: { thread_id: 'broken' } }), undefined, 'nothing of a failed batch is stored');
        await store.check();
      } finally {
        await store.close();
      }
    });

    test('stores on different schemas of one database do not hear each other', async () => {
      const a = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: schema('iso_a') });
      const b = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: schema('iso_b') });
      try {
        const heardByB: unknown[] = [];
        await b.signals.subscribe('ch', (payload) => heardByB.push(payload));
        const heardByA = new Promise((resolve) => void a.signals.subscribe('ch', resolve));
        await a.signals.publish('ch', { to: 'a' });
        assert.deepEqual(await heardByA, { to: 'a' });
        // b listens on its own schema's channel: after a's own delivery, a round trip through b's connection shows nothing queued for it.
        await new Promise<void>((resolve) => void b.signals.subscribe('flush', () => resolve()).then(() => b.signals.publish('flush', 1)));
        assert.deepEqual(heardByB, []);
        assert.notDeepEqual(await a.sharedKey('k'), await b.sharedKey('k'));
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('a lost signal connection is re-established with backoff and logged; signals flow again', async () => {
      const name = schema('relisten');
      const log = captureLogs();
      const listener = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name, logger: log.logger });
      const sender = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name });
      try {
        const killed = await sql<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = $1 AND datname = current_database()`,
          [`LISTEN "${name}.signals"`],
        );
        assert.equal(killed.length, 2, "both stores' listening connections were found");
        await log.logged('signal connection (LISTEN) was lost');
        await log.logged('the signal connection is back');
        const got = new Promise((resolve) => void listener.signals.subscribe('after', resolve));
        await sender.signals.publish('after', { again: true });
        assert.deepEqual(await got, { again: true });
        await listener.check();
      } finally {
        await listener.close();
        await sender.close();
      }
    });

    test("a process's own signals reach its listeners while its listening connection is down, once each", async () => {
      const name = schema('own_signals');
      const log = captureLogs();
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name, logger: log.logger });
      try {
        const heard: unknown[] = [];
        await store.signals.subscribe('own', (payload) => heard.push(payload));
        await store.signals.publish('own', { n: 1 });
        await until('the first signal', async () => (heard.length === 1 ? true : undefined));
        await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND datname = current_database()`, [`LISTEN "${name}.signals"`]);
        await log.logged('signal connection (LISTEN) was lost');
        // Published before the connection is back: an answer posted to the process whose call waits for it.
        await store.signals.publish('own', { n: 2, large: 'x'.repeat(10_000) });
        await until('the signal sent while not listening', async () => (heard.length >= 2 ? true : undefined));
        await log.logged('the signal connection is back');
        await store.signals.publish('own', { n: 3 });
        await until('the third signal', async () => (heard.length >= 3 ? true : undefined));
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.deepEqual(heard.map((payload) => (payload as { n: number }).n), [1, 2, 3], 'each once, in order, none twice');
      } finally {
        await store.close();
      }
    });

    test('a pooled connection killed by the server is logged and replaced, and the process keeps working', async () => {
      const name = schema('pool');
      const log = captureLogs();
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name, logger: log.logger });
      try {
        await store.runs.create({ id: 'r1', owner: 'o', tool: 't', status: 'input_required', data: { a: 1 }, expiresAt: Date.now() + 60_000 });
        const killed = await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'graph-mcp' AND query LIKE $1 AND query NOT LIKE 'LISTEN%'`, [
          `%"${name}".graph_mcp_runs%`,
        ]);
        assert.ok(killed.length >= 1);
        await log.logged('an idle pooled connection failed');
        // Said once, as what it is: no request used the connection, so none failed.
        assert.equal(log.lines.filter((line) => line.includes('a pooled connection in use failed')).length, 0, log.lines.join('\n'));
        assert.deepEqual((await store.runs.get('r1', 'o'))?.data, { a: 1 });
        await store.check();
      } finally {
        await store.close();
      }
    });

    test('a connection the server ends while it is checked out between statements fails its holder, not the process', async () => {
      const name = schema('held');
      const log = captureLogs();
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name, logger: log.logger });
      try {
        // A batch of checkpoints holds one connection in a transaction; the server ends it between two statements
        // (a restart does this to every such connection). pg emits the error on a connection no statement waits on.
        const batch = store.writeCheckpoints(async (checkpointer) => {
          await checkpointer.getTuple({ configurable: { thread_id: 'held', checkpoint_ns: '' } });
          const killed = await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE $1`, [`%${name}%`]);
          assert.equal(killed.length, 1, 'the batch connection was found');
          await log.logged('a pooled connection in use failed');
        });
        await assert.rejects(batch, /terminat|not queryable|Connection/i);
        await store.runs.create({ id: 'after', owner: 'o', tool: 't', status: 'input_required', data: { ok: true }, expiresAt: Date.now() + 60_000 });
        assert.deepEqual((await store.runs.get('after', 'o'))?.data, { ok: true });
        await store.check();
      } finally {
        await store.close();
      }
    });

    test('a readiness probe (/ok?check_db=1) against a database that does not answer is a 500 within its limit, not after the statement timeout', async () => {
      const name = schema('hung');
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name, statementTimeoutMs: 60_000 });
      const server = await startServer({ name: 'hung', graphs: { echo: './graphs/basic.ts:echo' } }, { load: { store } });
      // Another session holds the table the check reads: its SELECT waits (up to the 60 s statement timeout).
      const locker = new pg.Client({ connectionString: POSTGRES_URL });
      locker.on('error', () => undefined);
      await locker.connect();
      try {
        await locker.query(`BEGIN; LOCK TABLE "${name}".graph_mcp_migrations IN ACCESS EXCLUSIVE MODE`);
        const probe = await fetch(`${new URL(server.url).origin}/ok?check_db=1`);
        assert.equal(probe.status, 500);
        assert.deepEqual(await probe.json(), { ok: false, error: 'store_unavailable' });
        assert.match(server.logs.text(), new RegExp(`the store did not answer within ${CHECK_DB_TIMEOUT_MS} ms`));
        await locker.query('ROLLBACK');
        assert.equal((await fetch(`${new URL(server.url).origin}/ok?check_db=1`)).status, 200);
      } finally {
        await locker.end();
        await server.close(0);
      }
    });

    test('a query to a database that stands still (no answer, connection open) fails after the statement timeout and a margin, not never', { timeout: 60_000 }, async () => {
      const proxy = await freezingProxy();
      const store = await PostgresStore.open({ connectionString: proxy.url, schema: schema('frozen'), statementTimeoutMs: 500 });
      try {
        await store.runs.get('none', 'nobody');
        proxy.freeze();
        // PostgreSQL cannot enforce its statement_timeout when it does not run: the client gives up.
        await assert.rejects(store.runs.get('none', 'nobody'), /timeout/i);
      } finally {
        proxy.thaw();
        await store.close();
        await proxy.close();
      }
    });

    test('check() names what is wrong when the schema was not migrated by this version', async () => {
      const name = schema('stale');
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name });
      try {
        await sql(`DELETE FROM "${name}".graph_mcp_migrations`);
        await assert.rejects(store.check(), (error: Error & { code?: string }) => error.code === 'STORE_UNAVAILABLE' && /at version 0, expected 1/.test(error.message));
      } finally {
        await store.close();
      }
    });

    test('a schema migrated by a newer graph-mcp than this one is refused at open, not served', async () => {
      const name = schema('newer');
      await (await PostgresStore.open({ connectionString: POSTGRES_URL, schema: name })).close();
      const version = (await sql<{ version: number }>(`SELECT max(version) AS version FROM "${name}".graph_mcp_migrations`))[0]!.version;
      await sql(`INSERT INTO "${name}".graph_mcp_migrations (version, applied_at) VALUES ($1, 0)`, [version + 1]);
      const opening = PostgresStore.open({ connectionString: POSTGRES_URL, schema: name });
      opening.then((store) => store.close(), () => undefined);
      await assert.rejects(
        opening,
        (error: Error & { code?: string }) => error.code === 'STORE_UNAVAILABLE' && new RegExp(`at version ${version + 1}, newer than this graph-mcp knows \\(${version}\\)`).test(error.message),
      );
    });
  });
}

describe('opening a PostgreSQL store from the config', () => {
  const config = (urlEnv = 'DATABASE_URL') => ({ store: { type: 'postgres' as const, url_env: urlEnv, schema: 'graph_mcp', pool_size: 2, statement_timeout_ms: 30_000 } });

  test('an unset connection variable is a start-up error naming it', async () => {
    await assert.rejects(openStore(config('GRAPH_MCP_NO_SUCH_URL'), { env: {} }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.match(error.message, /environment variable GRAPH_MCP_NO_SUCH_URL, which is not set/);
      return true;
    });
  });

  test('an empty variable, or one that holds no postgres:// URL, is a start-up error saying so, never repeating it', async () => {
    await assert.rejects(openStore(config('MY_DB'), { env: { MY_DB: '' } }), /environment variable MY_DB, which is empty/);
    for (const value of ['notaurl hunter2', 'mysql://root:hunter2@127.0.0.1/db', '  postgres://u:hunter2@h/db']) {
      await assert.rejects(openStore(config('MY_DB'), { env: { MY_DB: value } }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'STORE_UNAVAILABLE');
        assert.match(error.message, /^store: \$MY_DB is not a PostgreSQL connection URL: expected postgres:\/\/user:password@host:5432\/database/);
        assert.ok(!error.message.includes('hunter2'), error.message);
        return true;
      });
    }
  });

  test("pg's socket forms are connection strings too: refused only for the reason pg gives", async () => {
    for (const value of ['postgres://u:hunter2@/db?host=/nonexistent-graph-mcp-socket', 'socket://u:hunter2@/nonexistent-graph-mcp-socket?db=app', '/nonexistent-graph-mcp-socket db']) {
      await assert.rejects(openStore(config('MY_DB'), { env: { MY_DB: value } }), (error: Error) => {
        assert.doesNotMatch(error.message, /is not a PostgreSQL connection URL/, value);
        assert.ok(!error.message.includes('hunter2'), error.message);
        return true;
      });
    }
  });

  test('an unreachable database is a start-up error naming the variable, never the connection string', async () => {
    const env = { MY_DB: 'postgres://someone:hunter2-secret@127.0.0.1:1/nowhere' };
    await assert.rejects(openStore(config('MY_DB'), { env }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.match(error.message, /PostgreSQL store \(\$MY_DB\) cannot be opened: .*ECONNREFUSED/);
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
  });
});
