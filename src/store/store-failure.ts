import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  type PendingWrite,
} from '@langchain/langgraph-checkpoint';
import { GraphMcpError, isGraphMcpError } from '../errors.js';
import { scrubHanded } from '../run/scrub.js';
import type { Store } from './store.js';

/**
 * The channels whose writes are stored without the credentials handed to runs:
 * a failed node's error (LangGraph's `ERROR`) and a question asked (its
 * `INTERRUPT`), either of which may quote the caller's token, and would
 * linger in the store's files after the run is deleted. Callers are shown
 * both scrubbed already; a question is asked anew when its node runs again.
 */
const SCRUBBED_CHANNELS = new Set(['__error__', '__interrupt__']);

/**
 * The store's checkpointer is lent to the graph, so a checkpoint the store
 * could not read or write surfaces from `graph.invoke` like any error a node
 * throws. Unmarked, it would be reported as the graph's own failure, with
 * the database driver's words (`connect ECONNREFUSED 10.0.0.5:5432`) in the
 * caller's answer, and a task would be finished as failed by an outage that
 * passes. Marked, it is a failure of the server: the call gets a JSON-RPC
 * internal error, and a task is run again from its last checkpoint.
 */
export function storeFailure(cause: unknown): GraphMcpError {
  if (isGraphMcpError(cause)) return cause;
  return new GraphMcpError('STORE_UNAVAILABLE', 'the store failed to read or write a checkpoint', { cause });
}

export function isStoreFailure(error: unknown): boolean {
  return isGraphMcpError(error, 'STORE_UNAVAILABLE');
}

const marked = <T>(promise: Promise<T>): Promise<T> =>
  promise.catch((error: unknown) => {
    throw storeFailure(error);
  });

/** The store's checkpointer, each failure marked as the store's (`storeFailure`). */
class MarkedCheckpointer extends BaseCheckpointSaver {
  constructor(private readonly inner: BaseCheckpointSaver) {
    super(inner.serde);
  }

  getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    return marked(this.inner.getTuple(config));
  }

  async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    try {
      yield* this.inner.list(config, options);
    } catch (error) {
      throw storeFailure(error);
    }
  }

  put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    return marked(this.inner.put(config, checkpoint, metadata, newVersions));
  }

  putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    const stored = writes.some(([channel]) => SCRUBBED_CHANNELS.has(channel))
      ? writes.map(([channel, value]): PendingWrite => [channel, SCRUBBED_CHANNELS.has(channel) ? scrubHanded(value) : value])
      : writes;
    return marked(this.inner.putWrites(config, stored, taskId, taskPath));
  }

  deleteThread(threadId: string): Promise<void> {
    return marked(this.inner.deleteThread(threadId));
  }

  override getNextVersion(current: number | undefined): number {
    return this.inner.getNextVersion(current);
  }
}

/**
 * The store as runs use it: its checkpointer, and its batched checkpoint
 * writes, mark their failures as the store's. Everything else is the store's own.
 */
export function checkpointFailuresMarked(store: Store): Store {
  const { writeCheckpoints } = store;
  return {
    kind: store.kind,
    checkpointer: new MarkedCheckpointer(store.checkpointer),
    runs: store.runs,
    signals: store.signals,
    ...(store.now ? { now: () => store.now!() } : {}),
    // The batch's saver too: a paused call's held writes go through it (a node's error and questions among them, scrubbed).
    ...(writeCheckpoints ? { writeCheckpoints: (write) => marked(writeCheckpoints.call(store, (saver) => write(new MarkedCheckpointer(saver)))) } : {}),
    sharedKey: (name) => store.sharedKey(name),
    check: () => store.check(),
    close: () => store.close(),
  };
}
