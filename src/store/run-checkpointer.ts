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
import type { Store } from './store.js';

type Call =
  | { kind: 'put'; args: [RunnableConfig, Checkpoint, CheckpointMetadata, ChannelVersions] }
  | { kind: 'putWrites'; args: [RunnableConfig, PendingWrite[], string, string | undefined] };

/**
 * The checkpointer one run (one request) uses. It starts by holding what
 * LangGraph gives it: each `put` and `putWrites` is recorded with its
 * arguments as they are, neither serialised nor copied, and nothing reaches
 * the store. A run that finishes without pausing never touches the store
 * and never serialises a checkpoint, so graphs that never call
 * `interrupt()` do not pay for being able to.
 *
 * Keeping the arguments is safe because LangGraph hands `put` a checkpoint
 * object of its own (`copyCheckpoint`: fresh `channel_values`,
 * `channel_versions` and `versions_seen`), and replaces a channel's value
 * at each update rather than changing it; only a node that mutates the
 * state it was given in place could change a recorded value, which
 * LangGraph's own asynchronous savers do not guard against either.
 *
 * `persist()` writes what the thread needs of what was held (see
 * `latestOnly`) to the store, in one transaction where the store offers
 * one, and from then on passes every call straight through, after the ones
 * before it: a run that pauses is persisted once, at its pause; a run taken
 * over as a task is persisted where it stopped for that (a step boundary),
 * then goes on checkpointing every step through it (with LangGraph's
 * `durability: "sync"`, each step waits for its checkpoint to be stored).
 *
 * Reads see the run's own writes first (replayed into an in-memory saver
 * when first needed), then the store; a fresh run skips the store.
 */
export class RunCheckpointer extends BaseCheckpointSaver {
  private readonly store: BaseCheckpointSaver;
  private readonly batch: Store['writeCheckpoints'];
  /** Calls held since the run started, in order; emptied by `persist()`. */
  private readonly held: Call[] = [];
  /** The held calls, serialised for reading: built when the run first reads its own checkpoints. */
  private own: Promise<MemorySaver> | undefined;
  private replayed = 0;
  /** Once persisting: settles when every call so far has reached the store. */
  private tail: Promise<void> | undefined;

  constructor(
    store: Pick<Store, 'checkpointer' | 'writeCheckpoints'>,
    /** The thread is new: nothing of it can be in the store yet. */
    private readonly fresh: boolean,
  ) {
    super(store.checkpointer.serde);
    this.store = store.checkpointer;
    this.batch = store.writeCheckpoints?.bind(store);
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    if (this.tail !== undefined) {
      await this.tail;
      return this.store.getTuple(config);
    }
    // Nothing held yet (every run reads once as it starts): nothing to replay.
    const own = this.held.length === 0 && this.own === undefined ? undefined : await (await this.ownWrites()).getTuple(config);
    if (own !== undefined || this.fresh) return own;
    return this.store.getTuple(config);
  }

  async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    if (this.tail !== undefined) {
      await this.tail;
      yield* this.store.list(config, options);
      return;
    }
    let any = false;
    for await (const tuple of (await this.ownWrites()).list(config, options)) {
      any = true;
      yield tuple;
    }
    if (any || this.fresh) return;
    yield* this.store.list(config, options);
  }

  put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (this.tail !== undefined) return this.after(() => this.store.put(config, checkpoint, metadata, newVersions));
    this.held.push({ kind: 'put', args: [config, checkpoint, metadata, newVersions] });
    // What a saver answers: the config of the checkpoint just written.
    const { thread_id, checkpoint_ns = '' } = config.configurable ?? {};
    return Promise.resolve({ configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } });
  }

  putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    if (this.tail !== undefined) return this.after(() => this.store.putWrites(config, writes, taskId, taskPath));
    this.held.push({ kind: 'putWrites', args: [config, writes, taskId, taskPath] });
    return Promise.resolve();
  }

  /** The store's versions, so checkpoints written here and there compare alike. */
  override getNextVersion(current: number | undefined): number {
    return this.store.getNextVersion(current);
  }

  async deleteThread(threadId: string): Promise<void> {
    this.held.length = 0;
    this.own = undefined;
    this.replayed = 0;
    await this.tail?.catch(() => undefined);
    await this.store.deleteThread(threadId);
  }

  /**
   * Writes what the run has written so far to the store, and every later
   * write as it comes. Resolves once everything so far is stored; call it
   * again to wait for later writes too.
   */
  persist(): Promise<void> {
    if (this.tail === undefined) {
      const calls = this.held.splice(0);
      this.own = undefined;
      this.replayed = 0;
      this.tail = this.writeAll(calls);
      // Awaited by whoever needs it; a failure must not also surface as an unhandled rejection.
      this.tail.catch(() => undefined);
    }
    return this.tail;
  }

  private async writeAll(held: Call[]): Promise<void> {
    const calls = latestOnly(held);
    if (calls.length === 0) return;
    const write = async (saver: BaseCheckpointSaver) => {
      for (const call of calls) {
        if (call.kind === 'put') await saver.put(...call.args);
        else await saver.putWrites(...call.args);
      }
    };
    await (this.batch ? this.batch(write) : write(this.store));
  }

  /** Runs `write` once everything before it is stored; later calls wait for it in turn. */
  private after<T>(write: () => Promise<T>): Promise<T> {
    const done = this.tail!.then(write);
    this.tail = done.then(() => undefined);
    this.tail.catch(() => undefined);
    return done;
  }

  /** The held calls, serialised into an in-memory saver: those not replayed yet, one read after another. */
  private ownWrites(): Promise<MemorySaver> {
    const previous = this.own ?? Promise.resolve(new MemorySaver(this.serde));
    this.own = previous.then(async (own) => {
      while (this.replayed < this.held.length) {
        const call = this.held[this.replayed]!;
        this.replayed += 1;
        if (call.kind === 'put') await own.put(call.args[0], call.args[1], call.args[2]);
        else await own.putWrites(call.args[0], call.args[1], call.args[2]);
      }
      return own;
    });
    return this.own;
  }
}

type Put = Extract<Call, { kind: 'put' }>;

/** A checkpoint namespace of a thread (the graph's own, or one of a subgraph's). */
const namespaceOf = (config: RunnableConfig) => `${String(config.configurable?.thread_id)}\u0000${String(config.configurable?.checkpoint_ns ?? '')}`;

/**
 * What a thread needs of the calls a run held to go on from where it is:
 * in each checkpoint namespace, its last checkpoint and the writes made
 * against it (what LangGraph's "exit" durability writes). That checkpoint
 * is stored with every channel changed since the run began (the held
 * checkpoints that stored them are left out) and the parent the run began
 * from, if any (a checkpoint already in the store). All of them when a
 * channel rebuilds its value from earlier steps' writes (LangGraph's
 * `DeltaChannel`: its checkpoints carry `counters_since_delta_snapshot`,
 * and exit durability anchors its writes to a stub at step -2).
 */
function latestOnly(calls: Call[]): Call[] {
  const first = new Map<string, Put>();
  const last = new Map<string, Put>();
  const changed = new Map<string, Set<string>>();
  for (const call of calls) {
    if (call.kind !== 'put') continue;
    const [config, , metadata, newVersions] = call.args;
    if ('counters_since_delta_snapshot' in metadata || metadata.step === -2) return calls;
    const namespace = namespaceOf(config);
    if (!first.has(namespace)) first.set(namespace, call);
    last.set(namespace, call);
    const channels = changed.get(namespace) ?? new Set<string>();
    for (const channel of Object.keys(newVersions)) channels.add(channel);
    changed.set(namespace, channels);
  }
  if (last.size === 0) return calls;
  const kept = new Set([...last].map(([namespace, put]) => `${namespace}\u0000${put.args[1].id}`));
  const puts: Call[] = [...last].map(([namespace, put]) => {
    const [config, checkpoint, metadata] = put.args;
    const { checkpoint_id: _dropped, ...configurable } = config.configurable ?? {};
    const parent = first.get(namespace)!.args[0].configurable?.checkpoint_id;
    const versions = Object.fromEntries(
      [...changed.get(namespace)!].filter((channel) => channel in checkpoint.channel_versions).map((channel) => [channel, checkpoint.channel_versions[channel]!]),
    );
    return { kind: 'put', args: [{ ...config, configurable: { ...configurable, ...(parent !== undefined ? { checkpoint_id: parent } : {}) } }, checkpoint, metadata, versions] };
  });
  const writes = calls.filter((call) => call.kind === 'putWrites' && kept.has(`${namespaceOf(call.args[0])}\u0000${String(call.args[0].configurable?.checkpoint_id)}`));
  return [...puts, ...writes];
}
