import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createMcpHandler, createRequestStateCodec, type AuthInfo, type McpHttpHandler } from '@modelcontextprotocol/server';
import type { Principal } from './auth/principal.js';
import { applyConfigEnv } from './config/env.js';
import { answeringInAcceptedForm } from './mcp/accept.js';
import { readingBodyOnce } from './mcp/request-body.js';
import { answeringAloneAsJson } from './mcp/json-answers.js';
import { keptAlive } from './mcp/kept-alive.js';
import { refusingUndeclaredTaskListens } from './mcp/tasks.js';
import { notingMalformedInputResponses } from './mcp/invalid-params.js';
import { refusingNewWorkWhileClosing } from './mcp/while-closing.js';
import { DEFAULT_CONFIG_FILE, loadConfigFile, resolveConfig, type ResolvedConfig } from './config/load.js';
import type { AgentConfigInput } from './config/schema.js';
import { GraphMcpError, messageOf } from './errors.js';
import { MAX_TIMER_MS } from './max-timer.js';
import { canCall } from './auth/access.js';
import { createAuthenticator, readPrincipal, type Authenticate, type AuthOutcome } from './auth/authenticate.js';
import { fromLangGraphAuth, isLangGraphAuth, langGraphAuthEvents } from './auth/langgraph-auth.js';
import { createRunCredentials, CREDENTIALS_KEY } from './auth/credentials.js';
import { createJwtAuthenticator } from './auth/jwt.js';
import { protectedResourceMetadata, type ProtectedResourceMetadata } from './auth/resource-metadata.js';
import type { SecretStore } from './auth/secrets/secret-store.js';
import { openSecretStore } from './auth/secrets/open-store.js';
import { parseModuleRef } from './config/module-ref.js';
import { importExport } from './graphs/load-module.js';
import { loadGraphTools, type ToolRegistry } from './graphs/load-graphs.js';
import { createLogger, type Logger } from './log.js';
import { createServerFactory, listenForCancels } from './mcp/server-factory.js';
import { paramHeadersOf, withParamHeaderCheck } from './mcp/param-headers.js';
import { RunTracker } from './run/tracker.js';
import { Runs } from './run/runs.js';
import type { RunContext } from './run/run-tool.js';
import { askAgain, describer, type PauseData, type PauseServing, type RequestStatePayload } from './mcp/pauses.js';
import { TaskRunner, type TaskRunnerOptions } from './run/tasks.js';
import { openStore } from './store/open-store.js';
import { checkpointFailuresMarked } from './store/store-failure.js';
import { storeNow, type Store } from './store/store.js';
import { VERSION } from './version.js';

export interface LoadGraphMcpOptions {
  /**
   * The config: a file path, or the config itself as a value.
   * @default "agent.config.json" in the current directory
   */
  config?: string | AgentConfigInput | ResolvedConfig;
  /** For a config given as a value: the directory its relative paths start from. @default process.cwd() */
  baseDir?: string;
  /** A pino logger. @default JSON lines on stdout at LOG_LEVEL, else the config's log_level, else info */
  logger?: Logger;
  /**
   * Authenticates callers; overrides the config's `auth`. Omit both for an
   * open endpoint (or when the app's own middleware sets `req.auth`).
   */
  authenticate?: Authenticate;
  /**
   * Where callers' downstream credentials come from; overrides the config's
   * `secrets`. Closed by `close()`, or, shared with another instance
   * (`other.secretStore`), by the `close()` of the last one using it.
   */
  secretStore?: SecretStore;
  /**
   * Where paused runs live; overrides the config's `store`. `null` for none
   * (a graph that calls `interrupt()` then fails). Closed by `close()`, or,
   * shared with another instance (`other.store`), by the `close()` of the
   * last one using it. With `http.disable_mcp` and no background work, the
   * config's store is not opened at all.
   */
  store?: Store | null;
  /**
   * Whether this process takes part in the store's background work: claims
   * and runs tasks (its own, and those another process left), and deletes
   * expired runs. `false` for a process that only looks (`graph-mcp check`):
   * it runs no graph that no caller of its own asked for, and no task at all,
   * not even one its own callers create (another process must run those).
   * @default true, or false when `http.disable_mcp` switches the endpoint off
   */
  background?: boolean;
}

/** graph-mcp loaded and ready to serve: knows nothing of Express. */
export interface GraphMcp {
  readonly config: ResolvedConfig;
  readonly tools: ToolRegistry;
  readonly logger: Logger;
  /** In-flight runs of this process. */
  readonly runs: RunTracker;
  /** The web-standard MCP handler (`fetch(request, { authInfo })`). */
  readonly handler: McpHttpHandler;
  /** The authentication step, when auth is configured: a request in, a principal or a refusal out. */
  readonly authenticate: ((request: Request) => Promise<AuthOutcome>) | undefined;
  /** RFC 9728 metadata to serve, when configured. */
  readonly resourceMetadata: ProtectedResourceMetadata | undefined;
  readonly secretStore: SecretStore | undefined;
  /** Where paused runs live; `undefined` when runs cannot pause. */
  readonly store: Store | undefined;
  /** Paused runs of every process sharing the store. */
  readonly pausedRuns: Runs | undefined;
  /**
   * Drains this process: the first half of `close()`, which a server that
   * stops accepting first (`serve()` does) runs before it. In-flight runs
   * get up to `graceMs` (default: the config's `defaults.shutdown_grace_ms`)
   * to finish, then are stopped, each answering its caller with an error
   * result. Meanwhile requests are still answered (a 2025-era client's
   * answer to a question a run asked, task reads), this process claims no
   * more tasks (other processes sharing the store run them), and a call
   * begun once the grace period is over is stopped at once (`RUN_CANCELLED`,
   * "shutting down"). It cannot be undone: `close()` comes next. Called
   * again, it returns the same drain.
   */
  stopRuns(graceMs?: number): Promise<void>;
  /**
   * `stopRuns`, then releases everything (the MCP handler, the secret
   * store). Stop your HTTP server from accepting first; `serve()` does all
   * of this in order.
   */
  close(graceMs?: number): Promise<void>;
  /**
   * `close()` has let the runs in flight end (its grace period is over) and
   * releases the rest: the router turns requests away (503, `Retry-After`).
   */
  readonly closed: boolean;
}

/**
 * The principal a request carries: put there by graph-mcp's authentication
 * step, or derived from the `req.auth` an app's own middleware set.
 */
export function principalFromAuthInfo(authInfo: AuthInfo | undefined): Principal | undefined {
  if (authInfo === undefined) return undefined;
  // A principal without a string id (a LangGraph-style { identity } is read as authenticate's
  // result is) names no caller: never the anonymous one, which every such caller would share.
  const principal = authInfo.extra?.principal;
  if (principal !== undefined && principal !== null) return readPrincipal(principal);
  return typeof authInfo.clientId === 'string' && authInfo.clientId !== '' ? { id: authInfo.clientId, scopes: [...(authInfo.scopes ?? [])] } : undefined;
}

/** The names LangGraph's own server uses, so existing graph code reads the caller unchanged. */
function identityConfigurable(principal: Principal | undefined): Record<string, unknown> {
  if (principal === undefined) return {};
  return {
    langgraph_auth_user: principal,
    langgraph_auth_user_id: principal.id,
    langgraph_auth_permissions: [...principal.scopes],
  };
}

/**
 * Loads the config, applies its `env`, imports and compiles every graph and
 * builds every tool definition: all the work that does not depend on a
 * request happens here, once. Throws a `GraphMcpError` naming the file, field
 * or graph at fault.
 */
export async function loadGraphMcp(options: LoadGraphMcpOptions = {}): Promise<GraphMcp> {
  const config = await toResolvedConfig(options);
  // LOG_LEVEL in the environment overrides the config's log_level.
  const logger = options.logger ?? createLogger({ level: (process.env.LOG_LEVEL as typeof config.logLevel) || config.logLevel });
  // Under --workers every worker loads the config and the graphs: what they all find alike, the first one says, once.
  const firstWorker = cluster.worker === undefined || cluster.worker.id === 1;
  applyConfigEnv(config, (message) => firstWorker && logger.warn({ env: config.env }, message));
  if (config.unknownKeys.length > 0 && firstWorker) {
    logger.warn({ unknown: config.unknownKeys }, `unknown top-level config keys are ignored (misspelt?): ${config.unknownKeys.join(', ')}`);
  }
  if (config.ignoredKeys.length > 0 && firstWorker) {
    logger.warn({ ignored: config.ignoredKeys }, `langgraph.json keys for what graph-mcp does not serve are ignored: ${config.ignoredKeys.join(', ')}`);
  }
  const tools = await loadGraphTools(config, {
    onSlowLoad: (graph, spec, ms) =>
      logger.warn({ graph, module: spec }, `graph "${graph}" has not finished loading after ${ms / 1000} s (${spec}): start-up waits for its module's top-level code, which may be awaiting what never comes (a connection)`),
  });
  for (const tool of firstWorker ? tools.tools : []) {
    for (const mismatch of tool.schemaMismatches) logger.warn({ graph: tool.name }, `graph "${tool.name}": ${mismatch}`);
    // LangGraph's in-memory saver (or a class of its own built on it): what a run keeps there is this process's alone, and gone with it.
    if (tool.ownCheckpointer !== undefined && classNames(tool.ownCheckpointer).includes('MemorySaver')) {
      logger.warn(
        { graph: tool.name },
        `graph "${tool.name}" was compiled with its own MemorySaver: a run of it that pauses, or a task of it, can be resumed only by this process, and not after a restart; compile it without a checkpointer to keep them in graph-mcp's store`,
      );
    }
  }
  const paramHeaders = paramHeadersOf(tools.tools);
  const runs = new RunTracker();
  const resourceMetadata = config.auth?.resource_metadata
    ? // Every caller needs required_scopes, so a client that asks for what this lists can get in.
      protectedResourceMetadata(config.auth.resource_metadata, unique([...(config.auth.required_scopes ?? []), ...tools.tools.flatMap((tool) => tool.requiredScopes)]))
    : undefined;
  const authenticate = await resolveAuthenticate(options.authenticate, config, resourceMetadata, logger);
  // A missing file is an empty store (so `secrets set` can create it): most likely a mistyped path.
  // Looked for before the store opens: SQLite creates its file as it opens.
  const storeFile = options.secretStore === undefined ? (config.secrets?.file ?? config.secrets?.sqlite?.path) : undefined;
  const missingStoreFile = storeFile !== undefined && !existsSync(path.resolve(config.baseDir, storeFile));
  const secretStore = used(options.secretStore ?? (await openSecretStore(config)));
  if (missingStoreFile && firstWorker) {
    const file = path.resolve(config.baseDir, storeFile);
    const field = config.secrets?.file !== undefined ? 'secrets.file' : 'secrets.sqlite.path';
    logger.warn({ file }, `${field} ${file} ${field === 'secrets.file' ? 'does not exist' : 'did not exist (it was created, empty)'}: no caller has downstream credentials until \`graph-mcp secrets set\` writes it`);
  }
  const declared = Object.keys(config.secrets?.servers ?? {});
  if (secretStore === undefined && declared.length > 0 && firstWorker) {
    logger.warn(
      { servers: declared },
      `secrets.servers declares ${declared.join(', ')}, but no secret store is configured (secrets.sqlite, secrets.file, secrets.path, or the GRAPH_MCP_SECRETS variable): no caller has downstream credentials`,
    );
  }
  const servers = config.secrets?.servers ?? {};
  // With the endpoint off and no background work asked for, nothing of this process uses the store:
  // not opened (a PostgreSQL store would hold a pool and a listening connection, and the process open).
  const background = options.background ?? !config.http.disable_mcp;
  const unused = config.http.disable_mcp && !background;
  const store =
    options.store === null ? undefined : used(options.store ?? (unused ? undefined : await openStore(config, { logger })));
  const runContextFor = (principal: Principal | undefined): RunContext => {
    const { credentials, secretsUsed, handAll } = createRunCredentials(secretStore, servers, principal, (error, context) =>
      logger.error({ err: error, ...context }, 'the secret store failed to read credentials'),
    );
    return { configurable: { ...identityConfigurable(principal), [CREDENTIALS_KEY]: credentials }, secretsUsed, beforeContinuing: handAll };
  };
  const pauses = store ? await pauseServing(store, config, tools, runContextFor, logger, runs.closingSignal) : undefined;
  // With the endpoint off, no background work either, unless asked: a process that serves no MCP
  // would otherwise run other processes' tasks from a shared store.
  if (background) {
    pauses?.runs.startSweeping();
    await pauses?.tasks?.start();
  }
  const stopListening = pauses ? await listenForCancels(pauses.signals, runs, () => storeNow(pauses.runs.store)) : undefined;

  const factory = createServerFactory({
    name: config.name,
    version: VERSION,
    registry: tools,
    toolsPageSize: config.http.tools_page_size,
    tracker: runs,
    principalOf: principalFromAuthInfo,
    canCall,
    runContextFor,
    pauses,
    logger,
  });
  const mcpHandler = createMcpHandler(factory, {
    maxRequestBodySize: config.http.max_body_bytes,
    keepAliveMs: config.http.stream_keep_alive_ms,
    onerror: (error) => logger.debug({ err: { message: error.message } }, 'mcp handler reported an error'),
  });
  const checked = withParamHeaderCheck(mcpHandler, paramHeaders, config.http.max_body_bytes);
  // The body is read once, here, and handed on parsed (see readingBodyOnce); a 2025-era
  // answer with nothing before it goes out as JSON, not as an event stream (answeringAloneAsJson);
  // a 2026-07-28 answer slow to come goes out as an event stream kept alive (keptAlive); each answer
  // in a form the request's Accept header takes (answeringInAcceptedForm).
  const served = readingBodyOnce(answeringAloneAsJson(notingMalformedInputResponses(refusingUndeclaredTaskListens(checked.fetch))), config.http.max_body_bytes);
  const handler: McpHttpHandler = { ...checked, fetch: refusingNewWorkWhileClosing(answeringInAcceptedForm(keptAlive(served, config.http.stream_keep_alive_ms)), () => closing !== undefined) };

  let stopping: Promise<void> | undefined;
  const stopRuns = (graceMs = config.defaults.shutdown_grace_ms) => {
    const grace = graceOf(graceMs);
    if (typeof grace === 'string') return Promise.reject(new GraphMcpError('OPTIONS_INVALID', grace));
    stopping ??= (async () => {
      runs.beginClosing();
      // Tasks running here go on through the grace period; new ones are left to other processes.
      const tasks = pauses?.tasks;
      tasks?.stopClaiming();
      const [idle, tasksIdle] = await Promise.all([runs.waitIdle(grace), tasks?.waitIdle(grace) ?? true]);
      if (!idle) {
        logger.warn({ runs: runs.size }, 'grace period over: stopping runs still in flight');
        runs.stopAll();
        await runs.waitIdle(5_000);
      }
      if (!tasksIdle) {
        // Stopped at once and their claims given back: another process continues each from its last checkpoint.
        logger.warn({ tasks: tasks!.runningCount }, 'grace period over: stopping the tasks running here; other processes continue them');
        await tasks!.stop();
      }
    })();
    return stopping;
  };
  let closing: Promise<void> | undefined;
  let released = false;
  return {
    config,
    tools,
    logger,
    runs,
    handler,
    authenticate,
    resourceMetadata,
    secretStore,
    store,
    pausedRuns: pauses?.runs,
    stopRuns,
    get closed() {
      return released;
    },
    close(graceMs) {
      // Refused before anything closes: a close() with a grace it can take is still to come.
      const grace = graceMs === undefined ? undefined : graceOf(graceMs);
      if (closing === undefined && typeof grace === 'string') return Promise.reject(new GraphMcpError('OPTIONS_INVALID', grace));
      closing ??= (async () => {
        await stopRuns(grace as number | undefined);
        // From here the handler goes: requests are turned away. Not before: through the grace
        // period, a 2025-era client's answer to a question a run in flight asked still comes in.
        released = true;
        // Answers of the last runs are written after their handlers return.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await handler.close();
        pauses?.runs.stop();
        stopListening?.();
        await pauses?.tasks?.stop();
        await release(store);
        await release(secretStore);
      })();
      return closing;
    },
  };
}

/**
 * The stores and secret stores instances use, by how many: one shared by two
 * instances (`store: first.store`, or one store the app passes to both) is
 * closed by the `close()` of the last of them, whichever closes first.
 */
const users = new WeakMap<object, { count: number }>();

function used<T extends object | undefined>(resource: T): T {
  if (resource === undefined) return resource;
  const held = users.get(resource);
  if (held === undefined) users.set(resource, { count: 1 });
  else held.count += 1;
  return resource;
}

async function release(resource: { close?(): unknown } | undefined): Promise<void> {
  const held = resource === undefined ? undefined : users.get(resource);
  if (held === undefined) return;
  held.count -= 1;
  if (held.count > 0) return;
  users.delete(resource!);
  await resource!.close?.();
}

/** How far the clocks of processes sharing a store may disagree before a `requestState` expires before its run (seconds). */
const REQUEST_STATE_CLOCK_MARGIN_S = 600;

/**
 * The store-backed half of human-in-the-loop: runs, and the `requestState`
 * codec, whose key every process sharing the store reads from it, bound to
 * the caller so a state minted for one principal is refused for another.
 */
async function pauseServing(
  store: Store,
  config: ResolvedConfig,
  tools: ToolRegistry,
  runContextFor: TaskRunnerOptions['runContextFor'],
  logger: Logger,
  closing: AbortSignal,
): Promise<PauseServing> {
  const ttlMs = config.defaults.paused_run_ttl_ms;
  const codec = createRequestStateCodec<RequestStatePayload>({
    key: await store.sharedKey('request-state'),
    // The run's record expires by the store's clock, which every process reads alike, and a state
    // whose run is gone is refused (serveCall); the state's own expiry is read by the local clock of
    // the process minting it and of the one reading it, so it is given room for theirs to disagree.
    ttlSeconds: Math.ceil(ttlMs / 1000) + REQUEST_STATE_CLOCK_MARGIN_S,
    bind: (ctx) => `${principalFromAuthInfo(ctx.http?.authInfo)?.id ?? ''}`,
  });
  // A checkpoint the store fails to read or write is the server's failure, never the graph's.
  const runStore = checkpointFailuresMarked(store);
  // 0: no limit.
  const maxStoredPerCaller = config.defaults.max_stored_runs_per_caller > 0 ? config.defaults.max_stored_runs_per_caller : undefined;
  const tasks = new TaskRunner({
    store: runStore,
    tools,
    runContextFor,
    leaseMs: config.defaults.task_lease_ms,
    ...(maxStoredPerCaller !== undefined ? { maxStoredPerCaller } : {}),
    pollMs: Math.min(1_000, Math.floor(config.defaults.task_lease_ms / 3)),
    describePause: (interrupts, previous, secrets) => describer({ runOptions: { secretsUsed: () => secrets ?? [] } })(interrupts, previous),
    askAgain: (data, problem, rekey) => askAgain(data as PauseData, problem, rekey),
    logger,
  });
  return {
    runs: new Runs({ store: runStore, ttlMs, leaseMs: config.defaults.task_lease_ms, ...(maxStoredPerCaller !== undefined ? { maxStoredPerCaller } : {}), logger }),
    tasks,
    taskTtlMs: config.defaults.task_ttl_ms,
    pollIntervalMs: config.defaults.poll_interval_ms,
    codec,
    signals: store.signals,
    questionTimeoutMs: config.defaults.question_timeout_ms,
    closing,
    logger,
  };
}

async function toResolvedConfig(options: LoadGraphMcpOptions): Promise<ResolvedConfig> {
  const config = options.config ?? DEFAULT_CONFIG_FILE;
  if (typeof config === 'string') return loadConfigFile(config);
  if (isResolved(config)) return config;
  if (config === null || typeof config !== 'object') {
    throw new GraphMcpError('OPTIONS_INVALID', 'loadGraphMcp: "config" must be a file path or a config object');
  }
  return resolveConfig(config, { baseDir: path.resolve(options.baseDir ?? process.cwd()) });
}

function isResolved(value: object): value is ResolvedConfig {
  return 'baseDir' in value && Array.isArray((value as { graphs?: unknown }).graphs);
}

async function resolveAuthenticate(
  given: Authenticate | undefined,
  config: ResolvedConfig,
  resourceMetadata: ProtectedResourceMetadata | undefined,
  logger: Logger,
): Promise<GraphMcp['authenticate']> {
  let authenticate = given;
  if (authenticate === undefined && config.auth?.jwt) {
    if (config.auth.jwt.audience === undefined && (cluster.worker === undefined || cluster.worker.id === 1)) {
      const resource = config.auth.resource_metadata?.resource;
      logger.warn(
        `auth.jwt.audience is not set: a token the authorization server issued for any other API is accepted here. Set it to the audience your tokens carry for this server${resource === undefined ? '.' : ` (as the MCP authorization spec has it, this server's resource, ${resource}).`}`,
      );
    }
    authenticate = createJwtAuthenticator(config.auth.jwt, config.baseDir, {
      onKeySetFailure: (error) => logger.warn({ err: { message: messageOf(error) } }, 'auth.jwt.jwks_url: the signing keys could not be fetched; callers are refused until they can'),
    });
  }
  if (authenticate === undefined && config.auth?.path) {
    const ref = parseModuleRef(config.auth.path, config.baseDir, 'auth.path');
    const exported = await importExport(ref, 'auth.path');
    if (isLangGraphAuth(exported)) {
      authenticate = fromLangGraphAuth(exported);
      if (authenticate === undefined) throw new GraphMcpError('CONFIG_INVALID', `auth.path: ${ref.spec} is a LangGraph Auth object with no authenticate(...) handler`);
      const events = langGraphAuthEvents(exported);
      if (events.length > 0) {
        logger.warn({ events }, `auth.path: the LangGraph Auth object's on(...) handlers (${events.join(', ')}) guard LangGraph's threads, assistants and store, which graph-mcp does not serve; they are not called. Limit graphs to callers with access rules instead`);
      }
    } else if (typeof exported === 'function') {
      authenticate = exported as Authenticate;
    } else {
      throw new GraphMcpError('CONFIG_INVALID', `auth.path: ${ref.spec} is not a function (request) => principal, nor a LangGraph Auth object`);
    }
  }
  if (authenticate === undefined) return undefined;
  return createAuthenticator(authenticate, {
    requiredScopes: config.auth?.required_scopes ?? [],
    resourceMetadataUrl: resourceMetadata?.url,
    onUnexpectedError: unexpectedAuthErrorLogger(logger),
  });
}

/** What the log says of an authenticate function that threw something other than AuthError: only its type (its message may quote a credential). */
export function unexpectedAuthErrorLogger(logger: Logger): (error: unknown) => void {
  return (error) => logger.warn({ err: { type: error instanceof Error ? error.name : typeof error } }, 'authenticate threw something other than AuthError: refused with 401');
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/** The names of an object's classes, its own first, then those it extends. */
function classNames(value: object): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as typeof proto) {
    if (typeof proto.constructor?.name === 'string') names.push(proto.constructor.name);
  }
  return names;
}

/**
 * A grace period as timers take it, or why it is refused: `Infinity` is
 * the longest a timer waits (a longer delay, or NaN, or a negative one,
 * fires at once, and would have stopped every run in flight).
 */
function graceOf(graceMs: number): number | string {
  if (graceMs === Infinity) return MAX_TIMER_MS;
  if (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0) {
    return `the grace period must be a number of milliseconds, 0 or more (or Infinity), got ${String(graceMs)}`;
  }
  return Math.min(graceMs, MAX_TIMER_MS);
}
