import { randomBytes } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { storablePrincipal, type Principal } from '../auth/principal.js';
import { MAX_TIMER_MS } from '../config/schema.js';
import { WarningPace } from '../warning-pace.js';
import type { GraphTool } from '../graphs/tool.js';
import type { Logger } from '../log.js';
import { createWithinLimit, hasEnded, storeNow, type RunPatch, type RunRecord, type Store } from '../store/store.js';
import type { RunStep } from './runs.js';
import type { ProgressReporter, ProgressUpdate } from './progress.js';
import { taskProgress, watchTaskProgress } from './task-progress.js';
import { executeRun, graphFailureCause, RunAbortedError, type GraphProtocolError, type PendingInterrupt, type RunContext, type RunOptions } from './run-tool.js';
import { cancelChannel, deleteThread, forgetThread, Runs } from './runs.js';
import { scrubText } from './scrub.js';
import { loggedError } from '../errors.js';
import { isStoreFailure } from '../store/store-failure.js';
import { keepClaim, newestOnly } from './store-writes.js';

/** What a task keeps in its run record, besides what the protocol layer adds. */
export interface TaskData {
  [key: string]: unknown;
  /** The tool call's arguments. */
  args: unknown;
  /** Who started it: a worker rebuilds the run's identity and credentials from it. */
  principal: Principal | null;
  /** How many times a worker has claimed it: one more for each answered question, and after a crash. */
  attempt: number;
  /** The ttl it was given, as the caller is told it (its record's times are read from the clock apart). */
  ttlMs?: number;
  /**
   * When a call became this task (`task_starts_at`), which its caller is told as its `createdAt`:
   * its ttl counts from then, and the record's own `createdAt` is the call's, maybe hours before.
   */
  taskCreatedAt?: number;
  /** The progress token of the call that created it (2025 era): progress is published for a caller waiting on it. */
  progressToken?: string | number;
  /** Where the run's progress got to before it paused: the next execution counts on from here. */
  progressBase?: number;
  /** The last progress update published (when the caller asked for progress), kept with the run's end or pause for a waiter the signal may not have reached yet. */
  lastProgress?: ProgressUpdate;
  /**
   * The run began in its call and was stopped where its task begins (see
   * `handOver`): a worker continues it from its checkpoint, not from `args`.
   */
  fromCheckpoint?: boolean;
  /** Answers waiting to resume the run with, by interrupt id. */
  resume?: Record<string, unknown>;
  /** The questions those answers were given for (the protocol layer's), asked again if the graph refuses them. */
  answeredQuestions?: unknown[];
  /** The final answer (a tool result, possibly an error result). */
  result?: CallToolResult;
  /** A protocol-level failure instead of a result (the graph threw a JSON-RPC error). */
  error?: GraphProtocolError;
}

export interface TaskRunnerOptions {
  store: Store;
  tools: { readonly tools: readonly GraphTool[]; get(name: string): GraphTool | undefined };
  /** A run's `configurable` (identity, credentials) for a principal. */
  runContextFor: (principal: Principal | undefined) => RunContext;
  /** What the protocol layer keeps with a task paused at `interrupt()` (scrubbed of `secrets`). */
  describePause: (interrupts: PendingInterrupt[], previous: RunRecord, secrets: readonly string[] | undefined) => Record<string, unknown>;
  /** A task's questions (`questions` in `data`) asked again, saying `problem`: the graph refused an answer. `rekey`: under new keys. */
  askAgain: (data: Record<string, unknown>, problem: string, rekey: boolean) => Record<string, unknown>;
  /** How long a worker's claim lasts without renewal; renewed every third of it. @default 15000 */
  leaseMs?: number;
  /** Tasks one process runs at once. @default 4 */
  concurrency?: number;
  /** The most unexpired runs one caller may have stored: a task past it is not created (see `RunStore.createWithin`). @default no limit */
  maxStoredPerCaller?: number | undefined;
  /** How often a process looks for tasks nobody holds (new, or orphaned by a crash). @default 1000 */
  pollMs?: number;
  processId?: string;
  logger?: Logger | undefined;
}

/** A run adopted as a task (see `TaskRunner.adopt`). */
export interface Adopted {
  run: RunRecord;
  /** Reports how far the run got: its status message (the run handle's `progress`). */
  progress: ProgressReporter;
  /** Records how the run ended, or where it paused (its checkpoint already written); `undefined` when it was stopped. */
  settle(
    outcome: { kind: 'done'; result: CallToolResult; protocolError?: GraphProtocolError } | { kind: 'interrupted'; interrupts: PendingInterrupt[] } | undefined,
  ): Promise<void>;
}

const WAKE_CHANNEL = 'tasks:wake';

type StopReason = 'cancelled' | 'lease-lost' | 'shutdown' | 'expired';

/** Why a task running here was stopped: the abort reason of its run. */
export class TaskStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`task ${reason}`);
    this.name = 'TaskStopped';
  }
}

/** A task running in this process. */
interface RunningTask {
  controller: AbortController;
  done: Promise<void>;
  /** The attempt it runs as: its claims so far, this one counted. */
  attempt: number;
  /** The lease owner of the claim it runs under (see `claimOwner`). */
  owner: string;
  reason?: StopReason;
}

/**
 * Runs executed in the background, durably. A task is stored before its
 * creator answers; every serving process is a worker that claims tasks
 * nobody holds, checkpoints every super-step (`durability: "sync"`), renews
 * its claim while it runs, and records the outcome only while it still
 * holds the claim. If a worker dies, its claim runs out and another worker
 * continues the task from its last checkpoint. So a node may run again
 * after a crash, and a task completes once.
 */
export class TaskRunner {
  readonly processId: string;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  /** The tools whose tasks this process claims: those it serves. */
  private readonly served: readonly string[];
  /** The tasks running here. */
  private readonly running = new Map<string, RunningTask>();
  /** Claims made, for each its own lease owner: see `claimOwner`. */
  private claims = 0;
  private readonly waiters = new Map<string, Set<() => void>>();
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private filling = false;
  /** Claims that failed in a row (the store unreachable), and when that was last logged. */
  /** Claims are tried at every wake-up and poll: while they fail, one warning a minute. */
  private readonly claimFailures = new WarningPace();
  private stopped = true;

  /**
   * The lease owner of a new claim: this process's id and the claim's number. A claim of its
   * own (a run whose lease ran out here, taken back) is a new owner, so the writes of a run
   * that lost its claim and got it back after another process ran the task fail in the store,
   * wherever they are on their way when the claim is taken back.
   */
  private claimOwner(): string {
    this.claims += 1;
    return `${this.processId}.${this.claims.toString(36)}`;
  }

  /** The store's clock: leases and expiry are compared with times other processes wrote. */
  private now(): number {
    return storeNow(this.options.store);
  }

  constructor(private readonly options: TaskRunnerOptions) {
    this.processId = options.processId ?? `${process.pid}-${randomBytes(4).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.concurrency = options.concurrency ?? 4;
    this.served = options.tools.tools.map((tool) => tool.name);
  }

  /**
   * Stores a new task (durably) and wakes the workers. With a
   * `progressToken`, its executions publish their progress (see
   * `watchProgress`). `undefined`, storing nothing, when its caller has as
   * many runs stored as one may (`maxStoredPerCaller`).
   */
  async create(tool: GraphTool, args: unknown, principal: Principal | undefined, ttlMs: number, progressToken?: string | number): Promise<RunRecord | undefined> {
    const data: TaskData = { args: args ?? {}, principal: storablePrincipal(principal), attempt: 0, ttlMs, ...(progressToken !== undefined ? { progressToken } : {}) };
    const run = await createWithinLimit(
      this.options.store.runs,
      { id: Runs.newId(), owner: principal?.id ?? '', tool: tool.name, kind: 'task', status: 'working', data, expiresAt: this.now() + ttlMs },
      this.options.maxStoredPerCaller,
    );
    if (run !== undefined) this.wake();
    return run;
  }

  /**
   * Turns a run already going in this process (a call that outlasted its
   * caller's patience) into a task: stored as held by this process, its
   * claim renewed while it runs, its outcome recorded by `settle`. The run
   * itself stores its checkpoints from its next step boundary on (see
   * `Runs.startAdoptable`): if this process dies, the worker that takes it
   * over continues it from its last checkpoint, or from its arguments if it
   * had not reached that boundary.
   */
  async adopt(run: {
    id: string;
    tool: GraphTool;
    args: unknown;
    principal: Principal | undefined;
    ttlMs: number;
    secretsUsed: (() => readonly string[]) | undefined;
    /** Stops the run: used when the task is cancelled. */
    controller: AbortController;
    /** The last progress message the run reported before it was taken over: its status from the start. */
    progress?: string | undefined;
  }): Promise<Adopted> {
    const { store } = this.options;
    const { id, tool, principal, secretsUsed, controller } = run;
    let settled!: () => void;
    const entry: RunningTask = { controller, done: new Promise<void>((resolve) => (settled = resolve)), attempt: 1, owner: this.claimOwner() };
    let record = await store.runs.create({
      id,
      owner: principal?.id ?? '',
      tool: tool.name,
      kind: 'task',
      status: 'working',
      data: { args: run.args ?? {}, principal: storablePrincipal(principal), attempt: 1, ttlMs: run.ttlMs } satisfies TaskData,
      expiresAt: this.now() + run.ttlMs,
      leaseOwner: entry.owner,
      leaseUntil: this.now() + this.leaseMs,
    });
    const leased = (patch: RunPatch) => store.runs.updateLeased(id, entry.owner, patch);
    if (run.progress !== undefined) record = (await leased({ progress: statusText(run.progress, secretsUsed?.()) })) ?? record;
    this.running.set(id, entry);
    let letGo: () => void;
    try {
      letGo = await this.hold(id, leased, record);
    } catch (error) {
      // Not held (the store's signals failed): not running here either, or a shutdown would wait for it.
      this.running.delete(id);
      settled();
      throw error;
    }
    const status = newestOnly((message) => leased({ progress: statusText(message, secretsUsed?.()) }));
    const progress = taskProgress({ taskId: id, writeStatus: status.write });
    return {
      run: record,
      progress: progress.report,
      settle: async (outcome) => {
        letGo();
        this.running.delete(id);
        settled();
        if (outcome === undefined) {
          // Stopped: cancelled (already recorded), or lost; give the claim back unless someone else holds it (or it expired).
          if (entry.reason !== 'lease-lost' && entry.reason !== 'expired') await leased({ leaseOwner: null, leaseUntil: null }).catch(() => undefined);
          return;
        }
        const data = record.data as TaskData;
        const patch =
          outcome.kind === 'done'
            ? finalPatch(data, outcome)
            : { status: 'input_required' as const, data: { ...data, ...this.options.describePause(outcome.interrupts, record, secretsUsed?.()) } };
        const recorded = await leased({ ...patch, ...statusHeldBack(progress, status, secretsUsed?.()), leaseOwner: null, leaseUntil: null });
        // Only while this process still held it (see run()): another one may be continuing it.
        if (recorded && outcome.kind === 'done') forgetThread(tool.ownCheckpointer ?? store.checkpointer, id, this.options.logger);
        for (const wake of this.waiters.get(id) ?? []) wake();
      },
    };
  }

  /**
   * Makes a call that reached the node where its task begins (see
   * `RunOptions.stopBefore`) a task: stored as held by this process while
   * the checkpoints it holds are written, then left for any worker, which
   * continues it from there. `step.run` is the call's record if it paused
   * to ask on the way (it becomes the task); `undefined` if that record
   * changed meanwhile (another request got there first); `too-many-runs`,
   * storing nothing, when there was no record and the caller has as many
   * runs stored as one may.
   */
  async handOver(
    step: Extract<RunStep, { kind: 'boundary' }>,
    task: { tool: GraphTool; args: unknown; principal: Principal | undefined; ttlMs: number; data?: Record<string, unknown> },
  ): Promise<RunRecord | undefined | 'too-many-runs'> {
    const { store } = this.options;
    const now = this.now();
    const data: TaskData = { ...task.data, args: task.args ?? {}, principal: storablePrincipal(task.principal), attempt: 0, fromCheckpoint: true, ttlMs: task.ttlMs, taskCreatedAt: now };
    const owner = this.claimOwner();
    const held = { kind: 'task', status: 'working', data, expiresAt: now + task.ttlMs, leaseOwner: owner, leaseUntil: now + this.leaseMs } as const;
    // A call that asked nothing on the way has no record yet: the task is one more of its caller's runs.
    const run =
      step.run === undefined
        ? await createWithinLimit(store.runs, { id: step.id, owner: task.principal?.id ?? '', tool: task.tool.name, ...held }, this.options.maxStoredPerCaller)
        : await store.runs.update(step.id, step.run.version, held);
    if (run === undefined) return step.run === undefined ? 'too-many-runs' : undefined;
    await step.persist().catch((error: unknown) => {
      // The worker continues from the checkpoint stored before (where it paused), or from the arguments.
      this.options.logger?.warn({ err: loggedError(error), task: step.id }, "a task's first checkpoints could not be stored");
    });
    const released = await store.runs.updateLeased(step.id, owner, { leaseOwner: null, leaseUntil: null });
    this.wake();
    return released ?? run;
  }

  /** Starts claiming tasks: now, on every wake-up signal, and every `pollMs`. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = await this.options.store.signals.subscribe(WAKE_CHANNEL, () => void this.fill());
    // Background work: it does not keep the process alive on its own.
    this.timer = setInterval(() => void this.fill(), this.options.pollMs ?? 1_000).unref();
    void this.fill();
  }

  /**
   * Stops claiming tasks; those this process runs go on. Called when the
   * process begins to close: a task claimed during the grace period would be
   * stopped at its end and given back, its work so far done twice.
   */
  stopClaiming(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /**
   * Stops claiming, stops the tasks this process runs and gives up their
   * claims, so another process continues them at once from their last
   * checkpoint.
   */
  async stop(): Promise<void> {
    this.stopClaiming();
    for (const task of this.running.values()) {
      task.reason ??= 'shutdown';
      task.controller.abort(new Error('server shutting down'));
    }
    await Promise.all([...this.running.values()].map((task) => task.done));
  }

  /** How many tasks run here now (claimed, or calls taken over). */
  get runningCount(): number {
    return this.running.size;
  }

  /**
   * Resolves true once no task runs here, or false when `ms` pass first: a
   * shutdown's grace period, through which the tasks this process runs go on.
   */
  async waitIdle(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...this.running.values()].map((task) => task.done)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
    return true;
  }

  /** Asks the workers to look for tasks now (a new task, an answered one). */
  wake(): void {
    void this.options.store.signals.publish(WAKE_CHANNEL, {}).catch(() => undefined);
    void this.fill();
  }

  /** Resolves when the task ends, pauses or `ms` pass, whichever is first (for callers waiting a while). */
  waitForChange(id: string, ms: number, signal?: AbortSignal): Promise<void> {
    // An abort that came already will not be dispatched again.
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /**
   * Listens to the progress of a task created with a progress token, from
   * whichever process runs it, until the returned function is called; each
   * update numbered above the one before.
   */
  watchProgress(id: string, listener: (update: ProgressUpdate, published: number) => void): Promise<() => void> {
    return watchTaskProgress(this.options.store.signals, id, listener);
  }

  /** Cancels a task that has not ended: marked cancelled, and its worker (wherever it runs) stops it. */
  async cancel(run: RunRecord, why?: CallToolResult): Promise<RunRecord | undefined> {
    let current: RunRecord | undefined = run;
    let cancelled: RunRecord | undefined;
    // The worker may change the run meanwhile (its data, or its end): read again and retry.
    for (let attempt = 0; attempt < 5 && current !== undefined && cancelled === undefined; attempt += 1) {
      if (hasEnded(current)) return current;
      // `why`: the result its caller is told (a declined question), kept as a finished task's is.
      const patch: RunPatch = why === undefined ? { status: 'cancelled' } : { status: 'cancelled', data: { ...current.data, questions: [], result: why } };
      cancelled = await this.options.store.runs.update(current.id, current.version, patch);
      if (cancelled === undefined) current = await this.options.store.runs.get(run.id, run.owner);
    }
    if (cancelled === undefined) return current;
    await this.options.store.signals.publish(cancelChannel(run.id), {});
    this.stopLocal(run.id, 'cancelled');
    this.options.store.checkpointer.deleteThread(run.id).catch(() => undefined);
    return cancelled;
  }

  /** Gives a paused task its answers (resume values by interrupt id); a worker continues it. */
  async answer(run: RunRecord, resume: Record<string, unknown>, data: Record<string, unknown>): Promise<RunRecord | undefined> {
    if (run.status !== 'input_required') return undefined;
    const updated = await this.options.store.runs.update(run.id, run.version, {
      status: 'working',
      // The questions answered stay with it: asked again if the graph refuses their answers.
      data: { ...run.data, ...data, resume, answeredQuestions: (run.data as { questions?: unknown }).questions },
      leaseOwner: null,
      leaseUntil: null,
    });
    if (updated) this.wake();
    return updated;
  }

  private stopLocal(id: string, reason: StopReason): void {
    const task = this.running.get(id);
    if (task === undefined) return;
    task.reason ??= reason;
    task.controller.abort(new TaskStopped(reason));
  }

  private async fill(): Promise<void> {
    if (this.filling || this.stopped) return;
    this.filling = true;
    try {
      let answered = false;
      while (!this.stopped && this.running.size < this.concurrency) {
        const now = this.now();
        const owner = this.claimOwner();
        const claimed = await this.options.store.runs.claim(owner, now + this.leaseMs, now, this.served);
        answered = true;
        if (claimed === undefined) break;
        const local = this.running.get(claimed.id);
        if (local !== undefined) {
          // Its own task, whose lease ran out while it ran here and no other process ran it since (the
          // store stood still): the claim renewed the lease of the run under way, which goes on. A
          // second run would run every node again.
          if (((claimed.data as TaskData).attempt ?? 0) <= local.attempt) {
            local.owner = owner;
            continue;
          }
          // Another process ran it since (this one was paused past its lease), and gave it back or died:
          // the run here is out of date, and would record its outcome over what that process did.
          // Stopped; once the run has let go of it (a node that ignores its abort signal may still be
          // running, as after any claim lost), the claim is given back and the task goes on from its checkpoints.
          this.options.logger?.warn({ task: claimed.id }, 'a task another process ran meanwhile came back to this one, whose run of it was out of date (the process was paused past its lease): stopped here; the task goes on from its checkpoints');
          this.stopLocal(claimed.id, 'lease-lost');
          void local.done
            .then(() => this.options.store.runs.updateLeased(claimed.id, owner, { leaseOwner: null, leaseUntil: null }))
            .then(() => this.wake(), () => undefined);
          continue;
        }
        this.launch(claimed, owner);
      }
      const spell = answered ? this.claimFailures.success() : undefined;
      if (spell) this.options.logger?.info({ failures: spell.failures }, 'claiming tasks works again');
    } catch (error) {
      const { warn, failures } = this.claimFailures.failure();
      this.options.logger?.[warn ? 'warn' : 'debug']({ err: { message: (error as Error).message }, failures }, 'claiming tasks failed; will retry');
    } finally {
      this.filling = false;
    }
  }

  private launch(claimed: RunRecord, owner: string): void {
    const controller = new AbortController();
    const entry: RunningTask = { controller, done: Promise.resolve(), attempt: ((claimed.data as TaskData).attempt ?? 0) + 1, owner };
    this.running.set(claimed.id, entry);
    entry.done = this.execute(claimed, controller, entry)
      .catch((error: unknown) => {
        // With its cause: a store failure's says what the database said.
        this.options.logger?.error({ err: error, task: claimed.id }, 'task failed to run');
      })
      .finally(() => {
        this.running.delete(claimed.id);
        for (const wake of this.waiters.get(claimed.id) ?? []) wake();
        void this.fill();
      });
  }

  private async execute(claimed: RunRecord, controller: AbortController, entry: RunningTask): Promise<void> {
    const { store } = this.options;
    // The claim's owner as it is now: a claim this process took again for the run keeps it going.
    const leased = (patch: RunPatch) => store.runs.updateLeased(claimed.id, entry.owner, patch);
    const data = { ...(claimed.data as TaskData), attempt: ((claimed.data as TaskData).attempt ?? 0) + 1 };
    const tool = this.options.tools.get(claimed.tool);
    if (tool === undefined) {
      await leased({ status: 'completed', data: { ...data, result: failure(`Tool "${claimed.tool}" is no longer served.`) }, leaseOwner: null, leaseUntil: null });
      return;
    }
    // Listening for a cancel before the claim is written again: one published between the
    // claim and the subscription would be heard by no one, and the run would go to its end.
    const letGo = await this.hold(claimed.id, leased, claimed);
    // Everything after the hold is inside the try: its timers and subscription are let go, whatever fails.
    try {
      // Cancelled meanwhile (an ended task takes no write), or taken by another process: nothing to run here.
      if ((await leased({ data })) === undefined) return;
      const status = newestOnly((message) => leased({ progress: statusText(message, context.secretsUsed?.()) }));
      const progress = taskProgress({
        taskId: claimed.id,
        writeStatus: status.write,
        signals: data.progressToken !== undefined ? store.signals : undefined,
        base: data.progressBase,
      });

      const context = this.options.runContextFor(data.principal ?? undefined);
      // A claim after a crash, or of a task begun in its call, continues from the last checkpoint, if the run got that far.
      const checkpointed =
        (data.attempt > 1 || data.fromCheckpoint === true) &&
        data.resume === undefined &&
        (await store.checkpointer.getTuple({ configurable: { thread_id: claimed.id, checkpoint_ns: '' } }));
      const runOptions: RunOptions = {
        signal: controller.signal,
        configurable: context.configurable,
        progress: progress.report,
        ...(context.secretsUsed ? { secretsUsed: context.secretsUsed } : {}),
        ...(context.beforeContinuing ? { beforeContinuing: context.beforeContinuing } : {}),
        thread: { id: claimed.id, checkpointer: store.checkpointer, durability: 'sync' },
        ...(data.resume ? { resume: data.resume } : checkpointed ? { fromCheckpoint: true } : {}),
      };
      let outcome: Awaited<ReturnType<typeof executeRun>>;
      try {
        outcome = await executeRun(tool, data.args, runOptions);
      } catch (error) {
        // A store failure is run again from the last checkpoint, once the store is back. Anything
        // else is a failure of the server's own code under the run: run again, it fails again, on
        // every lease until the task's ttl, its caller seeing "working" all the while. It ends.
        if (error instanceof RunAbortedError || isStoreFailure(error)) throw error;
        this.options.logger?.error({ err: error, task: claimed.id, tool: tool.name }, 'the task failed on the server: it is ended');
        outcome = { kind: 'done', result: failure(`Tool "${tool.name}" failed on the server (it is logged); the task is ended. Call the tool again.`) };
      }
      const { resume: _used, answeredQuestions, ...rest } = data;
      const last = progress.last();
      if (last !== undefined) rest.lastProgress = last;
      if (outcome.kind === 'done') {
        const thrown = graphFailureCause(outcome.result);
        if (thrown !== undefined) this.options.logger?.debug({ err: thrown, task: claimed.id, tool: tool.name }, 'the graph failed; what it threw');
        const recorded = await leased({ ...finalPatch(rest, outcome), ...statusHeldBack(progress, status, context.secretsUsed?.()), leaseOwner: null, leaseUntil: null });
        // Only the claim holder records the outcome: a task finishes once, however often it ran.
        if (recorded) this.options.logger?.info({ task: claimed.id, tool: tool.name, status: recorded.status, claims: data.attempt }, 'task finished');
        // Its checkpoints are the holder's to delete: a worker that lost its claim (it blocked past
        // its lease) would take from the process now running the task the place it continues from.
        if (recorded) forgetThread(tool.ownCheckpointer ?? store.checkpointer, claimed.id, this.options.logger);
      } else if (outcome.kind === 'interrupted') {
        const paused = { ...claimed, data: rest } as RunRecord;
        const described = this.options.describePause(outcome.interrupts, paused, context.secretsUsed?.());
        await leased({ status: 'input_required', data: { ...rest, ...described, progressBase: progress.reached() }, ...statusHeldBack(progress, status, context.secretsUsed?.()), leaseOwner: null, leaseUntil: null });
      } else if (outcome.kind === 'refused') {
        // The step's other tasks are done, their answers taken (this checkpointer keeps every write):
        // what still waits is asked again. A graph that cannot say what waits is asked the last round again.
        const paused = { ...claimed, data: rest } as RunRecord;
        const asked = outcome.interrupts
          ? { ...rest, ...this.options.describePause(outcome.interrupts, paused, context.secretsUsed?.()) }
          : { ...rest, questions: answeredQuestions ?? [] };
        const again = this.options.askAgain(asked, outcome.problem, outcome.interrupts === undefined);
        await leased({ status: 'input_required', data: { ...again, progressBase: progress.reached() }, ...statusHeldBack(progress, status, context.secretsUsed?.()), leaseOwner: null, leaseUntil: null });
      } else {
        throw new Error(`a task run stopped (${outcome.kind}), which only a call asks for`);
      }
    } catch (error) {
      if (!(error instanceof RunAbortedError)) throw error;
      // Cancelled: already marked. Shutting down: give the claim back so another process continues now.
      // Lease lost: someone else holds the task; expired: nobody can see it any more; write nothing.
      if (entry.reason === 'expired') this.options.logger?.info({ task: claimed.id, tool: tool.name }, 'task expired (its ttl) while it ran: stopped');
      else if (entry.reason === 'cancelled') this.options.logger?.info({ task: claimed.id, tool: tool.name }, 'task cancelled while it ran: stopped');
      else if (entry.reason !== 'lease-lost') await leased({ leaseOwner: null, leaseUntil: null });
      // The cancel deleted its checkpoints as it was marked; the step under way here may have
      // written one since (seen in 39 of 285 cancels on a shared SQLite file). Deleted again.
      if (entry.reason === 'cancelled') await deleteThread(tool.ownCheckpointer ?? store.checkpointer, claimed.id).catch(() => undefined);
    } finally {
      letGo();
    }
  }

  /**
   * Keeps this process's claim on a running task until the returned
   * function is called: a cancel from any process stops the run here, and
   * the lease is renewed every third of its length; a renewal that finds
   * the claim gone (another process took the task) or the task cancelled
   * stops the run too. A renewal that fails (the store unreachable) is
   * tried again at the next one; two wait on the store at most. Cut off from
   * the store, the run stops a sixth of a lease before its claim lapses and
   * another process may run the task (see `keepClaim`); the task
   * stays claimed until then, and is run again from its checkpoints once
   * its lease has run out. At `expiresAt` (the task's ttl) the run
   * stops: its record is gone for its caller, who could no longer get its
   * result nor cancel it.
   */
  private async hold(id: string, leased: (patch: RunPatch) => Promise<RunRecord | undefined>, claim: Pick<RunRecord, 'owner' | 'expiresAt' | 'leaseUntil'>): Promise<() => void> {
    const unsubscribe = await this.options.store.signals.subscribe(cancelChannel(id), () => this.stopLocal(id, 'cancelled'));
    // A timer cannot wait longer than 2^31-1 ms (24.8 days); a task meant to live longer is left to the clean-up.
    const remaining = Math.max(0, claim.expiresAt - this.now());
    const expiry = remaining <= MAX_TIMER_MS ? setTimeout(() => this.stopLocal(id, 'expired'), remaining) : undefined;
    const endRenewals = keepClaim({
      leaseMs: this.leaseMs,
      leaseUntil: claim.leaseUntil ?? this.now() + this.leaseMs,
      now: () => this.now(),
      renew: async (leaseUntil) => {
        if ((await leased({ leaseUntil })) !== undefined) return true;
        // Not held: another process took the task, or it ended (cancelled, a cancel signal this
        // process missed: an ended run takes no renewal). The record says which.
        const now = await this.options.store.runs.get(id, claim.owner).catch(() => undefined);
        this.stopLocal(id, now?.status === 'cancelled' ? 'cancelled' : 'lease-lost');
        return false;
      },
      onLapse: () => {
        if (!this.running.has(id)) return;
        this.options.logger?.warn({ task: id }, "the store did not confirm a renewal of a running task's claim in time: stopped here before the claim lapses and another process may take it over (it goes on from its checkpoints)");
        this.stopLocal(id, 'lease-lost');
      },
    });
    return () => {
      endRenewals();
      clearTimeout(expiry);
      unsubscribe();
    };
  }
}

/**
 * How a finished task is recorded: `completed` with its tool result (an
 * error result too, as 2026-07-28 has it), or `failed` with the JSON-RPC
 * error the graph threw.
 */
function finalPatch(data: TaskData, outcome: { result: CallToolResult; protocolError?: GraphProtocolError }) {
  return outcome.protocolError
    ? { status: 'failed' as const, data: { ...data, error: outcome.protocolError } }
    : { status: 'completed' as const, data: { ...data, result: outcome.result } };
}

function failure(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }], _meta: { 'graph-mcp/error': { code: 'GRAPH_FAILED' } } };
}

/**
 * The newest status message not yet written, for the write that ends an
 * execution: the one the progress interval held back, else the one waiting
 * behind a status write still in flight (taken: it is not written after).
 */
function statusHeldBack(progress: { unwritten(): string | undefined }, status: { take(): string | undefined }, secrets: readonly string[] | undefined): RunPatch {
  const queued = status.take();
  const message = progress.unwritten() ?? queued;
  return message === undefined ? {} : { progress: statusText(message, secrets) };
}

/** A lone UTF-16 surrogate: text no UTF-8 store can hold as it is. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A task's status message as it is stored: scrubbed of the run's
 * credentials, and text every store holds alike. PostgreSQL's `text`
 * refuses NUL (the write failed: the status was lost, and the write that
 * ends the task with it, so the task ran its node again on every lease
 * until its time ran out); SQLite and PostgreSQL replace a lone surrogate
 * each their own way. Both become U+FFFD here, on every store.
 */
function statusText(message: string, secrets: readonly string[] | undefined): string {
  return scrubText(message, secrets).replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\uFFFD');
}
