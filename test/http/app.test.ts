import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { VERSION } from '../../src/index.js';
import { EXAMPLES_CONFIG, startServer, type TestServer } from '../helpers/server.js';
import { callModern } from '../helpers/raw.js';

let server: TestServer;
before(async () => {
  server = await startServer(EXAMPLES_CONFIG);
});
after(() => server.close(0));

const origin = () => new URL(server.url).origin;

test('GET /ok is the health check', async () => {
  const response = await fetch(`${origin()}/ok`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { ok: true });
});

test('GET /info names the version and the graphs', async () => {
  const response = await fetch(`${origin()}/info`);
  assert.deepEqual(await response.json(), {
    name: 'graph-mcp-examples',
    version: VERSION,
    mcp: '/mcp',
    graphs: ['triage', 'calculator_agent', 'research', 'refund_approval', 'chart'],
    pid: process.pid,
  });
});

test('other paths are a JSON 404', async () => {
  const response = await fetch(`${origin()}/nothing-here`);
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { error: 'not_found' });
});

test('start-up and request log lines are structured JSON with the fields operators need', async () => {
  await callModern(server.url, 'triage', { title: 'x', body: 'y' });
  await callModern(server.url, 'triage', { title: 42 });
  const lines = server.logs.lines.map((line) => JSON.parse(line));
  const startup = lines.find((l) => Array.isArray(l.tools));
  assert.deepEqual(startup?.tools, ['triage', 'calculator_agent', 'research', 'refund_approval', 'chart']);
  assert.equal(startup?.mcp, true);
  assert.ok(lines.some((l) => l.auth === false && /no authentication/.test(l.msg)), 'says auth is off');
  const requests = lines.filter((l) => l.msg === 'mcp request' && l.tool === 'triage');
  assert.deepEqual(requests.map((l) => l.outcome), ['ok', 'INVALID_ARGUMENTS']);
  for (const line of requests) {
    assert.equal(line.method, 'tools/call');
    assert.equal(line.http.status, 200);
    assert.equal(typeof line.duration_ms, 'number');
    assert.equal(typeof line.time, 'number');
  }
});
