import { validateHostHeader } from '@modelcontextprotocol/server';
import express, { type Express } from 'express';
import { canCall } from '../auth/access.js';
import { messageOf } from '../errors.js';
import { WarningPace } from '../warning-pace.js';
import { jsonRpcError, SHUTTING_DOWN } from './json-rpc-error.js';
import type { GraphMcp } from '../graph-mcp.js';
import { VERSION } from '../version.js';
import { lowerCased, mcpRouter, type McpRouterOptions } from './router.js';

/** How long `/ok?check_db=1` waits for the store before it answers 500. */
export const CHECK_DB_TIMEOUT_MS = 5_000;

export { SHUTTING_DOWN };

/**
 * The standalone app: the MCP router plus `GET /ok` (health) and
 * `GET /info` (version, the MCP path, the serving process's pid and, on an
 * open endpoint, the graphs anyone may call).
 */
export function createApp(graphMcp: GraphMcp, routerOptions: McpRouterOptions = {}, isDraining: () => boolean = () => false): Express {
  const app = express();
  app.disable('x-powered-by');
  // While shutting down, requests on kept-alive connections are turned away
  // so that only runs already in flight use the grace period.
  // Answered in JSON-RPC's form (the request is not read: its id is null), with Retry-After:
  // another process, or this one restarted, serves the retry.
  app.use((_req, res, next) => {
    if (!isDraining()) return next();
    jsonRpcError(res, 503, -32000, SHUTTING_DOWN, { connection: 'close', 'retry-after': '1' });
  });
  // As LangGraph's server: `?check_db=1` also checks the store (reachable, migrated, and for
  // PostgreSQL its signal connection up), for a readiness probe; 500 when it fails.
  let checking: Promise<void> | undefined;
  // A probe every few seconds against a store that stays down: one warning a minute, the rest at debug.
  const notReady = new WarningPace();
  app.get('/ok', (req, res) => {
    const checkDb = req.query.check_db;
    if (checkDb === undefined || checkDb === '0' || checkDb === 'false') {
      res.json({ ok: true });
      return;
    }
    // A store that does not answer (a database that accepts connections and then hangs) is
    // not ready either: answered within the limit, not after the driver's own timeouts.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the store did not answer within ${CHECK_DB_TIMEOUT_MS} ms`)), CHECK_DB_TIMEOUT_MS);
    });
    // Probes that come while a check is still out (a hung database) wait for that one, rather
    // than each holding a pooled connection until the statement timeout.
    checking ??= (graphMcp.store?.check() ?? Promise.resolve()).finally(() => (checking = undefined));
    Promise.race([checking, deadline])
      .then(
        () => {
          const spell = notReady.success();
          if (spell) graphMcp.logger.info({ failures: spell.failures, for_ms: spell.forMs }, 'health check: the store is ready again');
          res.json({ ok: true });
        },
        (error: unknown) => {
          const { warn, failures } = notReady.failure();
          graphMcp.logger[warn ? 'warn' : 'debug']({ err: { message: messageOf(error) }, failures }, 'health check: the store is not ready');
          res.status(500).json({ ok: false, error: 'store_unavailable' });
        },
      )
      .finally(() => clearTimeout(timer));
  });
  // `/info` asks for no credentials, so it names no graph a caller without them could not
  // list: once callers must authenticate, none (`tools/list` shows each caller theirs).
  const mustAuthenticate = routerOptions.authenticate !== undefined || graphMcp.authenticate !== undefined;
  const openGraphs = mustAuthenticate ? undefined : graphMcp.tools.tools.filter((tool) => canCall(undefined, tool)).map((tool) => tool.name);
  // As /mcp: a page on another site that rebinds its name to this address must not read it.
  const listed = routerOptions.allowedHosts ?? graphMcp.config.http.allowed_hosts;
  const infoHosts = listed && lowerCased(listed);
  app.get('/info', (req, res) => {
    if (infoHosts && !validateHostHeader(req.headers.host, infoHosts).ok) {
      res.status(403).json({ error: 'host_not_allowed' });
      return;
    }
    res.json({
      name: graphMcp.config.name,
      version: VERSION,
      mcp: graphMcp.config.http.disable_mcp ? null : graphMcp.config.http.mcp_path,
      ...(openGraphs ? { graphs: openGraphs } : {}),
      // Tells the processes of `serve --workers` apart.
      pid: process.pid,
    });
  });
  app.use(mcpRouter(graphMcp, routerOptions, true));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return app;
}
