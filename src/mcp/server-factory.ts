import {
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type AuthInfo,
  type CallToolResult,
  type JSONRPCErrorResponse,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type McpServerFactory,
  type Result,
  type ServerContext,
  type ServerOptions,
  type Transport,
} from '@modelcontextprotocol/server';
import type { ToolRegistry } from '../graphs/load-graphs.js';
import type { GraphTool } from '../graphs/tool.js';
import { errorResult, graphFailureCause, RunAbortedError, runTool, type RunContext, type RunOptions } from '../run/run-tool.js';
import { answerChannel, resumeFromModel, serveCall, SERVER_REQUEST_ID_PREFIX, type CallAnswer, type PauseServing } from './pauses.js';
import { parseResumeRunArgs, RESUME_RUN_TOOL, resumeRunDefinition } from './resume-run-tool.js';
import { awaitRunNews, CANCEL_RUN_TOOL, cancelRunDefinition, endedAnswer, GET_RUN_TOOL, getRunDefinition, parseRunId, runAnswer, shownId } from './run-handles.js';
import { createTask, declaresTasksExtension, registerTaskHandlers, taskForbidden, taskRequired, toolNotServed, type TaskSurface } from './tasks.js';
import { TASKS_EXTENSION } from './task-shapes.js';
import { idCancellable, type CancelOutcome, type RunTracker } from '../run/tracker.js';
import { risingProgress, type ProgressUpdate } from '../run/progress.js';
import { noteDetail, requestLogOf, type RequestLog } from './request-log.js';
import { toolPages } from './tool-pages.js';
import { assertClientCapabilities, logReporterFor } from './call-context.js';
import { StreamPacer } from './stream-pacer.js';
import { acceptedBy } from './accept.js';
import { contentFor, knowsElicitation, legacyRevision, questionFor } from './legacy-content.js';
import { MAX_VALUE_DEPTH, nestsDeeperThan } from '../http/json-depth.js';
import { malformedInputResponses, readableInvalidParams, withInvalidParams } from './invalid-params.js';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../log.js';
import { hasEnded, storeNow } from '../store/store.js';

export interface ServerFactoryOptions {
  name: string;
  version: string;
  registry: ToolRegistry;
  tracker: RunTracker;
  /** Who is calling: read from the request's auth info. */
  principalOf: (authInfo: AuthInfo | undefined) => Principal | undefined;
  /** Whether the principal may see and call the tool. */
  canCall: (principal: Principal | undefined, tool: GraphTool) => boolean;
  /** A run's `config.configurable` (identity, credentials) and the secrets it was handed. */
  runContextFor: (principal: Principal | undefined) => RunContext;
  /** Most tools in one `tools/list` answer. */
  toolsPageSize: number;
  /** Runs may pause at `interrupt()` and be resumed (a store is configured); adds `resume_run`. */
  pauses?: PauseServing | undefined;
  logger?: Logger;
}

/**
 * A per-request `Server` that also hands the answers to graph-mcp's own
 * requests (questions sent on a 2025-era response stream, which the client
 * posts back in a new request) to the store's signals, for whichever
 * process is waiting for them.
 */
/**
 * Where a 2025-era `notifications/cancelled` goes when the call it names
 * does not run on the process that received it: every process sharing the
 * store listens (`listenForCancels`) and stops the call if it runs there.
 */
export const CALL_CANCEL_CHANNEL = 'calls:cancel';

/** A cancel passed on to the other processes: whose, naming what, from which tracker, and when it came (the store's clock). */
interface PassedCancel {
  owner?: string | null;
  requestId?: string | number;
  origin?: string;
  at?: number;
}

/**
 * Stops calls on this process that a cancel received by another process
 * names. Its own, coming back, it ignores: it found no such call when the
 * cancel came, and one begun since (the id used again) is not the one named.
 * Nor, for the same reason, a call here that began after the cancel came
 * (`now`: the store's clock, which every process reads alike).
 */
export function listenForCancels(signals: PauseServing['signals'], tracker: RunTracker, now: () => number = Date.now): Promise<() => void> {
  return signals.subscribe(CALL_CANCEL_CHANNEL, (payload) => {
    const { owner, requestId, origin, at } = (payload ?? {}) as PassedCancel;
    if (requestId === undefined || origin === tracker.origin) return;
    // The store's time of the cancel, on this process's clock.
    const receivedAt = typeof at === 'number' ? at - (now() - Date.now()) : undefined;
    tracker.cancel(owner ?? undefined, requestId, Date.now(), receivedAt);
  });
}

/** What the request log says a 2025-era `notifications/cancelled` did. */
const CANCEL_OUTCOMES: Record<CancelOutcome, string> = { cancelled: 'cancelled', unknown: 'not_running', ended: 'already_ended', ambiguous: 'ambiguous' };

/** Carries a task's creation result past the SDK's `CallToolResult` check. */
class TaskCreated extends Error {
  constructor(readonly result: Result) {
    super('task created');
  }
}

/** What a caller is told of a failure of the server itself; the log has the cause. */
export const INTERNAL_ERROR_MESSAGE = 'Internal error: the server could not complete the request (it is logged); try again later';

function isTaskCreation(result: Result): boolean {
  return (result as { resultType?: unknown }).resultType === 'task' || ('task' in result && typeof result.task === 'object');
}

class GraphMcpServer extends Server {
  constructor(
    info: { name: string; version: string },
    options: ServerOptions,
    private readonly onAnswer: ((response: JSONRPCResponse | JSONRPCErrorResponse) => void) | undefined,
    private readonly logger: Logger | undefined,
    private readonly log: RequestLog | undefined,
  ) {
    super(info, options);
  }

  /**
   * A request answered with a JSON-RPC error is logged `error`, unless its
   * handler gave a closer outcome: also when the SDK answers it before any
   * handler runs (a method it does not serve, a bad envelope, an invalid
   * requestState). The per-request transport is this server's alone.
   */
  override async connect(transport: Transport): Promise<void> {
    const log = this.log;
    if (log) {
      const send = transport.send.bind(transport);
      transport.send = (message, options) => {
        if ('error' in message) {
          if (log.outcome === undefined) log.outcome = 'error';
          noteDetail(log, `${message.error.code}: ${message.error.message}`);
        }
        return send(message, options);
      };
    }
    await super.connect(transport);
  }

  /**
   * The SDK checks a `tools/call` result against `CallToolResult`, which a
   * task's creation result is not (the SDK has no tasks runtime): a task
   * result passes by the check, everything else goes through it. A request
   * whose params fail the SDK's own parse is answered -32602.
   */
  protected override _wrapHandler(
    method: string,
    handler: (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>,
  ): (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result> {
    const parsed = withInvalidParams(method, handler);
    if (method !== 'tools/call') return this.failuresAnswered(method, super._wrapHandler(method, parsed));
    const checked = super._wrapHandler(method, async (request, ctx) => {
      const result = await parsed(request, ctx);
      if (isTaskCreation(result)) throw new TaskCreated(result);
      return result;
    });
    return this.failuresAnswered(method, async (request, ctx) => {
      try {
        return await checked(request, ctx);
      } catch (error) {
        if (error instanceof TaskCreated) return error.result;
        throw readableInvalidParams(method, error);
      }
    });
  }

  /**
   * The SDK answers whatever a handler throws with the error's own message.
   * A JSON-RPC error (an integer `code`: the SDK's, graph-mcp's, a graph's)
   * is meant for the caller and passes. Anything else is a failure of the
   * server (its store unreachable, a fault): logged here with its cause, and
   * answered `-32603` without its words, which may name a database host or
   * a file path.
   */
  private failuresAnswered(
    method: string,
    handler: (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>,
  ): (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result> {
    return async (request, ctx) => {
      try {
        return await handler(request, ctx);
      } catch (error) {
        if (error instanceof RunAbortedError || Number.isSafeInteger((error as { code?: unknown } | undefined)?.code)) throw error;
        // Its tool and caller, to tell it apart from the other requests of the moment (its request line says the rest).
        const tool = (request.params as { name?: unknown } | undefined)?.name;
        const principal = ctx.http?.authInfo?.clientId;
        this.logger?.error(
          { err: error, method, ...(typeof tool === 'string' ? { tool } : {}), ...(principal ? { principal } : {}), id: request.id },
          `${method} failed on the server`,
        );
        throw new ProtocolError(ProtocolErrorCode.InternalError, INTERNAL_ERROR_MESSAGE);
      }
    };
  }

  /**
   * A response posted to a stateless server answers one of graph-mcp's
   * questions, or nothing: this per-request server has sent no request of
   * its own that it could answer. Those are dropped here, not handed to the
   * SDK, which writes the whole response into an error (a deeply nested one
   * overflowed the stack, and was answered -32700 with the fault's text).
   */
  protected override _onresponse(response: JSONRPCResponse | JSONRPCErrorResponse): void {
    if (typeof response.id === 'string' && response.id.startsWith(SERVER_REQUEST_ID_PREFIX) && this.onAnswer) {
      this.onAnswer(response);
      return;
    }
    this.logger?.debug({ id: String(response.id).slice(0, 200) }, 'a response that answers no question asked here was dropped');
  }
}

/** A caller that would be given a task (and can poll it) needs no run handle. */
function canPollTasks(params: { task?: unknown }, ctx: ServerContext, era: 'modern' | 'legacy'): boolean {
  if (era === 'legacy') return params.task !== undefined;
  return declaresTasksExtension(ctx.mcpReq.envelope as Record<string, unknown> | undefined);
}

function outcomeOf(result: CallAnswer): string {
  if ('resultType' in result && result.resultType === 'input_required') return 'input_required';
  if (('resultType' in result && result.resultType === 'task') || 'task' in result) return 'task';
  const call = result as CallToolResult;
  // An error's own code first: `resume_run` refusing an answer (ANSWER_INVALID) still names its run.
  const code = call.isError ? (call._meta?.['graph-mcp/error'] as { code?: string } | undefined)?.code : undefined;
  if (code !== undefined) return String(code);
  const run = call._meta?.['graph-mcp/run'] as { status?: unknown } | undefined;
  // `cancel_run` names the run it stopped.
  if (run !== undefined) return run.status === 'cancelled' ? 'cancelled' : 'paused';
  return call.isError ? 'error' : 'ok';
}

/** The text of an error result that reports a failure (not a question, nor a run still going), as its caller read it. */
function failureOf(result: CallAnswer): string | undefined {
  const call = result as CallToolResult;
  if (!call.isError || call._meta?.['graph-mcp/error'] === undefined) return undefined;
  const first = call.content?.[0];
  return first?.type === 'text' ? first.text : undefined;
}

/**
 * The tool list cannot change while the process runs, so 2026-07-28 clients
 * may cache it. `private`: with access rules, lists differ per caller.
 */
const LIST_CACHE_HINT = { ttlMs: 300_000, cacheScope: 'private' } as const;

/**
 * One low-level `Server` per request. The high-level `McpServer` would
 * register every tool on every request (O(graphs)); here `tools/list`
 * returns a list built at start-up and `tools/call` is a map lookup.
 */
export function createServerFactory(options: ServerFactoryOptions): McpServerFactory {
  const { registry, tracker, pauses } = options;
  const ownTools = pauses ? [resumeRunDefinition, ...(pauses.tasks ? [getRunDefinition, cancelRunDefinition] : [])] : [];
  const ownToolNames = new Set(ownTools.map((tool) => tool.name));
  const everyTool = [...registry.definitions, ...ownTools];
  const listPage = toolPages(options.toolsPageSize);
  const allOpen = registry.tools.every((tool) => options.canCall(undefined, tool));
  const tasks = pauses?.tasks;
  const serverOptionsFor = (era: 'modern' | 'legacy'): ServerOptions => ({
    capabilities: {
      tools: { listChanged: false },
      // Graphs' log messages (`config.writer?.({ log })`), sent per request: see run/log.ts.
      logging: {},
      // Tasks: the 2026-07-28 extension, or 2025's experimental capability.
      ...(tasks && era === 'modern' ? { extensions: { [TASKS_EXTENSION]: {} } } : {}),
      ...(tasks && era === 'legacy' ? { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } : {}),
    },
    cacheHints: { 'tools/list': LIST_CACHE_HINT, 'server/discover': LIST_CACHE_HINT },
    ...(pauses ? { requestState: { verify: (state: string, ctx: ServerContext) => pauses.codec.verify(state, ctx) } } : {}),
  });
  const serverOptions = { modern: serverOptionsFor('modern'), legacy: serverOptionsFor('legacy') };

  return ({ authInfo, era, requestInfo }) => {
    const log = requestLogOf(requestInfo);
    const principal = options.principalOf(authInfo);
    const owner = principal?.id ?? '';
    const onAnswer = pauses
      ? (response: JSONRPCResponse | JSONRPCErrorResponse) => {
          const { id, ...rest } = response;
          // Too deep to pass on (or to use): the waiting call takes it as a refusal at once, instead of waiting for ever.
          const answer = nestsDeeperThan(rest, MAX_VALUE_DEPTH)
            ? { error: { code: ProtocolErrorCode.InvalidParams, message: `the answer is nested more than ${MAX_VALUE_DEPTH} levels deep` } }
            : rest;
          if (answer !== rest) options.logger?.info({ id: String(id).slice(0, 200) }, `an answer nested more than ${MAX_VALUE_DEPTH} levels deep was taken as a refusal`);
          void pauses.signals.publish(answerChannel(String(id)), { owner, response: answer }).catch((error: unknown) => {
            options.logger?.warn({ err: { message: (error as Error).message } }, 'an answer could not be passed on');
          });
        }
      : undefined;
    // `Server` is marked for advanced use; per-request O(1) serving is one.
    const server = new GraphMcpServer({ name: options.name, version: options.version }, serverOptions[era], onAnswer, options.logger, log);
    // A 2025-era client of a revision before 2025-06-18 knows no elicitation: it is not asked on the stream.
    const revision = era === 'legacy' ? legacyRevision(requestInfo) : undefined;
    const streamFor = (ctx: ServerContext) =>
      revision !== undefined && knowsElicitation(revision)
        ? Object.assign(
            // In the form its revision reads.
            (message: JSONRPCRequest) => {
              const asked = questionFor(revision, message);
              return asked === undefined ? Promise.reject(new Error(`a ${revision} client cannot read this question`)) : server.transport!.send(asked, { relatedRequestId: ctx.mcpReq.id });
            },
            // A round holding a question it cannot read at all is not asked on its stream: the call answers with its paused run.
            { cannotAsk: (question: Pick<JSONRPCRequest, 'method' | 'params'>) => questionFor(revision, question) === undefined },
          )
        : undefined;
    const surface = (): TaskSurface => ({
      serving: pauses!,
      owner,
      principal,
      era,
      tools: registry,
      canCall: (tool) => options.canCall(principal, tool),
      track: (requestId, controller) => tracker.track(principal?.id, requestId, controller, era === 'legacy'),
      malformedAnswers: (method) => malformedInputResponses(requestInfo, method),
    });
    if (tasks) registerTaskHandlers(server, surface, (ctx) => canPollTasks({}, ctx, 'modern'), streamFor);

    server.setRequestHandler('tools/list', (request) => {
      const tools = allOpen ? everyTool : [...registry.tools.filter((tool) => options.canCall(principal, tool)).map((tool) => tool.definition), ...ownTools];
      return listPage(tools, request.params?.cursor);
    });

    server.setRequestHandler('tools/call', async (request, ctx) => {
      const { name } = request.params;
      if (log) log.tool = name;
      const ownTool = ownToolNames.has(name);
      const tool = ownTool ? undefined : registry.get(name);
      // A tool the caller may not call is answered exactly like one that does not exist.
      if (!ownTool && (tool === undefined || !options.canCall(principal, tool))) {
        if (log) log.outcome = 'unknown_tool';
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
      }
      if (tool !== undefined) assertClientCapabilities(tool, ctx);
      const malformed = malformedInputResponses(requestInfo, 'tools/call');
      if (malformed !== undefined) throw malformed;
      if (era === 'legacy' && tasks && (request.params as { task?: unknown }).task !== undefined && (ownTool || tool?.task === 'never')) taskForbidden(name);

      // A 2026-07-28 client whose Accept takes JSON only is answered with JSON: nothing is streamed before it.
      const streams = era === 'legacy' || requestInfo === undefined || acceptedBy(requestInfo).stream;
      const progressToken = streams ? (request.params._meta?.progressToken ?? ctx.mcpReq._meta?.progressToken) : undefined;
      // Rising across the executions of one call: a run resumed after a question counts its nodes again.
      const rising = risingProgress();
      const runContext = options.runContextFor(principal);
      const logReporter = streams ? logReporterFor(ctx, runContext.secretsUsed) : undefined;
      // Held back while the client does not keep up with its stream: see stream-pacer.ts. A call that streams nothing needs none.
      const pacer =
        progressToken === undefined && logReporter === undefined
          ? undefined
          : new StreamPacer(
              requestInfo,
              progressToken === undefined ? undefined : (update) => ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, ...update } }),
              logReporter,
            );
      const progress = progressToken === undefined ? undefined : (update: ProgressUpdate) => pacer!.progress(rising(update));
      const logMessages = logReporter && pacer!.log;
      // Aborted by the client going away, or by a 2025-era `notifications/cancelled` (through the tracker).
      const cancel = new AbortController();
      const gone = () => cancel.abort(ctx.mcpReq.signal.reason);
      if (ctx.mcpReq.signal.aborted) gone();
      else ctx.mcpReq.signal.addEventListener('abort', gone, { once: true });
      const untrack = tracker.track(principal?.id, ctx.mcpReq.id, cancel, era === 'legacy');
      const runOptions: RunOptions = {
        signal: cancel.signal,
        stopSignal: tracker.stopSignal,
        configurable: runContext.configurable,
        ...(progress ? { progress } : {}),
        ...(logMessages ? { log: logMessages } : {}),
        ...(runContext.secretsUsed ? { secretsUsed: runContext.secretsUsed } : {}),
        ...(runContext.beforeContinuing ? { beforeContinuing: runContext.beforeContinuing } : {}),
      };
      try {
        let result: CallAnswer;
        if (pauses === undefined) result = await runTool(tool!, request.params.arguments, runOptions);
        else {
          const sendOnStream = streamFor(ctx);
          const polls = canPollTasks(request.params, ctx, era);
          const call = { owner, principal, canPollTasks: polls, runOptions, ctx, era, sendOnStream } as const;
          if (tool !== undefined && tasks && tool.task === 'required' && !polls) taskRequired(tool, era);
          // A 2026-07-28 task that begins further in (`task_starts_at`): the run starts in the call, asking there first.
          const startsInCall = tool !== undefined && tasks !== undefined && polls && era === 'modern' && tool.task !== 'never' && tool.taskStartsAt !== undefined;
          // A retry bringing a requestState continues the paused run it names (its answers applied), task or not:
          // a task begun anew would ask again from the start, the answers dropped and the paused run left stored.
          const continuing = era === 'modern' && ctx.mcpReq.requestState() !== undefined;
          if (tool !== undefined && tasks && tool.task !== 'never' && polls && !startsInCall && !continuing) {
            const ttl = (request.params as { task?: { ttl?: unknown } }).task?.ttl;
            result = (await createTask(surface(), tool, request.params.arguments, typeof ttl === 'number' ? ttl : undefined, progressToken)) as CallAnswer;
          } else if (tool !== undefined) {
            const bounded = startsInCall ? { ...call, runOptions: { ...runOptions, stopBefore: tool.taskStartsAt } } : call;
            result = await serveCall(pauses, { ...bounded, tool }, request.params.arguments);
          }
          else if (name === RESUME_RUN_TOOL) result = await resumeRun(request.params.arguments, call);
          else result = await runTool_(name, request.params.arguments, cancel.signal);
        }
        if (log) {
          log.outcome = outcomeOf(result);
          const failure = failureOf(result);
          if (failure !== undefined) noteDetail(log, failure);
        }
        // What the graph threw, stack and all (scrubbed as every logged error is), for whoever debugs it.
        const thrown = graphFailureCause(result);
        if (thrown !== undefined) options.logger?.debug({ err: thrown, tool: name }, 'the graph failed; what it threw');
        return revision === undefined ? result : contentFor(revision, result);
      } catch (error) {
        if (log) log.outcome = error instanceof RunAbortedError ? 'cancelled' : 'error';
        // Cancelled by `notifications/cancelled`: the spec says no response. A
        // 2025-era call ends its response stream without one (the SDK's
        // attempt to answer then finds no stream to write to).
        if (error instanceof RunAbortedError && cancel.signal.aborted && !ctx.mcpReq.signal.aborted && era === 'legacy') {
          (server.transport as { closeSSEStream?: (id: typeof ctx.mcpReq.id) => void } | undefined)?.closeSSEStream?.(ctx.mcpReq.id);
        }
        throw error;
      } finally {
        pacer?.end();
        ctx.mcpReq.signal.removeEventListener('abort', gone);
        untrack();
      }
    });

    /** `get_run` / `cancel_run`: the caller's own run, by id. */
    async function runTool_(name: string, args: unknown, signal: AbortSignal): Promise<CallAnswer> {
      const parsed = parseRunId(args);
      if (Array.isArray(parsed)) return errorResult('INVALID_ARGUMENTS', `Invalid arguments for tool "${name}":\n${parsed.map((p) => `- ${p}`).join('\n')}`);
      let run = await pauses!.runs.get(parsed, owner);
      const tool = run ? registry.get(run.tool) : undefined;
      if (run !== undefined && tool === undefined) {
        // A tool a deploy removed or renamed: its owner gets what an ended run answered, or is told
        // so, and may still cancel the run.
        if (name !== CANCEL_RUN_TOOL) return hasEnded(run) ? endedAnswer(run) : errorResult('RUN_NOT_FOUND', toolNotServed('Run', run));
        run = (await pauses!.tasks!.cancel(run)) ?? run;
        return { content: [{ type: 'text', text: `The run of tool "${run.tool}" is ${run.status}.` }], _meta: { 'graph-mcp/run': { id: run.id, status: run.status, tool: run.tool } } };
      }
      if (run === undefined || tool === undefined || !options.canCall(principal, tool)) {
        return errorResult('RUN_NOT_FOUND', `No run "${shownId(parsed)}" was found for you: it may have expired, or never existed.`);
      }
      if (name === CANCEL_RUN_TOOL) {
        run = (await pauses!.tasks!.cancel(run)) ?? (await pauses!.runs.get(parsed, owner)) ?? run;
        if (run.status !== 'cancelled') return runAnswer(tool, run, pauses!.pollIntervalMs, storeNow(pauses!.runs.store));
        return { content: [{ type: 'text', text: `The run of tool "${tool.name}" is cancelled.` }], _meta: { 'graph-mcp/run': { id: run.id, status: 'cancelled', tool: tool.name } } };
      }
      if (run.status === 'working') run = await awaitRunNews(pauses!, run, owner, tool.maxWaitMs, signal);
      if (run === undefined) return errorResult('RUN_NOT_FOUND', `No run "${shownId(parsed)}" was found for you: it may have expired, or never existed.`);
      return runAnswer(tool, run, pauses!.pollIntervalMs, storeNow(pauses!.runs.store));
    }

    /** `resume_run`: the caller's own paused run, answered by its model. */
    async function resumeRun(
      args: unknown,
      call: Omit<import('./pauses.js').CallContext, 'tool'>,
    ): Promise<CallAnswer> {
      const parsed = parseResumeRunArgs(args);
      if (Array.isArray(parsed)) return errorResult('INVALID_ARGUMENTS', `Invalid arguments for tool "${RESUME_RUN_TOOL}":\n${parsed.map((p) => `- ${p}`).join('\n')}`);
      const run = await pauses!.runs.get(parsed.runId, call.owner);
      const tool = run ? registry.get(run.tool) : undefined;
      if (run !== undefined && tool === undefined) return errorResult('RUN_NOT_FOUND', toolNotServed('Run', run));
      // Unknown, expired, someone else's, or a tool the caller may no longer call: all answered alike.
      if (run === undefined || tool === undefined || !options.canCall(principal, tool)) {
        return errorResult('RUN_NOT_FOUND', `No paused run "${shownId(parsed.runId)}" was found for you: it may have expired, finished, or never existed.`);
      }
      // A 2026-07-28 client retrying a round that resume_run itself asked: continue that round.
      if (call.era === 'modern' && call.ctx.mcpReq.requestState() !== undefined) return serveCall(pauses!, { ...call, tool }, undefined, 'resume_run');
      return resumeFromModel(pauses!, { ...call, tool }, run, {
        ...(parsed.answer !== undefined ? { one: parsed.answer } : {}),
        ...(parsed.answers !== undefined ? { byKey: parsed.answers } : {}),
      });
    }

    // 2025-era cancellation arrives as a separate request, served by a fresh
    // instance that never saw the run: look the run up by caller and id.
    server.setNotificationHandler('notifications/cancelled', (notification) => {
      const requestId = notification.params.requestId;
      if (requestId === undefined) return;
      // 2026-07-28 cancels a request by closing it, never by id: an id from such a client could
      // only name another client's 2025-era call that counts its ids alike.
      if (era === 'modern') {
        if (log) log.outcome = 'ignored';
        return;
      }
      const outcome = tracker.cancel(principal?.id, requestId);
      if (log) log.outcome = CANCEL_OUTCOMES[outcome];
      // Not known here: the call may be running on another process sharing the store (an id
      // too long to name a call is passed to none: see MAX_CANCELLABLE_ID_LENGTH).
      if (outcome === 'unknown' && pauses && idCancellable(requestId)) {
        const passed: PassedCancel = { owner: principal?.id ?? null, requestId, origin: tracker.origin, at: storeNow(pauses.runs.store) };
        void pauses.signals.publish(CALL_CANCEL_CHANNEL, passed).catch(() => undefined);
      }
    });

    return server;
  };
}
