import { setMaxListeners } from 'node:events';

/**
 * The runs this process is executing. Two jobs:
 * - a 2025-era client cancels with `notifications/cancelled` in a new POST,
 *   which a stateless server serves with a fresh instance: the run is found
 *   here by (principal, request id);
 * - on shutdown, runs still going after the grace period are stopped.
 *
 * Runs live in one process by nature (they hold a live HTTP response), so
 * this map is the one piece of per-process state; nothing a later request
 * needs is kept here.
 */
export class RunTracker {
  private readonly runs = new Map<string, Set<AbortController>>();
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

  /** Registers a run; call the returned function when it ends. */
  track(principalId: string | undefined, requestId: string | number, controller: AbortController): () => void {
    const key = runKey(principalId, requestId);
    let set = this.runs.get(key);
    if (set === undefined) {
      set = new Set();
      this.runs.set(key, set);
    }
    set.add(controller);
    this.count += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      set.delete(controller);
      if (set.size === 0) this.runs.delete(key);
      this.count -= 1;
      if (this.count === 0) for (const wake of this.idleWaiters) wake();
    };
  }

  /**
   * Cancels the caller's run with this request id. Callers without an
   * identity share one namespace, so a cancel that matches several of their
   * runs is ambiguous and cancels none.
   */
  cancel(principalId: string | undefined, requestId: string | number): boolean {
    const set = this.runs.get(runKey(principalId, requestId));
    if (set === undefined || set.size === 0) return false;
    if (principalId === undefined && set.size > 1) return false;
    for (const controller of set) controller.abort(new Error('cancelled by the client'));
    return true;
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
