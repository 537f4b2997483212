// npm run bench -- progress: what progress notifications cost, on a ten-node
// straight-line graph. The server is a `graph-mcp serve` process of its own,
// autocannon another, and graph.invoke of the same graph a third.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { invokeInChild, loadAt } from './four-ways.js';
import { TEN_STEPS } from './graphs.js';
import { interleaved } from './load.js';
import { BENCH_DIR, serveConfig, stopProcess } from './processes.js';
import { printTable, ratio } from './report.js';
import { answer, expect, modern } from './requests.js';

export async function progressCost(): Promise<void> {
  console.log(`\n3. Progress streaming on a ${TEN_STEPS}-node straight-line graph (2026-07-28, c=10)\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-progress-'));
  const server = await serveConfig(path.join(dir, 'config.json'), {
    graphs: { graph_0: `${path.join(BENCH_DIR, 'graphs.ts')}:tenNodes` },
    store: { type: 'sqlite', path: path.join(dir, 'store.sqlite') },
  });
  try {
    const plain = modern('tools/call', { name: 'graph_0', arguments: { text: 'hi' } });
    const streamed = modern('tools/call', { name: 'graph_0', arguments: { text: 'hi' } }, { progressToken: 'bench' });
    const without = await answer(server.url, plain);
    expect(without.progress === 0 && without.result.structuredContent?.steps === TEN_STEPS, 'without a token: no progress, all steps run');
    const withToken = await answer(server.url, streamed);
    expect(withToken.progress === TEN_STEPS && withToken.result.structuredContent?.steps === TEN_STEPS, `with a token: ${TEN_STEPS} progress notifications`);

    const r = await interleaved({
      without: loadAt(server.url, plain, 10, server.child.pid!),
      with: loadAt(server.url, streamed, 10, server.child.pid!),
      inProcess: invokeInChild('tenNodes'),
    });
    printTable([
      ['no progress token (one JSON answer)', r.without],
      [`progress token (SSE, ${TEN_STEPS} notifications + result)`, r.with],
      [`the ${TEN_STEPS}-node graph alone, graph.invoke one at a time`, r.inProcess],
    ]);
    console.log('\nratios of requests/s:');
    console.log(ratio('with progress / without', r.with, r.without));
    console.log(ratio('without progress / graph.invoke', r.without, r.inProcess));
  } finally {
    await stopProcess(server.child);
    await rm(dir, { recursive: true, force: true });
  }
}
