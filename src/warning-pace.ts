/** How often something that keeps failing is warned about. */
const WARNING_INTERVAL_MS = 60_000;

/**
 * Paces the warnings of something retried while it keeps failing (a
 * database that is down, a store a readiness probe checks): the first
 * failure of a spell is a warning, then at most one a minute; those between
 * go at `debug`, counted, so the log says how many a warning stands for.
 */
export class WarningPace {
  private warnedAt = Number.NEGATIVE_INFINITY;
  private unsaid = 0;
  private failures = 0;
  private since = 0;

  /** Counts a failure: `warn` whether to say it at warn; `unsaid` the failures since the last warning. */
  failure(now = Date.now()): { warn: boolean; failures: number; unsaid: number } {
    if (this.failures === 0) this.since = now;
    this.failures += 1;
    if (this.failures === 1 || now - this.warnedAt >= WARNING_INTERVAL_MS) {
      const unsaid = this.unsaid;
      this.warnedAt = now;
      this.unsaid = 0;
      return { warn: true, failures: this.failures, unsaid };
    }
    this.unsaid += 1;
    return { warn: false, failures: this.failures, unsaid: this.unsaid };
  }

  /** A success: after a spell of failures, how many there were and how long it lasted; else `undefined`. */
  success(now = Date.now()): { failures: number; forMs: number } | undefined {
    if (this.failures === 0) return undefined;
    const spell = { failures: this.failures, forMs: now - this.since };
    this.failures = 0;
    this.unsaid = 0;
    return spell;
  }
}
