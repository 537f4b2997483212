import { Command, END } from '@langchain/langgraph';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import { ProtocolError, type CallToolResult } from '@modelcontextprotocol/server';
import { GraphMcpError, isGraphMcpError, messageOf } from '../errors.js';
import type { GraphTool } from '../graphs/tool.js';
import { graphLayers } from '../graphs/resolve-graph.js';
import { graphFailureMessage, issuesMessage, isAbortError, isDrained, isInterruptWithoutCheckpointer, isInvalidResume, isRecursionLimitError, readableFailure, recursionLimitOf } from './graph-errors.js';
import { streamWithProgress, type ProgressReporter } from './progress.js';
import { RunAbort } from './run-abort.js';
import type { LogReporter } from './log.js';
import { failureData, failureText, scrubText as redact, scrubValue } from './scrub.js';
import { MAX_VALUE_DEPTH, valueProblem } from '../http/json-depth.js';
import { toPlainJson } from '../graphs/to-json.js';
import { shapeContent } from './content.js';
import { isStoreFailure, storeFailure } from '../store/store-failure.js';

export interface RunOptions {
  /** Aborts the run: the client disconnected or cancelled. No result is sent. */
  signal?: AbortSignal;
  /** Aborts the run because the server is stopping; the caller gets an error result. */
  stopSignal?: AbortSignal;
  /** Values merged into `config.configurable` (identity, credentials). */
  configurable?: Record<string, unknown>;
  /** Present when the caller asked for progress: the run is streamed. */
  progress?: ProgressReporter;
  /** Present when the caller takes log messages: the run is streamed. */
  log?: LogReporter;
  /** Secrets handed to the run so far: scrubbed from whatever the run returns. */
  secretsUsed?: () => readonly string[];
  /**
   * Called before a run continues from a checkpoint (`resume`,
   * `fromCheckpoint`): counts every secret its earlier nodes could have
   * been handed, so that they are scrubbed too.
   */
  beforeContinuing?: () => Promise<void>;
  /**
   * The LangGraph thread the run keeps its checkpoints in, so that it can
   * pause at `interrupt()`. `checkpointer` is lent to a graph compiled
   * without one of its own. Without a thread, `interrupt()` fails the run.
   */
  thread?: { id: string; checkpointer?: BaseCheckpointSaver; durability?: 'exit' | 'async' | 'sync' };
  /** Resume a paused run: answers keyed by interrupt id (`Command({ resume })`). Arguments are not used. */
  resume?: Record<string, unknown>;
  /** Continue the thread from its last checkpoint (after a crash). Arguments are not used. */
  fromCheckpoint?: boolean;
  /**
   * Stop when the run reaches one of these nodes, before running it (a
   * LangGraph breakpoint, `interruptBefore`), checkpointed: the outcome is
   * `boundary`, and whoever continues the thread from its checkpoint runs
   * that node first. Needs `thread`.
   */
  stopBefore?: readonly string[];
  /**
   * Lets the caller stop the run at the next super-step boundary,
   * checkpointed (LangGraph's run control, `config.control`): the outcome
   * is then `drained`, and whoever continues the thread from its checkpoint
   * runs the next step. Needs `thread`.
   */
  drain?: RunDrain;
  /**
   * When the run's time limit (the tool's `timeout_ms`) ends, as a time
   * (ms since the epoch), for a run that goes on in a second execution: a
   * call taken over as a task continues from its checkpoint within the time
   * it had left. Default: `timeout_ms` from this execution's start.
   */
  deadline?: number;
}

/** What a run gets from its caller's identity: `config.configurable`, and the secrets it is handed (see `RunOptions`). */
export interface RunContext {
  configurable: Record<string, unknown>;
  secretsUsed?: () => readonly string[];
  beforeContinuing?: () => Promise<void>;
}

/**
 * A request to stop a run at its next super-step boundary, in the shape
 * LangGraph's `RunControl` has (read by duck typing, so the project's own
 * copy of LangGraph reads it too; one without run control ignores it and
 * the run simply goes on).
 */
export class RunDrain {
  #reason: string | undefined;

  requestDrain(reason: string): void {
    this.#reason ??= reason;
  }

  get drainRequested(): boolean {
    return this.#reason !== undefined;
  }

  get drainReason(): string | undefined {
    return this.#reason;
  }
}

/** An `interrupt()` the run is paused at. */
export interface PendingInterrupt {
  /** LangGraph's interrupt id: the key of its answer in `Command({ resume })`. */
  id: string;
  value: unknown;
  /** `interrupt(value, { responseSchema })`, as JSON Schema. */
  responseSchema?: Record<string, unknown>;
}

/** A JSON-RPC error a graph threw (the MCP SDK's `ProtocolError` or `McpError`), kept to be answered as one: its `data` too, scrubbed. */
export interface GraphProtocolError {
  code: number;
  message: string;
  data?: unknown;
}

/** The JSON-RPC error to answer with. */
export function protocolErrorOf(error: GraphProtocolError): ProtocolError {
  return new ProtocolError(error.code, error.message, error.data);
}

export type RunOutcome =
  /** `protocolError`: the graph threw a JSON-RPC error (for example the MCP SDK's `ProtocolError`), to be answered as one. */
  | { kind: 'done'; result: CallToolResult; protocolError?: GraphProtocolError }
  | { kind: 'interrupted'; interrupts: PendingInterrupt[] }
  /** Stopped before a node of `stopBefore`, checkpointed. */
  | { kind: 'boundary' }
  /** Stopped at a step boundary because `drain` asked, checkpointed. */
  | { kind: 'drained' }
  /**
   * Resumed with an answer the interrupt's own `responseSchema` refused (zod,
   * in the graph: a refinement the question's JSON Schema could not carry).
   * Nothing was kept: the run is paused where it was, to be answered again.
   */
  /**
   * An answer not applied. `untouched`: not by the graph (its responseSchema) but because this
   * process cannot run it (another process holds the run, or has the version it needs): nothing
   * of the round was used, and the answers kept from it still stand.
   */
  | { kind: 'refused'; problem: string; interrupts?: PendingInterrupt[]; untouched?: true };

/** Why a run ended without a result the caller should see. */
export class RunAbortedError extends Error {
  constructor() {
    super('the run was cancelled by the client');
    this.name = 'RunAbortedError';
  }
}

/**
 * Runs one tool call to completion and shapes its answer. Graph failures,
 * timeouts and bad output become `isError` results; only a run cancelled
 * by the caller rejects (with `RunAbortedError`), since nobody is left to
 * read its answer. A graph that calls `interrupt()` fails here: serving
 * pauses needs a thread and a store (`executeRun`).
 */
export async function runTool(tool: GraphTool, args: unknown, options: RunOptions = {}): Promise<CallToolResult> {
  const outcome = await executeRun(tool, args, options);
  if (outcome.kind === 'done') {
    if (outcome.protocolError) throw protocolErrorOf(outcome.protocolError);
    return outcome.result;
  }
  return interruptUnsupported(tool);
}

/** The `INVALID_ARGUMENTS` result for arguments the tool's input schema refuses; `undefined` when they are valid. */
export function invalidArguments(tool: GraphTool, args: unknown): CallToolResult | undefined {
  return argumentsUnusable(tool, args) ?? argumentsRefused(tool, tool.validateArguments(args ?? {}));
}

/** The `INVALID_ARGUMENTS` result for arguments no use of them can take, whatever the schema (`argumentsProblem`). */
export function argumentsUnusable(tool: GraphTool, args: unknown): CallToolResult | undefined {
  const problem = argumentsProblem(args);
  return problem === undefined ? undefined : argumentsRefused(tool, [problem]);
}

/** Why arguments are unusable whatever the schema (graph-mcp's own tools' too): nested too deep, or a number out of range; else `undefined`. */
export function argumentsProblem(args: unknown): string | undefined {
  switch (valueProblem(args, MAX_VALUE_DEPTH)) {
    case 'too deep':
      return `the arguments are nested more than ${MAX_VALUE_DEPTH} levels deep`;
    case 'out of range':
      return 'a number in the arguments is beyond the largest one this server reads (about ±1.8e308)';
    default:
      return undefined;
  }
}

function argumentsRefused(tool: GraphTool, problems: readonly string[]): CallToolResult | undefined {
  if (problems.length === 0) return undefined;
  return errorResult('INVALID_ARGUMENTS', `Invalid arguments for tool "${tool.name}":\n${problems.map((p) => `- ${p}`).join('\n')}`);
}

/**
 * Runs (or resumes) one graph run until it finishes or pauses at
 * `interrupt()`. A finished run is shaped into its tool result, as
 * `runTool` does; a paused one reports what it waits for.
 */
export async function executeRun(tool: GraphTool, args: unknown, options: RunOptions = {}): Promise<RunOutcome> {
  if (options.resume === undefined && !options.fromCheckpoint) {
    // The object checked is the one the graph gets: checking fills in the schema's defaults.
    args ??= {};
    const invalid = invalidArguments(tool, args);
    if (invalid !== undefined) return done(invalid);
  }

  if (options.resume !== undefined || options.fromCheckpoint) await options.beforeContinuing?.();
  const abort = new RunAbort(options.deadline === undefined ? tool.timeoutMs : Math.max(0, options.deadline - Date.now()), [options.signal, options.stopSignal]);
  try {
    return await runGraph(tool, args, options, abort);
  } finally {
    abort.dispose();
  }
}

async function runGraph(tool: GraphTool, args: unknown, options: RunOptions, abort: RunAbort): Promise<RunOutcome> {
  const signal = abort.signal;
  const thread = options.thread;
  const config = {
    signal,
    recursionLimit: tool.recursionLimit,
    // A copy of its top level, so one run's assignments are not the next run's; what it holds
    // (a client given in a programmatic config) is passed as it is, as LangGraph passes a bound context.
    ...(tool.context !== undefined ? { context: { ...tool.context } } : {}),
    configurable: {
      ...options.configurable,
      ...(thread ? { thread_id: thread.id } : {}),
      // LangGraph's key for a checkpointer lent by the caller (as a parent lends
      // one to its subgraphs); a graph compiled with its own is not lent one.
      ...(thread?.checkpointer && !tool.ownCheckpointer && !tool.keepsNoCheckpoints ? { __pregel_checkpointer: thread.checkpointer } : {}),
    },
    ...(thread?.durability ? { durability: thread.durability } : {}),
    ...(thread && options.stopBefore ? { interruptBefore: [...options.stopBefore] } : {}),
    ...(thread && options.drain ? { control: options.drain } : {}),
  };

  // A graph's own checkpointer that does not hold the run (one in memory, in another process): resumed
  // here, the graph would start over and ask anew, under another interrupt, and the process that does
  // hold it could no longer go on. Refused, the run left as it is, for an answer to reach that process.
  if (options.resume !== undefined && thread && tool.ownCheckpointer?.getTuple) {
    // A checkpointer that fails to answer is a store failure, not a run held elsewhere.
    const held = await tool.ownCheckpointer.getTuple({ configurable: { thread_id: thread.id, checkpoint_ns: '' } }).catch((error: unknown) => {
      throw storeFailure(error);
    });
    if (held === undefined) {
      return {
        kind: 'refused',
        untouched: true,
        problem: `this process does not hold the run: the graph's own checkpointer keeps it where it paused (another process's memory); answer again, or compile the graph without a checkpointer so that any process can`,
      };
    }
  }

  // The graph changed since the run stopped (a deploy renamed or removed the node it stopped
  // before): LangGraph would find nothing to run under that name and end quietly, and the partial
  // state would read as the run's result, the answer or the rest of the work dropped. An answer is
  // refused, the run left paused: during a rolling deploy another process may run the version it
  // needs. A run going on from a checkpoint (a task taken over) ends.
  if (thread && (options.resume !== undefined || options.fromCheckpoint)) {
    const gone = await nodesGone(tool, config);
    if (gone.length > 0) {
      const nodes = gone.map((node) => `"${node}"`).join(', ');
      if (options.resume !== undefined) {
        return {
          kind: 'refused',
          untouched: true,
          problem: `this server runs a version of tool "${tool.name}" without ${nodes}, where the run stopped (a deploy changed the graph), so the answer was not applied; the run stays paused for a server that has ${gone.length > 1 ? 'them' : 'it'}, or cancel it`,
        };
      }
      return done(
        errorResult(
          'GRAPH_CHANGED',
          `Tool "${tool.name}" cannot go on with this run: it stopped before ${nodes}, which this version of the graph no longer has (the graph changed since the run began). The run is ended; call the tool again.`,
        ),
      );
    }
  }

  let state: unknown;
  let interrupts: PendingInterrupt[] = [];
  try {
    const input = options.resume
      ? new Command({ resume: options.resume })
      : options.fromCheckpoint
        ? null
        : tool.toGraphInput((args ?? {}) as Record<string, unknown>);
    // A runnable that is no LangGraph graph (a chain) streams its own chunks, not LangGraph's modes: invoked.
    if ((options.progress || options.log) && !tool.plainRunnable) {
      // A node that ignores its abort signal must not hold the call open.
      const streamed = await untilAborted(streamWithProgress(tool, input, config, scrubbedProgress(options.progress, options.secretsUsed), options.log), signal);
      state = streamed.state;
      interrupts = streamed.interrupts.map(toPendingInterrupt);
    } else {
      state = await untilAborted(tool.graph.invoke(input, config), signal);
      interrupts = interruptsOf(state);
    }
  } catch (thrown) {
    const error = readableFailure(thrown);
    if (options.signal?.aborted) throw new RunAbortedError();
    // The store failed under the run (a checkpoint): the server's failure, not the graph's.
    if (isStoreFailure(error)) throw error;
    if (isStateNotStorable(error)) return done(stateNotStorable(tool, error, options.secretsUsed?.()));
    if (thread && options.drain?.drainRequested && isDrained(error)) return { kind: 'drained' };
    if (options.resume !== undefined && isInvalidResume(error)) {
      const problem = failureText(issuesMessage(error), options.secretsUsed?.());
      // A checkpointer that holds writes until asked (graph-mcp's lent one) stores them first: what the
      // step's other tasks did is kept, and read back with the rest.
      const held = thread?.checkpointer as { persist?: () => Promise<void> } | undefined;
      if (thread && typeof held?.persist === 'function') {
        try {
          await held.persist();
        } catch (stored) {
          if (isStateNotStorable(stored)) return done(stateNotStorable(tool, stored, options.secretsUsed?.()));
          throw stored;
        }
      }
      const interrupts = thread ? await stillPending(tool.graph, config) : undefined;
      return { kind: 'refused', problem, ...(interrupts ? { interrupts } : {}) };
    }
    if (options.stopSignal?.aborted) {
      return done(errorResult('RUN_CANCELLED', `Tool "${tool.name}" was stopped: the server is shutting down. Try again.`));
    }
    if (abort.timedOut && (isAbortError(error) || signal.aborted)) {
      return done(errorResult('RUN_TIMEOUT', `Tool "${tool.name}" timed out after ${tool.timeoutMs} ms; the run was stopped.`));
    }
    if (isRecursionLimitError(error)) {
      return done(
        errorResult(
          'RECURSION_LIMIT',
          `Tool "${tool.name}" stopped: the graph reached its recursion limit of ${recursionLimitOf(error) ?? tool.recursionLimit} steps without finishing.`,
        ),
      );
    }
    if (isInterruptWithoutCheckpointer(error)) return done(interruptUnsupported(tool));
    const protocolError = jsonRpcErrorOf(error);
    if (protocolError) {
      const message = failureText(protocolError.message, options.secretsUsed?.());
      const shown = protocolError.data === undefined ? undefined : failureData(protocolError.data, options.secretsUsed?.());
      const data = shown === undefined ? {} : { data: shown };
      return { kind: 'done', result: errorResult('GRAPH_FAILED', `Tool "${tool.name}" failed: ${message}`), protocolError: { code: protocolError.code, message, ...data } };
    }
    const failed = errorResult('GRAPH_FAILED', `Tool "${tool.name}" failed: ${failureText(graphFailureMessage(error), options.secretsUsed?.())}`);
    graphFailures.set(failed, error);
    return done(failed);
  }
  // Finished, or paused, only after its time limit: a node kept the process busy past it, so the
  // timer never had its turn to stop the run. Past the limit is past it, however the run got there.
  if (abort.overdue) {
    return done(errorResult('RUN_TIMEOUT', `Tool "${tool.name}" timed out after ${tool.timeoutMs} ms: a node kept the process busy past the limit, so the run could not be stopped in time; its result is not sent.`));
  }
  if (interrupts.length > 0) {
    if (thread === undefined) return done(interruptUnsupported(tool));
    return { kind: 'interrupted', interrupts };
  }
  if (atBreakpoint(state)) {
    if (thread && options.stopBefore && (await stoppedBefore(tool.graph, config, options.stopBefore))) return { kind: 'boundary' };
    // A breakpoint no start-up check could see (a subgraph with breakpoints called from a node's
    // function): the run stopped with nothing to ask, and its partial state would read as its result.
    return done(
      errorResult(
        'GRAPH_INVALID',
        `Tool "${tool.name}" stopped at a breakpoint (interruptBefore or interruptAfter, in a subgraph it calls): a breakpoint stops a run with no question to ask, and graph-mcp resumes only interrupt(); remove the breakpoint, and call interrupt() in the node that needs a person.`,
      ),
    );
  }
  return done(shapeResult(tool, state, options));
}

/**
 * The nodes a run stopped before (due in its next step) that the graph does
 * not have. Read from the run's last checkpoint, not from `getState`, which
 * lists only what the current graph would run. A node is due as LangGraph
 * decides it: its trigger channel (`branch:to:<node>`) holds a value that
 * changed since the node last saw it (a node that ran has its trigger
 * cleared), or a pending `Send` names it. The graph's nodes are looked for
 * through the layers a tool may wrap it in (an agent's `graph`, a binding's
 * `bound`). None when no layer lists nodes, or the checkpoint cannot be read.
 * Only the run's top level is checked: a node renamed inside a subgraph is not seen.
 */
async function nodesGone(tool: GraphTool, config: Record<string, unknown>): Promise<string[]> {
  const nodes = graphLayers(tool.graph)
    .map((layer) => (layer as { nodes?: unknown }).nodes)
    .find((listed): listed is object => listed !== null && typeof listed === 'object');
  if (nodes === undefined) return [];
  const configurable = config.configurable as Record<string, unknown>;
  const saver = (configurable.__pregel_checkpointer ?? tool.ownCheckpointer) as
    | { getTuple?: (config: Record<string, unknown>) => Promise<{ checkpoint: Partial<StoredCheckpoint> } | undefined> }
    | undefined;
  if (typeof saver?.getTuple !== 'function') return [];
  // A checkpointer that fails to answer (the graph's own, whose failures are not marked yet) is a store failure.
  const tuple = await saver.getTuple({ configurable: { thread_id: configurable.thread_id, checkpoint_ns: '' } }).catch((error: unknown) => {
    throw storeFailure(error);
  });
  const { channel_versions: versions = {}, versions_seen: seen = {}, channel_values: values = {} } = tuple?.checkpoint ?? {};
  // END is no node (START is listed among them); a graph author's node may begin with __ too.
  const unknown = (node: unknown): node is string => typeof node === 'string' && node !== END && !Object.hasOwn(nodes, node);
  const gone = new Set<string>();
  for (const [channel, version] of Object.entries(versions)) {
    if (!channel.startsWith(TRIGGER_PREFIX) || !Object.hasOwn(values, channel)) continue;
    const node = channel.slice(TRIGGER_PREFIX.length);
    if (!unknown(node)) continue;
    const last = seen[node]?.[channel];
    if (last === undefined || (typeof last === typeof version && (last as number | string) < (version as number | string))) gone.add(node);
  }
  const sends = values[SENDS_CHANNEL];
  if (Array.isArray(sends)) for (const send of sends) if (unknown((send as { node?: unknown } | null)?.node)) gone.add((send as { node: string }).node);
  return [...gone];
}

/** What `nodesGone` reads of a LangGraph checkpoint. */
interface StoredCheckpoint {
  channel_versions: Record<string, unknown>;
  versions_seen: Record<string, Record<string, unknown>>;
  channel_values: Record<string, unknown>;
}

/** The prefix of the channel that triggers a node, in LangGraph's checkpoints. */
const TRIGGER_PREFIX = 'branch:to:';
/** The channel holding a step's pending `Send`s. */
const SENDS_CHANNEL = '__pregel_tasks';

/**
 * Whether the run stopped before one of `nodes` (the boundary `task_starts_at`
 * sets), not at a breakpoint of a subgraph's. A graph with no `getState`
 * cannot tell: taken for the boundary, as it asked for one.
 */
async function stoppedBefore(graph: GraphTool['graph'], config: Record<string, unknown>, nodes: readonly string[]): Promise<boolean> {
  const getState = (graph as { getState?: (config: Record<string, unknown>) => Promise<{ next?: readonly string[] }> }).getState;
  if (typeof getState !== 'function') return true;
  // Read from its checkpointer: a failure is the store's.
  const { next = [] } = await getState.call(graph, { configurable: config.configurable }).catch((error: unknown) => {
    throw storeFailure(error);
  });
  return next.some((node) => nodes.includes(node));
}

/**
 * An error a graph threw on purpose as a JSON-RPC error: a numeric `code`
 * in the JSON-RPC server range (the MCP SDK's `ProtocolError`, v1's
 * `McpError`). Recognised by shape: the graph's copy of the SDK may not be ours.
 */
function jsonRpcErrorOf(error: unknown): GraphProtocolError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'number' || !Number.isInteger(code) || code > -32000 || code < -32768) return undefined;
  if (error.name !== 'ProtocolError' && error.name !== 'McpError') return undefined;
  const message = messageOf(error).replace(/^MCP error -?\d+: /, '');
  // Only data that JSON carries as it is (it may be stored with a task).
  const data = jsonData((error as { data?: unknown }).data);
  return data === undefined ? { code, message } : { code, message, data };
}

function jsonData(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function done(result: CallToolResult): RunOutcome {
  return { kind: 'done', result };
}

function interruptUnsupported(tool: GraphTool): CallToolResult {
  return errorResult(
    'GRAPH_FAILED',
    tool.keepsNoCheckpoints
      ? `Tool "${tool.name}" failed: the graph asked for human input (interrupt()), and it was compiled with checkpointer: false, so no run of it can be kept to go on with the answer; compile it without that option.`
      : `Tool "${tool.name}" failed: the graph asked for human input (interrupt()), and this server has no store to keep a paused run in (store type "none").`,
  );
}

const INTERRUPT_KEY = '__interrupt__';

function interruptsOf(state: unknown): PendingInterrupt[] {
  if (state === null || typeof state !== 'object') return [];
  const list = (state as Record<string, unknown>)[INTERRUPT_KEY];
  return Array.isArray(list) ? list.map(toPendingInterrupt) : [];
}

/** LangGraph marks a run stopped at a breakpoint (`interruptBefore`) with an empty interrupt list. */
function atBreakpoint(state: unknown): boolean {
  if (state === null || typeof state !== 'object') return false;
  const list = (state as Record<string, unknown>)[INTERRUPT_KEY];
  return Array.isArray(list) && list.length === 0;
}

/**
 * The interrupts a run still waits on once a resume was refused: those of
 * the tasks that failed. LangGraph fails the step only after its other
 * tasks finished, and what they did is kept (by a durable checkpointer, and
 * by a lent one once persisted): only the refused ones are asked again. `undefined` when the graph cannot tell (no
 * `getState`), or fails to.
 */
async function stillPending(graph: GraphTool['graph'], config: Record<string, unknown>): Promise<PendingInterrupt[] | undefined> {
  type Task = { id?: string; name?: string; error?: unknown; interrupts?: unknown[] };
  const getState = (graph as { getState?: (config: Record<string, unknown>) => Promise<{ tasks?: Task[] }> }).getState;
  if (typeof getState !== 'function') return undefined;
  const configurable = config.configurable as Record<string, unknown>;
  // The refused tasks are those that failed. One that finished without writing to the state (a
  // node that answers with Command({ goto }) alone) has no result either, and is done; one that
  // asked anew is not failed, and asks again when the run goes on. A subgraph fails as one task:
  // its own tasks, in its checkpoint namespace, tell which of its questions were refused.
  const saver = (configurable.__pregel_checkpointer ?? (graph as { checkpointer?: unknown }).checkpointer) as
    | { getTuple?: (config: Record<string, unknown>) => Promise<{ pendingWrites?: Array<[string, string, unknown]> } | undefined> }
    | undefined;
  // A subgraph's failed tasks, from its checkpoint's writes: its snapshot has none when the
  // checkpointer was lent to the run rather than compiled into the graph.
  const failedByWrites = async (namespace: string): Promise<Task[]> => {
    const tuple = await saver?.getTuple?.({ configurable: { thread_id: configurable.thread_id, checkpoint_ns: namespace } });
    const writes = tuple?.pendingWrites ?? [];
    const failedIds = new Set(writes.filter(([, channel]) => channel === '__error__').map(([taskId]) => taskId));
    return [...failedIds].map((id) => ({
      id,
      error: true,
      interrupts: writes.filter(([taskId, channel]) => taskId === id && channel === '__interrupt__').flatMap(([, , value]) => (Array.isArray(value) ? value : [value])),
    }));
  };
  const refusedIn = async (namespace: string | undefined, depth: number): Promise<unknown[]> => {
    const snapshot = await getState.call(graph, { configurable: namespace === undefined ? configurable : { ...configurable, checkpoint_ns: namespace } });
    let failed = (snapshot.tasks ?? []).filter((task) => task.error !== undefined && task.error !== null);
    if (failed.length === 0 && namespace !== undefined) failed = await failedByWrites(namespace);
    const found: unknown[] = [];
    for (const task of failed) {
      const inner = depth < 5 && task.name !== undefined && task.id !== undefined
        ? await refusedIn(`${namespace === undefined ? '' : `${namespace}|`}${task.name}:${task.id}`, depth + 1).catch(() => [])
        : [];
      found.push(...(inner.length > 0 ? inner : (task.interrupts ?? [])));
    }
    return found;
  };
  try {
    const pending = await refusedIn(undefined, 0);
    return pending.length > 0 ? pending.map(toPendingInterrupt) : undefined;
  } catch {
    return undefined;
  }
}

function toPendingInterrupt(raw: unknown): PendingInterrupt {
  const item = (raw ?? {}) as { id?: unknown; value?: unknown; response_schema?: unknown };
  return {
    id: String(item.id ?? ''),
    value: toPlainJson(item.value),
    ...(item.response_schema !== null && typeof item.response_schema === 'object'
      ? { responseSchema: item.response_schema as Record<string, unknown> }
      : {}),
  };
}

/** What a graph threw, by the result that says it failed: for the debug log, never for the caller. */
const graphFailures = new WeakMap<object, unknown>();

export function graphFailureCause(result: unknown): unknown {
  return result !== null && typeof result === 'object' ? graphFailures.get(result) : undefined;
}

function shapeResult(tool: GraphTool, state: unknown, options: RunOptions): CallToolResult {
  let output: Record<string, unknown>;
  try {
    output = tool.fromGraphOutput(state);
  } catch (error) {
    return errorResult('OUTPUT_INVALID', `Tool "${tool.name}" produced output that cannot be shaped: ${failureText(messageOf(error), options.secretsUsed?.())}`);
  }
  const secrets = options.secretsUsed?.() ?? [];
  // A graph that echoes a credential it was given must not leak it; what is sent is what is
  // checked, so a field that held one may no longer match (a URL, an enum) and is refused.
  const scrubbed = scrubValue(output, secrets);
  const outputProblems = tool.validateOutput(scrubbed);
  if (outputProblems.length > 0) {
    const hadSecret = scrubbed !== output && JSON.stringify(scrubbed) !== JSON.stringify(output);
    return errorResult(
      'OUTPUT_INVALID',
      // A problem names the field at fault, and a field's name may be a credential the graph used as a key.
      `Tool "${tool.name}" produced output that does not match its output schema${hadSecret ? ' once the credentials the run was given were removed from it' : ''}:\n${outputProblems.map((p) => `- ${redact(p, secrets)}`).join('\n')}`,
    );
  }
  output = scrubbed;
  const shaped = shapeContent(tool.contentOf(state), output, { maxBytes: tool.maxContentBytes, secrets });
  if (!shaped.ok) return errorResult('OUTPUT_INVALID', `Tool "${tool.name}" produced content that cannot be sent: ${shaped.problem}`);
  return { content: shaped.content, structuredContent: output };
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // Left behind: its rejection (the abort it will see) is no one's to handle, and would reach
    // the process's unhandled-rejection handler, which blames the graph.
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function errorResult(code: GraphMcpError['code'], message: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    _meta: { 'graph-mcp/error': { code } },
  };
}

/**
 * A run that had to be stored (to wait for an answer, or to go on as a
 * task) with a state the checkpoint serializer refused (`StrictSerializer`).
 */
export function stateNotStorable(tool: GraphTool, error: unknown, secrets: readonly string[] | undefined): CallToolResult {
  // The message names where the value is: a key of the state, which may be a credential.
  return errorResult(
    'STATE_NOT_STORABLE',
    `Tool "${tool.name}" stopped: ${failureText((error as Error).message, secrets)}. A run is stored to wait for an answer or to go on as a task, so its state must be JSON (no BigInt, no structure JSON cannot flatten) that reads back as it was; the run is ended.`,
  );
}

export const isStateNotStorable = (error: unknown): boolean => isGraphMcpError(error, 'STATE_NOT_STORABLE');

/** Progress leaves the run like its result: without the credentials it was handed. */
function scrubbedProgress(report: ProgressReporter | undefined, secretsUsed: (() => readonly string[]) | undefined): ProgressReporter | undefined {
  if (report === undefined || secretsUsed === undefined) return report;
  return (update) => report(update.message === undefined ? update : { ...update, message: redact(update.message, secretsUsed()) });
}
