// withUserMcpClient closes the caller's downstream client when the run is stopped: a
// downstream call does not go on, holding its connection, for a run no one waits for.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import express from 'express';
import { startServer, type TestServer } from '../helpers/server.js';
import { callModern, legacyHeaders, post } from '../helpers/raw.js';
import { until } from '../helpers/wait.js';

/** Downstream requests whose response has not closed yet, and the "wait" calls begun. */
let open = 0;
let begun = 0;
let release: () => void = () => undefined;
let downstream: ReturnType<express.Express['listen']>;
let server: TestServer;

before(async () => {
  const handler = createMcpHandler(() => {
    const mcp = new McpServer({ name: 'slow', version: '1.0.0' });
    mcp.registerTool('wait', { description: 'Answers when the test lets it.' }, async () => {
      begun += 1;
      await new Promise<void>((resolve) => (release = resolve));
      return { content: [{ type: 'text', text: 'waited' }] };
    });
    return mcp;
  });
  const serve = toNodeHandler(handler);
  const app = express();
  app.post('/mcp', (req, res) => {
    open += 1;
    res.once('close', () => (open -= 1));
    void serve(req, res);
  });
  downstream = app.listen(0, '127.0.0.1');
  await once(downstream, 'listening');
  server = await startServer(
    {
      name: 'user-client',
      graphs: { waits: './graphs/downstream.ts:waitsDownstream' },
      secrets: { servers: { slow: { url: `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/mcp` } } },
    },
    {
      load: {
        authenticate: () => ({ id: 'ivy', scopes: [] }),
        secretStore: { get: async () => ({ Authorization: 'Bearer downstream-token-of-ivy' }) },
      },
    },
  );
});
after(async () => {
  release();
  await server?.close(0);
  downstream.closeAllConnections();
  await new Promise((resolve) => downstream.close(resolve));
});

for (const via of ['tool', 'client']) {
  test(`a run stopped while its node waits on a downstream call (${via === 'tool' ? 'a LangChain tool' : 'the SDK client beneath'}) closes it: the downstream request ends`, async () => {
    begun = 0;
    // Finishes when let go: the client works as it should.
    const answered = callModern(server.url, 'waits', { via });
    await until('the downstream call to begin', async () => (begun === 1 ? true : undefined));
    release();
    assert.deepEqual((await answered).messages[0]?.result?.structuredContent, { via, value: 'waited' });
    await until('the first client to close its requests', async () => (open === 0 ? true : undefined), 10_000);

    // The caller goes away while the downstream call waits.
    const caller = new AbortController();
    const abandoned = post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'waits', arguments: { via } } }, legacyHeaders(), caller.signal).catch(
      (error: unknown) => error,
    );
    await until('the second downstream call to begin', async () => (begun === 2 ? true : undefined));
    assert.ok(open >= 1, 'the downstream call is in flight');
    caller.abort();
    await abandoned;
    await until('the downstream request to end with the run', async () => (open === 0 ? true : undefined), 10_000);
    assert.equal(server.graphMcp.runs.size, 0, 'no run left');
    release();
  });
}
