import { createHash } from 'node:crypto';
import type pg from 'pg';
import { changesMoreThanLease, renewsLeaseOnly } from './memory-store.js';
import { listedFrom, POSTGRES_LISTED_JOIN, POSTGRES_LISTED_PARTS, rowToRecord, RUN_COLUMNS_BUT_DATA, type ListedParts, type RunRow } from './run-row.js';
import type { NewRun, RunCursor, RunKind, RunPatch, RunRecord, RunStore } from './store.js';

/** How long a create waits for another process's create of the same owner (`createWithin`) before it fails. */
const OWNER_LOCK_TIMEOUT_MS = 2_000;
/** How long a create's transaction may stand idle (its process stalled) before the database ends it and lets go of its lock. */
const OWNER_LOCK_IDLE_MS = 10_000;

/**
 * The advisory lock of one owner's creates in one runs table: the first
 * 64 bits of a SHA-256 of both, as the signed integer PostgreSQL takes
 * (a literal: no text of the owner's reaches the statement).
 */
export function ownerLockKey(table: string, owner: string): string {
  return createHash('sha256').update(`${table}\0${owner}`).digest().readBigInt64BE(0).toString();
}

/** `data` is a JSON column: node-postgres parses it. */
type PostgresRunRow = RunRow & { data: Record<string, unknown> };

/** A listing's columns: every one but `data`, and the parts of `data` it shows (see `POSTGRES_LISTED_PARTS`). */
const LISTED = `${RUN_COLUMNS_BUT_DATA}, ${POSTGRES_LISTED_PARTS}`;

function toRecord(row: PostgresRunRow): RunRecord {
  return rowToRecord(row, row.data);
}

const PATCH_COLUMNS: ReadonlyArray<[keyof RunPatch, string]> = [
  ['kind', 'kind'],
  ['status', 'status'],
  ['data', 'data'],
  ['expiresAt', 'expires_at'],
  ['leaseOwner', 'lease_owner'],
  ['leaseUntil', 'lease_until'],
  ['progress', 'progress'],
];

/**
 * Runs in PostgreSQL. Every change is one statement, so PostgreSQL's row
 * locks decide races: a compare-and-set `UPDATE … WHERE version = $n`
 * re-checks the version after waiting for a concurrent writer, and claims
 * and clean-up lock their rows with `FOR UPDATE SKIP LOCKED`, so processes
 * doing either at once take different rows instead of queueing.
 */
export class PostgresRunStore implements RunStore {
  constructor(
    private readonly pool: pg.Pool,
    /** The schema-qualified runs table. */
    private readonly table: string,
    /** The store's clock (the database server's time): every time kept or compared is read from it. */
    private readonly now: () => number = Date.now,
  ) {}

  async create(run: NewRun): Promise<RunRecord> {
    const now = this.now();
    const { rows } = await this.pool.query<PostgresRunRow>(
      `INSERT INTO ${this.table} (id, owner, tool, kind, status, version, data, created_at, updated_at, expires_at, lease_owner, lease_until)
       VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7, $8, $9, $10) RETURNING *`,
      this.values(run, now),
    );
    return toRecord(rows[0]!);
  }

  async createWithin(run: NewRun, atMost: number): Promise<RunRecord | undefined> {
    // One create of an owner at a time from this process: the others wait here, not each on a
    // pooled connection of its own (a burst of one caller's requests would hold every connection
    // of the pool while they wait for the lock, and stall every other query of the process).
    const before = this.creating.get(run.owner);
    const mine = (before ?? Promise.resolve()).then(() => this.createCounted(run, atMost));
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    this.creating.set(run.owner, settled);
    void settled.then(() => {
      if (this.creating.get(run.owner) === settled) this.creating.delete(run.owner);
    });
    return mine;
  }

  /** Creates of each owner under way in this process (see `createWithin`). */
  private readonly creating = new Map<string, Promise<void>>();

  private async createCounted(run: NewRun, atMost: number): Promise<RunRecord | undefined> {
    // One transaction holding a lock on the owner (an advisory lock, named by the table and the
    // owner): another process's create of the same owner waits for it, then counts this run. The
    // count is a statement of its own, after the lock, so that it sees what committed while it
    // waited. A holder that stalls (its process stopped between the lock and the commit) is not
    // waited for long, nor kept holding it.
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(
        `BEGIN; SET LOCAL lock_timeout = ${OWNER_LOCK_TIMEOUT_MS}; SET LOCAL idle_in_transaction_session_timeout = ${OWNER_LOCK_IDLE_MS}; SELECT pg_advisory_xact_lock(${ownerLockKey(this.table, run.owner)})`,
      );
      const now = this.now();
      const { rows } = await client.query<PostgresRunRow>(
        `INSERT INTO ${this.table} (id, owner, tool, kind, status, version, data, created_at, updated_at, expires_at, lease_owner, lease_until)
         SELECT $1, $2, $3, $4, $5, 1, $6, $7, $7, $8, $9, $10
         WHERE (SELECT count(*) FROM (SELECT 1 FROM ${this.table} WHERE owner = $2 AND expires_at > $7 LIMIT $11) AS live) < $11
         RETURNING *`,
        [...this.values(run, now), atMost],
      );
      await client.query('COMMIT');
      return rows[0] && toRecord(rows[0]);
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw error;
    } finally {
      // A connection that could not even roll back is not returned to the pool.
      client.release(broken);
    }
  }

  private values(run: NewRun, now: number): unknown[] {
    return [run.id, run.owner, run.tool, run.kind ?? 'call', run.status, JSON.stringify(run.data), now, run.expiresAt, run.leaseOwner ?? null, run.leaseUntil ?? null];
  }

  async get(id: string, owner: string): Promise<RunRecord | undefined> {
    const { rows } = await this.pool.query<PostgresRunRow>(`SELECT * FROM ${this.table} WHERE id = $1 AND owner = $2 AND expires_at > $3`, [id, owner, this.now()]);
    return rows[0] && toRecord(rows[0]);
  }

  update(id: string, version: number, patch: RunPatch): Promise<RunRecord | undefined> {
    return this.apply(patch, true, 'id = $1 AND version = $2', [id, version]);
  }

  updateLeased(id: string, leaseOwner: string, patch: RunPatch): Promise<RunRecord | undefined> {
    // A run that ended (a task cancelled while it ran) stays ended, whatever its worker reports.
    return this.apply(patch, changesMoreThanLease(patch), "id = $1 AND lease_owner = $2 AND status NOT IN ('completed', 'failed', 'cancelled')", [id, leaseOwner]);
  }

  async claim(leaseOwner: string, leaseUntil: number, now: number, tools: readonly string[]): Promise<RunRecord | undefined> {
    const { rows } = await this.pool.query<PostgresRunRow>(
      `WITH running AS (SELECT owner, count(*) AS n FROM ${this.table} WHERE kind = 'task' AND status = 'working' AND lease_until > $3 GROUP BY owner)
       UPDATE ${this.table} SET lease_owner = $1, lease_until = $2, version = version + 1, updated_at = $3
       WHERE id = (SELECT r.id FROM ${this.table} r LEFT JOIN running ON running.owner = r.owner
                   WHERE r.kind = 'task' AND r.status = 'working' AND r.expires_at > $3 AND (r.lease_until IS NULL OR r.lease_until <= $3)
                     AND r.tool = ANY($4::text[])
                   ORDER BY coalesce(running.n, 0), r.created_at LIMIT 1 FOR UPDATE OF r SKIP LOCKED)
       RETURNING *`,
      [leaseOwner, leaseUntil, now, tools],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async list(owner: string, kind: RunKind, limit: number, after?: RunCursor): Promise<RunRecord[]> {
    const now = this.now();
    const { rows } =
      after === undefined
        ? await this.pool.query<RunRow & ListedParts>(
            `SELECT ${LISTED} FROM ${this.table} ${POSTGRES_LISTED_JOIN} WHERE owner = $1 AND kind = $2 AND expires_at > $3 ORDER BY created_at DESC, id DESC LIMIT $4`,
            [owner, kind, now, limit],
          )
        : await this.pool.query<RunRow & ListedParts>(
            `SELECT ${LISTED} FROM ${this.table} ${POSTGRES_LISTED_JOIN}
             WHERE owner = $1 AND kind = $2 AND expires_at > $3 AND (created_at, id) < ($5, $6)
             ORDER BY created_at DESC, id DESC LIMIT $4`,
            [owner, kind, now, limit, after.createdAt, after.id],
          );
    // Each part arrives as the driver parses JSON.
    return rows.map((row) => rowToRecord(row, listedFrom(row, (part) => part)));
  }

  async countLive(owner: string, atMost: number): Promise<number> {
    // By the owner index (owner, kind, created_at); no further than the quota asks.
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM ${this.table} WHERE owner = $1 AND expires_at > $2 LIMIT $3) AS live`, [owner, this.now(), atMost]);
    return rows[0]!.n;
  }

  async expiredIds(now: number, limit: number): Promise<string[]> {
    // A record a process holds (a paused run being resumed) is left to it until its lease lapses.
    const { rows } = await this.pool.query<{ id: string }>(`SELECT id FROM ${this.table} WHERE expires_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) LIMIT $2`, [now, limit]);
    return rows.map((row) => row.id);
  }

  async deleteExpired(now: number, limit: number, ids?: readonly string[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `DELETE FROM ${this.table} WHERE id IN (SELECT id FROM ${this.table} WHERE expires_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)${ids === undefined ? '' : ' AND id = ANY($3::text[])'} LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id`,
      ids === undefined ? [now, limit] : [now, limit, ids],
    );
    return rows.map((row) => row.id);
  }

  private async apply(patch: RunPatch, bumpVersion: boolean, where: string, whereValues: unknown[]): Promise<RunRecord | undefined> {
    const values: unknown[] = [...whereValues];
    const sets: string[] = [];
    if (!renewsLeaseOnly(patch)) {
      values.push(this.now());
      sets.push(`updated_at = $${values.length}`);
    }
    if (bumpVersion) sets.push('version = version + 1');
    for (const [key, column] of PATCH_COLUMNS) {
      const value = patch[key];
      if (value === undefined) continue;
      values.push(key === 'data' ? JSON.stringify(value) : value);
      sets.push(`${column} = $${values.length}`);
    }
    const { rows } = await this.pool.query<PostgresRunRow>(`UPDATE ${this.table} SET ${sets.join(', ')} WHERE ${where} RETURNING *`, values);
    return rows[0] && toRecord(rows[0]);
  }
}
