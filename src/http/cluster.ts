// `graph-mcp serve --workers N`: N worker processes behind one port (node:cluster).
// The primary loads nothing: it forks, restarts a worker that dies, and stops
// them all as one. Each worker loads the config and serves; everything a later
// request needs is in the shared store, so any request may land on any worker.
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { GraphMcpError } from '../errors.js';
import { integerOption } from '../integer-option.js';
import { MAX_TIMER_MS } from '../max-timer.js';
import type { Logger } from '../log.js';

/** What a worker tells the primary once it serves. */
export interface WorkerReady {
  type: 'graph-mcp:ready';
  url: string;
  tools: string[];
  mcp: boolean;
  /** The store the workers share, as `servedStore` says it. */
  store: string;
  /** The config's log level, so the primary logs like its workers. */
  level: string;
  /** The config's shutdown grace, so the primary knows how long to wait. */
  graceMs: number;
}

/** The primary asks a worker to stop gracefully (as SIGTERM would). */
export const STOP_MESSAGE = { type: 'graph-mcp:stop' } as const;

/** The signals that stop graph-mcp gracefully. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const satisfies readonly NodeJS.Signals[];
const isStopSignal = (signal: string | null): signal is (typeof STOP_SIGNALS)[number] => (STOP_SIGNALS as readonly string[]).includes(signal ?? '');

const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 10_000;
/** A worker that served this long is healthy: the next death starts the backoff afresh. */
const HEALTHY_AFTER_MS = 10_000;

/**
 * After a worker of a slot died: that slot's count of early deaths, and how
 * long to wait before starting another. `servedMs`: how long the worker
 * served, undefined if it never did (one that took long to load and then
 * failed is no healthy worker, however long it lived).
 */
export function nextRestart(servedMs: number | undefined, deathsBefore: number): { deaths: number; waitMs: number } {
  const deaths = servedMs !== undefined && servedMs >= HEALTHY_AFTER_MS ? 0 : deathsBefore + 1;
  return { deaths, waitMs: deaths === 0 ? 0 : Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (deaths - 1)) };
}
/**
 * How long past the grace period stopping may take before the process is
 * ended regardless: runs stopped at its end get 5 s to finish, answers 1 s
 * to drain, then the store closes (a database that stands still never lets
 * it). The primary waits as long for its workers.
 */
export const STOP_SLACK_MS = 10_000;

/** Calls `act` once stopping has taken the grace period and the slack; never when that is longer than a timer can wait. */
export function whenStopOverdue(graceMs: number, act: () => void): void {
  if (graceMs + STOP_SLACK_MS > MAX_TIMER_MS) return;
  setTimeout(act, graceMs + STOP_SLACK_MS).unref();
}

/** `--workers` / `GRAPH_MCP_WORKERS`: a positive integer, or `auto` for one per core. */
export function parseWorkers(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  if (value === 'auto') return availableParallelism();
  const count = integerOption(value, 1, 1024);
  if (count === undefined) {
    throw new GraphMcpError('OPTIONS_INVALID', `workers must be a positive integer up to 1024, or "auto", got ${JSON.stringify(value)}`);
  }
  return count;
}

/** The V8 thread pool Node 20 gives a process whatever its cores. */
const NODE_V8_POOL_SIZE = 4;

/**
 * The node options each worker is started with: the primary's own, and, for
 * two or more workers, a V8 thread pool of each one's share of the cores
 * where Node's own (4 threads in every process) is more than that share.
 * V8 runs its garbage collector's concurrent and parallel work and its
 * optimising compiler on that pool; one worker alone keeps 1.15 cores busy
 * that way. Two workers on two cores, each with Node's pool, ran their
 * helper threads against the other worker's main thread: with one pool
 * thread each they served 1.19x and 1.20x as many calls (570 against 476,
 * 611 against 501 calls/s, wrk at c=20, trivial graph) at 16% less CPU per
 * call, where one worker was no faster or slower with one pool thread than
 * with Node's. A `--v8-pool-size` the operator gave (`NODE_OPTIONS` or
 * node's own flags) is left as it is.
 */
export function workerExecArgv(workers: number, cores: number, execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = (arg: string) => /^--v8[-_]pool[-_]size\b/.test(arg);
  const share = Math.max(1, Math.floor(cores / workers));
  if (workers < 2 || share >= NODE_V8_POOL_SIZE || execArgv.some(given) || (nodeOptions ?? '').split(/\s+/).some(given)) return [...execArgv];
  return [...execArgv, `--v8-pool-size=${share}`];
}

export function isWorkerReady(message: unknown): message is WorkerReady {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'graph-mcp:ready';
}

export function isStopMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === STOP_MESSAGE.type;
}

/**
 * Runs the primary: forks `workers` copies of this same command (each sees
 * `cluster.isWorker`), logs the URL once the first one serves, restarts a
 * worker that dies (with a backoff), and on SIGTERM/SIGINT/SIGHUP stops them all
 * gracefully. Resolves with the exit code: 0 after a clean stop, 1 when the
 * workers could not start at all.
 */
export function runPrimary(workers: number, logger: Logger): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let exitCode = 0;
    let everReady = false;
    let announced = false;
    const ready = new Set<number>(); // slots that have served at least once
    let graceMs = 0;
    // Live workers and when each started (cluster.workers may still list a worker that exited).
    const startedAt = new Map<Worker, number>();
    const failures = new Map<number, number>(); // slot -> consecutive early deaths
    const slotOf = new Map<Worker, number>();
    // Restarts waiting out their backoff: cleared on stop, which must not wait for them.
    const restarts = new Set<NodeJS.Timeout>();
    const served = new Map<Worker, number>(); // worker -> when it began serving
    if (workers > availableParallelism()) {
      logger.warn({ workers, cores: availableParallelism() }, `${workers} workers on ${availableParallelism()} cores: each worker holds its own copy of the graphs in memory, and more workers than cores only share the same cores`);
    }

    cluster.setupPrimary({ execArgv: workerExecArgv(workers, availableParallelism(), process.execArgv, process.env.NODE_OPTIONS) });
    // A worker may be gone before the primary has read that its channel closed (a stop signalled
    // to the whole process group kills a worker that still loads, which has no handler yet): the
    // failed write is that death, which its 'exit' counts, not the primary's to throw.
    const tellToStop = (worker: Worker) => {
      if (worker.isConnected()) worker.send(STOP_MESSAGE, (error: Error | null) => {
        if (error) logger.debug({ worker: worker.process.pid, err: error }, 'a worker could not be told to stop: its channel is closed');
      });
    };
    const fork = (slot: number) => {
      const worker = cluster.fork();
      slotOf.set(worker, slot);
      startedAt.set(worker, Date.now());
      worker.on('error', (error: Error) => logger.debug({ worker: worker.process.pid, err: error }, "a worker's channel failed"));
      worker.on('message', (message: unknown) => {
        if (!isWorkerReady(message)) return;
        graceMs = Math.max(graceMs, message.graceMs);
        // A stop that came while it loaded found no one listening: it is told again, and serves no one.
        if (stopping) {
          tellToStop(worker);
          return;
        }
        everReady = true;
        ready.add(slot);
        served.set(worker, Date.now());
        if (announced) {
          logger.info({ worker: worker.process.pid, workers }, 'a worker started in place of one that died serves');
          return;
        }
        // Named once, when every worker serves: a caller told the URL reaches all of them.
        if (ready.size < workers) return;
        announced = true;
        if (!process.env.LOG_LEVEL) logger.level = message.level;
        logger.info(
          { url: message.mcp ? message.url : null, tools: message.tools, mcp: message.mcp, store: message.store, workers },
          message.mcp ? `serving ${message.tools.length} graph(s) at ${message.url} with ${workers} workers` : `listening with ${workers} workers (MCP is off)`,
        );
      });
    };

    const finish = () => {
      if (startedAt.size > 0) return;
      if (exitCode === 0) logger.info('every worker has stopped; stopped');
      else if (everReady) logger.warn('every worker has stopped, not every one cleanly; stopped');
      resolve(exitCode);
    };

    cluster.on('exit', (worker, code, signal) => {
      const slot = slotOf.get(worker) ?? 0;
      const servingSince = served.get(worker);
      slotOf.delete(worker);
      startedAt.delete(worker);
      const hadServed = served.delete(worker);
      if (stopping) {
        // A worker that served, stopped by the overdue timer or ended by a fault while it
        // stopped: not a clean stop. One still loading served no one, whatever ended it.
        if (hadServed && (code !== 0 || signal !== null)) exitCode = 1;
        finish();
        return;
      }
      if (!everReady && isStopSignal(signal)) {
        // A stop signalled to the whole process group (Ctrl-C, systemd's default KillMode) ends a
        // loading worker at once (it has no handler yet), maybe before the primary has taken the
        // signal itself: that stop, not a worker that could not start.
        logger.info({ worker: worker.process.pid, signal }, 'a worker was ended by a stop signal while it loaded');
        stop(signal, 'worker');
        return;
      }
      if (!everReady) {
        // The config or a graph does not load: every restart would fail the same way.
        logger.error({ worker: worker.process.pid, code, signal }, 'a worker could not start; stopping');
        stopping = true;
        exitCode = 1;
        for (const other of [...startedAt.keys()]) other.process.kill('SIGKILL');
        finish();
        return;
      }
      const { deaths, waitMs: wait } = nextRestart(servingSince === undefined ? undefined : Date.now() - servingSince, failures.get(slot) ?? 0);
      failures.set(slot, deaths);
      logger.warn({ worker: worker.process.pid, code, signal, restart_in_ms: wait }, 'a worker died; starting another');
      const restart = setTimeout(() => {
        restarts.delete(restart);
        if (!stopping) fork(slot);
      }, wait);
      restarts.add(restart);
    });

    // Whether the primary itself has taken a stop signal: a stop begun otherwise (a worker ended by
    // the signal the whole group got, workers that could not start) takes its first as the same stop.
    let signalled = false;
    const stop = (signal: NodeJS.Signals, from: 'signal' | 'worker' = 'signal') => {
      if (stopping) {
        if (from === 'worker') return;
        if (!signalled) {
          signalled = true;
          return;
        }
        logger.warn({ signal }, 'second signal: exiting now');
        for (const worker of [...startedAt.keys()]) worker.process.kill('SIGKILL');
        process.exit(1);
      }
      stopping = true;
      if (from === 'signal') signalled = true;
      for (const restart of restarts) clearTimeout(restart);
      restarts.clear();
      logger.info({ signal, workers: startedAt.size }, 'shutting down');
      // A message, not a signal: Ctrl-C in a terminal signals the workers too, and a
      // second signal would make a worker exit at once.
      for (const worker of [...startedAt.keys()]) tellToStop(worker);
      whenStopOverdue(graceMs, () => {
        for (const worker of [...startedAt.keys()]) worker.process.kill('SIGKILL');
      });
      finish();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, () => stop(signal));

    for (let slot = 0; slot < workers; slot += 1) fork(slot);
  });
}
