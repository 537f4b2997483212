import {
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type JSONRPCRequest,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { GraphTool } from '../graphs/tool.js';
import type { TaskData } from '../run/tasks.js';
import type { RunRecord } from '../store/store.js';
import { answerFromClient, askQuestionsOnStream, type PauseData, type PauseServing } from './pauses.js';
import { errorResult } from '../run/run-tool.js';

/** The 2026-07-28 Tasks extension's identifier, in capabilities and `server/discover`. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
/** 2025-era `_meta` key tying a message to its task. */
const RELATED_TASK = 'io.modelcontextprotocol/related-task';

export interface TaskSurface {
  serving: PauseServing;
  owner: string;
  principal: Principal | undefined;
  era: 'modern' | 'legacy';
  tools: { get(name: string): GraphTool | undefined };
  canCall: (tool: GraphTool) => boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The caller's task, or the same refusal for an unknown and a foreign id. */
async function ownTask(surface: TaskSurface, taskId: unknown): Promise<{ run: RunRecord; tool: GraphTool }> {
  const run = typeof taskId === 'string' ? await surface.serving.runs.get(taskId, surface.owner) : undefined;
  const tool = run?.kind === 'task' ? surface.tools.get(run.tool) : undefined;
  if (run === undefined || tool === undefined || !surface.canCall(tool)) {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task not found: ${String(taskId)}`);
  }
  return { run, tool };
}

/** The task's status message: where it got to, or the question it waits on. */
function statusMessage(run: RunRecord): string | undefined {
  if (run.status === 'input_required') return (run.data as PauseData).questions?.map((q) => q.text).join('\n') || undefined;
  if (run.status === 'failed') return (run.data as TaskData).error?.message;
  if (run.status === 'completed' && (run.data as TaskData).result?.isError) return textOf((run.data as TaskData).result);
  return run.progress ?? undefined;
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
    ttl: run.expiresAt - run.createdAt,
    createdAt: iso(run.createdAt),
    lastUpdatedAt: iso(run.updatedAt),
    pollInterval: pollIntervalMs,
    ...(message !== undefined ? { statusMessage: message } : {}),
  };
}

/** 2025 calls a task whose tool result is an error `failed`; 2026 calls it `completed`. */
function legacyStatus(run: RunRecord): RunRecord['status'] {
  return run.status === 'completed' && (run.data as TaskData).result?.isError === true ? 'failed' : run.status;
}

// ---------------------------------------------------------------- 2026-07-28 (tasks extension)

/** A task as the 2026-07-28 extension shows it: status, and inline what it came to or waits on. */
export function modernTask(run: RunRecord, pollIntervalMs: number) {
  const message = statusMessage(run);
  const data = run.data as TaskData & PauseData;
  const base = {
    taskId: run.id,
    status: run.status,
    ttlMs: run.expiresAt - run.createdAt,
    pollIntervalMs,
    createdAt: iso(run.createdAt),
    lastUpdatedAt: iso(run.updatedAt),
    ...(message !== undefined ? { statusMessage: message } : {}),
  };
  if (run.status === 'completed') return { ...base, result: data.result };
  if (run.status === 'failed') return { ...base, error: data.error ?? { code: ProtocolErrorCode.InternalError, message: 'the run failed' } };
  if (run.status === 'input_required') {
    return { ...base, inputRequests: Object.fromEntries((data.questions ?? []).map((q) => [q.key, q.request])) };
  }
  return base;
}

/** Starts a task for `tools/call`; the answer is the era's CreateTaskResult. */
export async function createTask(surface: TaskSurface, tool: GraphTool, args: unknown, ttlMs: number | undefined) {
  const { serving } = surface;
  const ttl = Math.min(ttlMs ?? serving.taskTtlMs, serving.taskTtlMs);
  const run = await serving.tasks!.create(tool, args, surface.principal, ttl);
  if (surface.era === 'legacy') return { task: legacyTask(run, serving.pollIntervalMs) };
  const { taskId, status, ttlMs: ttlOut, pollIntervalMs, createdAt, lastUpdatedAt } = modernTask(run, serving.pollIntervalMs);
  return { resultType: 'task', taskId, status, ttlMs: ttlOut, pollIntervalMs, createdAt, lastUpdatedAt };
}

/** A `tools/call` of a task-only graph from a caller that cannot take a task. */
export function taskRequired(tool: GraphTool, era: 'modern' | 'legacy'): never {
  if (era === 'modern') {
    throw new MissingRequiredClientCapabilityError(
      { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      `Tool "${tool.name}" runs only as a task: declare the ${TASKS_EXTENSION} extension`,
    );
  }
  throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool "${tool.name}" runs only as a task: call it with params.task`);
}

const TaskIdParams = z.object({ taskId: z.string() }).passthrough();
const UpdateParams = z.object({ taskId: z.string(), inputResponses: z.record(z.string(), z.unknown()).optional() }).passthrough();
const ListParams = z.object({ cursor: z.string().optional() }).passthrough();

/**
 * Installs the `tasks/*` methods of the request's era on a per-request
 * server. 2026-07-28: `tasks/get`, `tasks/update`, `tasks/cancel` (each
 * refused with -32021 when the request does not declare the extension;
 * `tasks/result` and `tasks/list` do not exist). 2025-11-25: `tasks/get`,
 * `tasks/result`, `tasks/list`, `tasks/cancel`. Registered with their own
 * schemas, which also lets the 2026 era serve the names 2025 defined.
 */
export function registerTaskHandlers(
  server: Server,
  surface: () => TaskSurface,
  declaresExtension: (ctx: ServerContext) => boolean,
  sendOnStream: (ctx: ServerContext) => ((request: JSONRPCRequest) => Promise<void>) | undefined,
): void {
  const era = surface().era;
  if (era === 'legacy') {
    server.setRequestHandler('tasks/get', { params: TaskIdParams }, async (params) => {
      const s = surface();
      return legacyTask((await ownTask(s, params.taskId)).run, s.serving.pollIntervalMs);
    });
    server.setRequestHandler('tasks/list', { params: ListParams }, async (params) => {
      const s = surface();
      const page = await s.serving.runs.store.runs.list(s.owner, 'task', PAGE + 1, params.cursor);
      const tasks = page.slice(0, PAGE).map((run) => legacyTask(run, s.serving.pollIntervalMs));
      return { tasks, ...(page.length > PAGE ? { nextCursor: tasks.at(-1)!.taskId } : {}) };
    });
    server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async (params) => {
      const s = surface();
      const { run } = await ownTask(s, params.taskId);
      if (isTerminal(run)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task ${run.id} has already ended (${legacyStatus(run)})`);
      const cancelled = (await s.serving.tasks!.cancel(run)) ?? (await ownTask(s, run.id)).run;
      return legacyTask(cancelled, s.serving.pollIntervalMs);
    });
    server.setRequestHandler('tasks/result', { params: TaskIdParams }, async (params, ctx) => {
      const result = await awaitTaskResult(surface(), params.taskId, ctx, sendOnStream(ctx));
      return { ...result, _meta: { ...result._meta, [RELATED_TASK]: { taskId: params.taskId } } };
    });
    return;
  }
  const gate = (ctx: ServerContext) => {
    if (!declaresExtension(ctx)) {
      throw new MissingRequiredClientCapabilityError({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } });
    }
  };
  server.setRequestHandler('tasks/get', { params: TaskIdParams }, async (params, ctx) => {
    gate(ctx);
    const s = surface();
    return { resultType: 'complete', ...modernTask((await ownTask(s, params.taskId)).run, s.serving.pollIntervalMs) };
  });
  server.setRequestHandler('tasks/update', { params: UpdateParams }, async (params, ctx) => {
    gate(ctx);
    const s = surface();
    const { run } = await ownTask(s, params.taskId);
    // The SDK lifts `inputResponses` off the params of every request into the context.
    const responses = params.inputResponses ?? (ctx.mcpReq as { inputResponses?: Record<string, unknown> }).inputResponses;
    if (run.status === 'input_required' && responses !== undefined) await answerTask(s, run, responses);
    return {};
  });
  server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async (params, ctx) => {
    gate(ctx);
    const s = surface();
    const { run } = await ownTask(s, params.taskId);
    // Cancelling a task that already ended is acknowledged all the same (2026-07-28).
    if (!isTerminal(run)) await s.serving.tasks!.cancel(run);
    return {};
  });
}

const PAGE = 50;

function isTerminal(run: RunRecord): boolean {
  return run.status === 'completed' || run.status === 'failed' || run.status === 'cancelled';
}

/**
 * Gives a paused task the answers that match its pending questions; a worker
 * resumes it. Answers to keys it did not ask are ignored; a question left
 * unanswered keeps it waiting.
 */
async function answerTask(surface: TaskSurface, run: RunRecord, responses: Record<string, unknown>): Promise<void> {
  const data = run.data as PauseData;
  const { answers, missing, declined } = answerFromClient(data, responses);
  if (declined !== undefined) {
    await surface.serving.tasks!.cancel(run);
    return;
  }
  if (missing.length > 0) {
    await surface.serving.runs.setData(run, { ...data, answers, questions: missing });
    return;
  }
  await surface.serving.tasks!.answer(run, answers, { questions: [], answers: {} });
}

/**
 * `tasks/result` (2025): waits until the task ends. While it waits on a
 * question, the question goes out on this request's stream, and the answer
 * resumes the task.
 */
async function awaitTaskResult(
  surface: TaskSurface,
  taskId: string,
  ctx: ServerContext,
  send: ((request: JSONRPCRequest) => Promise<void>) | undefined,
): Promise<CallToolResult> {
  const { serving } = surface;
  for (;;) {
    const { run, tool } = await ownTask(surface, taskId);
    if (run.status === 'completed') return (run.data as TaskData).result ?? errorResult('GRAPH_FAILED', `Tool "${tool.name}" ended without a result.`);
    if (run.status === 'failed') {
      const error = (run.data as TaskData).error;
      throw new ProtocolError(error?.code ?? ProtocolErrorCode.InternalError, error?.message ?? 'the task failed');
    }
    if (run.status === 'cancelled') return errorResult('RUN_CANCELLED', `The task of tool "${tool.name}" was cancelled.`);
    if (ctx.mcpReq.signal.aborted) throw new ProtocolError(ProtocolErrorCode.InternalError, 'the request was cancelled');
    if (run.status === 'input_required' && send !== undefined) {
      const questions = (run.data as PauseData).questions ?? [];
      const responses = await askQuestionsOnStream(serving, { owner: surface.owner, ctx, sendOnStream: send, relatedTask: run.id }, run, questions);
      if (responses !== undefined) {
        await answerTask(surface, run, responses);
        continue;
      }
    }
    await serving.tasks!.waitForChange(run.id, serving.pollIntervalMs, ctx.mcpReq.signal);
  }
}
