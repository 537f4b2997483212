/**
 * The one abort signal a run is given: it fires when any of its sources
 * aborts, or when the run's time limit passes.
 *
 * Not `AbortSignal.any`: on Node 20 every signal it makes is remembered by
 * each source, in a set a source empties only when it aborts itself. The
 * server's stop signal lives as long as the process, so it gained an entry
 * per call, for ever. Here a source holds a listener only while the run
 * lasts (`dispose` removes it), and the time limit is one timer, cleared
 * with it.
 */
export class RunAbort {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly unlisten: Array<() => void> = [];
  private expired = false;
  private readonly deadline: number;

  constructor(timeoutMs: number, sources: ReadonlyArray<AbortSignal | undefined>) {
    this.deadline = performance.now() + timeoutMs;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new DOMException(`The run timed out after ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    this.timer.unref();
    for (const source of sources) {
      if (source === undefined) continue;
      if (source.aborted) {
        this.controller.abort(source.reason);
        break;
      }
      const follow = () => this.controller.abort(source.reason);
      source.addEventListener('abort', follow, { once: true });
      this.unlisten.push(() => source.removeEventListener('abort', follow));
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The run's time limit passed (rather than a source aborting). */
  get timedOut(): boolean {
    return this.expired;
  }

  /**
   * The time limit has passed, whether or not its timer could fire: a node
   * that keeps the process busy (synchronous work) holds the timer back, and
   * LangGraph runs the steps after it without giving timers a turn.
   */
  get overdue(): boolean {
    return this.expired || performance.now() >= this.deadline;
  }

  /** Lets go of the sources and the timer; the signal stays as it is. */
  dispose(): void {
    clearTimeout(this.timer);
    for (const unlisten of this.unlisten.splice(0)) unlisten();
  }
}
