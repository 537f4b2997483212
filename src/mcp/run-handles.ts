import type { CallToolResult, InputRequiredResult, Tool } from '@modelcontextprotocol/server';
import type { GraphTool } from '../graphs/tool.js';
import { compileValidator } from '../graphs/validator.js';
import { errorResult } from '../run/run-tool.js';
import type { ProgressReporter } from '../run/progress.js';
import type { DescribePause, RunStep } from '../run/runs.js';
import { TaskStopped, type Adopted, type TaskData } from '../run/tasks.js';
import { storeNow, type RunRecord } from '../store/store.js';
import type { CallContext, PauseData, PauseServing } from './pauses.js';
import { pausedResult, RUN_META_KEY } from './pauses.js';

/**
 * For callers that can neither poll tasks nor wait long (most agent
 * frameworks; `MultiServerMCPClient` gives up after 60 s): a call still
 * running after the graph's `max_wait_ms` answers with a run handle, and the
 * run goes on as a task. `get_run` fetches its result, `cancel_run` stops it.
 */

export const GET_RUN_TOOL = 'get_run';
export const CANCEL_RUN_TOOL = 'cancel_run';

/** The longest run (or task) id a caller may name: graph-mcp's are 22 characters. */
export const RUN_ID_MAX_LENGTH = 64;

/** A run or task id a caller named, as an answer quotes it: cut to `RUN_ID_MAX_LENGTH` (a megabyte of id is not said back). */
export function shownId(id: unknown): string {
  const text = String(id);
  return text.length > RUN_ID_MAX_LENGTH ? `${text.slice(0, RUN_ID_MAX_LENGTH)}…` : text;
}

const runIdInput: Tool['inputSchema'] = {
  type: 'object',
  properties: { run_id: { type: 'string', minLength: 1, maxLength: RUN_ID_MAX_LENGTH, description: 'The id of the run, from the result that handed it out.' } },
  required: ['run_id'],
  additionalProperties: false,
};

export const getRunDefinition: Tool = {
  name: GET_RUN_TOOL,
  title: 'Get a run\'s result',
  description:
    'Gets the result of a tool run that is still going in the background: its result, as the tool would have answered, once it has one. While the run is working, waits for it up to as long as the tool call itself did, then says how far it got; call it again then.',
  inputSchema: runIdInput,
  annotations: { readOnlyHint: true, openWorldHint: false },
};

export const cancelRunDefinition: Tool = {
  name: CANCEL_RUN_TOOL,
  title: 'Cancel a run',
  description: 'Stops a tool run that is still going in the background, or paused waiting for an answer.',
  inputSchema: runIdInput,
  annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
};

const validateRunId = compileValidator(runIdInput, 'run id input schema');

/** The run id from a `get_run` / `cancel_run` call, or the problems with the arguments. */
export function parseRunId(args: unknown): string | string[] {
  const problems = validateRunId(args ?? {});
  return problems.length > 0 ? problems : (args as { run_id: string }).run_id;
}

/** What `withinWait` gives when the wait ran out first. */
export const WAITED = Symbol('waited');

/** `running`'s value, or `WAITED` if `ms` pass first. */
export async function withinWait<T>(running: Promise<T>, ms: number): Promise<T | typeof WAITED> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([running, new Promise<typeof WAITED>((resolve) => (timer = setTimeout(() => resolve(WAITED), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An abort controller that follows the request's signal until `letGo()`:
 * for a run that stops with its request only until it is handed out.
 */
export function detachable(request: AbortSignal | undefined): { controller: AbortController; letGo(): void } {
  const controller = new AbortController();
  let held = true;
  const follow = () => {
    if (held) controller.abort(request?.reason);
  };
  if (request?.aborted) follow();
  else request?.addEventListener('abort', follow, { once: true });
  return {
    controller,
    letGo: () => {
      held = false;
      request?.removeEventListener('abort', follow);
    },
  };
}

/**
 * Runs a call in this request, but answers with a run handle if it is still
 * going after `max_wait_ms`: the run is then adopted as a task (no longer
 * stopped when this request ends) and records its outcome in the store.
 */
export async function runWithDeadline(
  serving: PauseServing,
  call: CallContext,
  args: unknown,
  continueStep: (step: RunStep) => Promise<CallToolResult | InputRequiredResult>,
  describe: DescribePause,
): Promise<CallToolResult | InputRequiredResult> {
  const tasks = serving.tasks!;
  const { tool } = call;
  // The run's own abort: the request's abort stops it only until it is adopted.
  const detach = detachable(call.runOptions.signal);
  const detached = detach.controller;
  let adoption: Promise<Adopted> | undefined;
  // Once taken over, how far the run got is its task's status (the handle's `progress`), no longer the request's.
  // Only a run streamed anyway reports progress: a call is not streamed for this alone.
  let adopted: Adopted | undefined;
  const streamed = call.runOptions.progress !== undefined || call.runOptions.log !== undefined;
  // The last message before then becomes the task's first status (the handle's `progress`).
  let lastMessage: string | undefined;
  const progress: ProgressReporter = (update) => {
    if (adopted) return adopted.progress(update);
    if (update.message !== undefined) lastMessage = update.message;
    return call.runOptions.progress?.(update);
  };
  const runOptions = { ...call.runOptions, signal: detached.signal, ...(streamed ? { progress } : {}) };
  // Set once the run has asked whether it was taken over, at its end: from then on it no longer can be.
  let ended = false;
  const started = serving.runs.startAdoptable(tool, args, call.owner, runOptions, describe, () => {
    ended = true;
    return adoption;
  });
  const { id, step: running } = started;

  const first = await withinWait(running, tool.maxWaitMs);
  if (first !== WAITED) return continueStep(first);
  // The deadline came while the run was recording how it ended: it answers this call after all.
  if (ended) return continueStep(await running);
  // A caller with as many runs stored as one may is not handed one more: the call waits for its run, as with no store.
  // The count is a store round trip, and the run may end meanwhile: it then answers this call after all.
  if (!(await serving.runs.hasRoomFor(call.owner)) || ended) return continueStep(await running);
  adoption = tasks.adopt({
    id,
    tool,
    args,
    principal: call.principal,
    ttlMs: serving.taskTtlMs,
    secretsUsed: call.runOptions.secretsUsed,
    controller: detached,
    progress: lastMessage,
  });
  detach.letGo();
  // From its next step boundary on, the run stores its checkpoints as a task does.
  started.makeDurable();
  // The run goes on; what it comes to is recorded by the adoption.
  running.catch((error: unknown) => {
    // Stopped here (the task cancelled, the server shutting down): said by what stopped it, not by the run's own abort error.
    const stopped = detached.signal.aborted;
    const why = stopped ? detached.signal.reason : error;
    const fields = { err: { message: why instanceof Error ? why.message : String(why) }, run: id };
    // Its caller cancelled it (`cancel_run`, `tasks/cancel`): nothing went wrong.
    if (why instanceof TaskStopped && why.reason === 'cancelled') serving.logger?.info(fields, 'an adopted run was cancelled');
    else if (why instanceof TaskStopped && why.reason === 'expired') serving.logger?.info(fields, 'an adopted run expired (its ttl) while it ran: stopped');
    else serving.logger?.warn(fields, stopped ? 'an adopted run was stopped' : 'an adopted run failed');
  });
  adopted = await adoption;
  return runHandleResult(tool.name, adopted.run, serving.pollIntervalMs);
}

/**
 * `get_run` on a run still working waits, as the call itself did, up to the
 * tool's `max_wait_ms` for it to end or ask: a model that calls again at
 * once is answered when there is news, not with the same handle in a loop
 * that spends its turns. Resolves to the run as it then is (`undefined`
 * once gone), early when the caller goes or the server begins to close.
 */
export async function awaitRunNews(serving: PauseServing, run: RunRecord, owner: string, maxWaitMs: number, signal: AbortSignal): Promise<RunRecord | undefined> {
  const deadline = Date.now() + maxWaitMs;
  const stop = new AbortController();
  const end = () => stop.abort();
  signal.addEventListener('abort', end, { once: true });
  serving.closing?.addEventListener('abort', end, { once: true });
  if (signal.aborted || serving.closing?.aborted) end();
  let current: RunRecord | undefined = run;
  try {
    while (current?.status === 'working' && !resumeLapsed(current, storeNow(serving.runs.store)) && !stop.signal.aborted && serving.tasks !== undefined) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await serving.tasks.waitForChange(run.id, Math.min(serving.pollIntervalMs, left), stop.signal);
      current = await serving.runs.get(run.id, owner);
    }
    return current;
  } finally {
    signal.removeEventListener('abort', end);
    serving.closing?.removeEventListener('abort', end);
  }
}

/**
 * graph-mcp's own tool `name` as a text tells a model to call it. Agent
 * frameworks often prefix tool names with their server's (to tell apart the
 * `resume_run` of two graph-mcp servers): the name to call is then the one
 * with the same prefix as `beside`, the tool the model called.
 */
export function ownToolNamed(name: string, beside: string): string {
  return `"${name}" (if your tool names carry a prefix, the one with the same prefix as "${beside}")`;
}

/**
 * A paused run whose answer a process took and then stopped renewing its
 * claim (it died, lost the store, or a node blocks its event loop): the
 * claim lapsed, and another answer may take the run (`Runs.resume` takes a
 * lapsed claim), so it is answered as paused, not as a run still going.
 */
export function resumeLapsed(run: RunRecord, now: number): boolean {
  return run.kind === 'call' && run.status === 'working' && run.leaseUntil !== null && run.leaseUntil <= now && ((run.data as PauseData).questions ?? []).length > 0;
}

/** What `get_run` answers for a run, by its state (`now`: the store's clock). */
export function runAnswer(tool: GraphTool, run: RunRecord, pollIntervalMs: number, now: number): CallToolResult {
  switch (run.status) {
    case 'completed':
    case 'failed':
    case 'cancelled':
      return endedAnswer(run);
    case 'input_required':
      return pausedResult(tool, run, (run.data as PauseData).questions ?? []);
    case 'working': {
      if (!resumeLapsed(run, now)) return runHandleResult(tool.name, run, pollIntervalMs);
      const paused = pausedResult(tool, run, (run.data as PauseData).questions ?? []);
      const note = `The answer given to the run of tool "${tool.name}" may not have been applied: the process resuming it stopped renewing its claim on the run (it stopped, or is stuck). Answer again.`;
      return { ...paused, content: [{ type: 'text', text: note }, ...paused.content] };
    }
  }
}

/** What a run that ended answered (its tool need not be served any more). */
export function endedAnswer(run: RunRecord): CallToolResult {
  const data = run.data as TaskData;
  if (run.status === 'cancelled') return data.result ?? errorResult('RUN_CANCELLED', `The run of tool "${run.tool}" was cancelled.`);
  return data.result ?? errorResult('GRAPH_FAILED', `Tool "${run.tool}" failed: ${data.error?.message ?? 'no result'}`);
}

/** A run still going: what it is, how far it got, and how to get its result. */
export function runHandleResult(toolName: string, run: RunRecord, pollIntervalMs: number): CallToolResult {
  const progress = run.progress ? ` Last step: ${run.progress}.` : '';
  return {
    // Flagged as an error so clients that check results against the tool's output schema accept it.
    isError: true,
    content: [
      {
        type: 'text',
        text:
          `The tool "${toolName}" is still running in the background; it has not failed.${progress}\n\n` +
          `To get its result, call the tool ${ownToolNamed(GET_RUN_TOOL, toolName)} with {"run_id": "${run.id}"}: it waits for the run a while before it answers. ` +
          `To stop it, call "${CANCEL_RUN_TOOL}" with the same arguments.`,
      },
    ],
    _meta: {
      [RUN_META_KEY]: {
        id: run.id,
        status: 'working',
        tool: toolName,
        ...(run.progress ? { progress: run.progress } : {}),
        pollIntervalMs,
        expiresAt: new Date(run.expiresAt).toISOString(),
      },
    },
  };
}
