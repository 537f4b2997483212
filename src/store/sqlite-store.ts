import { randomBytes } from 'node:crypto';
import { closeSync, openSync, statSync } from 'node:fs';
import { makePrivateDirectory } from '../private-directory.js';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import { GraphMcpError } from '../errors.js';
import type { Logger } from '../log.js';
import { ChannelListeners } from './channel-listeners.js';
import { changesMoreThanLease, renewsLeaseOnly } from './memory-store.js';
import { listedFrom, rowToRecord, RUN_COLUMNS_BUT_DATA, SQLITE_LISTED_PARTS, type ListedParts, type RunRow } from './run-row.js';
import { sqliteOpenProblem } from './sqlite-native.js';
import type { NewRun, RunCursor, RunKind, RunPatch, RunRecord, RunStore, SignalBus, Store } from './store.js';
import { StrictSerializer } from './strict-serde.js';
import { yieldingAfterWrites } from './yielding-saver.js';

/** What a listing reads: every column, `data` without a stored result's bulk. */
const LISTED = `${RUN_COLUMNS_BUT_DATA}, ${SQLITE_LISTED_PARTS}`;

/** LangGraph's SQLite saver, letting the event loop run after each write (better-sqlite3 never waits). */
const YieldingSqliteSaver = yieldingAfterWrites(SqliteSaver);

export interface SqliteStoreOptions {
  /** The database file; its directory is created if missing. `:memory:` for a private in-memory database. */
  path: string;
  /** How often a process with listeners looks for new signals, in ms. @default 50 */
  signalPollMs?: number;
  /** Told of a migration (at info). */
  logger?: Logger | undefined;
}

/**
 * Migrations, in order; each runs once per database, inside one
 * `BEGIN IMMEDIATE` transaction, so several processes starting at once
 * migrate it exactly once.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE graph_mcp_runs (
     id TEXT PRIMARY KEY,
     owner TEXT NOT NULL,
     tool TEXT NOT NULL,
     status TEXT NOT NULL,
     version INTEGER NOT NULL,
     data TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     lease_owner TEXT,
     lease_until INTEGER
   );
   CREATE INDEX graph_mcp_runs_expires ON graph_mcp_runs (expires_at);
   CREATE INDEX graph_mcp_runs_status ON graph_mcp_runs (status, lease_until);
   CREATE TABLE graph_mcp_keys (name TEXT PRIMARY KEY, value BLOB NOT NULL);
   CREATE TABLE graph_mcp_signals (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     channel TEXT NOT NULL,
     payload TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );`,
  // Tasks: runs executed in the background by whichever process claims them.
  `ALTER TABLE graph_mcp_runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'call';
   ALTER TABLE graph_mcp_runs ADD COLUMN progress TEXT;
   CREATE INDEX graph_mcp_runs_claim ON graph_mcp_runs (kind, status, lease_until, created_at);
   CREATE INDEX graph_mcp_runs_owner ON graph_mcp_runs (owner, kind, created_at);`,
];

/** Signals older than this are deleted: nobody waits that long for a wake-up. */
const SIGNAL_RETENTION_MS = 60_000;

/** What a WAL that grew is cut back to (twice what SQLite's automatic checkpoints let it reach). */
export const WAL_SIZE_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * One SQLite file (WAL mode) shared by every process on one machine:
 * LangGraph's official SQLite checkpointer plus graph-mcp's runs, keys and
 * signals. Signals are polled, so they reach another process within
 * `signalPollMs`.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly checkpointer: SqliteSaver;
  readonly runs: RunStore;
  readonly signals: SqliteSignalBus;

  private constructor(
    private readonly db: BetterSqlite3.Database,
    signalPollMs: number,
    /** The file opened, to tell whether its path still leads to it. */
    private readonly file: { path: string; dev: number; ino: number } | undefined,
  ) {
    this.checkpointer = new YieldingSqliteSaver(db, new StrictSerializer());
    // Its tables now, not at its first read or write: deleteThread does not make them, and the
    // clean-up deletes a run's checkpoints (none, on a new file) before its record.
    (this.checkpointer as unknown as { setup(): void }).setup();
    this.runs = new SqliteRunStore(db);
    this.signals = new SqliteSignalBus(db, signalPollMs);
  }

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    let Database: typeof BetterSqlite3;
    try {
      Database = (await import('better-sqlite3')).default;
    } catch (cause) {
      throw new GraphMcpError('STORE_UNAVAILABLE', 'the SQLite store needs better-sqlite3, which is not installed (npm install better-sqlite3)', { cause });
    }
    let db: BetterSqlite3.Database | undefined;
    try {
      if (options.path !== ':memory:') {
        // The file holds graph state (what the caller's runs hold, their paused questions) and the
        // key that signs requestState: readable by this user only, when graph-mcp creates it.
        // SQLite gives its -wal and -shm files the database file's mode.
        makePrivateDirectory(path.dirname(options.path));
        closeSync(openSync(options.path, 'a', 0o600));
      }
      db = new Database(options.path);
      db.pragma('journal_mode = WAL');
      // Several processes share the file: wait for a writer instead of failing.
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = NORMAL');
      // The WAL grows while readers hold back its checkpoints (busy processes sharing the file);
      // once it starts over, it is cut back to this instead of keeping its peak size on disk.
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      const from = migrate(db, options.path);
      if (from !== undefined) options.logger?.info({ store: options.path, from, to: MIGRATIONS.length }, `SQLite store migrated from schema version ${from} to ${MIGRATIONS.length}`);
    } catch (cause) {
      if (db?.open) db.close();
      if (cause instanceof GraphMcpError) throw cause;
      throw new GraphMcpError('STORE_UNAVAILABLE', `SQLite store ${options.path} cannot be opened: ${sqliteOpenProblem(cause, 'choose another store ("postgres", or "memory" for one process)')}`, { cause });
    }
    const opened = options.path === ':memory:' ? undefined : statSync(options.path);
    return new SqliteStore(db, options.signalPollMs ?? 50, opened && { path: options.path, dev: opened.dev, ino: opened.ino });
  }

  /**
   * One write after another, each its own commit: commits are cheap here
   * (WAL, `synchronous = NORMAL`: no fsync), and the saver's writes await
   * between statements, so a transaction held across them on this shared
   * connection would take in other requests' statements too.
   */
  async writeCheckpoints(write: (checkpointer: BaseCheckpointSaver) => Promise<void>): Promise<void> {
    await write(this.checkpointer);
  }

  async sharedKey(name: string): Promise<Uint8Array> {
    this.db.prepare('INSERT OR IGNORE INTO graph_mcp_keys (name, value) VALUES (?, ?)').run(name, randomBytes(32));
    const row = this.db.prepare('SELECT value FROM graph_mcp_keys WHERE name = ?').get(name) as { value: Buffer };
    return new Uint8Array(row.value);
  }

  async check(): Promise<void> {
    if (this.file !== undefined) {
      // Deleted or replaced under the open connection, which goes on with the old file: a
      // process started now would open another store at that path, and share nothing with this one.
      const now = statSync(this.file.path, { throwIfNoEntry: false });
      if (now === undefined || now.dev !== this.file.dev || now.ino !== this.file.ino) {
        throw new GraphMcpError('STORE_UNAVAILABLE', `SQLite store ${this.file.path}: the file was ${now === undefined ? 'deleted' : 'replaced'} while this process had it open; restart to use the store at that path`);
      }
    }
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) throw newerSchema(this.file?.path ?? ':memory:', version);
    if (version !== MIGRATIONS.length) {
      throw new GraphMcpError('STORE_UNAVAILABLE', `SQLite store schema is at version ${version}, expected ${MIGRATIONS.length}`);
    }
    // Readable, without counting the rows (health checks call this).
    this.db.prepare('SELECT 1 FROM graph_mcp_runs LIMIT 1').get();
  }

  async close(): Promise<void> {
    this.signals.close();
    if (this.db.open) this.db.close();
  }
}

/** Brings the schema up to date; the version it was at, if it was older. A newer one is refused: its rows may mean what this graph-mcp does not know. */
function migrate(db: BetterSqlite3.Database, file: string): number | undefined {
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) throw newerSchema(file, current);
    for (let i = current; i < MIGRATIONS.length; i += 1) db.exec(MIGRATIONS[i]!);
    if (current < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
    // A new file starts at 0: created, not migrated.
    return current > 0 && current < MIGRATIONS.length ? current : undefined;
  });
  return run.immediate();
}

function newerSchema(file: string, version: number): GraphMcpError {
  return new GraphMcpError('STORE_UNAVAILABLE', `SQLite store ${file}: its schema is at version ${version}, newer than this graph-mcp knows (${MIGRATIONS.length}): upgrade graph-mcp`);
}

type SqliteRunRow = RunRow & { data: string };

function toRecord(row: SqliteRunRow): RunRecord {
  return rowToRecord(row, JSON.parse(row.data) as Record<string, unknown>);
}

class SqliteRunStore implements RunStore {
  private readonly insert: BetterSqlite3.Statement;
  private readonly counting: BetterSqlite3.Statement;
  /** Counts the owner's live runs, and stores the run if they are fewer than the limit: one transaction, made once. */
  private readonly countedInsert: BetterSqlite3.Transaction<(run: NewRun, atMost: number) => RunRecord | undefined>;
  private readonly select: BetterSqlite3.Statement;
  private readonly expired: BetterSqlite3.Statement;
  private readonly expiredOf: BetterSqlite3.Statement;
  private readonly expiredSelect: BetterSqlite3.Statement;

  constructor(private readonly db: BetterSqlite3.Database) {
    this.counting = db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM graph_mcp_runs WHERE owner = ? AND expires_at > ? LIMIT ?)');
    this.countedInsert = db.transaction((run: NewRun, atMost: number) => (this.live(run.owner, atMost) >= atMost ? undefined : this.insertRun(run)));
    this.insert = db.prepare(
      `INSERT INTO graph_mcp_runs (id, owner, tool, kind, status, version, data, created_at, updated_at, expires_at, lease_owner, lease_until)
       VALUES (@id, @owner, @tool, @kind, @status, 1, @data, @now, @now, @expiresAt, @leaseOwner, @leaseUntil)`,
    );
    this.select = db.prepare('SELECT * FROM graph_mcp_runs WHERE id = ? AND owner = ? AND expires_at > ?');
    // A record a process holds (a paused run being resumed) is left to it until its lease lapses.
    const expiredUnheld = 'expires_at <= @now AND (lease_until IS NULL OR lease_until <= @now)';
    this.expired = db.prepare(`DELETE FROM graph_mcp_runs WHERE id IN (SELECT id FROM graph_mcp_runs WHERE ${expiredUnheld} LIMIT @limit) RETURNING id`);
    this.expiredOf = db.prepare(
      `DELETE FROM graph_mcp_runs WHERE id IN (SELECT id FROM graph_mcp_runs WHERE ${expiredUnheld} AND id IN (SELECT value FROM json_each(@ids)) LIMIT @limit) RETURNING id`,
    );
    this.expiredSelect = db.prepare(`SELECT id FROM graph_mcp_runs WHERE ${expiredUnheld} LIMIT @limit`);
  }

  async create(run: NewRun): Promise<RunRecord> {
    return this.insertRun(run);
  }

  private insertRun(run: NewRun): RunRecord {
    const now = Date.now();
    this.insert.run({
      id: run.id,
      owner: run.owner,
      tool: run.tool,
      kind: run.kind ?? 'call',
      status: run.status,
      data: JSON.stringify(run.data),
      now,
      expiresAt: run.expiresAt,
      leaseOwner: run.leaseOwner ?? null,
      leaseUntil: run.leaseUntil ?? null,
    });
    return {
      ...run,
      kind: run.kind ?? 'call',
      data: structuredClone(run.data),
      version: 1,
      createdAt: now,
      updatedAt: now,
      leaseOwner: run.leaseOwner ?? null,
      leaseUntil: run.leaseUntil ?? null,
      progress: null,
    };
  }

  async get(id: string, owner: string): Promise<RunRecord | undefined> {
    const row = this.select.get(id, owner, Date.now()) as SqliteRunRow | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  async update(id: string, version: number, patch: RunPatch): Promise<RunRecord | undefined> {
    return this.apply(patch, 'id = @id AND version = @version', { id, version }, true);
  }

  async updateLeased(id: string, leaseOwner: string, patch: RunPatch): Promise<RunRecord | undefined> {
    // A run that ended (a task cancelled while it ran) stays ended, whatever its worker reports.
    return this.apply(patch, "id = @id AND lease_owner = @owner AND status NOT IN ('completed', 'failed', 'cancelled')", { id, owner: leaseOwner }, changesMoreThanLease(patch));
  }

  async claim(leaseOwner: string, leaseUntil: number, now: number, tools: readonly string[]): Promise<RunRecord | undefined> {
    // One statement: SQLite runs it under the database's write lock, so two processes never claim the same task.
    const row = this.db
      .prepare(
        `WITH running AS (SELECT owner, count(*) AS n FROM graph_mcp_runs WHERE kind = 'task' AND status = 'working' AND lease_until > @now GROUP BY owner)
         UPDATE graph_mcp_runs SET lease_owner = @owner, lease_until = @until, version = version + 1, updated_at = @now
         WHERE id = (SELECT r.id FROM graph_mcp_runs r LEFT JOIN running ON running.owner = r.owner
                     WHERE r.kind = 'task' AND r.status = 'working' AND r.expires_at > @now AND (r.lease_until IS NULL OR r.lease_until <= @now)
                       AND r.tool IN (SELECT value FROM json_each(@tools))
                     ORDER BY coalesce(running.n, 0), r.created_at LIMIT 1)
         RETURNING *`,
      )
      .get({ owner: leaseOwner, until: leaseUntil, now, tools: JSON.stringify(tools) }) as SqliteRunRow | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  async list(owner: string, kind: RunKind, limit: number, after?: RunCursor): Promise<RunRecord[]> {
    const now = Date.now();
    const rows = (
      after === undefined
        ? this.db.prepare(`SELECT ${LISTED} FROM graph_mcp_runs WHERE owner = ? AND kind = ? AND expires_at > ? ORDER BY created_at DESC, id DESC LIMIT ?`).all(owner, kind, now, limit)
        : this.db
            .prepare(
              `SELECT ${LISTED} FROM graph_mcp_runs
               WHERE owner = ? AND kind = ? AND expires_at > ? AND (created_at < ? OR (created_at = ? AND id < ?))
               ORDER BY created_at DESC, id DESC LIMIT ?`,
            )
            .all(owner, kind, now, after.createdAt, after.createdAt, after.id, limit)
    ) as Array<RunRow & ListedParts>;
    return rows.map((row) => rowToRecord(row, listedFrom(row, (part) => JSON.parse(part as string))));
  }

  async countLive(owner: string, atMost: number): Promise<number> {
    return this.live(owner, atMost);
  }

  private live(owner: string, atMost: number): number {
    // By the owner index (owner, kind, created_at); no further than the quota asks.
    const counted = this.counting.get(owner, Date.now(), atMost) as { n: number };
    return counted.n;
  }

  async createWithin(run: NewRun, atMost: number): Promise<RunRecord | undefined> {
    // The write lock taken before the count (an immediate transaction): another process sharing
    // the file counts only once this insert is in, or before it began.
    return this.countedInsert.immediate(run, atMost);
  }


  private apply(patch: RunPatch, where: string, values: Record<string, unknown>, bumpVersion: boolean): RunRecord | undefined {
    const sets: string[] = renewsLeaseOnly(patch) ? [] : ['updated_at = @now'];
    if (bumpVersion) sets.push('version = version + 1');
    const params: Record<string, unknown> = { ...values, now: Date.now() };
    const columns: Array<[keyof RunPatch, string]> = [
      ['kind', 'kind'],
      ['status', 'status'],
      ['expiresAt', 'expires_at'],
      ['leaseOwner', 'lease_owner'],
      ['leaseUntil', 'lease_until'],
      ['progress', 'progress'],
    ];
    for (const [key, column] of columns) {
      if (patch[key] === undefined) continue;
      sets.push(`${column} = @${key}`);
      params[key] = patch[key];
    }
    if (patch.data !== undefined) {
      sets.push('data = @data');
      params.data = JSON.stringify(patch.data);
    }
    const row = this.db.prepare(`UPDATE graph_mcp_runs SET ${sets.join(', ')} WHERE ${where} RETURNING *`).get(params) as SqliteRunRow | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  async expiredIds(now: number, limit: number): Promise<string[]> {
    return (this.expiredSelect.all({ now, limit }) as Array<{ id: string }>).map((row) => row.id);
  }

  async deleteExpired(now: number, limit: number, ids?: readonly string[]): Promise<string[]> {
    const rows = ids === undefined ? this.expired.all({ now, limit }) : this.expiredOf.all({ now, limit, ids: JSON.stringify(ids) });
    return (rows as Array<{ id: string }>).map((row) => row.id);
  }
}

class SqliteSignalBus implements SignalBus {
  private readonly listeners = new ChannelListeners();
  private lastSeen: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly insert: BetterSqlite3.Statement;
  private readonly since: BetterSqlite3.Statement;
  private lastPrune = 0;

  constructor(private readonly db: BetterSqlite3.Database, private readonly pollMs: number) {
    this.insert = db.prepare('INSERT INTO graph_mcp_signals (channel, payload, created_at) VALUES (?, ?, ?)');
    this.since = db.prepare('SELECT id, channel, payload FROM graph_mcp_signals WHERE id > ? ORDER BY id');
    this.lastSeen = (db.prepare('SELECT coalesce(max(id), 0) AS id FROM graph_mcp_signals').get() as { id: number }).id;
  }

  async publish(channel: string, payload: unknown): Promise<void> {
    const now = Date.now();
    this.insert.run(channel, JSON.stringify(payload ?? null), now);
    if (now - this.lastPrune > SIGNAL_RETENTION_MS) {
      this.lastPrune = now;
      this.db.prepare('DELETE FROM graph_mcp_signals WHERE created_at < ?').run(now - SIGNAL_RETENTION_MS);
    }
  }

  async subscribe(channel: string, listener: (payload: unknown) => void): Promise<() => void> {
    const remove = this.listeners.add(channel, listener);
    // Not ref'd: listening alone does not keep a process alive (a waiting request does).
    this.timer ??= setInterval(() => this.poll(), this.pollMs).unref();
    return () => {
      remove();
      if (this.listeners.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private poll(): void {
    if (!this.db.open) return;
    const rows = this.since.all(this.lastSeen) as Array<{ id: number; channel: string; payload: string }>;
    for (const row of rows) {
      this.lastSeen = row.id;
      if (!this.listeners.has(row.channel)) continue;
      this.listeners.dispatch(row.channel, JSON.parse(row.payload) as unknown, () => undefined);
    }
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}
