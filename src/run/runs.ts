import { randomBytes } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { GraphTool, OwnCheckpointer } from '../graphs/tool.js';
import type { Logger } from '../log.js';
import { RunCheckpointer } from '../store/run-checkpointer.js';
import { createWithinLimit, hasEnded, storeNow, type RunRecord, type Store } from '../store/store.js';
import { errorResult, executeRun, isStateNotStorable, RunDrain, stateNotStorable, type GraphProtocolError, type PendingInterrupt, type RunOptions } from './run-tool.js';
import type { Adopted } from './tasks.js';
import { loggedError } from '../errors.js';
import { keepClaim } from './store-writes.js';

const ID_BYTES = 16;
let idPool = Buffer.alloc(0);
let idPoolAt = 0;

export interface RunsOptions {
  store: Store;
  /** How long a paused run waits for its answer. */
  ttlMs: number;
  /** Names this process in the leases it takes. @default a random id */
  processId?: string;
  /**
   * How long a resumed run's claim lasts unrenewed (renewed every third of
   * it while the run goes on): after its process dies, the run can be
   * answered again this long after the last renewal. @default 15000
   */
  leaseMs?: number;
  /**
   * The most unexpired runs one caller (owner) may have stored: paused runs,
   * tasks and run handles. A run that would be stored past it is not: it is
   * counted with the insert (`RunStore.createWithin`), or for a run handle
   * just before (`hasRoomFor`). @default no limit
   */
  maxStoredPerCaller?: number;
  logger?: Logger;
}

/** What one step of a run came to. */
export type RunStep =
  | { kind: 'done'; result: CallToolResult; protocolError?: GraphProtocolError; run?: RunRecord }
  | { kind: 'paused'; run: RunRecord; interrupts: PendingInterrupt[] }
  /**
   * Stopped before a node of `stopBefore` (where its task begins), its
   * checkpoints held by this process: `persist()` stores them. `run`: the
   * run's record, if it paused before (then claimed by this process).
   */
  | { kind: 'boundary'; id: string; run?: RunRecord; persist(): Promise<void> }
  /**
   * Resumed with an answer the graph's own `responseSchema` refused: paused
   * again (`run`), its record's questions those still waiting (`asked`: as
   * described anew; otherwise the round's questions as they were).
   */
  | { kind: 'refused'; run: RunRecord; problem: string; asked: boolean; untouched: boolean };

/**
 * Computes what the protocol layer keeps with a paused run (the questions
 * it asked, …) from its interrupts and, on a later pause, the run so far.
 */
export type DescribePause = (interrupts: PendingInterrupt[], previous: RunRecord | undefined) => Record<string, unknown>;

/** Why a paused run could not be resumed. */
/**
 * Why a resume did not give a run step: another request holds the run
 * (`busy`), it had ended already (`finished`), or it was cancelled while
 * this request ran it (`cancelled`: `cancel_run` from any process).
 */
export type ResumeRefusal = 'busy' | 'finished' | 'cancelled';

/** Where a cancel of a task, or of a run being resumed, is published, for the process running it. */
export const cancelChannel = (id: string) => `tasks:cancel:${id}`;

/** Threads whose checkpoints a sweep deletes together (concurrently, on PostgreSQL's pool) before it lets requests run. */
const SWEEP_THREADS_AT_ONCE = 4;

/** Runs a clean-up round takes, and the most rounds in one pass (10,000 runs). */
const SWEEP_BATCH = 100;
const SWEEP_ROUNDS = 100;

/**
 * Runs that can pause: a run that reaches `interrupt()` is kept in the store
 * (checkpoint + run record) and can be resumed by its owner from any
 * process. Knows nothing of MCP: interrupts in, answers (resume values
 * keyed by interrupt id) in, tool results out.
 */
export class Runs {
  readonly store: Store;
  private readonly processId: string;
  private readonly leaseMs: number;
  private sweeper: NodeJS.Timeout | undefined;
  /** Threads of expired runs whose checkpoints could not be deleted yet: no record names them now. */

  constructor(private readonly options: RunsOptions) {
    this.store = options.store;
    this.processId = options.processId ?? randomBytes(6).toString('hex');
    this.leaseMs = options.leaseMs ?? 15_000;
  }

  /** A new run id: 128 random bits, which is also its LangGraph thread id. */
  static newId(): string {
    // Every call gets one: drawn from a pool refilled 256 ids at a time, since a
    // randomBytes(16) per call showed as ~5% of a trivial call's CPU time.
    if (idPoolAt + ID_BYTES > idPool.length) {
      idPool = randomBytes(ID_BYTES * 256);
      idPoolAt = 0;
    }
    idPoolAt += ID_BYTES;
    return idPool.toString('base64url', idPoolAt - ID_BYTES, idPoolAt);
  }

  /**
   * A fresh call. If the graph pauses, the run is stored (durably) before
   * this resolves. Its checkpoints (one per step, LangGraph's default
   * `durability: "async"`) are held in memory: stored only if it paused, or
   * (`boundary`) by whoever makes it a task. Not "exit": with it, a node
   * that invokes one subgraph twice, each asking, asks again for ever (its
   * first invocation's answer is not kept), in LangGraph itself too.
   */
  start(tool: GraphTool, args: unknown, owner: string, options: RunOptions, describe: DescribePause): Promise<RunStep> {
    const checkpointer = this.checkpointerFor(tool, true);
    return this.run(Runs.newId(), tool, args, owner, options, describe, { checkpointer, durability: 'async' });
  }

  /**
   * A fresh call that may be taken over as a task before it ends (a caller
   * that stopped waiting; see `TaskRunner.adopt`). It runs like `start`
   * (one checkpoint, at its end, held in memory), so a run that ends in time
   * costs no more. `makeDurable()`, once it is taken over, stops it at its
   * next super-step boundary, checkpointed (LangGraph's run control), stores
   * that checkpoint and goes on from it, storing each step's checkpoint
   * before the next step runs (`durability: "sync"`): if this process dies
   * after that boundary, the task continues from its last checkpoint.
   * `adoption`, when it returns a promise by the time the run ends, gets the
   * outcome instead of the caller.
   */
  startAdoptable(
    tool: GraphTool,
    args: unknown,
    owner: string,
    options: RunOptions,
    describe: DescribePause,
    adoption: () => Promise<Adopted> | undefined,
  ): { id: string; step: Promise<RunStep>; makeDurable(): void } {
    const id = Runs.newId();
    const checkpointer = this.checkpointerFor(tool, true);
    const drain = new RunDrain();
    // A run that may be taken over at any moment has no boundary of its own.
    const { stopBefore: _none, ...unbounded } = options;
    return {
      id,
      // Its time limit runs from here, through the durable continuation too.
      step: this.run(id, tool, args, owner, { ...unbounded, drain, deadline: Date.now() + tool.timeoutMs }, describe, { checkpointer, durability: 'async', adoption }),
      makeDurable: () => drain.requestDrain('taken over as a task'),
    };
  }

  private async run(
    id: string,
    tool: GraphTool,
    args: unknown,
    owner: string,
    options: RunOptions,
    describe: DescribePause,
    how: { checkpointer: RunCheckpointer | undefined; durability: 'exit' | 'async' | 'sync'; adoption?: () => Promise<Adopted> | undefined },
  ): Promise<RunStep> {
    const { checkpointer, durability } = how;
    const adoption = () => how.adoption?.();
    let outcome;
    try {
      outcome = await executeRun(tool, args, { ...options, thread: checkpointer ? { id, checkpointer, durability } : { id } });
    } catch (error) {
      // A task that took the run over and was cancelled: nobody waits for this call.
      const adopted = adoption();
      if (adopted !== undefined) await (await adopted).settle(undefined);
      // Cancelled by its caller, or failed under the store: it ends here, and so does its thread.
      else if (tool.ownCheckpointer) this.forgetThread(id, tool);
      throw error;
    }
    if (outcome.kind === 'boundary') return { kind: 'boundary', id, persist: persistOf(checkpointer) };
    if (outcome.kind === 'drained') return this.goOnDurably(id, tool, owner, options, describe, { checkpointer, adoption });
    if (outcome.kind === 'refused') throw new Error('a run that was not resumed refused an answer');
    const adopted = adoption();
    if (adopted !== undefined) {
      // Taken over: the task's record is stored first (see keepPaused), then whatever the run
      // checkpointed, before the outcome lets anyone read it there.
      const task = await adopted;
      await checkpointer?.persist();
      await task.settle(outcome);
      return outcome.kind === 'done' ? outcome : { kind: 'paused', run: task.run, interrupts: outcome.interrupts };
    }
    if (outcome.kind === 'done') {
      // What a graph with its own checkpointer wrote there under this run's thread, which no one can name again.
      if (tool.ownCheckpointer) this.forgetThread(id, tool);
      return outcome;
    }
    return this.keepPaused(id, tool, owner, checkpointer, outcome.interrupts, describe, options.secretsUsed?.());
  }

  /**
   * Whether `owner` may have one more run stored (`maxStoredPerCaller`).
   * Counted before the run is stored, not with it (as `createWithin`
   * counts): the caller's requests storing at the same moment all pass. For
   * what cannot wait for the insert to say: a call handed a run handle.
   */
  async hasRoomFor(owner: string): Promise<boolean> {
    const most = this.options.maxStoredPerCaller;
    return most === undefined || (await this.store.runs.countLive(owner, most)) < most;
  }

  /** The answer to a call whose run would be stored past its caller's limit (`maxStoredPerCaller`): `what` the run was to become. */
  tooManyRuns(tool: GraphTool, what: string): CallToolResult {
    const most = this.options.maxStoredPerCaller ?? 0;
    return errorResult(
      'TOO_MANY_RUNS',
      `Tool "${tool.name}": ${what}, but you have ${most} runs stored, the most one caller may have (paused runs, tasks and run handles: each is kept until it expires, answered, ended or not). Call again once some have expired.`,
    );
  }

  /**
   * Stores a fresh run that paused: its record first, then its checkpoints.
   * In that order, a process that dies between the two leaves a record,
   * which expires and is cleaned up with whatever checkpoints it got (see
   * `sweep`); checkpoints written first would be named by no record, and
   * nothing would ever delete them. Nobody can use the record meanwhile:
   * its id reaches the caller only once this resolves.
   */
  private async keepPaused(
    id: string,
    tool: GraphTool,
    owner: string,
    checkpointer: RunCheckpointer | undefined,
    interrupts: PendingInterrupt[],
    describe: DescribePause,
    secrets: readonly string[] | undefined,
  ): Promise<RunStep> {
    const run = await createWithinLimit(
      this.store.runs,
      { id, owner, tool: tool.name, status: 'input_required', data: describe(interrupts, undefined), expiresAt: storeNow(this.store) + this.options.ttlMs },
      this.options.maxStoredPerCaller,
    );
    // Nothing is stored (its checkpoints are held in memory): the run ends here.
    if (run === undefined) {
      if (tool.ownCheckpointer) this.forgetThread(id, tool);
      this.options.logger?.warn({ run: id, tool: tool.name }, "a run paused, but its caller has as many runs stored as one may: ended with TOO_MANY_RUNS");
      return { kind: 'done', result: this.tooManyRuns(tool, 'the run paused to ask a question and cannot be kept to wait for the answer') };
    }
    try {
      await checkpointer?.persist();
    } catch (error) {
      // A run that cannot be resumed: expired now, so nobody finds it and the next clean-up deletes it and its checkpoints.
      await this.store.runs.update(run.id, run.version, { expiresAt: storeNow(this.store) - 1 }).catch(() => undefined);
      if (!isStateNotStorable(error)) throw error;
      this.options.logger?.warn({ err: loggedError(error), run: id, tool: tool.name }, 'a run paused, but its state cannot be stored: ended with an error');
      return { kind: 'done', result: stateNotStorable(tool, error, secrets) };
    }
    return { kind: 'paused', run, interrupts };
  }

  /**
   * A run taken over as a task and stopped at a step boundary: its
   * checkpoint is stored, then it goes on from there, each step's
   * checkpoint stored before the next step runs.
   */
  private async goOnDurably(
    id: string,
    tool: GraphTool,
    owner: string,
    options: RunOptions,
    describe: DescribePause,
    how: { checkpointer: RunCheckpointer | undefined; adoption?: () => Promise<Adopted> | undefined },
  ): Promise<RunStep> {
    await how.checkpointer?.persist();
    const { drain: _done, ...rest } = options;
    return this.run(id, tool, undefined, owner, { ...rest, fromCheckpoint: true }, describe, { ...how, durability: 'sync' });
  }

  /** The checkpointer a run of `tool` is lent (`fresh`: a new thread); none for a graph compiled with its own. */
  private checkpointerFor(tool: GraphTool, fresh: boolean): RunCheckpointer | undefined {
    return tool.ownCheckpointer ? undefined : new RunCheckpointer(this.store, fresh);
  }

  /** The caller's run, if it exists and has not expired; a foreign id reads as unknown. */
  get(id: string, owner: string): Promise<RunRecord | undefined> {
    return this.store.runs.get(id, owner);
  }

  /** Replaces the protocol data of a run still at `run.version`; `undefined` if it moved on. */
  setData(run: RunRecord, data: Record<string, unknown>): Promise<RunRecord | undefined> {
    return this.store.runs.update(run.id, run.version, { data });
  }

  /**
   * Resumes a paused run with answers keyed by interrupt id. Claims it first
   * (compare-and-set), so of two resumes racing, one runs and the other is
   * refused with `busy`. The claim is renewed while the run goes on; a run
   * whose claimant died is claimable again once its lease ran out.
   */
  async resume(
    run: RunRecord,
    tool: GraphTool,
    answers: Record<string, unknown>,
    options: RunOptions,
    describe: DescribePause,
    finalData: (result: CallToolResult) => Record<string, unknown>,
  ): Promise<RunStep | ResumeRefusal> {
    const now = storeNow(this.store);
    if (hasEnded(run)) return 'finished';
    if (run.status === 'working' && (run.leaseUntil ?? 0) > now) return 'busy';
    const claimed = await this.store.runs.update(run.id, run.version, {
      status: 'working',
      leaseOwner: this.processId,
      leaseUntil: now + this.leaseMs,
    });
    if (claimed === undefined) return 'busy';

    const checkpointer = this.checkpointerFor(tool, false);
    // The run stops when its caller goes, and when its claim is found gone: another answer took
    // the run after this process went a whole lease without renewing (a node that blocked it).
    const stopped = new AbortController();
    let claimLost = false;
    const callerGone = () => stopped.abort(options.signal?.reason);
    if (options.signal?.aborted) callerGone();
    else options.signal?.addEventListener('abort', callerGone, { once: true });
    // Cancelled (`cancel_run`, from any process) while it runs here: it stops, and its caller is told so.
    let cancelled = false;
    const unsubscribe = await this.store.signals.subscribe(cancelChannel(run.id), () => {
      cancelled = true;
      stopped.abort(new Error('the run was cancelled'));
    });
    /** Whether the run was cancelled under this request: heard, or found (a signal can be missed). */
    const wasCancelled = async () => cancelled || (await this.store.runs.get(run.id, run.owner).catch(() => undefined))?.status === 'cancelled';
    // A renewal changes the lease alone, not the record's version: the updates below still match.
    // A renewal that fails (the store) is tried again; two wait on the store at most. Cut off from
    // the store, the run stops a sixth of a lease before its claim lapses and another answer may take it (see keepClaim).
    let lapsed = false;
    const endRenewals = keepClaim({
      leaseMs: this.leaseMs,
      leaseUntil: claimed.leaseUntil ?? now + this.leaseMs,
      now: () => storeNow(this.store),
      renew: (leaseUntil) =>
        this.store.runs.updateLeased(run.id, this.processId, { leaseUntil }).then((current) => {
          if (current !== undefined || stopped.signal.aborted) return current !== undefined;
          claimLost = true;
          stopped.abort(new Error('the claim on the run was lost'));
          return false;
        }),
      onLapse: () => {
        if (stopped.signal.aborted) return;
        lapsed = true;
        this.options.logger?.warn({ run: run.id, tool: tool.name }, "the store did not confirm a renewal of a resumed run's claim in time: stopped before the claim lapses and another answer may take it over");
        stopped.abort(new Error('the store confirmed no renewal of the claim on the run'));
      },
    });
    try {
      const step = await executeRun(tool, undefined, {
        ...options,
        signal: stopped.signal,
        resume: answers,
        thread: checkpointer ? { id: run.id, checkpointer, durability: 'async' } : { id: run.id },
      });
      if (step.kind === 'boundary') return { kind: 'boundary', id: run.id, run: claimed, persist: persistOf(checkpointer) };
      if (step.kind === 'drained') throw new Error('a resumed run was drained, which only a call taken over asks for');
      if (step.kind === 'refused') {
        // What the step's other tasks did with their answers is already stored (executeRun persisted the
        // lent checkpointer to read what still waits): they are done, and only that is asked again.
        const back = await this.store.runs.update(run.id, claimed.version, {
          status: 'input_required',
          ...(step.interrupts !== undefined ? { data: describe(step.interrupts, claimed) } : {}),
          leaseOwner: null,
          leaseUntil: null,
        });
        if (back === undefined) return (await wasCancelled()) ? 'cancelled' : 'busy';
        return { kind: 'refused', run: back, problem: step.problem, asked: step.interrupts !== undefined, untouched: step.untouched === true };
      }
      if (step.kind === 'done' && options.stopSignal?.aborted) {
        // Stopped because the server is shutting down: the run is still paused where it was.
        await this.release(claimed, run);
        return step;
      }
      if (step.kind === 'done') {
        const finished = await this.store.runs.update(run.id, claimed.version, {
          status: step.protocolError ? 'failed' : 'completed',
          data: finalData(step.result),
          leaseOwner: null,
          leaseUntil: null,
        });
        if (finished === undefined && (await wasCancelled())) return 'cancelled';
        // Not recorded (another answer holds the run now): its checkpoints are that run's.
        if (finished) this.forgetThread(run.id, tool);
        return { ...step, ...(finished ? { run: finished } : {}) };
      }
      const stored = await checkpointer?.persist().then(
        () => undefined,
        (error: unknown) => {
          if (!isStateNotStorable(error)) throw error;
          this.options.logger?.warn({ err: loggedError(error), run: run.id, tool: tool.name }, 'a run paused, but its state cannot be stored: ended with an error');
          return stateNotStorable(tool, error, options.secretsUsed?.());
        },
      );
      if (stored !== undefined) {
        // It cannot wait for an answer: it ends here, with the error, like a run whose graph failed.
        const ended = await this.store.runs.update(run.id, claimed.version, { status: 'completed', data: finalData(stored), leaseOwner: null, leaseUntil: null });
        if (ended) this.forgetThread(run.id, tool);
        return { kind: 'done', result: stored, ...(ended ? { run: ended } : {}) };
      }
      const paused = await this.store.runs.update(run.id, claimed.version, {
        status: 'input_required',
        data: describe(step.interrupts, claimed),
        // A new question waits its own paused_run_ttl_ms, not what the first one left.
        expiresAt: storeNow(this.store) + this.options.ttlMs,
        leaseOwner: null,
        leaseUntil: null,
      });
      if (paused === undefined) return (await wasCancelled()) ? 'cancelled' : 'busy';
      return { kind: 'paused', run: paused, interrupts: step.interrupts };
    } catch (error) {
      // Aborted, or the store failed under it (its checkpoints could not be read, or its
      // pause or end could not be recorded): the run is not running any more. Released now,
      // so that the caller's retry goes on from what was stored instead of waiting out the
      // lease. (A process that dies here leaves the claim to its lease.)
      // Cut off from the store: a failure of the server's (answered -32603). The run stays claimed until
      // its lease runs out, and is answered again from its checkpoints then.
      if (lapsed) throw new Error('the run was stopped: the store did not confirm a renewal of its claim in time (cut off from the store)');
      // Another answer holds the run now: this one is refused as busy, and the other's result is the run's.
      if (await wasCancelled()) return 'cancelled';
      if (claimLost) return 'busy';
      await this.release(claimed, run);
      throw error;
    } finally {
      endRenewals();
      unsubscribe();
      options.signal?.removeEventListener('abort', callerGone);
    }
  }

  /** Ends a paused run for good (declined, or cancelled by its owner). */
  async cancel(run: RunRecord, data: Record<string, unknown>): Promise<RunRecord | undefined> {
    const cancelled = await this.store.runs.update(run.id, run.version, { status: 'cancelled', data, leaseOwner: null, leaseUntil: null });
    if (cancelled) this.forgetThread(run.id);
    return cancelled;
  }

  /** Deletes expired runs and their checkpoints every `intervalMs`; a pass still going when the next is due is not doubled. */
  startSweeping(intervalMs = Math.min(this.options.ttlMs, 60_000)): void {
    let sweeping = false;
    this.sweeper ??= setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      void this.sweep().finally(() => (sweeping = false));
    }, intervalMs).unref();
  }

  /**
   * One clean-up pass; resolves to the number of runs deleted. A run's
   * checkpoints go first, then its record (to one process only, see
   * `deleteExpired`): a process that dies between the two leaves a record
   * the next pass finds again, never checkpoints that nothing names. A run
   * whose checkpoints could not be deleted keeps its record until a pass can.
   */
  async sweep(now = storeNow(this.store)): Promise<number> {
    let total = 0;
    let failure: unknown;
    // A few at a time, then the event loop's turn: SQLite's driver is synchronous, and
    // thousands of runs expiring together held every request for most of a second.
    const deleteThreads = async (ids: readonly string[]): Promise<string[]> => {
      const cleared: string[] = [];
      for (let i = 0; i < ids.length; i += SWEEP_THREADS_AT_ONCE) {
        await Promise.all(
          ids.slice(i, i + SWEEP_THREADS_AT_ONCE).map((id) =>
            this.store.checkpointer.deleteThread(id).then(
              () => void cleared.push(id),
              (error: unknown) => void (failure ??= error),
            ),
          ),
        );
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      return cleared;
    };
    try {
      // Bounded: a batch whose checkpoints cannot be deleted is found again by every round.
      for (let round = 0; round < SWEEP_ROUNDS; round += 1) {
        const ids = await this.store.runs.expiredIds(now, SWEEP_BATCH);
        if (ids.length === 0) break;
        const cleared = await deleteThreads(ids);
        if (cleared.length > 0) total += (await this.store.runs.deleteExpired(now, cleared.length, cleared)).length;
        if (ids.length < SWEEP_BATCH || cleared.length === 0) break;
      }
    } catch (error) {
      failure ??= error;
    }
    if (failure !== undefined) this.options.logger?.warn({ err: loggedError(failure) }, 'clean-up of expired runs failed; will retry');
    if (total > 0) this.options.logger?.debug({ runs: total }, 'expired runs deleted');
    return total;
  }

  stop(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private async release(claimed: RunRecord, before: RunRecord): Promise<void> {
    await this.store.runs
      .update(claimed.id, claimed.version, { status: before.status, leaseOwner: null, leaseUntil: null })
      .catch(() => undefined);
  }

  /** Deletes a finished run's checkpoints: in the store, or in the checkpointer its graph was compiled with. */
  private forgetThread(id: string, tool?: GraphTool): void {
    forgetThread(tool?.ownCheckpointer ?? this.store.checkpointer, id, this.options.logger);
  }
}

/** Stores a run's held checkpoints; a graph with its own checkpointer keeps them there, as it always does. */
function persistOf(checkpointer: RunCheckpointer | undefined): () => Promise<void> {
  return () => checkpointer?.persist() ?? Promise.resolve();
}

/** Deletes a thread's checkpoints. A graph's own checkpointer may not return a promise, or may throw: it rejects instead. */
export function deleteThread(checkpointer: OwnCheckpointer, id: string): Promise<void> {
  return Promise.resolve().then(() => checkpointer.deleteThread?.(id));
}

/** Deletes a thread's checkpoints, in the background; a failure is logged, not thrown. */
export function forgetThread(checkpointer: OwnCheckpointer, id: string, logger: Logger | undefined): void {
  deleteThread(checkpointer, id).catch((error: unknown) => {
    logger?.warn({ err: loggedError(error), run: id }, "deleting a run's checkpoints failed");
  });
}
