// Graphs that return images, audio, resource links and mixed content, called by the three real clients.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import type { ToolMessage } from '@langchain/core/messages';
import { PNG } from 'pngjs';
import { EXAMPLES_CONFIG, startServer, type TestServer } from '../helpers/server.js';
import { post } from '../helpers/raw.js';
import { PDF_BASE64, PNG_BASE64, WAV_BASE64 } from '../fixtures/graphs/content.js';

type Block = Record<string, any>;

let server: TestServer;
let examples: TestServer;
before(async () => {
  server = await startServer({
    graphs: {
      image: './graphs/content.ts:image',
      audio: './graphs/content.ts:audio',
      link: './graphs/content.ts:link',
      mixed: './graphs/content.ts:mixed',
      agent: './graphs/content.ts:agent',
    },
  });
  examples = await startServer(EXAMPLES_CONFIG);
});
after(async () => {
  await server.close(0);
  await examples.close(0);
});

const ARGS: Record<string, Record<string, unknown>> = { agent: { message: 'draw it' } };

/** What every MCP client must see, whatever its protocol era. */
function checkMcpResult(name: string, result: Record<string, unknown>) {
  assert.notEqual(result.isError, true, `${name}: ${JSON.stringify(result.content)}`);
  const content = result.content as Block[];
  switch (name) {
    case 'image':
      assert.deepEqual(content, [
        { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
        { type: 'text', text: '{"width":1}' },
      ]);
      assert.deepEqual(result.structuredContent, { width: 1 });
      break;
    case 'audio':
      assert.deepEqual(content, [{ type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav' }]);
      assert.deepEqual(result.structuredContent, {});
      break;
    case 'link':
      assert.deepEqual(content, [
        { type: 'resource_link', uri: 'https://files.example.com/q3/report.pdf', name: 'report.pdf', mimeType: 'application/pdf', description: 'Q3 report' },
      ]);
      break;
    case 'mixed':
      assert.deepEqual(
        content.map((block) => block.type),
        ['text', 'image', 'resource', 'image', 'text'],
      );
      assert.equal(content[0]!.text, 'Here is the chart and its data:');
      assert.deepEqual(content[2]!.resource, { uri: 'file:///reports/q3.csv', mimeType: 'text/csv', text: 'month,sales\njul,3\n' });
      assert.deepEqual(content[3], { type: 'image', mimeType: 'image/png', data: PNG_BASE64 }, 'a data: URL becomes an image block');
      assert.deepEqual(JSON.parse(content[4]!.text), { note: 'q3' });
      assert.deepEqual(result.structuredContent, { note: 'q3' });
      break;
    case 'agent':
      assert.deepEqual(content[0], { type: 'image', data: PNG_BASE64, mimeType: 'image/png' }, "the final AI message's image");
      assert.deepEqual(content[1], { type: 'resource', resource: { uri: 'file:///chart.pdf', mimeType: 'application/pdf', blob: PDF_BASE64 } }, 'and its file');
      assert.deepEqual(result.structuredContent, { message: 'Here is your chart.' });
      break;
    default:
      assert.fail(`unexpected tool ${name}`);
  }
}

describe('content blocks, v2 client on 2026-07-28', () => {
  test('image, audio, resource link, mixed and a multimodal AI message', async () => {
    const client = new V2Client({ name: 'content-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new V2Transport(new URL(server.url)));
    try {
      const { tools } = await client.listTools();
      assert.equal((tools.find((tool) => tool.name === 'image')!.outputSchema?.properties as Record<string, unknown>).content_blocks, undefined, 'the channel is not part of the output schema');
      assert.equal((tools.find((tool) => tool.name === 'image')!.inputSchema.properties as Record<string, unknown>).content_blocks, undefined, 'nor of the input schema');
      for (const name of ['image', 'audio', 'link', 'mixed', 'agent']) {
        checkMcpResult(name, await client.callTool({ name, arguments: ARGS[name] ?? {} }));
      }
    } finally {
      await client.close();
    }
  });
});

describe('content blocks, v1 client on 2025-11-25', () => {
  test('the same blocks reach a 2025-era client', async () => {
    const client = new V1Client({ name: 'content-v1', version: '1.0.0' });
    await client.connect(new V1Transport(new URL(server.url)));
    try {
      for (const name of ['image', 'audio', 'link', 'mixed', 'agent']) {
        checkMcpResult(name, await client.callTool({ name, arguments: ARGS[name] ?? {} }));
      }
    } finally {
      await client.close();
    }
  });
});

describe('content blocks, 2025-era clients of earlier revisions', () => {
  /** A tools/call as such a client sends it: without MCP-Protocol-Version before 2025-06-18. */
  const call = async (name: string, revision: string | undefined) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(revision ? { 'mcp-protocol-version': revision } : {}) };
    const answer = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } }, headers);
    return answer.messages.at(-1)?.result as Record<string, unknown>;
  };

  test('2025-06-18 on gets resource links; 2025-03-26 (no header) gets each as a text block, which its SDK reads (it refused the whole result); before it, audio as an embedded resource', async () => {
    checkMcpResult('link', await call('link', '2025-06-18'));
    assert.deepEqual((await call('link', undefined)).content, [{ type: 'text', text: 'https://files.example.com/q3/report.pdf (report.pdf, Q3 report, application/pdf)' }]);
    checkMcpResult('audio', await call('audio', undefined));
    assert.deepEqual((await call('audio', '2024-11-05')).content, [{ type: 'resource', resource: { uri: 'urn:graph-mcp:audio:0', mimeType: 'audio/wav', blob: WAV_BASE64 } }]);
    checkMcpResult('image', await call('image', undefined));
  });
});

describe('content blocks, MultiServerMCPClient', () => {
  test('become LangChain content blocks in the ToolMessage', async () => {
    const client = new MultiServerMCPClient({ mcpServers: { content: { url: server.url, transport: 'http' } }, useStandardContentBlocks: true });
    try {
      const tools = await client.getTools();
      const call = async (name: string) => {
        const tool = tools.find((candidate) => candidate.name === name)!;
        return (await tool.invoke({ type: 'tool_call', id: `call-${name}`, name, args: ARGS[name] ?? {} })) as ToolMessage;
      };

      const image = await call('image');
      assert.deepEqual((image.content as Block[])[0], { type: 'image', source_type: 'base64', data: PNG_BASE64, mime_type: 'image/png' });
      const structured = (image.artifact as Block[]).find((item) => item.type === 'mcp_structured_content');
      assert.deepEqual(structured?.data, { width: 1 });

      const audio = await call('audio');
      assert.deepEqual((audio.content as Block[])[0], { type: 'audio', source_type: 'base64', data: WAV_BASE64, mime_type: 'audio/wav' });

      const link = await call('link');
      assert.deepEqual((link.content as Block[])[0], { type: 'file', source_type: 'url', url: 'https://files.example.com/q3/report.pdf', mime_type: 'application/pdf' });

      const mixed = await call('mixed');
      assert.deepEqual(
        (mixed.content as Block[]).map((block) => block.type),
        ['text', 'image', 'image', 'text'],
      );
      const csv = (mixed.artifact as Block[]).find((item) => item.type === 'file');
      assert.equal(csv?.text, 'month,sales\njul,3\n', 'the embedded resource arrives as a file artifact');

      const agent = await call('agent');
      assert.equal((agent.content as Block[])[0]?.type, 'image');
      const pdf = (agent.artifact as Block[]).find((item) => item.type === 'file');
      assert.equal(pdf?.data, PDF_BASE64, "the AI message's file arrives as a file artifact");
    } finally {
      await client.close();
    }
  });
});

describe('the chart example', () => {
  test('returns a real PNG of the bars, with the numbers as structured content', async () => {
    const client = new V2Client({ name: 'chart', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new V2Transport(new URL(examples.url)));
    try {
      const result = await client.callTool({ name: 'chart', arguments: { values: [1, 4, 2], color: 'green' } });
      assert.notEqual(result.isError, true, JSON.stringify(result.content));
      assert.deepEqual(result.structuredContent, { bars: 3, max: 4, width: 320, height: 200 });
      const [image, text] = result.content as Block[];
      assert.equal(image?.type, 'image');
      assert.equal(image?.mimeType, 'image/png');
      assert.deepEqual(JSON.parse(text?.text), result.structuredContent);
      const png = PNG.sync.read(Buffer.from(image!.data as string, 'base64'));
      assert.equal(png.width, 320);
      assert.equal(png.height, 200);
      const pixel = (x: number, y: number) => [...png.data.subarray((y * 320 + x) * 4, (y * 320 + x) * 4 + 3)];
      // The tallest (second) bar reaches the top margin; the first, a quarter as tall, does not.
      assert.deepEqual(pixel(160, 11), [22, 163, 74]);
      assert.deepEqual(pixel(60, 11), [255, 255, 255]);
      assert.deepEqual(pixel(60, 185), [22, 163, 74]);
    } finally {
      await client.close();
    }
  });
});
