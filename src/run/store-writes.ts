/**
 * Store writes a run repeats while it goes on (renewing its claim, saying
 * how far it got), kept few in flight. A write meeting a row lock another
 * session holds, or a slow database, waits until the statement timeout;
 * writes that kept coming meanwhile would each hold a pooled connection as
 * long, and a few of them stall every request of the process.
 */

/** Renewals of one claim that may wait on the store at once: one that hangs (a dead pooled connection) is covered by the next. */
const RENEWALS_IN_FLIGHT = 2;

/**
 * Renews a claim every `intervalMs`, with `RENEWALS_IN_FLIGHT` renewals
 * waiting on the store at most (a tick finding that many is skipped).
 * Whether the claim is still held is for `renew` to tell from the store's
 * answer: a renewal that fails is tried again at the next tick.
 */
export function keepClaim(intervalMs: number, renew: () => Promise<unknown>): NodeJS.Timeout {
  let inFlight = 0;
  return setInterval(() => {
    if (inFlight >= RENEWALS_IN_FLIGHT) return;
    inFlight += 1;
    renew()
      .catch(() => undefined)
      .finally(() => (inFlight -= 1));
  }, intervalMs);
}

/**
 * Writes each message given, one write at a time: one that comes while a
 * write waits on the store waits for it, and replaces any that waited
 * before it (only the newest is worth writing). Failures are dropped: the
 * next message is written all the same. `take()` hands over the message
 * still waiting, if any, and it is not written here: for a last write that
 * carries it (a task's end).
 */
export function newestOnly(write: (message: string) => Promise<unknown>): { write: (message: string) => void; take: () => string | undefined } {
  let busy = false;
  let waiting: string | undefined;
  const start = (message: string) => {
    busy = true;
    write(message)
      .catch(() => undefined)
      .finally(() => {
        busy = false;
        if (waiting === undefined) return;
        const next = waiting;
        waiting = undefined;
        start(next);
      });
  };
  return {
    write: (message) => {
      if (busy) waiting = message;
      else start(message);
    },
    take: () => {
      const message = waiting;
      waiting = undefined;
      return message;
    },
  };
}
