import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';

/**
 * The store: everything a later request needs, shared by every process that
 * serves the project. One interface, several small implementations (memory,
 * SQLite, PostgreSQL), one test suite run against each. It knows nothing of
 * MCP or HTTP: the protocol layer keeps its own data in `RunRecord.data`.
 */
export interface Store {
  /** `memory`, `sqlite`, `postgres`, or a custom store's name. */
  readonly kind: string;
  /** Where LangGraph checkpoints go: the official checkpointer for this database. */
  readonly checkpointer: BaseCheckpointSaver;
  readonly runs: RunStore;
  readonly signals: SignalBus;
  /**
   * Milliseconds since the epoch by the store's clock, which every process
   * sharing the store reads alike (PostgreSQL: the database server's). Every
   * time the store keeps or compares (`expiresAt`, `leaseUntil`, `now` given
   * to `claim` and the clean-up) is read from it, so machines whose clocks
   * disagree neither take over each other's live runs nor expire them early.
   * Optional: a store without it (one process, one machine) uses `Date.now()`.
   */
  now?(): number;
  /**
   * Runs `write` with a checkpointer whose writes reach the database
   * together, in one transaction where that saves commits (a run storing
   * the checkpoints it held in memory). Optional: without it, each write
   * commits on its own. Resolves once all of them are durable. In one
   * transaction (PostgreSQL), a `write` that rejects stores none of them;
   * where each write commits alone (memory, SQLite), those made before it
   * stay.
   */
  writeCheckpoints?(write: (checkpointer: BaseCheckpointSaver) => Promise<void>): Promise<void>;
  /**
   * A 32-byte secret shared by every process using this store, created on
   * first use (for example the key that signs `requestState`).
   */
  sharedKey(name: string): Promise<Uint8Array>;
  /** Reachable and migrated: throws a `GraphMcpError` naming what is wrong. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** Stores `run` within its owner's limit of `atMost` unexpired runs (`createWithin`), or with none; `undefined` when full. */
export function createWithinLimit(runs: RunStore, run: NewRun, atMost: number | undefined): Promise<RunRecord | undefined> {
  return atMost === undefined ? runs.create(run) : runs.createWithin(run, atMost);
}

/** The time by `store`'s clock (see `Store.now`). */
export function storeNow(store: Pick<Store, 'now'>): number {
  return store.now ? store.now() : Date.now();
}

export type RunStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export const TERMINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** The run ended (completed, failed or cancelled): nothing changes it any more. */
export function hasEnded(run: Pick<RunRecord, 'status'>): boolean {
  return TERMINAL_STATUSES.includes(run.status);
}

/**
 * `call`: a tool call that paused and waits for its answer (resumed by a
 * request). `task`: a run executed in the background by whichever process
 * claims it (a worker), polled by its owner.
 */
export type RunKind = 'call' | 'task';

/** A run that outlives the request that started it (it paused, or runs as a task). */
export interface RunRecord {
  /** Unguessable (128 random bits, base64url). Also the LangGraph thread id. */
  readonly id: string;
  /** The principal that started the run; `''` for anonymous callers. Nobody else sees it. */
  readonly owner: string;
  /** The tool (graph) name. */
  readonly tool: string;
  readonly kind: RunKind;
  readonly status: RunStatus;
  /** Bumped by every update; `update` compares it, so two processes never both win. */
  readonly version: number;
  /** The protocol layer's data (questions asked, answers so far, the final result…): plain JSON. */
  readonly data: Record<string, unknown>;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** After this the run is gone: `get` no longer finds it and clean-up deletes it. */
  readonly expiresAt: number;
  /** The process holding the run (working on it), and until when its claim holds. */
  readonly leaseOwner: string | null;
  readonly leaseUntil: number | null;
  /** The latest progress message of a running task (last node, or a writer message). */
  readonly progress: string | null;
}

export interface NewRun {
  id: string;
  owner: string;
  tool: string;
  kind?: RunKind;
  status: RunStatus;
  data: Record<string, unknown>;
  expiresAt: number;
  leaseOwner?: string | null;
  leaseUntil?: number | null;
}

/** `kind` changes once at most: a call that asked its questions becomes the task it was to be. */
export type RunPatch = Partial<Pick<RunRecord, 'kind' | 'status' | 'data' | 'expiresAt' | 'leaseOwner' | 'leaseUntil' | 'progress'>>;

/** A place in a list of runs, newest first: where a run created at `createdAt` with id `id` was. */
export interface RunCursor {
  createdAt: number;
  id: string;
}

export interface RunStore {
  /** Stores a new run; rejects if the id exists. Resolves once it is durable. */
  create(run: NewRun): Promise<RunRecord>;
  /**
   * As `create`, unless the run's owner has `atMost` unexpired runs stored
   * already (as `countLive` counts them): then nothing is stored, and
   * `undefined`. Counted with the insert, so that creates of one owner at
   * the same moment (from any process) cannot pass the limit together.
   */
  createWithin(run: NewRun, atMost: number): Promise<RunRecord | undefined>;
  /**
   * The run with this id, if `owner` owns it and it has not expired. A
   * foreign id and an unknown one are answered alike: `undefined`.
   */
  get(id: string, owner: string): Promise<RunRecord | undefined>;
  /**
   * Applies `patch` if the run is still at `version` (compare-and-set) and
   * returns the new record, else `undefined` (someone else changed it first,
   * or it is gone).
   */
  update(id: string, version: number, patch: RunPatch): Promise<RunRecord | undefined>;
  /**
   * Applies `patch` if `leaseOwner` still holds the run's lease and the run
   * has not ended, whatever its version (a worker renewing its claim,
   * reporting progress, or finishing); `undefined` if the lease was lost or
   * the run ended meanwhile (cancelled). Bumps the version only when `patch`
   * changes more than the lease and progress.
   */
  updateLeased(id: string, leaseOwner: string, patch: RunPatch): Promise<RunRecord | undefined>;
  /**
   * Claims one task of one of `tools` (the tools this process serves) that
   * is `working` and held by nobody (never claimed, or its lease ran out
   * before `now`): sets the lease to `leaseOwner` until `leaseUntil`. Of
   * several processes claiming at once, each task goes to one. Fair across
   * callers: the oldest task of the caller (owner) with the fewest tasks
   * running (held under an unexpired lease), so that one caller's queue
   * does not hold every other caller's tasks back. A task of another tool is left to a process that serves it (a
   * rolling deploy adding a tool, or deployments sharing a schema).
   */
  claim(leaseOwner: string, leaseUntil: number, now: number, tools: readonly string[]): Promise<RunRecord | undefined>;
  /**
   * The owner's unexpired runs of `kind`, newest first, `limit` at most,
   * after `after` (the place of the last run of the page before, which
   * need not exist any more). Its `data` is what a listing shows
   * (`ListedData`: the ttl, questions, answer problems, error, and a
   * summary of the result), read without the rest, so that a page of tasks
   * with arguments or results of megabytes each is not read whole.
   */
  list(owner: string, kind: RunKind, limit: number, after?: RunCursor): Promise<RunRecord[]>;
  /**
   * How many unexpired runs `owner` has stored (paused runs, tasks, runs
   * handed out, of every status), counted up to `atMost`: a quota's check
   * need not count further.
   */
  countLive(owner: string, atMost: number): Promise<number>;
  /**
   * Up to `limit` ids of runs that expired before `now` and that no process
   * holds (no lease, or a lapsed one): those the clean-up may delete, once
   * their checkpoints are gone.
   */
  expiredIds(now: number, limit: number): Promise<string[]>;
  /**
   * Deletes up to `limit` runs that expired before `now` and that no process
   * holds (of `ids` only, when given) and returns their ids. Each expired run
   * is returned to exactly one caller, so processes cleaning up at once do
   * not fight.
   */
  deleteExpired(now: number, limit: number, ids?: readonly string[]): Promise<string[]>;
}

/**
 * Messages between processes (an answer to a question, a cancel, a wake-up).
 * Delivery is at most once, to every process subscribed at the time; a
 * message nobody listens for is dropped. Latency depends on the store.
 */
export interface SignalBus {
  publish(channel: string, payload: unknown): Promise<void>;
  /** Listens on `channel` until the returned function is called. */
  subscribe(channel: string, listener: (payload: unknown) => void): Promise<() => void>;
}
