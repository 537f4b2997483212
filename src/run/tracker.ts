import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';

/**
 * How long a call that ended still makes a cancel naming its request id
 * ambiguous. A 2025-era client can send `notifications/cancelled` for a
 * call that has already been answered: the v1 SDK's client leaves its
 * listener on the call's abort signal, so a signal that fires later (a
 * LangChain `timeout`, an agent's AbortController) cancels a finished call.
 * Another client reusing the id (each client counts from 0) must not lose
 * its run to that. A minute covers a tool timeout of up to a minute
 * (`MultiServerMCPClient`'s `defaultToolTimeout`) firing after the answer.
 */
export const ENDED_CALL_MEMORY_MS = 60_000;
/** Most ended calls remembered, whatever their age (the oldest go first). */
const ENDED_CALLS_KEPT = 20_000;

/**
 * The longest request id a 2025-era cancel may name. JSON-RPC sets no
 * limit short of the body's (4 MiB): remembered by id, calls with ids of a
 * megabyte each held gigabytes after they ended, and cancels naming them,
 * passed to the other processes through the store, filled its file.
 * Clients send numbers or UUIDs; a call with a longer id runs, and is
 * cancelled by closing its request only.
 */
export const MAX_CANCELLABLE_ID_LENGTH = 256;

/** Whether calls under this request id are tracked for (and cancels naming it acted on): see MAX_CANCELLABLE_ID_LENGTH. */
export function idCancellable(requestId: string | number): boolean {
  return typeof requestId === 'number' || requestId.length <= MAX_CANCELLABLE_ID_LENGTH;
}

/**
 * What a cancel did: stopped the one run it names; named no call here;
 * named only a call that ended lately (a cancel that came late: nothing to
 * stop); or named more than one call (several running, or one running and
 * one that ended lately), and stopped none.
 */
export type CancelOutcome = 'cancelled' | 'unknown' | 'ended' | 'ambiguous';

/**
 * The runs this process is executing. Two jobs:
 * - a 2025-era client cancels with `notifications/cancelled` in a new POST,
 *   which a stateless server serves with a fresh instance: the run is found
 *   here by (principal, request id), when that names it alone (`cancel`);
 * - on shutdown, runs still going after the grace period are stopped.
 *
 * Runs live in one process by nature (they hold a live HTTP response), so
 * these maps (the runs, and the calls that ended lately) are the one piece
 * of per-process state; nothing a later request needs is kept here.
 */
export class RunTracker {
  /** Names this tracker in the cancels it passes to other processes, so that it ignores its own coming back. */
  readonly origin = randomUUID();
  /** Runs by key, each with when it was tracked. */
  private readonly runs = new Map<string, Map<AbortController, number>>();
  /** Calls that ended lately, by key, with when: ordered oldest first. */
  private readonly ended = new Map<string, number>();
  private readonly stopController = new AbortController();
  private readonly closingController = new AbortController();
  private readonly idleWaiters = new Set<() => void>();
  private count = 0;

  constructor() {
    // Every run in flight listens to the stop signal (and lets go when it ends): as
    // many listeners as runs, which is no leak. The same for waits on the closing signal.
    setMaxListeners(0, this.stopController.signal);
    setMaxListeners(0, this.closingController.signal);
  }

  /** Aborted when the server stops: runs still going end with an error result. */
  get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /**
   * Aborted when the server begins to close, before the grace period: what
   * the shutdown does not wait for (a 2025-era `tasks/result` waiting for
   * its task, which goes on elsewhere) ends now, with an answer, instead
   * of being cut off when the connections close.
   */
  get closingSignal(): AbortSignal {
    return this.closingController.signal;
  }

  /** The server begins to close (see `closingSignal`). */
  beginClosing(): void {
    this.closingController.abort(new Error('server closing'));
  }

  get size(): number {
    return this.count;
  }

  /**
   * Registers a run; call the returned function when it ends. `byId`: a
   * 2025-era `notifications/cancelled` naming its request id may stop it.
   * A 2026-07-28 call is cancelled by closing its request, never by id, so
   * it is only counted (for the shutdown).
   */
  track(principalId: string | undefined, requestId: string | number, controller: AbortController, byId = true): () => void {
    this.count += 1;
    let done = false;
    const key = byId && idCancellable(requestId) ? runKey(principalId, requestId) : undefined;
    let set: Map<AbortController, number> | undefined;
    if (key !== undefined) {
      set = this.runs.get(key);
      if (set === undefined) {
        set = new Map();
        this.runs.set(key, set);
      }
      set.set(controller, Date.now());
    }
    return () => {
      if (done) return;
      done = true;
      if (key !== undefined && set !== undefined) {
        set.delete(controller);
        if (set.size === 0) this.runs.delete(key);
        const now = Date.now();
        this.ended.delete(key);
        this.ended.set(key, now);
        this.forgetEnded(now);
      }
      this.count -= 1;
      if (this.count === 0) for (const wake of this.idleWaiters) wake();
    };
  }

  /**
   * Cancels the caller's run with this request id, when the id names that
   * run alone. Two calls may share an id: callers without an identity share
   * one namespace, and one user may run several clients, each counting
   * from 0. A cancel that matches several running calls, or a running call
   * and one that ended within `ENDED_CALL_MEMORY_MS`, may be meant for
   * another call than the one it would stop, and cancels nothing.
   * `receivedAt`: when the cancel reached another process (this process's
   * clock), which passed it on; a call that began after that is not the
   * one it named (a client reusing the id), and is left alone.
   */
  cancel(principalId: string | undefined, requestId: string | number, now = Date.now(), receivedAt?: number): CancelOutcome {
    if (!idCancellable(requestId)) return 'unknown';
    const key = runKey(principalId, requestId);
    const endedAt = this.ended.get(key);
    const endedLately = endedAt !== undefined && now - endedAt < ENDED_CALL_MEMORY_MS;
    const named = [...(this.runs.get(key) ?? new Map<AbortController, number>())].filter(([, tracked]) => receivedAt === undefined || tracked <= receivedAt);
    if (named.length === 0) return endedLately ? 'ended' : 'unknown';
    if (named.length > 1 || endedLately) return 'ambiguous';
    named[0]![0].abort(new Error('cancelled by the client'));
    return 'cancelled';
  }

  /** Lets go of the calls that ended too long ago to matter, oldest first. */
  private forgetEnded(now: number): void {
    for (const [key, endedAt] of this.ended) {
      if (this.ended.size <= ENDED_CALLS_KEPT && now - endedAt < ENDED_CALL_MEMORY_MS) break;
      this.ended.delete(key);
    }
  }

  /** Resolves when no run is left, or after `ms`; true when idle. */
  waitIdle(ms: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(wake);
        resolve(this.count === 0);
      }, ms);
      this.idleWaiters.add(wake);
    });
  }

  /** Stops every run still going; each answers with a "server stopping" error result. */
  stopAll(): void {
    this.stopController.abort(new Error('server shutting down'));
  }
}

function runKey(principalId: string | undefined, requestId: string | number): string {
  return `${principalId ?? ''}\u0000${typeof requestId}:${String(requestId)}`;
}
