import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { POSTGRES_SCHEMA_PATTERN } from '../config/schema.js';
import { GraphMcpError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import { DATABASE_NOW_MS, DatabaseClock } from './database-clock.js';
import { createPool, quoteIdent, type PgModule } from './postgres-pool.js';
import { writeInOneTransaction } from './postgres-checkpoint-batch.js';
import { PostgresRunStore } from './postgres-runs.js';
import { PostgresSignalBus } from './postgres-signals.js';
import type { Store } from './store.js';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import { StrictSerializer } from './strict-serde.js';

export interface PostgresStoreOptions {
  /** A connection string (`postgres://user:password@host:5432/db`). Never logged or shown in errors. */
  connectionString: string;
  /** Where the connection string came from, named in errors instead of it. @default "the connection string" */
  source?: string;
  /**
   * The schema holding every table of the store, the checkpointer's too;
   * created if missing. Several deployments can share a database in
   * different schemas. @default "graph_mcp"
   */
  schema?: string;
  /** Most connections the pool opens, besides the one listening for signals. @default 10 */
  poolSize?: number;
  /**
   * Longest any one statement on the pool may take, waits for locks
   * included, before PostgreSQL cancels it (its `statement_timeout`); 0 for
   * no limit. A request held up by a lock taken elsewhere fails as a store
   * error instead of waiting without end. @default 30000
   */
  statementTimeoutMs?: number;
  /** Reports lost connections and their recovery. */
  logger?: Logger;
}

/** How much longer than statement_timeout the client waits for an answer before it gives up on the query. */
const QUERY_TIMEOUT_MARGIN_MS = 5_000;

/**
 * Migrations, in order. Each runs once per schema, all of them in one
 * transaction, under an advisory lock that every process takes before
 * migrating, so processes starting at once migrate a schema exactly once.
 * Times are milliseconds since the epoch (BIGINT), like the interface's.
 */
const MIGRATIONS: ReadonlyArray<(s: string) => string> = [
  (s) => `
    CREATE TABLE ${s}.graph_mcp_runs (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      tool TEXT NOT NULL,
      kind TEXT NOT NULL DEFAULT 'call',
      status TEXT NOT NULL,
      version INTEGER NOT NULL,
      data JSON NOT NULL,
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL,
      lease_owner TEXT,
      lease_until BIGINT,
      progress TEXT
    );
    CREATE INDEX graph_mcp_runs_expires ON ${s}.graph_mcp_runs (expires_at);
    CREATE INDEX graph_mcp_runs_claim ON ${s}.graph_mcp_runs (kind, status, lease_until, created_at);
    CREATE INDEX graph_mcp_runs_owner ON ${s}.graph_mcp_runs (owner, kind, created_at);
    CREATE TABLE ${s}.graph_mcp_keys (name TEXT PRIMARY KEY, value BYTEA NOT NULL);
    CREATE TABLE ${s}.graph_mcp_signals (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      channel TEXT NOT NULL,
      payload JSON NOT NULL,
      created_at BIGINT NOT NULL
    );
    CREATE INDEX graph_mcp_signals_created ON ${s}.graph_mcp_signals (created_at);`,
];

/**
 * PostgreSQL, shared by every process on every machine serving the
 * project: LangGraph's official PostgreSQL checkpointer plus graph-mcp's
 * runs, keys and signals (LISTEN/NOTIFY), all in one schema.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  private readonly keys = new Map<string, Uint8Array>();

  private constructor(
    readonly checkpointer: PostgresSaver,
    readonly runs: PostgresRunStore,
    readonly signals: PostgresSignalBus,
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly source: string,
    private readonly clock: DatabaseClock,
  ) {}

  /** The database server's time (see `DatabaseClock`). */
  now(): number {
    return this.clock.now();
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'graph_mcp';
    const source = options.source ?? 'the connection string';
    if (!POSTGRES_SCHEMA_PATTERN.test(schema)) {
      throw new GraphMcpError('OPTIONS_INVALID', `PostgreSQL store: schema must match ${POSTGRES_SCHEMA_PATTERN}, got ${JSON.stringify(schema)}`);
    }
    const poolSize = options.poolSize ?? 10;
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw new GraphMcpError('OPTIONS_INVALID', `PostgreSQL store: poolSize must be a positive integer, got ${JSON.stringify(poolSize)}`);
    }
    const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
    if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
      throw new GraphMcpError('OPTIONS_INVALID', `PostgreSQL store: statementTimeoutMs must be a non-negative integer, got ${JSON.stringify(statementTimeoutMs)}`);
    }
    const { pgModule, Saver } = await loadDriver();
    const connection: pg.ClientConfig = { connectionString: options.connectionString, application_name: 'graph-mcp', connectionTimeoutMillis: 10_000 };
    // The serving pool's only: migrations (see migrate) may wait for other processes' and build indexes, and the signal listener idles.
    const pool = createPool(
      pgModule,
      {
        ...connection,
        max: poolSize,
        idleTimeoutMillis: 30_000,
        allowExitOnIdle: true,
        // The server enforces statement_timeout only while it runs: one that stands still (a stopped
        // host) would hold every query, and each request waiting on one, for as long. The client gives
        // up a margin later, and the pool drops that connection.
        ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS } : {}),
      },
      options.logger,
    );
    const s = quoteIdent(schema);
    const signals = new PostgresSignalBus({
      pg: pgModule,
      connection,
      pool,
      pgChannel: `${schema}.signals`,
      table: `${s}.graph_mcp_signals`,
      logger: options.logger,
    });
    const checkpointer = new Saver(pool, new StrictSerializer(), { schema });
    // Timed on a connection already open: through the pool's query, connecting would count as the round trip.
    const clock = new DatabaseClock(async () => {
      const client = await pool.connect();
      return {
        query: async () => (await client.query<{ now: number }>(`SELECT ${DATABASE_NOW_MS}::float8 AS now`)).rows[0]!.now,
        release: (error) => client.release(error),
      };
    }, options.logger);
    try {
      await migrate(pgModule, connection, schema, Saver, options.logger);
      await clock.start();
      await signals.start();
    } catch (cause) {
      clock.stop();
      await signals.close();
      await pool.end().catch(() => undefined);
      if (cause instanceof GraphMcpError) throw cause;
      throw new GraphMcpError('STORE_UNAVAILABLE', `PostgreSQL store (${source}) cannot be opened: ${messageOf(cause)}`, { cause });
    }
    return new PostgresStore(checkpointer, new PostgresRunStore(pool, `${s}.graph_mcp_runs`, () => clock.now()), signals, pool, schema, source, clock);
  }

  /** One transaction, one commit, for the whole batch (see `writeInOneTransaction`). */
  writeCheckpoints(write: (checkpointer: BaseCheckpointSaver) => Promise<void>): Promise<void> {
    const Saver = this.checkpointer.constructor as typeof PostgresSaver;
    return writeInOneTransaction(this.pool, (pool) => new Saver(pool, this.checkpointer.serde, { schema: this.schema }), write);
  }

  async sharedKey(name: string): Promise<Uint8Array> {
    const cached = this.keys.get(name);
    if (cached !== undefined) return cached;
    const table = `${quoteIdent(this.schema)}.graph_mcp_keys`;
    // Of processes creating it at once, one insert wins; the others wait for it, insert nothing, then read the winner's.
    await this.pool.query(`INSERT INTO ${table} (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, randomBytes(32)]);
    const { rows } = await this.pool.query<{ value: Buffer }>(`SELECT value FROM ${table} WHERE name = $1`, [name]);
    const key = new Uint8Array(rows[0]!.value);
    this.keys.set(name, key);
    return key;
  }

  async check(): Promise<void> {
    let version: number;
    let missing: string[];
    try {
      const { rows } = await this.pool.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${quoteIdent(this.schema)}.graph_mcp_migrations`);
      version = rows[0]?.version ?? 0;
      // Every table, not only the version recorded: a table dropped by hand, or left out of a restore,
      // fails every run that needs it, and migrating again trusts the version and does not bring it back.
      const tables = await this.pool.query<{ name: string }>('SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass($2 || name) IS NULL', [
        TABLES,
        `${quoteIdent(this.schema)}.`,
      ]);
      missing = tables.rows.map((row) => row.name);
    } catch (cause) {
      throw new GraphMcpError('STORE_UNAVAILABLE', `PostgreSQL store (${this.source}, schema ${this.schema}): ${messageOf(cause)}`, { cause });
    }
    if (version !== MIGRATIONS.length) {
      throw new GraphMcpError('STORE_UNAVAILABLE', `PostgreSQL store schema ${this.schema} is at version ${version}, expected ${MIGRATIONS.length}`);
    }
    if (missing.length > 0) {
      throw new GraphMcpError(
        'STORE_UNAVAILABLE',
        `PostgreSQL store schema ${this.schema} lacks ${missing.join(', ')}, though its recorded version is current: restore them, or drop the schema (losing its runs and tasks) and let graph-mcp create it anew`,
      );
    }
    if (!this.signals.listening) {
      throw new GraphMcpError('STORE_UNAVAILABLE', `PostgreSQL store (${this.source}): the signal connection (LISTEN) is down; reconnecting`);
    }
  }

  async close(): Promise<void> {
    this.clock.stop();
    await this.signals.close();
    if (!this.pool.ending) await this.pool.end();
  }
}

async function loadDriver(): Promise<{ pgModule: PgModule; Saver: typeof PostgresSaver }> {
  try {
    const [pgModule, saver] = await Promise.all([import('pg'), import('@langchain/langgraph-checkpoint-postgres')]);
    return { pgModule: pgModule.default, Saver: saver.PostgresSaver };
  } catch (cause) {
    throw new GraphMcpError(
      'STORE_UNAVAILABLE',
      'the PostgreSQL store needs pg and @langchain/langgraph-checkpoint-postgres, which are not installed (npm install pg @langchain/langgraph-checkpoint-postgres)',
      { cause },
    );
  }
}

/** The tables of a migrated schema: graph-mcp's own, and LangGraph's checkpointer's. */
const TABLES = ['graph_mcp_migrations', 'graph_mcp_runs', 'graph_mcp_keys', 'graph_mcp_signals', 'checkpoint_migrations', 'checkpoints', 'checkpoint_blobs', 'checkpoint_writes'];

/** How often a process waiting on another's migration says it still waits. */
const MIGRATION_WAIT_NOTICE_MS = 30_000;

/**
 * Creates the schema and migrates graph-mcp's tables and the checkpointer's,
 * holding an advisory lock (keyed by the schema) on a connection of its own
 * for the whole time: the checkpointer's `setup()` is not safe to run from
 * two processes at once, and takes a pool connection, so the lock must not.
 * That setup gets a pool of its own, without the serving pool's statement
 * timeout: a migration may build an index on a large table.
 */
async function migrate(pgModule: PgModule, connection: pg.ClientConfig, schema: string, Saver: typeof PostgresSaver, logger: Logger | undefined): Promise<void> {
  const client = new pgModule.Client(connection);
  client.on('error', () => undefined);
  await client.connect();
  const s = quoteIdent(schema);
  try {
    await migrationLock(client, schema, logger);
    try {
      await client.query('BEGIN');
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${s}.graph_mcp_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`);
      const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${s}.graph_mcp_migrations`);
      const current = rows[0]?.version ?? 0;
      if (current > MIGRATIONS.length) {
        throw new GraphMcpError('STORE_UNAVAILABLE', `PostgreSQL store schema ${schema} is at version ${current}, newer than this graph-mcp knows (${MIGRATIONS.length}): upgrade graph-mcp`);
      }
      for (let i = current; i < MIGRATIONS.length; i += 1) {
        await client.query(MIGRATIONS[i]!(s));
        await client.query(`INSERT INTO ${s}.graph_mcp_migrations (version, applied_at) VALUES ($1, $2)`, [i + 1, Date.now()]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const setupPool = new pgModule.Pool({ ...connection, max: 1 });
    setupPool.on('error', () => undefined);
    // Also while checked out (see createPool): the setup's statement then fails, and start-up with it.
    setupPool.on('connect', (connected) => connected.on('error', () => undefined));
    try {
      await new Saver(setupPool, undefined, { schema }).setup();
    } finally {
      await setupPool.end().catch(() => undefined);
    }
  } finally {
    // Ending the session releases the lock too, so a failed unlock cannot keep others waiting.
    await client.end().catch(() => undefined);
  }
}

/**
 * Takes the schema's migration lock, waiting as long as another process
 * holds it (a migration may build an index on a large table), and saying
 * so: start-up that waits without a word on a process stuck migrating looks
 * like a hang.
 */
async function migrationLock(client: pg.Client, schema: string, logger: Logger | undefined): Promise<void> {
  const key = `graph-mcp migrate ${schema}`;
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [key]);
  if (rows[0]?.locked === true) return;
  const began = Date.now();
  const say = () =>
    logger?.warn({ schema }, `waiting for another process's migration of PostgreSQL schema ${schema} (it holds the migration lock, ${Math.round((Date.now() - began) / 1000)} s so far): start-up goes on once it finishes`);
  say();
  const notices = setInterval(say, MIGRATION_WAIT_NOTICE_MS);
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
  } finally {
    clearInterval(notices);
  }
}
