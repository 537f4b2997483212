/**
 * Store writes a run repeats while it goes on (renewing its claim, saying
 * how far it got), kept to one in flight at a time. A write meeting a row
 * lock another session holds, or a slow database, waits until the
 * statement timeout; writes that kept coming meanwhile would each hold a
 * pooled connection as long, and a few of them stall every request of the
 * process.
 */

/** Every `intervalMs`, `write`, unless the last one still waits on the store: that tick is skipped. Failures are the caller's to catch; uncaught ones are dropped. */
export function everyUnlessBusy(intervalMs: number, write: () => Promise<unknown>): NodeJS.Timeout {
  let busy = false;
  return setInterval(() => {
    if (busy) return;
    busy = true;
    write()
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, intervalMs);
}

/**
 * Writes each message given, one write at a time: one that comes while a
 * write waits on the store waits for it, and replaces any that waited
 * before it (only the newest is worth writing). Failures are dropped: the
 * next message is written all the same.
 */
export function newestOnly(write: (message: string) => Promise<unknown>): (message: string) => void {
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
  return (message) => {
    if (busy) waiting = message;
    else start(message);
  };
}
