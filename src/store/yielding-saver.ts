import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';

/**
 * A checkpoint saver class that lets the event loop run after each write.
 * A saver that never waits on I/O (SQLite through better-sqlite3, memory)
 * resolves its writes in microtasks alone: a task of synchronous nodes then
 * ran step after step, checkpoints and all, without a turn of the event
 * loop, so its lease was not renewed and HTTP not served for seconds (and
 * another process took the task over and ran its steps again).
 */
interface Writes {
  put(...args: Parameters<BaseCheckpointSaver['put']>): ReturnType<BaseCheckpointSaver['put']>;
  putWrites(...args: Parameters<BaseCheckpointSaver['putWrites']>): Promise<void>;
}

// A mixin's constructor takes whatever its base's does (TypeScript requires any[] here).
export function yieldingAfterWrites<T extends new (...args: any[]) => Writes>(Base: T) {
  return class extends Base {
    override async put(...args: Parameters<BaseCheckpointSaver['put']>): ReturnType<BaseCheckpointSaver['put']> {
      const saved = await super.put(...args);
      await nextTurn();
      return saved;
    }

    override async putWrites(...args: Parameters<BaseCheckpointSaver['putWrites']>): Promise<void> {
      await super.putWrites(...args);
      await nextTurn();
    }
  };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
