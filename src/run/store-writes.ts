/**
 * Store writes a run repeats while it goes on (renewing its claim, saying
 * how far it got), kept few in flight. A write meeting a row lock another
 * session holds, or a slow database, waits until the statement timeout;
 * writes that kept coming meanwhile would each hold a pooled connection as
 * long, and a few of them stall every request of the process.
 */

/** Renewals of one claim that may wait on the store at once: one that hangs (a dead pooled connection) is covered by the next. */
const RENEWALS_IN_FLIGHT = 2;

export interface ClaimKeeping {
  /** The claim's length: each renewal holds it this long from when it is sent. */
  leaseMs: number;
  /** Until when (the store's clock) the claim is held as it was taken. */
  leaseUntil: number;
  /** The store's clock, which other processes compare a lease with before they take a run over. */
  now: () => number;
  /**
   * Writes the claim until `leaseUntil`; resolves `true` when the store
   * says this process holds it. Anything else (the claim gone, the run
   * cancelled) is for `renew` to act on; a renewal that fails is tried again.
   */
  renew: (leaseUntil: number) => Promise<boolean>;
  /**
   * The store has confirmed no renewal for so long that the claim may
   * lapse before one does: the run must stop now, before another process
   * may take it over. Called once; renewals end with it.
   */
  onLapse: () => void;
}

/**
 * Keeps a claim on a run: renews it at once, then whenever the claim the
 * store last confirmed is a third of a lease old (again at every check
 * while none is confirmed), with `RENEWALS_IN_FLIGHT` renewals waiting on
 * the store at most. The claim is known held until the
 * `leaseUntil` of the newest renewal the store confirmed. A process cut off
 * from the store (its renewals fail, or hang) cannot tell whether another
 * has taken the run over since; it stops the run (`onLapse`) a sixth of a
 * lease before the held claim lapses, so that a run is not run twice at
 * once. Other processes take a run over once its lease is in the past on the
 * store's clock, so the decision is made on that clock, and after the
 * event loop has read what came in meanwhile (a timer runs before the
 * loop reads its sockets: a renewal answered while a node computed would
 * not be seen yet).
 * An event loop that stood still for longer than a renewal period (a node
 * computing) sent nothing meanwhile: the claim may have lapsed, but only
 * the store can say whether it was taken. The renewal sent when the loop
 * runs again decides, given one renewal period to answer (less, if it
 * fails): found held, the run goes on. While that renewal goes
 * unconfirmed, a later stand-still gets no more time (a node computing in
 * long stretches, the store cut off). A loop whose turns take most of a
 * lease cannot keep a claim: its renewals' answers are read a turn late.
 * Returns the function that ends the renewals.
 */
export function keepClaim(keeping: ClaimKeeping): () => void {
  const { leaseMs, now, renew, onLapse } = keeping;
  const period = Math.max(100, Math.floor(leaseMs / 3));
  // The run stops a sixth of a lease before the claim it holds lapses, seen within a twelfth: a
  // renewal that hangs is covered by the next, which has a sixth of a lease to answer.
  const margin = Math.floor(leaseMs / 6);
  const tick = Math.max(10, Math.floor(period / 4));
  let heldUntil = keeping.leaseUntil;
  let inFlight = 0;
  let lastTick = performance.now();
  /** After a stand-still: until when the renewal sent then may answer, and when it was sent. Cleared by any renewal confirmed. */
  let grace: { until: number; sentAt: number } | undefined;
  let ended = false;
  const send = (at: number) => {
    inFlight += 1;
    const until = now() + leaseMs;
    const answered = (held: boolean) => {
      if (held) {
        heldUntil = Math.max(heldUntil, until);
        grace = undefined;
      } else if (grace !== undefined && at >= grace.sentAt) {
        // The renewal the grace waited for failed (or found the claim gone): no more waiting.
        grace.until = -Infinity;
      }
    };
    renew(until)
      .then(answered, () => answered(false))
      .finally(() => (inFlight -= 1));
  };
  const timer = setInterval(() => {
    const at = performance.now();
    const stood = at - lastTick > period;
    lastTick = at;
    if (stood && grace === undefined && inFlight < RENEWALS_IN_FLIGHT) {
      grace = { until: at + period, sentAt: at };
      send(at);
      return;
    }
    // Decided on the time of this tick, once the loop has read what came in before it (a renewal
    // answered meanwhile): immediates other work queued run first, and take time of their own.
    const decidedAt = now();
    if (decidedAt > heldUntil - margin && (grace === undefined || at > grace.until)) {
      setImmediate(() => {
        if (ended || decidedAt <= heldUntil - margin) return;
        end();
        onLapse();
      });
    }
    // Renewed once the claim confirmed is a period old, and again at every tick while none is
    // confirmed (an answer slow to come, or to be read), two waiting at most.
    if (heldUntil - now() < leaseMs - period && inFlight < RENEWALS_IN_FLIGHT) send(at);
  }, tick);
  timer.unref();
  // At once: the claim may have aged while the run got ready (a slow subscription to its signals).
  send(performance.now());
  function end() {
    ended = true;
    clearInterval(timer);
  }
  return () => {
    if (!ended) end();
  };
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
