// Waiting for something another process does, bounded in time.

/** Polls until `poll` gives a value (a poll that throws counts as none); throws after `ms`. */
export async function until<T>(what: string, poll: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await poll().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
