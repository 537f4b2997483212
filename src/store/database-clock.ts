import type { Logger } from '../log.js';

/** PostgreSQL's time now, in epoch milliseconds, as SQL (`clock_timestamp()`: now, not when the transaction began). */
export const DATABASE_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)';

/** How often the database's time is read again (the monotonic clock drifts by parts per million). */
export const CLOCK_SAMPLE_MS = 60_000;

/** A difference from the database's clock past this is logged as a warning. */
export const CLOCK_WARN_MS = 1_000;

/** A reading whose round trip took longer than this says too little about the time to be used (half of it is the error). */
const MAX_ROUND_TRIP_MS = 2_000;

/**
 * The database server's time, for every process and machine that shares
 * the store: leases, expiry and stored timestamps compare times written by
 * one process with another's, and machines' clocks disagree (by seconds
 * under drifting NTP, by minutes without). A lease written by a machine
 * behind would read as lapsed on one ahead, which would take over a run
 * still running.
 *
 * The time is read from the database (half the round trip is the error)
 * and carried forward on the process's monotonic clock, which jumps of the
 * local wall clock do not move; it is read again every `CLOCK_SAMPLE_MS`.
 * Until the first reading, and if none succeeds, it is the local clock.
 */
export class DatabaseClock {
  /** The database's epoch milliseconds minus `performance.now()`, as of the last reading. */
  private base: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The difference from the local clock last warned about, to warn again only when it changes. */
  private warnedOffset: number | undefined;

  constructor(
    /** Reads the database server's time, in epoch milliseconds. */
    private readonly readDatabaseTime: () => Promise<number>,
    private readonly logger?: Logger,
    private readonly sampleMs = CLOCK_SAMPLE_MS,
  ) {}

  /** Milliseconds since the epoch, by the database's clock. */
  now(): number {
    return this.base === undefined ? Date.now() : Math.round(this.base + performance.now());
  }

  /** How far the local clock is ahead of the database's (negative: behind), as of the last reading. */
  get localOffsetMs(): number {
    return Date.now() - this.now();
  }

  /** Reads the database's time once. Rejects if the database cannot answer. */
  async read(): Promise<void> {
    const sent = performance.now();
    const databaseTime = await this.readDatabaseTime();
    const received = performance.now();
    if (!Number.isFinite(databaseTime)) throw new Error(`the database's time read as ${String(databaseTime)}`);
    if (received - sent > MAX_ROUND_TRIP_MS && this.base !== undefined) return;
    this.base = databaseTime - (sent + received) / 2;
    this.report();
  }

  /** Reads the time now, then every `sampleMs` until `stop()`; a failed reading keeps the last one. */
  async start(): Promise<void> {
    await this.read();
    this.timer = setInterval(() => {
      this.read().catch(() => undefined); // the database unreachable: the pool's own warnings say so
    }, this.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private report(): void {
    const offset = this.localOffsetMs;
    const off = Math.abs(offset) > CLOCK_WARN_MS;
    if (off && (this.warnedOffset === undefined || Math.abs(offset - this.warnedOffset) > CLOCK_WARN_MS)) {
      this.warnedOffset = offset;
      this.logger?.warn(
        { localClockOffsetMs: Math.round(offset) },
        `this machine's clock is ${(Math.abs(offset) / 1000).toFixed(1)} s ${offset > 0 ? 'ahead of' : 'behind'} the PostgreSQL server's: ` +
          "graph-mcp times leases and expiry by the database's clock, but this machine's logs and the other services it talks to do not; keep its clock synchronised (NTP)",
      );
    } else if (!off && this.warnedOffset !== undefined) {
      this.warnedOffset = undefined;
      this.logger?.info({ localClockOffsetMs: Math.round(offset) }, "this machine's clock agrees with the PostgreSQL server's again");
    }
  }
}
