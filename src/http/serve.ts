import cluster from 'node:cluster';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostAllowedHostnames, localhostAllowedOrigins } from '@modelcontextprotocol/server';
import type { GraphMcp } from '../graph-mcp.js';
import { GraphMcpError } from '../errors.js';
import { hostNameOf, isLoopback } from '../loopback.js';
import { describeStore } from '../store/open-store.js';
import { createApp } from './app.js';
import { DEFAULT_HOST, DEFAULT_PORT } from './defaults.js';
import type { McpRouterOptions } from './router.js';

export interface ServeOptions extends McpRouterOptions {
  /** @default 8123 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
}

export interface RunningServer {
  readonly server: Server;
  /** The MCP endpoint's URL (with the port actually bound). */
  readonly url: string;
  /** Stops accepting, lets in-flight runs finish within the grace period, then stops. */
  close(graceMs?: number): Promise<void>;
}

const RESPONSE_DRAIN_MS = 1_000;
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export { DEFAULT_HOST, DEFAULT_PORT };

/** The store `graphMcp` serves from, for its start-up line: the config's, or one the app handed in. */
export function servedStore(graphMcp: Pick<GraphMcp, 'store' | 'config'>): string {
  if (graphMcp.store === undefined) return 'none';
  return graphMcp.store.kind === graphMcp.config.store.type ? describeStore(graphMcp.config.store) : graphMcp.store.kind;
}

/**
 * Serves graph-mcp on its own. Bound to a loopback address, the Host and
 * Origin headers are checked against localhost names unless configured
 * otherwise (a browser page elsewhere cannot reach the server by DNS
 * rebinding).
 */
export async function serve(graphMcp: GraphMcp, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  // Node binds an empty host on every interface, and it is no loopback name: the Host
  // and Origin checks would be off too. Every interface is asked for by name.
  if (host.trim() === '') {
    throw new GraphMcpError('OPTIONS_INVALID', 'host is empty: give the address to bind (127.0.0.1, the default; 0.0.0.0 or :: for every interface)');
  }
  const port = options.port ?? DEFAULT_PORT;
  const loopback = isLoopback(host);
  // The localhost names, and the address bound when it is another (127.0.0.2, ::1 written out):
  // the URL start-up prints must pass the check.
  const withBound = (names: string[]) => [...new Set([...names, hostNameOf(host).toLowerCase()])];
  let draining = false;
  const app = createApp(graphMcp, {
    ...options,
    allowedHosts: options.allowedHosts ?? graphMcp.config.http.allowed_hosts ?? (loopback ? withBound(localhostAllowedHostnames()) : false),
    allowedOrigins: options.allowedOrigins ?? graphMcp.config.http.allowed_origins ?? (loopback ? withBound(localhostAllowedOrigins()) : false),
  }, () => draining);
  const server = app.listen(port, host);
  // Node's default (5 s) is shorter than a load balancer's idle timeout: it would
  // close connections the balancer is about to reuse, and their requests fail (502).
  server.keepAliveTimeout = graphMcp.config.http.keep_alive_timeout_ms;
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}${graphMcp.config.http.mcp_path}`;
  // Under `--workers`, the primary names the URL once for all of them.
  if (cluster.isWorker) graphMcp.logger.debug({ port: address.port }, 'worker serving');
  else graphMcp.logger.info(
    {
      url: graphMcp.config.http.disable_mcp ? null : url,
      tools: graphMcp.tools.tools.map((tool) => tool.name),
      mcp: !graphMcp.config.http.disable_mcp,
      store: servedStore(graphMcp),
    },
    graphMcp.config.http.disable_mcp ? `listening on ${shownHost}:${address.port} (MCP is off)` : `serving ${graphMcp.tools.tools.length} graph(s) at ${url}`,
  );

  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    close(graceMs) {
      closing ??= (async () => {
        draining = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await graphMcp.stopRuns(graceMs);
        // Runs are over; their answers may still be on the wire.
        await Promise.race([closed, delay(RESPONSE_DRAIN_MS)]);
        server.closeAllConnections();
        await closed;
        await graphMcp.close(0);
      })();
      return closing;
    },
  };
}
