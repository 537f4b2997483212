// A 2025-era client that goes away stops its run even when the server collects garbage meanwhile.
// Runs itself again under --expose-gc, collecting every 50 ms, where a weakly held abort link breaks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { ran } from '../fixtures/graphs/basic.js';
import { ROOT, startServer, type TestServer } from '../helpers/server.js';
import { legacyHeaders } from '../helpers/raw.js';

const gc = (globalThis as { gc?: () => void }).gc;

if (gc === undefined) {
  test('2025-11-25 disconnects under frequent garbage collection (run in a child process with --expose-gc)', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], {
      cwd: ROOT,
      // Without the test runner's context, the child reports in plain text of its own.
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_TEST_CONTEXT')),
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
    assert.match(child.stdout, /# pass 1/);
  });
} else {
  const collector = setInterval(gc, 50);
  let server: TestServer;
  before(async () => {
    server = await startServer({ graphs: { slow: './graphs/basic.ts:slow' } });
  });
  after(async () => {
    clearInterval(collector);
    await server.close(0);
  });

  const finished = (label: string) => ran.filter((entry) => entry.startsWith(`${label}:`)).map((entry) => entry.slice(label.length + 1));

  test('a 2025-11-25 client that disconnects mid-call stops the run, with garbage collections in between', async () => {
    // Rounds 0-2 without a progress token (the run was invoked, and went to its end);
    // rounds 3-4 with one (the run was streamed, and stopped a step late).
    for (let round = 0; round < 5; round += 1) {
      const label = `gc-${round}`;
      const meta = round >= 3 ? { _meta: { progressToken: label } } : {};
      const controller = new AbortController();
      const call = fetch(server.url, {
        method: 'POST',
        headers: legacyHeaders(),
        body: JSON.stringify({ jsonrpc: '2.0', id: round + 1, method: 'tools/call', params: { name: 'slow', arguments: { label, ms: 1_000 }, ...meta } }),
        signal: controller.signal,
      }).then((response) => response.text());
      const deadline = Date.now() + 20_000;
      while (!finished(label).includes('one')) {
        assert.ok(Date.now() < deadline, `node "one" of ${label} never finished`);
        await sleep(10);
      }
      await sleep(150); // a few collections while the run goes on
      controller.abort();
      await assert.rejects(call);
      await sleep(1_500); // longer than node "two" would take to finish
      const steps = finished(label);
      // Stopped at once: the node under way ("two") may not finish; nothing after it runs.
      assert.ok(!steps.includes('two') && !steps.includes('three') && !steps.includes('four'), `${label}: the run went on after its client left: ${steps.join(', ')}`);
    }
    assert.equal(server.graphMcp.runs.size, 0, 'no run left behind');
  });
}
