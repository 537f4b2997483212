// Tuples as zod 4 writes them (JSON Schema 2020-12), through every kind of client:
// 2025-era clients check results against the tool's schema as draft-07.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import type { ToolMessage } from '@langchain/core/messages';
import { startServer, type TestServer } from '../helpers/server.js';

const ARGS = { pair: ['a', 1], scores: ['ada', 3, 4] };
const EXPECTED = { ...ARGS, swapped: [1, 'a'] };

let server: TestServer;
before(async () => {
  server = await startServer({ graphs: { tuples: './graphs/tuples.ts:tuples' } });
});
after(() => server.close(0));

test('the schemas shown hold no tuple draft-07 misreads: items: false is maxItems, a rest schema is left out', async () => {
  const client = new V2Client({ name: 'tuples-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new V2Transport(new URL(server.url)));
  try {
    const tool = (await client.listTools()).tools.find((t) => t.name === 'tuples')!;
    for (const schema of [tool.inputSchema, tool.outputSchema!]) {
      const properties = schema.properties as Record<string, Record<string, unknown>>;
      assert.deepEqual(properties.pair, { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], minItems: 2, maxItems: 2 });
      assert.deepEqual(properties.scores, { type: 'array', prefixItems: [{ type: 'string' }], minItems: 1 });
    }
    const result = await client.callTool({ name: 'tuples', arguments: ARGS });
    assert.notEqual(result.isError, true, JSON.stringify(result.content));
    assert.deepEqual(result.structuredContent, EXPECTED);
  } finally {
    await client.close();
  }
});

test('the v1 SDK client calls it and accepts the result (it threw: "boolean schema is false")', async () => {
  const client = new V1Client({ name: 'tuples-v1', version: '1.0.0' });
  await client.connect(new V1Transport(new URL(server.url)));
  try {
    await client.listTools(); // the client checks results against the schemas it listed
    const result = await client.callTool({ name: 'tuples', arguments: ARGS });
    assert.notEqual(result.isError, true, JSON.stringify(result.content));
    assert.deepEqual(result.structuredContent, EXPECTED);
  } finally {
    await client.close();
  }
});

test('MultiServerMCPClient invokes it', async () => {
  const client = new MultiServerMCPClient({ mcpServers: { tuples: { url: server.url, transport: 'http' } } });
  try {
    const tool = (await client.getTools()).find((t) => t.name === 'tuples')!;
    const message = (await tool.invoke({ type: 'tool_call', id: 'call-tuples', name: 'tuples', args: ARGS })) as ToolMessage;
    const artifact = (message.artifact as Array<{ type: string; data?: unknown }>).find((a) => a.type === 'mcp_structured_content');
    assert.deepEqual(artifact?.data, EXPECTED);
  } finally {
    await client.close();
  }
});

test('the server still checks the whole tuple, rest included', async () => {
  const client = new V2Client({ name: 'tuples-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new V2Transport(new URL(server.url)));
  try {
    for (const [args, problem] of [
      [{ ...ARGS, scores: ['ada', 3, 'four'] }, /scores\[2\]: must be number/],
      [{ ...ARGS, pair: ['a', 1, 2] }, /pair: must NOT have more than 2 items/],
    ] as const) {
      const refused = await client.callTool({ name: 'tuples', arguments: args }).then(
        (result) => JSON.stringify(result),
        (error: Error) => error.message,
      );
      assert.match(refused, problem);
    }
  } finally {
    await client.close();
  }
});
