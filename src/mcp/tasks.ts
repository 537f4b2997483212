import {
  CLIENT_CAPABILITIES_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type JSONRPCRequest,
  type McpHttpHandler,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { GraphTool } from '../graphs/tool.js';
import type { TaskData } from '../run/tasks.js';
import type { ProgressUpdate } from '../run/progress.js';
import { hasEnded, type RunCursor, type RunRecord } from '../store/store.js';
import { answerFromClient, askableBy, askOnStream, clientResponses, declinedResult, streamLog, unreadableOn, type AskedOnStream, type ClientResponses, type PauseData, type PauseServing, type StreamSend } from './pauses.js';
import { createTaskResult, legacyStatus, legacyTask, modernTask, TASKS_EXTENSION, tasksExtensionRequired } from './task-shapes.js';
import { shownId } from './run-handles.js';
import { errorResult, invalidArguments, protocolErrorOf, RunAbortedError } from '../run/run-tool.js';

/** Whether a 2026-07-28 request's `_meta` declares the tasks extension in its client capabilities. */
export function declaresTasksExtension(meta: Record<string, unknown> | undefined): boolean {
  const capabilities = meta?.[CLIENT_CAPABILITIES_META_KEY] as { extensions?: Record<string, unknown> } | undefined;
  return capabilities?.extensions?.[TASKS_EXTENSION] !== undefined;
}

/** 2025-era `_meta` key tying a message to its task. */
const RELATED_TASK = 'io.modelcontextprotocol/related-task';

export interface TaskSurface {
  serving: PauseServing;
  owner: string;
  principal: Principal | undefined;
  era: 'modern' | 'legacy';
  tools: { get(name: string): GraphTool | undefined };
  canCall: (tool: GraphTool) => boolean;
  /**
   * Registers a wait under the caller's request id, so that a 2025-era
   * `notifications/cancelled` naming it (received by any process) aborts
   * `controller`; call the returned function when the wait ends.
   */
  track?: (requestId: string | number, controller: AbortController) => () => void;
  /** The request's refusal when its `inputResponses` is no object of answers (see `notingMalformedInputResponses`). */
  malformedAnswers?: (method: string) => ProtocolError | undefined;
}

/**
 * The caller's task, or the same refusal for an unknown and a foreign id
 * (and a task of a tool the caller may no longer call). A task of a tool
 * this server does not serve (a deploy removed or renamed it) is refused
 * saying so, unless `unserved` lets it through: `ended`, a task that ended
 * (what it answered is stored); `any`, every task (a cancel, a status read).
 */
async function ownTask(surface: TaskSurface, taskId: unknown): Promise<{ run: RunRecord; tool: GraphTool }>;
async function ownTask(surface: TaskSurface, taskId: unknown, unserved: 'ended' | 'any'): Promise<{ run: RunRecord; tool: GraphTool | undefined }>;
async function ownTask(surface: TaskSurface, taskId: unknown, unserved?: 'ended' | 'any'): Promise<{ run: RunRecord; tool: GraphTool | undefined }> {
  const run = typeof taskId === 'string' ? await surface.serving.runs.get(taskId, surface.owner) : undefined;
  if (run?.kind !== 'task') throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task not found: ${shownId(taskId)}`);
  const tool = surface.tools.get(run.tool);
  if (tool === undefined) {
    if (unserved === 'any' || (unserved === 'ended' && hasEnded(run))) return { run, tool };
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, toolNotServed('Task', run));
  }
  if (!surface.canCall(tool)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task not found: ${shownId(taskId)}`);
  return { run, tool };
}

/**
 * A task's status, as the store has it, read through a process that does
 * not serve its tool (a rolling deploy, a tool renamed): answered, for a
 * client polling it to read, with a word on why it may not move on; it
 * goes on wherever the tool is served, and can be cancelled here.
 */
function withUnservedNote<T extends { statusMessage?: string }>(task: T, run: RunRecord, tool: GraphTool | undefined): T {
  if (tool !== undefined || hasEnded(run)) return task;
  const note = `This server does not serve tool "${run.tool}" (a deploy removed or renamed it, or only other processes serve it): the task goes on only on a server that serves it, until its ttl runs out; it can be cancelled here.`;
  return { ...task, statusMessage: task.statusMessage === undefined ? note : `${task.statusMessage}\n\n${note}` };
}

/** What the owner of a run or task of a tool this server does not serve is told. */
export function toolNotServed(what: 'Task' | 'Run', run: RunRecord): string {
  return `${what} ${run.id} is of tool "${run.tool}", which this server does not serve (a deploy removed or renamed it, or only other processes serve it): it cannot go on here, and can be cancelled`;
}

/** The least ttl a 2025-era caller's `params.task.ttl` is given (the receiver may change it); `defaults.task_ttl_ms` caps it. */
export const MIN_ASKED_TTL_MS = 1_000;

/**
 * Starts a task for `tools/call`; the answer is the era's CreateTaskResult.
 * A 2025-era call's progress token stays valid for the task's life: its
 * progress reaches a caller waiting in `tasks/result`. 2026-07-28 has no
 * progress notifications for tasks: there, progress is the status message.
 */
export async function createTask(surface: TaskSurface, tool: GraphTool, args: unknown, ttlMs: number | undefined, progressToken: string | number | undefined) {
  const { serving } = surface;
  // 2026-07-28: the server decides per request whether to make a task, so arguments the
  // tool refuses are answered at once rather than after a poll. (A 2025 caller asked for a
  // task with params.task: it gets one, which fails the same way.)
  if (surface.era === 'modern') {
    const invalid = invalidArguments(tool, args);
    if (invalid !== undefined) return invalid;
  }
  // A whole number of milliseconds, and at least one poll's worth: a task gone before its caller could look is no task.
  const ttl = Math.min(ttlMs === undefined ? serving.taskTtlMs : Math.max(Math.ceil(ttlMs), MIN_ASKED_TTL_MS, serving.pollIntervalMs), serving.taskTtlMs);
  const run = await serving.tasks!.create(tool, args, surface.principal, ttl, surface.era === 'legacy' ? progressToken : undefined);
  if (run === undefined) {
    const refused = serving.runs.tooManyRuns(tool, 'no task was created');
    // A 2025-era task request is answered with its task or an error: its client reads no tool result there.
    if (surface.era === 'legacy') throw new ProtocolError(-32000, (refused.content[0] as { text: string }).text, { code: 'TOO_MANY_RUNS' });
    return refused;
  }
  return createTaskResult(run, surface.era, serving.pollIntervalMs);
}

/** A `tools/call` of a task-only graph from a caller that cannot take a task. */
export function taskRequired(tool: GraphTool, era: 'modern' | 'legacy'): never {
  if (era === 'modern') throw tasksExtensionRequired(`Tool "${tool.name}" runs only as a task: declare the ${TASKS_EXTENSION} extension`);
  // 2025-11-25 (tools, `execution.taskSupport`): "required" called without a task is -32601.
  throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `Tool "${tool.name}" runs only as a task: call it with params.task`);
}

/**
 * A 2025-era call asking for a task (`params.task`) of a tool that does not
 * run as one (`execution.taskSupport` "forbidden", graph-mcp's own tools
 * too): -32601, as 2025-11-25 says servers SHOULD. Answered in the call
 * instead, a client expecting a task reads the result as a failure, though
 * the graph ran.
 */
export function taskForbidden(name: string): never {
  throw new ProtocolError(ProtocolErrorCode.MethodNotFound, `Tool "${name}" does not run as a task: call it without params.task`);
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
  sendOnStream: (ctx: ServerContext) => StreamSend | undefined,
): void {
  const era = surface().era;
  if (era === 'legacy') {
    server.setRequestHandler('tasks/get', { params: TaskIdParams }, async (params) => {
      const s = surface();
      const { run, tool } = await ownTask(s, params.taskId, 'any');
      return withUnservedNote(legacyTask(run, s.serving.pollIntervalMs), run, tool);
    });
    server.setRequestHandler('tasks/list', { params: ListParams }, async (params) => {
      const s = surface();
      const after = params.cursor === undefined ? undefined : cursorPlace(params.cursor);
      const page = await s.serving.runs.store.runs.list(s.owner, 'task', PAGE + 1, after);
      const scanned = page.slice(0, PAGE);
      // Tasks of tools the caller may no longer call are unknown to it here too, as to tasks/get;
      // those of tools this server does not serve are listed, for their owner to read or cancel.
      const tasks = scanned
        .filter((run) => {
          const tool = s.tools.get(run.tool);
          return tool === undefined || s.canCall(tool);
        })
        .map((run) => legacyTask(run, s.serving.pollIntervalMs));
      return { tasks, ...(page.length > PAGE ? { nextCursor: cursorAt(scanned.at(-1)!) } : {}) };
    });
    server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async (params) => {
      const s = surface();
      const { run } = await ownTask(s, params.taskId, 'any');
      if (hasEnded(run)) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task ${run.id} has already ended (${legacyStatus(run)})`);
      const cancelled = (await s.serving.tasks!.cancel(run)) ?? (await ownTask(s, run.id, 'any')).run;
      // It ended between the read above and the cancel: refused as an ended task is, not reported as cancelled.
      if (hasEnded(cancelled) && cancelled.status !== 'cancelled') throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Task ${run.id} has already ended (${legacyStatus(cancelled)})`);
      return legacyTask(cancelled, s.serving.pollIntervalMs);
    });
    server.setRequestHandler('tasks/result', { params: TaskIdParams }, async (params, ctx) => {
      try {
        const result = await awaitTaskResult(surface(), params.taskId, ctx, sendOnStream(ctx));
        return { ...result, _meta: { ...result._meta, [RELATED_TASK]: { taskId: params.taskId } } };
      } catch (error) {
        // Cancelled by `notifications/cancelled`: no response, as for a call; the stream ends
        // without one (the SDK's attempt to answer then finds no stream). The task goes on.
        if (error instanceof RunAbortedError && !ctx.mcpReq.signal.aborted) {
          (server.transport as { closeSSEStream?: (id: typeof ctx.mcpReq.id) => void } | undefined)?.closeSSEStream?.(ctx.mcpReq.id);
        }
        throw error;
      }
    });
    return;
  }
  const gate = (ctx: ServerContext) => {
    if (!declaresExtension(ctx)) {
      throw tasksExtensionRequired();
    }
  };
  server.setRequestHandler('tasks/get', { params: TaskIdParams }, async (params, ctx) => {
    gate(ctx);
    const s = surface();
    const { run, tool } = await ownTask(s, params.taskId, 'any');
    // Its questions are taken where its tool is served: none is offered here for an answer this server would refuse.
    const askable = tool === undefined ? () => false : askableBy(ctx);
    return { resultType: 'complete', ...withUnservedNote(modernTask(run, s.serving.pollIntervalMs, askable), run, tool) };
  });
  server.setRequestHandler('tasks/update', { params: UpdateParams }, async (params, ctx) => {
    gate(ctx);
    const s = surface();
    const malformed = s.malformedAnswers?.('tasks/update');
    if (malformed !== undefined) throw malformed;
    const { run } = await ownTask(s, params.taskId);
    // The SDK lifts `inputResponses` off the params of every request into the context.
    const responses = params.inputResponses !== undefined ? { responses: params.inputResponses, dropped: [] } : clientResponses(ctx);
    // Required by the extension's schema: an update without it has nothing to deliver, and is a client's mistake.
    if (responses === undefined) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'tasks/update needs "inputResponses": an object of answers keyed by the task\'s input request keys');
    }
    await answerLatest(s, run, responses);
    return {};
  });
  server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async (params, ctx) => {
    gate(ctx);
    const s = surface();
    const { run } = await ownTask(s, params.taskId, 'any');
    // Cancelling a task that already ended is acknowledged all the same (2026-07-28).
    if (!hasEnded(run)) await s.serving.tasks!.cancel(run);
    return {};
  });
}

const PAGE = 50;

/**
 * A `tasks/list` cursor: the place of the last task of the page (its
 * creation time and id), so the next page follows even when that task has
 * expired meanwhile. It only places the caller in their own list.
 */
function cursorAt(run: RunRecord): string {
  return Buffer.from(JSON.stringify([run.createdAt, run.id])).toString('base64url');
}

/** The place a cursor names; one graph-mcp did not make is -32602, as 2025-11-25 says. */
function cursorPlace(cursor: string): RunCursor {
  let place: unknown;
  try {
    place = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    place = undefined;
  }
  if (!Array.isArray(place) || place.length !== 2 || !Number.isSafeInteger(place[0]) || typeof place[1] !== 'string') {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor: not one tasks/list handed out; list again from the start');
  }
  return { createdAt: place[0] as number, id: place[1] };
}

/**
 * Gives a paused task the answers that match its pending questions; a worker
 * resumes it. Answers to keys it did not ask are ignored; a question left
 * unanswered keeps it waiting.
 */
/** Applies a client's answers to a paused task; `false` if the task changed since `run` was read. */
async function answerTask(surface: TaskSurface, run: RunRecord, responses: ClientResponses): Promise<boolean> {
  const data = run.data as PauseData;
  const { answers, missing, declined, problems, usedKeys } = answerFromClient(data, responses);
  if (declined !== undefined) {
    const tool = surface.tools.get(run.tool);
    await surface.serving.tasks!.cancel(run, tool === undefined ? undefined : declinedResult(tool, declined));
    return true;
  }
  if (missing.length > 0) {
    // Nothing of it used, nothing refused (keys no question has now, or none at all): the task is as it was.
    if (missing.length === data.questions.length && problems.length === 0 && usedKeys.length <= (data.usedKeys?.length ?? 0)) return true;
    // Asked again; an answer that could not be used says why in the task's status message.
    const { answerProblems: _before, ...rest } = data;
    return (await surface.serving.runs.setData(run, { ...rest, answers, questions: missing, usedKeys, ...(problems.length > 0 ? { answerProblems: problems } : {}) })) !== undefined;
  }
  return (await surface.serving.tasks!.answer(run, answers, { questions: [], answers: {}, answerProblems: undefined })) !== undefined;
}

/**
 * Applies answers to a task waiting on questions. Two writes at once (one
 * answer each of two questions, from two requests): the one that loses
 * reads the task again and applies its answers to what the other left.
 */
async function answerLatest(surface: TaskSurface, run: RunRecord | undefined, responses: ClientResponses): Promise<void> {
  let current = run;
  for (let attempt = 0; attempt < 5 && current?.status === 'input_required'; attempt += 1) {
    if (await answerTask(surface, current, responses)) return;
    current = await surface.serving.runs.get(current.id, surface.owner);
  }
}

/**
 * `tasks/result` (2025): waits until the task ends. While it waits on a
 * question, the question goes out on this request's stream, and the answer
 * resumes the task; while it runs, its progress goes out there too, if the
 * call that created it asked for progress (under that call's token, and this
 * request's own).
 */
async function awaitTaskResult(
  surface: TaskSurface,
  taskId: string,
  ctx: ServerContext,
  send: StreamSend | undefined,
): Promise<CallToolResult> {
  const { serving } = surface;
  const first = await ownTask(surface, taskId, 'ended');
  const progressToken = (first.run.data as TaskData).progressToken;
  // A task that has ended has no progress left to report.
  if (progressToken === undefined || hasEnded(first.run)) return awaitTaskEnd(surface, taskId, ctx, send);
  // The call's progress token is valid for the task's life (2025-11-25): its progress goes out on this stream.
  // Under this request's own token too, if it has one: a client that resets its timeout on a request's
  // progress (the v1 SDK's resetTimeoutOnProgress) otherwise gives up on a long task while it runs.
  const own = ctx.mcpReq._meta?.progressToken;
  const tokens = own === undefined || own === progressToken ? [progressToken] : [progressToken, own];
  // `sent`: the last number sent; `published`: the same update as its run numbered it (see watchTaskProgress).
  let sent: { progress: number; published: number } | undefined;
  const notify = (update: ProgressUpdate) =>
    Promise.all(
      tokens.map((token) =>
        ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...update, _meta: { [RELATED_TASK]: { taskId } } } }).catch(() => undefined),
      ),
    );
  const stopWatching = await serving.tasks!.watchProgress(taskId, (update, published) => {
    sent = { progress: update.progress, published };
    void notify(update);
  });
  let result: CallToolResult;
  try {
    result = await awaitTaskEnd(surface, taskId, ctx, send);
  } finally {
    stopWatching();
  }
  // The task's last update may still be on its way when its end is seen: sent from the record, after
  // the watch stopped (so that nothing arrives after it), unless it came already.
  const last = ((await ownTask(surface, taskId, 'ended').catch(() => undefined))?.run.data as TaskData | undefined)?.lastProgress;
  if (last !== undefined && last.progress > (sent?.published ?? Number.NEGATIVE_INFINITY)) {
    // Numbered on from what this stream was sent, as the watch would have.
    await notify(sent === undefined ? last : { ...last, progress: last.progress + (sent.progress - sent.published) });
  }
  return result;
}

async function awaitTaskEnd(
  surface: TaskSurface,
  taskId: string,
  ctx: ServerContext,
  send: StreamSend | undefined,
): Promise<CallToolResult> {
  const { serving } = surface;
  const closing = serving.closing;
  // The waits below end when the client goes away, cancels this request, or when the
  // server begins to close: the shutdown does not wait for this request (the task goes on elsewhere).
  const ended = new AbortController();
  const end = () => ended.abort();
  ctx.mcpReq.signal.addEventListener('abort', end, { once: true });
  closing?.addEventListener('abort', end, { once: true });
  const untrack = surface.track?.(ctx.mcpReq.id, ended);
  // Questions this request asked that its client would not answer (it refused, or the time ran out), or that
  // it cannot read (URL mode before 2025-11-25): not asked again here. They wait for an answer given elsewhere.
  const unanswered = new Set<string>();
  // Questions asked on this stream so far: a client whose answers can never be used (each
  // one is asked again, under a new key) is not asked for ever.
  let asked = 0;
  // Questions out on this stream, their answers awaited, by key. One still pending when the task moves on
  // (another request answered the rest of its round) stays out: its answer, when it comes, is applied.
  const out = new Map<string, AskedOnStream>();
  const ends = [ended.signal];
  try {
    for (;;) {
      const { run, tool } = await ownTask(surface, taskId, 'ended');
      if (run.status === 'completed') return (run.data as TaskData).result ?? errorResult('GRAPH_FAILED', `Tool "${run.tool}" ended without a result.`);
      if (run.status === 'failed') {
        const error = (run.data as TaskData).error;
        throw protocolErrorOf(error ?? { code: ProtocolErrorCode.InternalError, message: 'the task failed' });
      }
      if (run.status === 'cancelled') return (run.data as TaskData).result ?? errorResult('RUN_CANCELLED', `The task of tool "${run.tool}" was cancelled.`);
      // Not ended, so its tool is served (see ownTask).
      if (tool === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, toolNotServed('Task', run));
      if (ctx.mcpReq.signal.aborted) throw new ProtocolError(ProtocolErrorCode.InternalError, 'the request was cancelled');
      if (closing?.aborted) throw new ProtocolError(ProtocolErrorCode.InternalError, TASK_RESULT_ON_CLOSE);
      // Neither gone nor closing: the client's notifications/cancelled (through the tracker).
      if (ended.signal.aborted) throw new RunAbortedError();
      const pending = run.status === 'input_required' ? ((run.data as PauseData).questions ?? []) : [];
      // An answer to a question no longer pending (answered elsewhere; the task went on) is not waited for.
      for (const [key, question] of out) {
        if (pending.some((still) => still.key === key)) continue;
        question.stop();
        out.delete(key);
      }
      if (asked >= MAX_QUESTIONS_PER_TASK_RESULT) for (const question of pending) unanswered.add(question.key);
      if (send !== undefined) {
        const sent: string[] = [];
        for (const question of pending) {
          if (unanswered.has(question.key) || out.has(question.key)) continue;
          if (unreadableOn(send, [question]).length > 0) {
            streamLog.unreadable(serving, run, [question.key]);
            unanswered.add(question.key);
            continue;
          }
          try {
            const onStream = await askOnStream(serving, { owner: surface.owner, sendOnStream: send, relatedTask: run.id }, run, question, ends);
            out.set(question.key, onStream);
            if (onStream.sent) {
              asked += 1;
              sent.push(question.key);
            }
          } catch (error) {
            serving.logger?.debug({ err: { message: (error as Error).message }, run: run.id }, 'asking on the response stream failed');
            unanswered.add(question.key);
          }
        }
        if (sent.length > 0) streamLog.asked(serving, run, sent);
      }
      if (out.size === 0) {
        await serving.tasks!.waitForChange(run.id, serving.pollIntervalMs, ended.signal);
        continue;
      }
      // The first answer, or the task moving on without it (answered elsewhere, cancelled, expired).
      const watching = new AbortController();
      const stopWatching = () => watching.abort();
      ended.signal.addEventListener('abort', stopWatching, { once: true });
      const moved = watchForMove(surface, run, watching.signal);
      const first = await Promise.race([...[...out.values()].map((question) => question.answer.then((answer) => ({ question, answer }))), moved.then(() => undefined)]);
      stopWatching();
      ended.signal.removeEventListener('abort', stopWatching);
      await moved;
      if (first === undefined) continue;
      out.delete(first.question.key);
      first.question.stop();
      if (first.answer === undefined) {
        if (!ended.signal.aborted) {
          unanswered.add(first.question.key);
          streamLog.unanswered(serving, run, [first.question.key]);
        }
        continue;
      }
      // Applied to the task as it is now: another request may have answered part of the round meanwhile, or
      // cancelled it. An answer to a question no longer pending is left out.
      await answerLatest(surface, await surface.serving.runs.get(run.id, surface.owner), { responses: Object.fromEntries([first.answer]), dropped: [] });
    }
  } finally {
    for (const question of out.values()) question.stop();
    ctx.mcpReq.signal.removeEventListener('abort', end);
    closing?.removeEventListener('abort', end);
    untrack?.();
  }
}

/**
 * Questions one 2025-era `tasks/result` asks on its stream before it only
 * waits (as for a client that refused): as many as a plain call asks.
 */
const MAX_QUESTIONS_PER_TASK_RESULT = 100;

/** `true` once `run` has changed in the store (answered, cancelled, gone); `false` when `stop` aborts first. */
async function watchForMove(surface: TaskSurface, run: RunRecord, stop: AbortSignal): Promise<boolean> {
  while (!stop.aborted) {
    await surface.serving.tasks!.waitForChange(run.id, surface.serving.pollIntervalMs, stop);
    if (stop.aborted) return false;
    if (await movedOn(surface, run)) return true;
  }
  return false;
}

/** Whether the task is no longer the `run` read before (another request answered it, it was cancelled, or it expired). */
async function movedOn(surface: TaskSurface, run: RunRecord): Promise<boolean> {
  const now = await surface.serving.runs.store.runs.get(run.id, surface.owner).catch(() => run);
  return now === undefined || now.version !== run.version;
}

/** A 2025-era `tasks/result` still waiting when the server begins to close. */
export const TASK_RESULT_ON_CLOSE = 'The server is shutting down; the task goes on. Ask for its result again (tasks/result), or poll tasks/get';

/**
 * `subscriptions/listen` is the SDK's to serve. The tasks extension says a
 * client that has not declared it, asking there for task notifications
 * (`notifications.taskIds`), MUST be refused with -32021: refused here,
 * before the SDK answers.
 */
export function refusingUndeclaredTaskListens(fetch: McpHttpHandler['fetch']): McpHttpHandler['fetch'] {
  return (request, options) => {
    const body = options?.parsedBody as { id?: unknown; method?: unknown; params?: { notifications?: { taskIds?: unknown }; _meta?: Record<string, unknown> } } | undefined;
    if (body?.method !== 'subscriptions/listen' || body.params?.notifications?.taskIds === undefined) return fetch(request, options);
    if (declaresTasksExtension(body.params._meta)) return fetch(request, options);
    const refusal = tasksExtensionRequired(`Task notifications need the ${TASKS_EXTENSION} extension: declare it in the request's client capabilities`);
    const id = typeof body.id === 'string' || typeof body.id === 'number' ? body.id : null;
    return Promise.resolve(Response.json({ jsonrpc: '2.0', id, error: { code: refusal.code, message: refusal.message, data: refusal.data } }, { status: 400 }));
  };
}
