import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  MemorySaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  type PendingWrite,
} from '@langchain/langgraph-checkpoint';

type Call =
  | { kind: 'put'; args: [RunnableConfig, Checkpoint, CheckpointMetadata, ChannelVersions] }
  | { kind: 'putWrites'; args: [RunnableConfig, PendingWrite[], string, string | undefined] };

/**
 * The checkpointer one run (one request) uses: writes are held in memory
 * and reach the store only if the run pauses (`flush`). A run that finishes
 * without pausing never touches the store, so graphs that never call
 * `interrupt()` do not pay for being able to. Reads see the run's own
 * writes first, then the store (a resumed run reads its last checkpoint
 * there); a fresh run skips the store entirely.
 *
 * Used with LangGraph's `durability: "exit"`, which writes once, when the
 * run ends or pauses.
 */
export class RunCheckpointer extends BaseCheckpointSaver {
  private readonly buffer = new MemorySaver();
  private readonly calls: Call[] = [];

  constructor(
    private readonly store: BaseCheckpointSaver,
    /** The thread is new: nothing of it can be in the store yet. */
    private readonly fresh: boolean,
  ) {
    super(store.serde);
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const own = await this.buffer.getTuple(config);
    if (own !== undefined || this.fresh) return own;
    return this.store.getTuple(config);
  }

  async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    let any = false;
    for await (const tuple of this.buffer.list(config, options)) {
      any = true;
      yield tuple;
    }
    if (any || this.fresh) return;
    yield* this.store.list(config, options);
  }

  async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    this.calls.push({ kind: 'put', args: [config, checkpoint, metadata, newVersions] });
    return this.buffer.put(config, checkpoint, metadata);
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    this.calls.push({ kind: 'putWrites', args: [config, writes, taskId, taskPath] });
    return this.buffer.putWrites(config, writes, taskId);
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.buffer.deleteThread(threadId);
    await this.store.deleteThread(threadId);
  }

  /** Writes what the run wrote to the store, in order. */
  async flush(): Promise<void> {
    for (const call of this.calls.splice(0)) {
      if (call.kind === 'put') await this.store.put(...call.args);
      else await this.store.putWrites(...call.args);
    }
  }
}
