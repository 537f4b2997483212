// npm run bench -- graphs: tools/list and tools/call with 1, 100 and 1,000
// graphs registered. Each server is a `graph-mcp serve` process of its own;
// load comes from autocannon in another.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAt } from './four-ways.js';
import { interleaved, type Measure } from './load.js';
import { BENCH_DIR, serveConfig, stopProcess, type ServerProcess } from './processes.js';
import { CELLS_HEADER, cells, ratio } from './report.js';
import { answer, expect, modern } from './requests.js';

const COUNTS = [1, 100, 1000] as const;

export async function manyGraphs(): Promise<void> {
  console.log(`\n2. 1, 100 and 1,000 graphs registered (2026-07-28; tools/call of the last tool; c=10)\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-graphs-'));
  const servers: Array<{ count: number; server: ServerProcess; startMs: number; pages: number }> = [];
  try {
    for (const count of COUNTS) {
      const graphs = Object.fromEntries(Array.from({ length: count }, (_, i) => [`graph_${i}`, `${path.join(BENCH_DIR, 'graphs.ts')}:trivial`]));
      const started = performance.now();
      const server = await serveConfig(path.join(dir, `${count}.config.json`), { graphs, store: { type: 'sqlite', path: path.join(dir, `${count}.sqlite`) } });
      servers.push({ count, server, startMs: performance.now() - started, pages: 0 });
    }
    const measures: Record<string, Measure> = {};
    for (const entry of servers) {
      const { count, server } = entry;
      const list = modern('tools/list');
      const call = modern('tools/call', { name: `graph_${count - 1}`, arguments: { text: 'hi' } });
      entry.pages = await pagesOf(server.url);
      expect((await listAll(server.url)) === count, `tools/list lists all ${count} graphs`);
      expect((await answer(server.url, call)).result.structuredContent?.echoed === 'hi', `graph_${count - 1} answers tools/call`);
      measures[`list${count}`] = loadAt(server.url, list, 10);
      measures[`call${count}`] = loadAt(server.url, call, 10);
    }
    const r = await interleaved(measures);

    const width = CELLS_HEADER.length;
    console.log(`${''.padEnd(22)}   ${'tools/list (first page)'.padStart(width)}   ${'tools/call'.padStart(width)}`);
    console.log(`${'graphs'.padEnd(7)} ${'start ms'.padStart(8)} ${'pages'.padStart(5)}   ${CELLS_HEADER}   ${CELLS_HEADER}`);
    for (const { count, startMs, pages } of servers) {
      console.log(`${String(count).padEnd(7)} ${startMs.toFixed(0).padStart(8)} ${String(pages).padStart(5)}   ${cells(r[`list${count}`]!)}   ${cells(r[`call${count}`]!)}`);
    }
    console.log('\n  start ms: from spawning graph-mcp serve to listening (the one graph module is compiled once;');
    console.log('  the rest is resolving the config and building each tool). pages: tools/list pages to list every tool.');
    console.log('\nratios of requests/s, 1,000 graphs / 1 graph:');
    console.log(ratio('tools/call', r.call1000!, r.call1!, 'O(1): a lookup by name, should stay near 1 (target <= 1.1x slower)'));
    console.log(ratio('tools/list', r.list1000!, r.list1!, 'one page: bounded by the page size, not the number of tools'));
  } finally {
    await Promise.all(servers.map(({ server }) => stopProcess(server.child)));
    await rm(dir, { recursive: true, force: true });
  }
}

/** How many tools/list pages the whole list takes. */
async function pagesOf(url: string): Promise<number> {
  let pages = 0;
  let cursor: string | undefined;
  do {
    const { result } = await answer(url, modern('tools/list', cursor === undefined ? {} : { cursor }));
    cursor = result.nextCursor as string | undefined;
    pages += 1;
  } while (cursor !== undefined);
  return pages;
}

/** The graphs' tools (graph_0 …; graph-mcp's own are listed too), following `nextCursor`. */
async function listAll(url: string): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const { result } = await answer(url, modern('tools/list', cursor === undefined ? {} : { cursor }));
    count += (result.tools as Array<{ name: string }>).filter((tool) => tool.name.startsWith('graph_')).length;
    cursor = result.nextCursor as string | undefined;
  } while (cursor !== undefined);
  return count;
}
