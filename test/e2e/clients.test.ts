// The example graphs, served by a real server, listed and called by three real MCP clients.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import type { ToolMessage } from '@langchain/core/messages';
import { EXAMPLES_CONFIG, startServer, type TestServer } from '../helpers/server.js';

const CALLS = {
  triage: {
    args: { title: 'Charged twice', body: 'My card was charged twice, please refund. Urgent!', customer_tier: 'pro' },
    expect: { category: 'billing', priority: 1, route_to: 'finance', summary: '[P1] billing: Charged twice' },
  },
  calculator_agent: { args: { message: 'what is 6 times 7?' }, expect: { message: 'The answer is 42.' } },
  // research's findings depend on the path taken; checked by checkResearch.
  research: { args: { topic: 'graph databases', depth: 'thorough', step_ms: 1 }, expect: undefined },
  // Under the approval limit: no question is asked.
  refund_approval: { args: { customer: 'Ada', amount: 40 }, expect: { status: 'refunded', approved_by: 'policy' } },
} as const;

let server: TestServer;
before(async () => {
  server = await startServer(EXAMPLES_CONFIG);
});
after(async () => {
  await server.close(0);
});

function checkResearch(structured: Record<string, unknown>) {
  assert.equal(typeof structured.summary, 'string');
  assert.match(String(structured.summary), /^graph databases: \d+ finding\(s\) from a thorough look\.$/);
  assert.ok(Array.isArray(structured.findings) && structured.findings.length >= 4, 'thorough research gathers findings');
  assert.ok((structured.findings as string[]).includes('What are open problems in graph databases? (notes gathered)'));
}

function checkStructured(name: keyof typeof CALLS, structured: Record<string, unknown> | undefined) {
  assert.ok(structured, `${name} returns structured content`);
  if (name === 'research') checkResearch(structured);
  else assert.deepEqual(structured, CALLS[name].expect);
}

describe('v2 client, protocol 2026-07-28', () => {
  test('lists every example with schemas and calls each one', async () => {
    const client = new V2Client({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new V2Transport(new URL(server.url)));
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['calculator_agent', 'cancel_run', 'chart', 'get_run', 'refund_approval', 'research', 'resume_run', 'triage']);
      const triage = tools.find((t) => t.name === 'triage')!;
      assert.equal(triage.title, 'Ticket triage');
      assert.deepEqual(triage.inputSchema.required, ['title', 'body']);
      assert.deepEqual(Object.keys(triage.outputSchema?.properties ?? {}).sort(), ['category', 'priority', 'route_to', 'summary']);
      assert.equal(triage.annotations?.readOnlyHint, true);
      const agent = tools.find((t) => t.name === 'calculator_agent')!;
      assert.deepEqual(agent.inputSchema.required, ['message']);

      for (const name of Object.keys(CALLS) as Array<keyof typeof CALLS>) {
        const result = await client.callTool({ name, arguments: CALLS[name].args });
        assert.notEqual(result.isError, true, `${name}: ${JSON.stringify(result.content)}`);
        checkStructured(name, result.structuredContent as Record<string, unknown>);
        const text = (result.content as Array<{ type: string; text?: string }>)[0];
        assert.equal(text?.type, 'text');
        assert.deepEqual(JSON.parse(text!.text!), result.structuredContent);
      }
    } finally {
      await client.close();
    }
  });
});

describe('v1 client, protocol 2025-11-25', () => {
  test('lists every example and calls each one', async () => {
    const client = new V1Client({ name: 'e2e-v1', version: '1.0.0' });
    const transport = new V1Transport(new URL(server.url));
    await client.connect(transport);
    try {
      assert.equal(transport.sessionId, undefined, 'stateless: no Mcp-Session-Id');
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['calculator_agent', 'cancel_run', 'chart', 'get_run', 'refund_approval', 'research', 'resume_run', 'triage']);
      for (const name of Object.keys(CALLS) as Array<keyof typeof CALLS>) {
        const result = await client.callTool({ name, arguments: CALLS[name].args });
        assert.notEqual(result.isError, true, `${name}: ${JSON.stringify(result.content)}`);
        checkStructured(name, result.structuredContent as Record<string, unknown>);
      }
    } finally {
      await client.close();
    }
  });
});

describe('MultiServerMCPClient from @langchain/mcp-adapters', () => {
  test('loads the tools, invokes each, and reads the structured output', async () => {
    const client = new MultiServerMCPClient({
      mcpServers: { examples: { url: server.url, transport: 'http' } },
      useStandardContentBlocks: true,
    });
    try {
      const tools = await client.getTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['calculator_agent', 'cancel_run', 'chart', 'get_run', 'refund_approval', 'research', 'resume_run', 'triage']);
      for (const name of Object.keys(CALLS) as Array<keyof typeof CALLS>) {
        const tool = tools.find((t) => t.name === name)!;
        const message = (await tool.invoke({ type: 'tool_call', id: `call-${name}`, name, args: CALLS[name].args })) as ToolMessage;
        const artifact = (message.artifact as Array<{ type: string; data?: unknown }>).find((a) => a.type === 'mcp_structured_content');
        checkStructured(name, artifact?.data as Record<string, unknown>);
      }
    } finally {
      await client.close();
    }
  });
});
