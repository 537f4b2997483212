import type { Logger } from '../log.js';

/** PostgreSQL's time now, in epoch milliseconds, as SQL (`clock_timestamp()`: now, not when the transaction began). */
export const DATABASE_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)';

/** How often the database's time is read again (the monotonic clock drifts by parts per million). */
export const CLOCK_SAMPLE_MS = 60_000;

/** A difference from the database's clock past this is logged as a warning. */
export const CLOCK_WARN_MS = 1_000;

/** After the clocks are found parted, the soonest they are read again for it. */
const PARTED_READ_MS = 5_000;

/** A reading whose round trip took longer than this says too little about the time to be used (half of it is the error). */
const MAX_ROUND_TRIP_MS = 2_000;

/** A connection to the database, held for a reading: `query` asks it for its time (epoch milliseconds). */
export interface ClockSession {
  query(): Promise<number>;
  /** Gives the connection back; with the error a query failed with, so that it is not reused. */
  release(error?: Error): void;
}

/** Readings taken at start-up, of which the one with the shortest round trip is kept. */
const START_SAMPLES = 3;

/**
 * The database server's time, for every process and machine that shares
 * the store: leases, expiry and stored timestamps compare times written by
 * one process with another's, and machines' clocks disagree (by seconds
 * under drifting NTP, by minutes without). A lease written by a machine
 * behind would read as lapsed on one ahead, which would take over a run
 * still running.
 *
 * The time is read from the database on a connection already open (half
 * the query's round trip is the error; at start-up, the best of three) and
 * carried forward on the process's monotonic clock, which jumps of the
 * local wall clock do not move. It is read again every `CLOCK_SAMPLE_MS`,
 * and as soon as the wall clock and the monotonic clock part by more than a
 * second (the machine slept, when the monotonic clock stands still, or its
 * clock was set). Until the first reading it is the local clock.
 */
export class DatabaseClock {
  /** The database's epoch milliseconds minus `performance.now()`, as of the last reading. */
  private base: number | undefined;
  /** The local clock minus `performance.now()` at the last reading: if it moves, the monotonic clock stood still or the wall clock was set. */
  private localBase = 0;
  private reading: Promise<void> | undefined;
  /** The time carried forward is known wrong (the clocks parted): the next reading is kept whatever its round trip. */
  private wrong = false;
  /** When (`performance.now()`) the clocks were last found parted and a reading started for it. */
  private partedReadAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  /** The difference from the local clock last warned about, to warn again only when it changes. */
  private warnedOffset: number | undefined;

  constructor(
    /** Opens (or takes from a pool) a connection to read the database's time on. */
    private readonly connect: () => Promise<ClockSession>,
    private readonly logger?: Logger,
    private readonly sampleMs = CLOCK_SAMPLE_MS,
  ) {}

  /** Milliseconds since the epoch, by the database's clock. */
  now(): number {
    if (this.base === undefined) return Date.now();
    const monotonic = performance.now();
    if (this.timer !== undefined && Math.abs(Date.now() - monotonic - this.localBase) > CLOCK_WARN_MS && monotonic - this.partedReadAt > PARTED_READ_MS) {
      // The time carried forward is known wrong: read again, whatever the round trip, but not
      // over and over while the database does not answer.
      this.partedReadAt = monotonic;
      this.readSoon(true);
    }
    return Math.round(this.base + monotonic);
  }

  /** How far the local clock is ahead of the database's (negative: behind), as of the last reading. */
  get localOffsetMs(): number {
    return Date.now() - this.now();
  }

  /**
   * Reads the time (the best of `samples` readings on one connection). Rejects if the database
   * cannot answer. A reading whose round trip is too long to tell the time by is dropped, unless
   * it is the first, or the time carried forward is known wrong (the clocks parted).
   */
  async read(samples = 1): Promise<void> {
    const session = await this.connect();
    let best: { roundTrip: number; base: number; localBase: number } | undefined;
    let failure: Error | undefined;
    try {
      for (let i = 0; i < samples; i += 1) {
        const sent = performance.now();
        const databaseTime = await session.query();
        const received = performance.now();
        if (!Number.isFinite(databaseTime)) throw new Error(`the database's time read as ${String(databaseTime)}`);
        const middle = (sent + received) / 2;
        if (best === undefined || received - sent < best.roundTrip) best = { roundTrip: received - sent, base: databaseTime - middle, localBase: Date.now() - performance.now() };
      }
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      session.release(failure);
    }
    if (best === undefined || (best.roundTrip > MAX_ROUND_TRIP_MS && this.base !== undefined && !this.wrong)) return;
    this.wrong = false;
    this.base = best.base;
    this.localBase = best.localBase;
    this.report();
  }

  /** Reads the time now, then every `sampleMs` until `stop()`; a failed reading keeps the last one. */
  async start(): Promise<void> {
    await this.read(START_SAMPLES);
    this.timer = setInterval(() => this.readSoon(), this.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One reading in the background, unless one is under way. */
  private readSoon(parted = false): void {
    // A reading already under way when the clocks are found parted is kept, too.
    if (parted) this.wrong = true;
    this.reading ??= this.read()
      .catch(() => undefined) // the database unreachable: the pool's own warnings say so
      .finally(() => (this.reading = undefined));
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
