// Closing a running server: runs in flight finish within the grace period; the rest are stopped and answered.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { startServer } from '../helpers/server.js';
import { callModern } from '../helpers/raw.js';

const config = { graphs: { slow: './graphs/basic.ts:slow' } };

/** Waits until the server has a run in flight. */
async function runInFlight(server: { graphMcp: { runs: { size: number } } }) {
  const deadline = Date.now() + 10_000;
  while (server.graphMcp.runs.size === 0) {
    if (Date.now() > deadline) throw new Error('the run never started');
    await sleep(5);
  }
}

test('a run that ends within the grace period delivers its result; new requests are turned away', async () => {
  const server = await startServer(config);
  const call = callModern(server.url, 'slow', { label: 'grace-ok', ms: 100 });
  await runInFlight(server);
  const closing = server.close(5_000);
  await sleep(20);
  const late = await callModern(server.url, 'slow', { label: 'late', ms: 1 }).then(
    (answer) => answer.status,
    () => 'refused',
  );
  assert.ok(late === 503 || late === 'refused', `a request after close is not served (got ${late})`);
  const answer = await call;
  assert.deepEqual(answer.messages[0]?.result?.structuredContent?.steps, ['one', 'two', 'three', 'four']);
  await closing;
});

test('a run still going when the grace period ends is stopped and answered with an isError result', async () => {
  const server = await startServer(config);
  const call = callModern(server.url, 'slow', { label: 'grace-over', ms: 2_000 });
  await runInFlight(server);
  const started = Date.now();
  await Promise.all([server.close(200), call]);
  const answer = await call;
  assert.ok(Date.now() - started < 1_900, 'did not wait for the run to finish');
  const result = answer.messages[0]?.result;
  assert.equal(result?.isError, true);
  assert.equal(result.content[0].text, 'Tool "slow" was stopped: the server is shutting down. Try again.');
});
