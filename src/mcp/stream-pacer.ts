import { responseFlowOf } from '../http/response-flow.js';
import type { LogEntry } from '../run/log.js';
import type { ProgressUpdate } from '../run/progress.js';

/** The logger name of graph-mcp's own log messages to a caller. */
const OWN_LOGGER = 'graph-mcp';

/**
 * Progress and log messages of one call, paced to what its client reads.
 *
 * A run does not wait for its caller: a client that stops reading its
 * stream (or reads it slowly) would otherwise have every update the run
 * makes held in the server's memory until read, without bound. While more
 * than a budget waits unread (see `src/http/response-flow.ts`), only the latest
 * progress update is kept, and log messages are counted, not kept. Once the
 * client has read what was sent, the latest update goes out, after a
 * warning of how many log messages it did not get. Progress keeps rising:
 * an update is never sent after a later one. At `end()`, before the call
 * is answered, what is held goes out, whether or not the client reads.
 */
export class StreamPacer {
  private heldProgress: ProgressUpdate | undefined;
  private skippedLogs = 0;
  private waiting = false;
  private ended = false;

  constructor(
    private readonly request: object | undefined,
    private readonly sendProgress: ((update: ProgressUpdate) => Promise<void>) | undefined,
    private readonly sendLog: ((entry: LogEntry) => Promise<void> | void) | undefined,
  ) {}

  readonly progress = (update: ProgressUpdate): Promise<void> | undefined => {
    if (!this.holding()) return this.sendProgress?.(update);
    this.heldProgress = update;
    return undefined;
  };

  readonly log = (entry: LogEntry): Promise<void> | void => {
    if (!this.holding()) return this.sendLog?.(entry);
    this.skippedLogs += 1;
  };

  /** The call is answered now: what is held goes out first, whether or not the client reads. */
  end(): void {
    if (this.ended) return;
    this.release();
    this.ended = true;
  }

  /** Whether to hold what is sent now: while the stream is backed up, and until what was held has gone out. */
  private holding(): boolean {
    if (this.waiting) return true;
    const flow = responseFlowOf(this.request);
    if (flow === undefined || !flow.backedUp) return false;
    this.waiting = true;
    void flow.drained().then(() => this.release());
    return true;
  }

  private release(): void {
    this.waiting = false;
    if (this.ended) return;
    if (this.heldProgress === undefined && this.skippedLogs === 0) return;
    const [progress, skipped] = [this.heldProgress, this.skippedLogs];
    this.heldProgress = undefined;
    this.skippedLogs = 0;
    const sent: Array<Promise<void> | void | undefined> = [];
    if (skipped > 0) {
      const data = `${skipped} log message${skipped === 1 ? ' was' : 's were'} not sent: the client was not keeping up with its stream`;
      sent.push(this.sendLog?.({ level: 'warning', data, logger: OWN_LOGGER }));
    }
    if (progress !== undefined) sent.push(this.sendProgress?.(progress));
    // A client that went away meanwhile: nothing to tell.
    for (const promise of sent) void promise?.catch(() => undefined);
  }
}
