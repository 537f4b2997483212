import type { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { credentialsFrom } from './credentials.js';

type RunConfig = { configurable?: Record<string, unknown>; signal?: AbortSignal } | undefined;

/**
 * A `MultiServerMCPClient` for the named downstream servers (default: all
 * declared in `secrets.servers`), sending the *current caller's* stored
 * credentials. The caller's inbound token is never used. Close it when done,
 * or use `withUserMcpClient`.
 */
export async function userMcpClient(config: RunConfig, servers?: readonly string[]): Promise<MultiServerMCPClient> {
  const credentials = credentialsFrom(config);
  const names = servers ?? Object.keys(credentials.servers);
  const mcpServers: Record<string, { url: string; transport: 'http' | 'sse'; headers: Record<string, string> }> = {};
  for (const name of names) {
    const server = Object.hasOwn(credentials.servers, name) ? credentials.servers[name] : undefined;
    if (server === undefined) throw new Error(`unknown downstream server "${name}"`);
    mcpServers[name] = { url: server.url, transport: server.transport, headers: await credentials.headersFor(name) };
  }
  const { MultiServerMCPClient } = await import('@langchain/mcp-adapters');
  return new MultiServerMCPClient({ mcpServers, throwOnLoadError: true, useStandardContentBlocks: true });
}

/**
 * Opens a client for the caller, runs `fn` with it and closes it, however
 * `fn` ends. When the run is stopped (its caller cancelled, or it timed
 * out: `config.signal`), the client is closed at once, which ends its calls
 * in flight: a downstream call does not go on, holding its connections, for
 * a run no one waits for.
 */
export async function withUserMcpClient<T>(config: RunConfig, servers: readonly string[] | undefined, fn: (client: MultiServerMCPClient) => Promise<T>): Promise<T> {
  const client = await userMcpClient(config, servers);
  const signal = config?.signal;
  const closeNow = () => void client.close().catch(() => undefined);
  try {
    signal?.throwIfAborted();
    signal?.addEventListener('abort', closeNow, { once: true });
    return await fn(client);
  } finally {
    signal?.removeEventListener('abort', closeNow);
    await client.close();
  }
}
