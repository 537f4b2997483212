// A runnable that is not a LangGraph graph (a RunnableLambda, a chain), served as a tool.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { callLegacy, callModern } from '../helpers/raw.js';

let server: TestServer;
before(async () => {
  server = await startServer({ graphs: { lambda: './graphs/not-graphs.ts:lambda', agent: './graphs/agents.ts:reportingAgent' } });
});
after(() => server.close(0));

test('its output is the result in both eras, with or without a progress token (a streamed call answered {})', async () => {
  const modern = await callModern(server.url, 'lambda', { text: 'hi' });
  assert.deepEqual(modern.messages.at(-1)?.result?.structuredContent, { text: 'HI' });
  // Every 2025-era call is streamed (for its log messages).
  const legacy = await callLegacy(server.url, 'lambda', { text: 'hi' });
  assert.deepEqual(legacy.messages.at(-1)?.result?.structuredContent, { text: 'HI' });
  const withProgress = await callModern(server.url, 'lambda', { text: 'ho' }, 2, { progressToken: 'p1' });
  assert.deepEqual(withProgress.messages.at(-1)?.result?.structuredContent, { text: 'HO' });
});

test('an agent of createAgent (a wrapper with no nodes of its own) still streams its progress', async () => {
  const answer = await callModern(server.url, 'agent', { message: 'weather in Paris?' }, 3, { progressToken: 'p-agent' });
  assert.notEqual(answer.messages.at(-1)?.result?.isError, true, JSON.stringify(answer.messages.at(-1)));
  assert.ok(answer.messages.some((message) => message.method === 'notifications/progress'), 'progress was sent');
});
