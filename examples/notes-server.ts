/**
 * A small downstream MCP server for the auth example: per-user notes,
 * behind its own bearer tokens (not graph-mcp's). graph-mcp's example graph
 * `graphs/notes.ts` calls it on the caller's behalf with the caller's own
 * token from the secret store.
 *
 * Run it: NOTES_TOKENS='{"notes-token-alice":"alice","notes-token-bob":"bob"}' npx tsx examples/notes-server.ts
 * (listens on 127.0.0.1:8124, or NOTES_PORT).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { z } from 'zod';

export interface NotesServer {
  url: string;
  /** Every Authorization header the server received, in order (for tests). */
  seenAuthorization: string[];
  close(): Promise<void>;
}

export async function startNotesServer(tokens: Record<string, string>, port = 0): Promise<NotesServer> {
  const notes = new Map<string, string[]>();
  const seenAuthorization: string[] = [];

  const handler = createMcpHandler(({ authInfo }) => {
    const user = authInfo?.clientId ?? '';
    const server = new McpServer({ name: 'notes', version: '1.0.0' });
    server.registerTool(
      'add_note',
      { description: 'Adds a note for the current user.', inputSchema: z.object({ text: z.string().min(1) }) },
      ({ text }) => {
        notes.set(user, [...(notes.get(user) ?? []), text]);
        return { content: [{ type: 'text', text: 'saved' }] };
      },
    );
    server.registerTool(
      'list_notes',
      { description: "Lists the current user's notes.", outputSchema: z.object({ user: z.string(), notes: z.array(z.string()) }) },
      () => {
        const result = { user, notes: notes.get(user) ?? [] };
        return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
      },
    );
    return server;
  });
  const serve = toNodeHandler(handler);

  const app = express();
  app.post('/mcp', (req, res) => {
    const header = req.headers.authorization ?? '';
    seenAuthorization.push(header);
    const user = tokens[header.replace(/^Bearer\s+/i, '')];
    if (!user) {
      res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
      return;
    }
    (req as { auth?: unknown }).auth = { token: '', clientId: user, scopes: [] };
    void serve(req as Parameters<typeof serve>[0], res);
  });
  const server = app.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    seenAuthorization,
    close: async () => {
      await handler.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const tokens = JSON.parse(process.env.NOTES_TOKENS ?? '{"notes-token-alice":"alice","notes-token-bob":"bob"}') as Record<string, string>;
  const running = await startNotesServer(tokens, Number(process.env.NOTES_PORT ?? 8124));
  console.log(`notes server at ${running.url} for users: ${Object.values(tokens).join(', ')}`);
}
