// A graph that throws a JSON-RPC error is answered with that error, code, message and data,
// in both protocol eras and from a task.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { callModern, legacyHeaders, post, taskRequest } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

let server: TestServer;
before(async () => {
  server = await startServer({ graphs: { quota: './graphs/protocol-errors.ts:quota', v1_quota: './graphs/protocol-errors.ts:v1Quota', leaky: './graphs/protocol-errors.ts:leaky', bulky: './graphs/protocol-errors.ts:bulky', out_of_range: './graphs/protocol-errors.ts:outOfRange' }, defaults: { poll_interval_ms: 50 } });
});
after(() => server.close(0));

test('2025-11-25: the error the graph threw, with its data', async () => {
  const answer = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'quota', arguments: {} } }, legacyHeaders());
  assert.deepEqual(answer.messages[0]?.error, { code: -32043, message: 'quota exceeded', data: { retryAfterS: 30, plan: 'free' } });
  const v1 = await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'v1_quota', arguments: {} } }, legacyHeaders());
  assert.deepEqual(v1.messages[0]?.error, { code: -32044, message: 'over the limit', data: { limit: 3 } });
});

test('2026-07-28: the same, directly and from a task', async () => {
  const answer = await callModern(server.url, 'quota', {});
  assert.deepEqual(answer.messages[0]?.error, { code: -32043, message: 'quota exceeded', data: { retryAfterS: 30, plan: 'free' } });
  const created = (await taskRequest(server.url, 'tools/call', { name: 'quota', arguments: {} })).result;
  assert.equal(created.resultType, 'task');
  const failed = await until('the task to fail', async () => {
    const got = (await taskRequest(server.url, 'tasks/get', { taskId: created.taskId })).result;
    return got.status === 'failed' ? got : undefined;
  });
  assert.deepEqual(failed.error, { code: -32043, message: 'quota exceeded', data: { retryAfterS: 30, plan: 'free' } });
});

test("the error's data loses a URL's password, and data past 8 KiB is not sent", async () => {
  const leaky = await callModern(server.url, 'leaky', {});
  assert.deepEqual(leaky.messages[0]?.error, { code: -32045, message: 'database down', data: { dsn: 'postgres://admin:[redacted]@db.internal/app', table: 'runs' } });
  const bulky = await post(server.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'bulky', arguments: {} } }, legacyHeaders());
  assert.deepEqual(bulky.messages[0]?.error, { code: -32046, message: 'too much to say' });
});

test('a code outside the JSON-RPC server range (-32768 to -32000) is the graph failing: an isError GRAPH_FAILED result, in both eras', async () => {
  for (const code of ['-40000', '-1', '-31999']) {
    const legacy = await post(server.url, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'out_of_range', arguments: { text: code } } }, legacyHeaders());
    const modern = await callModern(server.url, 'out_of_range', { text: code });
    for (const answer of [legacy, modern]) {
      const message = answer.messages.find((m) => 'result' in m || 'error' in m);
      assert.equal(message?.error, undefined, `${code}: ${answer.text}`);
      assert.equal(message?.result?.isError, true, answer.text);
      assert.equal(message?.result?._meta?.['graph-mcp/error']?.code, 'GRAPH_FAILED', answer.text);
    }
  }
});
