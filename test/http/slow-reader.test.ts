// A client that stops reading its event stream while the run goes on sending
// progress and log messages: the server holds only the latest progress
// update meanwhile, not everything the run sent, and the client still gets
// its answer, last, with progress rising.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { floodsEnded } from '../fixtures/graphs/logs.js';
import { envelope, legacyHeaders, modernHeaders, parseMessages, post } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const COUNT = 300;
const SIZE = 64 * 1024;

let server: TestServer;
before(async () => {
  server = await startServer({ graphs: { flood: './graphs/logs.ts:flood' } });
});
after(() => server.close(0));

/** Posts `body`, reads nothing until the run has ended, then reads the whole answer. */
function callWithoutReading(body: object, headers: Record<string, string>, label: string): Promise<{ contentType: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(server.url, { method: 'POST', headers }, (res) => {
      res.pause();
      until(`run ${label} to end`, async () => (floodsEnded.has(label) ? true : undefined))
        .then(() => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ contentType: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
          res.resume();
        })
        .catch(reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

for (const era of ['2026-07-28', '2025-11-25'] as const) {
  test(`${era}: a client not reading its stream is sent the latest progress once it reads, not all of it; its answer comes last`, async () => {
    const label = `slow-${era}`;
    const args = { label, count: COUNT, size: SIZE };
    const meta = { progressToken: 'p1' };
    const body =
      era === '2026-07-28'
        ? { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'flood', arguments: args, _meta: meta }, { ...meta, 'io.modelcontextprotocol/logLevel': 'info' }) }
        : { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'flood', arguments: args, _meta: meta } };
    const headers = era === '2026-07-28' ? modernHeaders('tools/call', 'flood') : legacyHeaders();
    const { contentType, text } = await callWithoutReading(body, headers, label);
    const messages = parseMessages(text, contentType ?? null);
    const last = messages.at(-1)!;
    assert.equal(last.id, 1, 'the answer is the last message');
    assert.equal(last.result?.isError, undefined, JSON.stringify(last).slice(0, 300));
    const progress = messages.filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress as number);
    const logs = messages.filter((m) => m.method === 'notifications/message');
    // What the socket's buffers took before the server held back, then the latest update: far from all of it.
    const sent = 2 * COUNT * SIZE;
    assert.ok(text.length < sent / 2, `the client was sent ${text.length} of the ${sent} bytes the run wrote`);
    assert.ok(progress.length > 0 && progress.length < COUNT, `${progress.length} of ${COUNT} progress notifications`);
    assert.ok(progress.every((value, i) => i === 0 || value > progress[i - 1]!), 'progress rises');
    assert.equal(progress.at(-1), 2, "the last update sent is the run's last (both nodes done), held until the answer");
    const warning = logs.find((m) => m.params.logger === 'graph-mcp');
    assert.match(String(warning?.params.data), /^\d+ log messages were not sent: the client was not keeping up with its stream$/);
    assert.equal(warning?.params.level, 'warning');
  });
}

for (const era of ['2026-07-28', '2025-11-25'] as const) {
  test(`${era}: a client that reads as it comes gets every progress and log message of a burst, and no warning`, async () => {
    const count = 50;
    const args = { label: `reading-${era}`, count, size: 20 * 1024 };
    const meta = { progressToken: 'p2' };
    const body =
      era === '2026-07-28'
        ? { jsonrpc: '2.0', id: 2, method: 'tools/call', params: envelope({ name: 'flood', arguments: args, _meta: meta }, { ...meta, 'io.modelcontextprotocol/logLevel': 'info' }) }
        : { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'flood', arguments: args, _meta: meta } };
    const answer = await post(server.url, body, era === '2026-07-28' ? modernHeaders('tools/call', 'flood') : legacyHeaders());
    const logs = answer.messages.filter((m) => m.method === 'notifications/message');
    assert.equal(logs.length, count, JSON.stringify(logs.filter((m) => m.params.logger === 'graph-mcp')));
    // One a message, one a finished node.
    assert.equal(answer.messages.filter((m) => m.method === 'notifications/progress').length, count + 2);
    assert.equal(answer.messages.at(-1)?.id, 2);
  });
}
