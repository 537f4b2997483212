/**
 * Signal listeners by logical channel, for stores that receive every signal
 * of the store and dispatch it within the process (SQLite's poll,
 * PostgreSQL's one notification channel).
 */
export class ChannelListeners {
  private readonly byChannel = new Map<string, Set<(payload: unknown) => void>>();

  /** Channels with at least one listener. */
  get size(): number {
    return this.byChannel.size;
  }

  has(channel: string): boolean {
    return this.byChannel.has(channel);
  }

  /** Adds `listener`; the returned function removes it. */
  add(channel: string, listener: (payload: unknown) => void): () => void {
    let set = this.byChannel.get(channel);
    if (set === undefined) {
      set = new Set();
      this.byChannel.set(channel, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.byChannel.get(channel) === set) this.byChannel.delete(channel);
    };
  }

  /** Calls every listener of `channel`; one that throws is reported to `onError` and does not stop the others. */
  dispatch(channel: string, payload: unknown, onError: (error: unknown) => void): void {
    const set = this.byChannel.get(channel);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (error) {
        onError(error);
      }
    }
  }

  clear(): void {
    this.byChannel.clear();
  }
}
