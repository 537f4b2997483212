import { MissingRequiredClientCapabilityError, ProtocolErrorCode, type CallToolResult } from '@modelcontextprotocol/server';
import type { TaskData } from '../run/tasks.js';
import type { RunRecord } from '../store/store.js';
import type { PauseData } from './pauses.js';
import type { Question } from './questions.js';

/** The 2026-07-28 Tasks extension's identifier, in capabilities and `server/discover`. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/** The refusal of a 2026-07-28 request that needs the tasks extension and did not declare it (-32021). */
export function tasksExtensionRequired(message?: string): MissingRequiredClientCapabilityError {
  return new MissingRequiredClientCapabilityError({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } }, message);
}

/**
 * How a task looks on the wire in each era: 2025-11-25's experimental
 * tasks and the 2026-07-28 tasks extension.
 */

const iso = (ms: number) => new Date(ms).toISOString();

/** The task's status message: where it got to, or the question it waits on. */
function statusMessage(run: RunRecord): string | undefined {
  if (run.status === 'input_required') {
    const { questions, answerProblems } = run.data as PauseData;
    const asked = questions?.map((q) => q.text).join('\n') ?? '';
    const unusable = answerProblems?.length ? `The last answer could not be used (asked again):\n${answerProblems.map((p) => `- ${p}`).join('\n')}\n` : '';
    return `${unusable}${asked}` || undefined;
  }
  if (run.status === 'failed') return (run.data as TaskData).error?.message;
  if ((run.status === 'completed' || run.status === 'cancelled') && (run.data as TaskData).result?.isError) return textOf((run.data as TaskData).result);
  // Stored, and no process has taken it yet: every one busy with as many tasks as it runs at once.
  if (run.status === 'working' && run.progress === null && run.leaseOwner === null) return QUEUED_MESSAGE;
  return run.progress ?? undefined;
}

/** The status message of a task no process has begun yet. */
export const QUEUED_MESSAGE = 'Queued: waiting for a free slot to start (each process runs a few tasks at a time)';

/** When the task was created: when its call became a task, for one that began further in (task_starts_at). */
function createdAtOf(run: RunRecord): number {
  const handedOver = (run.data as TaskData).taskCreatedAt;
  return typeof handedOver === 'number' ? handedOver : run.createdAt;
}

/** The ttl the task was given (older records: from its times). */
function ttlOf(run: RunRecord): number {
  const given = (run.data as TaskData).ttlMs;
  return typeof given === 'number' ? given : run.expiresAt - createdAtOf(run);
}

function textOf(result: CallToolResult | undefined): string | undefined {
  const first = result?.content?.[0];
  return first?.type === 'text' ? first.text : undefined;
}

// ---------------------------------------------------------------- 2025-11-25 (experimental tasks)

/** A task as the 2025 era shows it. */
export function legacyTask(run: RunRecord, pollIntervalMs: number) {
  const message = statusMessage(run);
  return {
    taskId: run.id,
    status: legacyStatus(run),
    ttl: ttlOf(run),
    createdAt: iso(createdAtOf(run)),
    lastUpdatedAt: iso(run.updatedAt),
    pollInterval: pollIntervalMs,
    ...(message !== undefined ? { statusMessage: message } : {}),
  };
}

/** 2025 calls a task whose tool result is an error `failed`; 2026 calls it `completed`. */
export function legacyStatus(run: RunRecord): RunRecord['status'] {
  return run.status === 'completed' && (run.data as TaskData).result?.isError === true ? 'failed' : run.status;
}

// ---------------------------------------------------------------- 2026-07-28 (tasks extension)

/**
 * A task as the 2026-07-28 extension shows it: status, and inline what it
 * came to or waits on. `askable`: the questions this client can be asked
 * (the others are in its status message, and left out of `inputRequests`,
 * which may then be empty).
 */
export function modernTask(run: RunRecord, pollIntervalMs: number, askable: (question: Question) => boolean = () => true) {
  const message = statusMessage(run);
  const data = run.data as TaskData & PauseData;
  const base = {
    taskId: run.id,
    status: run.status,
    ttlMs: ttlOf(run),
    pollIntervalMs,
    createdAt: iso(createdAtOf(run)),
    lastUpdatedAt: iso(run.updatedAt),
    ...(message !== undefined ? { statusMessage: message } : {}),
  };
  if (run.status === 'completed') return { ...base, result: data.result };
  if (run.status === 'failed') return { ...base, error: data.error ?? { code: ProtocolErrorCode.InternalError, message: 'the run failed' } };
  if (run.status === 'input_required') {
    // Always there, as the extension's schema has it; empty when this client can be asked none.
    const asked = (data.questions ?? []).filter(askable);
    return { ...base, inputRequests: Object.fromEntries(asked.map((q) => [q.key, q.request])) };
  }
  return base;
}

/** The answer to a `tools/call` that started a task: the era's CreateTaskResult. */
export function createTaskResult(run: RunRecord, era: 'modern' | 'legacy', pollIntervalMs: number) {
  if (era === 'legacy') return { task: legacyTask(run, pollIntervalMs) };
  const { taskId, status, ttlMs, createdAt, lastUpdatedAt } = modernTask(run, pollIntervalMs);
  return { resultType: 'task', taskId, status, ttlMs, pollIntervalMs, createdAt, lastUpdatedAt };
}
