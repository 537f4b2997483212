import path from 'node:path';
import { createMcpHandler, type AuthInfo, type McpHttpHandler } from '@modelcontextprotocol/server';
import type { Principal } from './auth/principal.js';
import { applyConfigEnv } from './config/env.js';
import { DEFAULT_CONFIG_FILE, loadConfigFile, resolveConfig, type ResolvedConfig } from './config/load.js';
import type { AgentConfigInput } from './config/schema.js';
import { GraphMcpError } from './errors.js';
import { loadGraphTools, type ToolRegistry } from './graphs/load-graphs.js';
import type { GraphTool } from './graphs/tool.js';
import { createLogger, type Logger } from './log.js';
import { createServerFactory } from './mcp/server-factory.js';
import { RunTracker } from './run/tracker.js';
import { VERSION } from './version.js';

export interface LoadGraphMcpOptions {
  /**
   * The config: a file path, or the config itself as a value.
   * @default "agent.config.json" in the current directory
   */
  config?: string | AgentConfigInput | ResolvedConfig;
  /** For a config given as a value: the directory its relative paths start from. @default process.cwd() */
  baseDir?: string;
  /** A pino logger, or options for the one graph-mcp creates. */
  logger?: Logger;
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
  /**
   * Lets in-flight runs finish for up to `graceMs` (default: the config's
   * `defaults.shutdown_grace_ms`), then stops the rest; each stopped run
   * answers its caller with an error result.
   */
  close(graceMs?: number): Promise<void>;
}

/** The principal a request carries, put there by graph-mcp's authentication step. */
export function principalFromAuthInfo(authInfo: AuthInfo | undefined): Principal | undefined {
  const principal = authInfo?.extra?.principal;
  return principal !== null && typeof principal === 'object' ? (principal as Principal) : undefined;
}

function canCall(principal: Principal | undefined, tool: GraphTool): boolean {
  if (tool.requiredScopes.length === 0) return true;
  if (principal === undefined) return false;
  return tool.requiredScopes.every((scope) => principal.scopes.includes(scope));
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
  applyConfigEnv(config);
  const tools = await loadGraphTools(config);
  const runs = new RunTracker();

  const factory = createServerFactory({
    name: config.name,
    version: VERSION,
    registry: tools,
    tracker: runs,
    principalOf: principalFromAuthInfo,
    canCall,
    configurableFor: identityConfigurable,
    logger,
  });
  const handler = createMcpHandler(factory, {
    maxRequestBodySize: config.http.max_body_bytes,
    onerror: (error) => logger.debug({ err: { message: error.message } }, 'mcp handler reported an error'),
  });

  let closing: Promise<void> | undefined;
  return {
    config,
    tools,
    logger,
    runs,
    handler,
    close(graceMs = config.defaults.shutdown_grace_ms) {
      closing ??= (async () => {
        const idle = await runs.waitIdle(graceMs);
        if (!idle) {
          logger.warn({ runs: runs.size }, 'grace period over: stopping runs still in flight');
          runs.stopAll();
          await runs.waitIdle(5_000);
        }
        await handler.close();
      })();
      return closing;
    },
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
