import { ProtocolError, ProtocolErrorCode, Server, type AuthInfo, type McpServerFactory } from '@modelcontextprotocol/server';
import type { ToolRegistry } from '../graphs/load-graphs.js';
import type { GraphTool } from '../graphs/tool.js';
import { RunAbortedError, runTool } from '../run/run-tool.js';
import type { RunTracker } from '../run/tracker.js';
import type { ProgressUpdate } from '../run/progress.js';
import { currentRequestLog } from './request-log.js';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../log.js';

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
  runContextFor: (principal: Principal | undefined) => { configurable: Record<string, unknown>; secretsUsed?: () => readonly string[] };
  logger?: Logger;
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
  const { registry, tracker } = options;
  const everyTool = { tools: [...registry.definitions] };
  const allOpen = registry.tools.every((tool) => options.canCall(undefined, tool));

  return ({ authInfo }) => {
    const principal = options.principalOf(authInfo);
    // `Server` is marked for advanced use; per-request O(1) serving is one.
    const server = new Server(
      { name: options.name, version: options.version },
      { capabilities: { tools: { listChanged: false } }, cacheHints: { 'tools/list': LIST_CACHE_HINT, 'server/discover': LIST_CACHE_HINT } },
    );

    server.setRequestHandler('tools/list', () => {
      const log = currentRequestLog();
      if (log) log.method = 'tools/list';
      if (allOpen) return everyTool;
      return { tools: registry.tools.filter((tool) => options.canCall(principal, tool)).map((tool) => tool.definition) };
    });

    server.setRequestHandler('tools/call', async (request, ctx) => {
      const { name } = request.params;
      const log = currentRequestLog();
      if (log) {
        log.method = 'tools/call';
        log.tool = name;
      }
      const tool = registry.get(name);
      // A tool the caller may not call is answered exactly like one that does not exist.
      if (tool === undefined || !options.canCall(principal, tool)) {
        if (log) log.outcome = 'unknown_tool';
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${name}`);
      }

      const progressToken = request.params._meta?.progressToken ?? ctx.mcpReq._meta?.progressToken;
      const progress =
        progressToken === undefined
          ? undefined
          : (update: ProgressUpdate) =>
              ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, ...update } });

      const runContext = options.runContextFor(principal);
      const cancel = new AbortController();
      const untrack = tracker.track(principal?.id, ctx.mcpReq.id, cancel);
      try {
        const result = await runTool(tool, request.params.arguments, {
          signal: AbortSignal.any([ctx.mcpReq.signal, cancel.signal]),
          stopSignal: tracker.stopSignal,
          configurable: runContext.configurable,
          ...(progress ? { progress } : {}),
          ...(runContext.secretsUsed ? { secretsUsed: runContext.secretsUsed } : {}),
        });
        if (log) log.outcome = result.isError ? String((result._meta?.['graph-mcp/error'] as { code?: string } | undefined)?.code ?? 'error') : 'ok';
        return result;
      } catch (error) {
        if (log) log.outcome = error instanceof RunAbortedError ? 'cancelled' : 'error';
        throw error;
      } finally {
        untrack();
      }
    });

    // 2025-era cancellation arrives as a separate request, served by a fresh
    // instance that never saw the run: look the run up by caller and id.
    server.setNotificationHandler('notifications/cancelled', (notification) => {
      const requestId = notification.params.requestId;
      if (requestId === undefined) return;
      const cancelled = tracker.cancel(principal?.id, requestId);
      options.logger?.debug({ requestId, cancelled }, 'notifications/cancelled');
    });

    return server;
  };
}
