import { isPlainObject } from '../plain-object.js';
import type { RunKind, RunRecord } from './store.js';

/**
 * A row of the runs table as the SQL stores read it, less `data` (text in
 * SQLite, parsed JSON from PostgreSQL). Times are milliseconds since the
 * epoch; PostgreSQL's BIGINT arrives as a string.
 */
export interface RunRow {
  id: string;
  owner: string;
  tool: string;
  kind: RunKind;
  status: RunRecord['status'];
  version: number;
  created_at: number | string;
  updated_at: number | string;
  expires_at: number | string;
  lease_owner: string | null;
  lease_until: number | string | null;
  progress: string | null;
}

export function rowToRecord(row: RunRow, data: Record<string, unknown>): RunRecord {
  return {
    id: row.id,
    owner: row.owner,
    tool: row.tool,
    kind: row.kind,
    status: row.status,
    version: row.version,
    data,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    expiresAt: Number(row.expires_at),
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    progress: row.progress,
  };
}

/**
 * What a listing keeps of a run's stored result (`RunStore.list`): whether
 * it is an error and, if so, its first content block (what a task's status
 * message says), never the rest, which may be megabytes.
 */
export function listedResult(result: { isError?: unknown; content?: unknown }): { isError: boolean; content?: unknown[] } {
  return result.isError === true ? { isError: true, content: Array.isArray(result.content) ? result.content.slice(0, 1) : [] } : { isError: false };
}

/**
 * The same in SQLite's SQL, over the `data` column, so that a page of
 * results of megabytes each is not read into the process at all. (In
 * PostgreSQL, whose `json` operators parse the whole text at each step and
 * whose `jsonb` refuses a `\u0000` that `json` holds, the listing reads
 * `data` whole and summarises it with `listedData`.)
 */
export const SQLITE_LISTED_DATA = `CASE WHEN json_type(data, '$.result') IS NOT 'object' THEN data
  ELSE json_set(json_remove(data, '$.result'), '$.result',
    CASE WHEN json_type(data, '$.result.isError') = 'true'
      THEN json_object('isError', json('true'), 'content',
        CASE WHEN json_type(data, '$.result.content[0]') IS NULL THEN json_array() ELSE json_array(data -> '$.result.content[0]') END)
      ELSE json_object('isError', json('false')) END)
  END AS data`;

/** A run's `data` as a listing gives it: its result summarised (`listedResult`). */
export function listedData(data: Record<string, unknown>): Record<string, unknown> {
  const { result, ...rest } = data as { result?: unknown };
  return isPlainObject(result) ? { ...rest, result: listedResult(result as Parameters<typeof listedResult>[0]) } : data;
}

/** Every column of the runs table but `data`, for a listing that reads `data` its own way. */
export const RUN_COLUMNS_BUT_DATA = 'id, owner, tool, kind, status, version, created_at, updated_at, expires_at, lease_owner, lease_until, progress';
