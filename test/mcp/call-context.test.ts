// Per-call protocol details: log messages by era and level, required client capabilities, secrets in logs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { SecretStore } from '../../src/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { callLegacy, callModern } from '../helpers/raw.js';

const LOG_LEVEL = 'io.modelcontextprotocol/logLevel';
const CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';

let server: TestServer;
before(async () => {
  server = await startServer({
    graphs: {
      logs: './graphs/logs.ts:logs',
      needs_sampling: { path: './graphs/basic.ts:echo', client_capabilities: { sampling: {} } },
      needs_form: { path: './graphs/basic.ts:echo', client_capabilities: { elicitation: { form: {} } } },
    },
  });
});
after(() => server.close(0));

const logMessages = (messages: Array<Record<string, any>>) => messages.filter((m) => m.method === 'notifications/message').map((m) => m.params);

describe('log messages', () => {
  test('2026-07-28: sent at and above the level the request asks for, before the result', async () => {
    const answer = await callModern(server.url, 'logs', {}, 1, { [LOG_LEVEL]: 'info' });
    assert.equal(answer.status, 200);
    assert.deepEqual(logMessages(answer.messages), [
      { level: 'info', data: 'started' },
      { level: 'warning', data: { rows: 3 }, logger: 'loader' },
      { level: 'info', data: 'finished' },
    ]);
    assert.deepEqual(answer.messages.at(-1)?.result?.structuredContent, { done: true });
    assert.equal(answer.messages.filter((m) => m.method === 'notifications/progress').length, 0, 'no progress without a progress token');

    const warnings = await callModern(server.url, 'logs', {}, 2, { [LOG_LEVEL]: 'warning' });
    assert.deepEqual(logMessages(warnings.messages), [{ level: 'warning', data: { rows: 3 }, logger: 'loader' }]);
  });

  test('2026-07-28: none without a log level', async () => {
    const answer = await callModern(server.url, 'logs', {}, 3);
    assert.deepEqual(logMessages(answer.messages), []);
    assert.deepEqual(answer.messages.at(-1)?.result?.structuredContent, { done: true });
  });

  test('with a progress token too, log lines and progress messages go their own ways, whether or not the call takes log lines', async () => {
    const answer = await callModern(server.url, 'logs', {}, 4, { [LOG_LEVEL]: 'debug', progressToken: 'p1' });
    assert.equal(logMessages(answer.messages).length, 3);
    const progress = answer.messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.message);
    assert.deepEqual(progress, ['half way', 'work']);
    const unlogged = await callModern(server.url, 'logs', {}, 5, { progressToken: 'p2' });
    assert.deepEqual(logMessages(unlogged.messages), []);
    assert.deepEqual(unlogged.messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.message), ['half way', 'work'], 'a log line is no progress');
  });

  test('2025-11-25 (v1 client, stateless): every message arrives on the call', async () => {
    const client = new V1Client({ name: 'logs-v1', version: '1.0.0' });
    const received: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      received.push(notification.params);
    });
    await client.connect(new V1Transport(new URL(server.url)));
    try {
      assert.deepEqual(client.getServerCapabilities()?.logging, {});
      await client.setLoggingLevel('debug'); // answered, though a stateless server cannot keep it
      const result = await client.callTool({ name: 'logs', arguments: {} });
      assert.deepEqual(result.structuredContent, { done: true });
      assert.deepEqual(received, [
        { level: 'info', data: 'started' },
        { level: 'warning', data: { rows: 3 }, logger: 'loader' },
        { level: 'info', data: 'finished' },
      ]);
    } finally {
      await client.close();
    }
  });
});

describe('client_capabilities', () => {
  test('2026-07-28: a caller that did not declare them gets -32021 with HTTP 400, naming what is missing', async () => {
    const answer = await callModern(server.url, 'needs_sampling', { text: 'hi' }, 7);
    assert.equal(answer.status, 400);
    const error = answer.messages[0]?.error;
    assert.equal(answer.messages[0]?.id, 7);
    assert.equal(error?.code, -32021);
    assert.deepEqual(error?.data?.requiredCapabilities, { sampling: {} });
    assert.match(error?.message, /requires client capabilities: sampling/);

    const partial = await callModern(server.url, 'needs_form', { text: 'hi' }, 8, { [CAPABILITIES]: { elicitation: { url: {} } } });
    assert.equal(partial.status, 400);
    assert.deepEqual(partial.messages[0]?.error?.data?.requiredCapabilities, { elicitation: { form: {} } });
  });

  test('2026-07-28: a caller that declared them is served', async () => {
    const answer = await callModern(server.url, 'needs_sampling', { text: 'hi' }, 9, { [CAPABILITIES]: { sampling: {} } });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'hi' });
    const form = await callModern(server.url, 'needs_form', { text: 'hi' }, 10, { [CAPABILITIES]: { elicitation: { form: {}, url: {} } } });
    assert.deepEqual(form.messages[0]?.result?.structuredContent, { echoed: 'hi' });
  });

  test('2025-11-25: a stateless call declares no capabilities per request, so it is served', async () => {
    const answer = await callLegacy(server.url, 'needs_sampling', { text: 'hi' });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.messages[0]?.result?.structuredContent, { echoed: 'hi' });
  });
});

describe('secrets in log messages and content', () => {
  const TOKEN = 'Bearer notes-token-alice-5f1d';
  let guarded: TestServer;
  before(async () => {
    const secretStore: SecretStore = { get: async (user, name) => (user === 'alice' && name === 'notes' ? { Authorization: TOKEN } : undefined) };
    guarded = await startServer(
      {
        secrets: { servers: { notes: { url: 'http://127.0.0.1:9/mcp' } } },
        graphs: { leaky_logs: './graphs/logs.ts:leakyLogs', leaky_blob: './graphs/logs.ts:leakyBlob' },
      },
      { load: { authenticate: () => ({ id: 'alice', scopes: [] }), secretStore } },
    );
  });
  after(() => guarded.close(0));

  test('are scrubbed from log data, logger names and text blocks; binary carrying one is refused', async () => {
    const answer = await callModern(guarded.url, 'leaky_logs', {}, 1, { [LOG_LEVEL]: 'debug' });
    assert.ok(!answer.text.includes('notes-token-alice'), answer.text);
    assert.deepEqual(logMessages(answer.messages), [{ level: 'info', data: 'calling notes with [redacted]', logger: 'client [redacted]' }]);
    assert.deepEqual(answer.messages.at(-1)?.result?.content, [{ type: 'text', text: 'the header is [redacted]' }]);

    const blob = await callModern(guarded.url, 'leaky_blob', {}, 2);
    const result = blob.messages[0]?.result;
    assert.equal(result?.isError, true);
    assert.equal(result?._meta?.['graph-mcp/error']?.code, 'OUTPUT_INVALID');
    assert.match(result?.content?.[0]?.text, /contains a credential the run was given; it was not sent/);
    assert.ok(!blob.text.includes(Buffer.from('notes-token-alice').toString('base64').slice(0, 12)));
  });
});
