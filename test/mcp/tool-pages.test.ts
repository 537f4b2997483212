// tools/list in pages: every page reached by its nextCursor, bad cursors refused,
// and each kind of client ending up with every tool.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { OWN_TOOLS, startServer, type TestServer } from '../helpers/server.js';
import { envelope, legacyHeaders, modernHeaders, post } from '../helpers/raw.js';

const GRAPHS = 7;
const PAGE = 3;
const graphNames = Array.from({ length: GRAPHS }, (_, i) => `echo_${i}`);
const EVERY_TOOL = [...graphNames, ...OWN_TOOLS].sort();

let server: TestServer;
before(async () => {
  server = await startServer({
    graphs: Object.fromEntries(graphNames.map((name) => [name, './graphs/basic.ts:echo'])),
    http: { tools_page_size: PAGE },
  });
});
after(() => server.close(0));

function listModern(cursor?: string) {
  return post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: envelope(cursor === undefined ? {} : { cursor }) }, modernHeaders('tools/list'));
}

describe('tools/list pages', () => {
  test('2026-07-28: pages of the configured size, each naming the next, the last none', async () => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const answer = await listModern(cursor);
      assert.equal(answer.status, 200, answer.text);
      const result = answer.messages[0]!.result;
      pages.push(result.tools.map((tool: { name: string }) => tool.name));
      cursor = result.nextCursor;
    } while (cursor !== undefined);
    // 7 graphs and 3 of graph-mcp's own tools.
    assert.deepEqual(pages.map((page) => page.length), [3, 3, 3, 1]);
    assert.deepEqual(pages.flat().sort(), EVERY_TOOL);
  });

  test('2025-11-25: the same pages, raw', async () => {
    const first = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, legacyHeaders());
    const page = first.messages.find((message) => 'result' in message)!.result;
    assert.equal(page.tools.length, PAGE);
    assert.equal(typeof page.nextCursor, 'string');
  });

  test('a cursor never handed out is Invalid params (-32602), and the server serves on', async () => {
    for (const cursor of ['nonsense', 'tools:0', 'tools:10', 'tools:-3', 'tools:1e3', 'tools:99999999999999', 'tools:1', 'tools:4']) {
      const answer = await listModern(cursor);
      assert.equal(answer.messages[0]?.error?.code, -32602, `${cursor}: ${answer.text}`);
      assert.match(answer.messages[0]?.error?.message, /Invalid cursor/);
    }
    assert.equal((await listModern()).messages[0]!.result.tools.length, PAGE);
  });
});

describe('clients follow the pages', () => {
  test('MultiServerMCPClient loads every tool', async () => {
    const client = new MultiServerMCPClient({ mcpServers: { paged: { url: server.url, transport: 'http' } } });
    try {
      assert.deepEqual((await client.getTools()).map((tool) => tool.name).sort(), EVERY_TOOL);
    } finally {
      await client.close();
    }
  });

  test('v2 client (2026-07-28) and v1 client (2025-11-25) reach every tool through nextCursor', async () => {
    const v2 = new V2Client({ name: 'paging-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await v2.connect(new V2Transport(new URL(server.url)));
    const v1 = new V1Client({ name: 'paging-v1', version: '1.0.0' });
    await v1.connect(new V1Transport(new URL(server.url)));
    try {
      for (const list of [(cursor?: string) => v2.listTools(cursor === undefined ? {} : { cursor }), (cursor?: string) => v1.listTools(cursor === undefined ? {} : { cursor })]) {
        const names: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await list(cursor);
          names.push(...page.tools.map((tool) => tool.name));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        assert.deepEqual(names.sort(), EVERY_TOOL);
      }
    } finally {
      await v2.close();
      await v1.close();
    }
  });
});
