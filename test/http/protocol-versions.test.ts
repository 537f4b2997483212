// Every protocol revision the endpoint promises, over raw HTTP and without sessions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { envelope, modernHeaders, post } from '../helpers/raw.js';

let server: TestServer;
before(async () => {
  server = await startServer({ graphs: { echo: './graphs/basic.ts:echo' } });
});
after(() => server.close(0));

const ACCEPT = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

for (const version of ['2025-11-25', '2025-06-18', '2025-03-26']) {
  test(`${version}: initialize is answered with that version, then each request is served on its own`, async () => {
    const init = await post(
      server.url,
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'old', version: '1' } } },
      ACCEPT,
    );
    assert.equal(init.messages[0]?.result?.protocolVersion, version);
    assert.equal(init.headers.get('mcp-session-id'), null);

    const headers = { ...ACCEPT, 'mcp-protocol-version': version };
    const initialized = await post(server.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
    assert.equal(initialized.status, 202);
    const list = await post(server.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, headers);
    assert.deepEqual(list.messages[0]?.result?.tools.map((t: { name: string }) => t.name), ['echo', 'resume_run', 'get_run', 'cancel_run']);
    const call = await post(server.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: version } } }, headers);
    assert.deepEqual(call.messages[0]?.result?.structuredContent, { echoed: version });
  });
}

test('2026-07-28: tools/list is cacheable for five minutes, privately (lists differ per caller)', async () => {
  const list = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: envelope() }, modernHeaders('tools/list'));
  const result = list.messages[0]?.result;
  assert.deepEqual(result?.tools.map((t: { name: string }) => t.name), ['echo', 'resume_run', 'get_run', 'cancel_run']);
  assert.equal(result?.ttlMs, 300_000);
  assert.equal(result?.cacheScope, 'private');
});

test('an MCP-Protocol-Version naming no revision served (a later date, no date at all) is 400 naming those served, not a request for 2026-07-28 envelope keys', async () => {
  for (const version of ['2099-01-01', 'garbage', '2026-13-99']) {
    for (const body of [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } } },
    ]) {
      const answer = await post(server.url, body, { ...ACCEPT, 'mcp-protocol-version': version });
      assert.equal(answer.status, 400, `${version} ${body.method}: ${answer.text}`);
      assert.deepEqual(answer.messages[0]?.error, {
        code: -32000,
        message: `Bad Request: Unsupported protocol version: ${version} (supported versions: 2026-07-28, 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05, 2024-10-07)`,
      });
    }
  }
  // A 2026-07-28 envelope negotiates its own way, as the SDK answers it.
  const enveloped = await post(server.url, { jsonrpc: '2.0', id: 3, method: 'tools/list', params: envelope() }, { ...modernHeaders('tools/list'), 'mcp-protocol-version': '2099-01-01' });
  assert.equal(enveloped.status, 400, enveloped.text);
  assert.equal(enveloped.messages[0]?.error?.code, -32020, 'the header and the envelope disagree');
});
