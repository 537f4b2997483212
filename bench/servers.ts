// The servers graph-mcp is compared with, each run in a process of its own
// by server-main.ts: a hand-written v1 SDK stateless server, and a bare
// Express handler. Both bind 127.0.0.1 on a free port.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { trivial } from './graphs.js';

export interface Running {
  url: string;
}

/** Listens until the process is stopped. */
async function listen(app: express.Express, route: string): Promise<Running> {
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${route}` };
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

/**
 * The ceiling for serving this graph over HTTP: Express parsing the JSON body,
 * `graph.invoke` on its arguments, and the JSON-RPC result written back. No MCP,
 * no validation, no cancellation: what any server of this graph pays at least.
 */
export async function startBareGraph(): Promise<Running> {
  const app = express();
  app.use(express.json());
  app.post('/mcp', async (req, res) => {
    const output = (await trivial.invoke({ text: String(req.body?.params?.arguments?.text ?? '') })) as { echoed: string };
    res.json({
      jsonrpc: '2.0',
      id: req.body?.id ?? null,
      result: { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output },
    });
  });
  return listen(app, '/mcp');
}
