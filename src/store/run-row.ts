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
