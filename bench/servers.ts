// The servers compared: graph-mcp, a hand-written v1 SDK stateless server, and
// a bare Express handler. All bind 127.0.0.1 on a free port.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { createLogger, loadGraphMcp, serve } from '../src/index.js';
import { trivial } from './graphs.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Servers not yet closed. */
const open = new Set<Running>();

function track<T extends Running>(server: T): T {
  open.add(server);
  return server;
}

export interface Running {
  url: string;
  close(): Promise<void>;
}

async function listen(app: express.Express, route: string): Promise<Running> {
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return track({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${route}`,
    close: () =>
      new Promise((resolve) => {
        // The load generator keeps its connections alive; nothing is in flight by now.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/**
 * graph-mcp serving `count` tools (graph_0 … graph_{count-1}), all the same
 * export of bench/graphs.ts; `loadMs` is how long loadGraphMcp took.
 */
export async function startGraphMcp(count: number, exportName: 'trivial' | 'tenNodes' = 'trivial'): Promise<Running & { loadMs: number }> {
  const graphs = Object.fromEntries(Array.from({ length: count }, (_, i) => [`graph_${i}`, `./graphs.ts:${exportName}`]));
  const started = performance.now();
  const graphMcp = await loadGraphMcp({ config: { graphs }, baseDir: HERE, logger: createLogger({ level: 'silent' }) });
  const loadMs = performance.now() - started;
  const running = await serve(graphMcp, { port: 0, host: '127.0.0.1' });
  return track({ url: running.url, loadMs, close: () => running.close(0) });
}

/** The v1 SDK's documented stateless pattern: a new McpServer and transport for every request. */
export async function startV1HandWritten(): Promise<Running> {
  const app = express();
  app.use(express.json());
  app.post('/mcp', async (req, res) => {
    try {
      const server = new McpServer({ name: 'hand-written', version: '1.0.0' });
      server.registerTool(
        'graph_0',
        { description: 'the trivial graph', inputSchema: { text: z.string() }, outputSchema: { echoed: z.string() } },
        async ({ text }) => {
          const output = (await trivial.invoke({ text })) as { echoed: string };
          return { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
        },
      );
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch {
      if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
    }
  });
  return listen(app, '/mcp');
}

/** The ceiling: Express parsing the JSON body and answering a fixed JSON-RPC result. */
export async function startBareExpress(): Promise<Running> {
  const app = express();
  app.use(express.json());
  app.post('/mcp', (req, res) => {
    res.json({
      jsonrpc: '2.0',
      id: req.body?.id ?? null,
      result: { content: [{ type: 'text', text: '{"echoed":"hi"}' }], structuredContent: { echoed: 'hi' } },
    });
  });
  return listen(app, '/mcp');
}

/** Closes every server started so far (each section ends with this, even when it fails). */
export async function closeAll(): Promise<void> {
  const closing = [...open].map((server) => server.close());
  open.clear();
  await Promise.all(closing);
}
