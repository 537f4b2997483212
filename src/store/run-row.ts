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
 * What a listing (`RunStore.list`) gives of a run's `data`: what a task's
 * entry shows (its ttl, the questions it asks, why an answer could not be
 * used, its error) and of its result only whether it is an error and, if
 * so, its first content block (what its status message says). Never the
 * rest: the arguments, answers, progress and result, which may be
 * megabytes each, are not read into the process at all.
 */
export interface ListedData {
  [key: string]: unknown;
  ttlMs?: unknown;
  questions?: unknown;
  answerProblems?: unknown;
  error?: unknown;
  result?: { isError: boolean; content?: unknown[] };
}

/** The parts of a run's `data` a listing reads, each as the store hands it (JSON text in SQLite, a value from PostgreSQL); null where absent. */
export interface ListedParts {
  l_ttl: unknown;
  l_questions: unknown;
  l_problems: unknown;
  l_error: unknown;
  /** The result's JSON type ('object', 'null', ...), or null when there is none. */
  l_result_type: string | null;
  /** The result's `isError` and first content block, when the result is an object. */
  l_is_error: unknown;
  l_first: unknown;
}

/** A listing's `data` from its parts (`parse` reads a part as the store hands it). */
export function listedFrom(parts: ListedParts, parse: (part: unknown) => unknown): ListedData {
  const data: ListedData = {};
  const take = (key: keyof ListedData, part: unknown) => {
    if (part !== null && part !== undefined) data[key] = parse(part);
  };
  take('ttlMs', parts.l_ttl);
  take('questions', parts.l_questions);
  take('answerProblems', parts.l_problems);
  take('error', parts.l_error);
  if (parts.l_result_type === 'object') {
    const isError = parts.l_is_error !== null && parts.l_is_error !== undefined && parse(parts.l_is_error) === true;
    data.result = isError ? { isError, content: parts.l_first === null || parts.l_first === undefined ? [] : [parse(parts.l_first)] } : { isError };
  }
  return data;
}

/** The same from a whole `data` value (the memory store). */
export function listedData(data: Record<string, unknown>): ListedData {
  const result = data.result;
  const content = isPlainObject(result) ? result.content : undefined;
  return listedFrom(
    {
      l_ttl: data.ttlMs,
      l_questions: data.questions,
      l_problems: data.answerProblems,
      l_error: data.error,
      l_result_type: isPlainObject(result) ? 'object' : null,
      l_is_error: isPlainObject(result) ? result.isError : null,
      l_first: Array.isArray(content) ? content[0] : null,
    },
    (part) => part,
  );
}

/**
 * The parts in SQLite's SQL, over the `data` column: each path read from
 * the text SQLite parsed once for the row (its JSON cache), and only those.
 */
export const SQLITE_LISTED_PARTS = `data -> '$.ttlMs' AS l_ttl, data -> '$.questions' AS l_questions, data -> '$.answerProblems' AS l_problems,
  data -> '$.error' AS l_error, json_type(data, '$.result') AS l_result_type,
  CASE WHEN json_type(data, '$.result') = 'object' THEN data -> '$.result.isError' END AS l_is_error,
  CASE WHEN json_type(data, '$.result') = 'object' THEN data -> '$.result.content[0]' END AS l_first`;

/**
 * The same in PostgreSQL, whose `json` operators parse the whole text at
 * each step (eight of them took 14 s over 51 runs of 3.5 MB arguments): the
 * row's `data` is taken apart once (`json_to_record`, as `l`), and the
 * result, which is small beside arguments, read from its own text. Its
 * operators refuse a text holding an escaped NUL (`\u0000`) or a lone
 * surrogate (`\ud800`) anywhere, which `json` holds (a caller's arguments
 * may): in a row holding any `\u` escape, each of those (one not itself
 * escaped: an even run of backslashes before it) is read as `\ufffd`,
 * which the listing shows for it.
 */
export const POSTGRES_LISTED_PARTS = `l."ttlMs" AS l_ttl, l.questions AS l_questions, l."answerProblems" AS l_problems, l.error AS l_error,
  json_typeof(l.result) AS l_result_type,
  CASE WHEN json_typeof(l.result) = 'object' THEN l.result -> 'isError' END AS l_is_error,
  CASE WHEN json_typeof(l.result) = 'object' THEN l.result -> 'content' -> 0 END AS l_first`;

/** What the PostgreSQL listing joins its rows with: `data` taken apart once. */
export const POSTGRES_LISTED_JOIN = `CROSS JOIN LATERAL json_to_record(CASE WHEN strpos(data::text, '\\u') > 0
    THEN regexp_replace(data::text, '(?<!\\\\)((?:\\\\\\\\)*)\\\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})', '\\1\\\\ufffd', 'g')::json
    ELSE data END)
  AS l("ttlMs" json, questions json, "answerProblems" json, error json, result json)`;

/** Every column of the runs table but `data`, for a listing that reads `data` its own way. */
export const RUN_COLUMNS_BUT_DATA = 'id, owner, tool, kind, status, version, created_at, updated_at, expires_at, lease_owner, lease_until, progress';
