import type { SignalBus } from '../store/store.js';
import { risingProgress, type ProgressReporter, type ProgressUpdate } from './progress.js';

/** A task's status message is written to the store at most this often. */
const STATUS_INTERVAL_MS = 250;

/** Where a task's progress updates travel, from whichever process runs it. */
const progressChannel = (taskId: string) => `tasks:progress:${taskId}`;

/**
 * The progress reporter of one execution of a task (one claim, or an
 * adopted call). Its last message becomes the task's status message (in
 * the store, at most every 250 ms; one the interval held back is written
 * with the execution's end, see `unwritten`). When `signals` is given (the caller
 * asked for progress), every update is also published for a caller waiting
 * on the task, numbered from `base` (where earlier executions got to, before
 * a pause) so the numbers go on rising across pauses. Updates arrive from
 * `executeRun` already scrubbed of the run's credentials.
 */
export function taskProgress(options: {
  taskId: string;
  writeStatus: (message: string) => void;
  signals?: SignalBus | undefined;
  base?: number | undefined;
}): { report: ProgressReporter; reached(): number; unwritten(): string | undefined; last(): ProgressUpdate | undefined } {
  const base = options.base ?? 0;
  let reached = base;
  let last: ProgressUpdate | undefined;
  let written = 0;
  let unwritten: string | undefined;
  return {
    report: (update: ProgressUpdate) => {
      reached = base + update.progress;
      if (options.signals) {
        const published: ProgressUpdate = { ...update, progress: reached };
        last = published;
        void options.signals.publish(progressChannel(options.taskId), published).catch(() => undefined);
      }
      if (update.message === undefined) return;
      const now = Date.now();
      if (now - written < STATUS_INTERVAL_MS) {
        unwritten = update.message;
        return;
      }
      written = now;
      unwritten = undefined;
      options.writeStatus(update.message);
    },
    reached: () => reached,
    /** The newest message, when the interval held it back: to be written with the execution's end. */
    unwritten: () => unwritten,
    /** The last update published, if any. */
    last: () => last,
  };
}

/**
 * Listens to a task's progress, as its executions publish it, until the
 * returned function is called. Each update is numbered above the one
 * before: a run continued after a crash counts again from its last pause,
 * and its updates are moved up past what was already reported.
 */
export function watchTaskProgress(signals: SignalBus, taskId: string, listener: (update: ProgressUpdate, published: number) => void): Promise<() => void> {
  const rising = risingProgress();
  return signals.subscribe(progressChannel(taskId), (payload) => {
    const update = payload as ProgressUpdate;
    if (typeof update?.progress !== 'number') return;
    listener(rising(update), update.progress);
  });
}
