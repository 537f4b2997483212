// npm run bench -- hitl: what pausing costs. The trivial graph's tools/call rate
// with the store off ("none"), in memory, and on SQLite (the default), and the
// p50 of one interrupt round trip (ask + answer) per store. Every server is its
// own `graph-mcp serve` process; load comes from autocannon (warmed up with the
// load it then measures) and from a round-trip client, each in a process of its own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAt } from './four-ways.js';
import { DURATION_S as SECONDS, interleaved, ROUNDS, type Measure } from './load.js';
import { BENCH_DIR, ROOT, runClient, serveConfig, type ServerProcess } from './processes.js';
import { printTable, ratio, SPREAD_NOTE } from './report.js';
import { modern } from './requests.js';

const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 200);

const STORES = { none: { type: 'none' }, memory: { type: 'memory' }, sqlite: { type: 'sqlite', path: 'state.sqlite' } } as const;
type StoreName = keyof typeof STORES;

async function serveWith(dir: string, store: StoreName): Promise<ServerProcess> {
  return serveConfig(path.join(dir, `${store}.config.json`), {
    graphs: {
      trivial: `${path.join(BENCH_DIR, 'graphs.ts')}:trivial`,
      approval: `${path.join(ROOT, 'graphs/approval.ts')}:graph`,
    },
    store: store === 'sqlite' ? { type: 'sqlite', path: path.join(dir, 'state.sqlite') } : STORES[store],
  });
}

const TRIVIAL_CALL = modern('tools/call', { name: 'trivial', arguments: { text: 'hi' } });

/** One at a time: ask (tools/call pauses), answer (retry with inputResponses). Runs in its own process. */
function roundTrips(url: string): Promise<{ p50: number; p99: number }> {
  return runClient('hitl-client.ts', [url, String(ROUND_TRIPS)]);
}

export async function hitlSection(): Promise<void> {
  console.log(`\nHuman-in-the-loop: the cost of a store, and of a question`);
  console.log(`  (each server its own process; autocannon, 10 connections, each round after a warm-up, ${SECONDS} s x ${ROUNDS} interleaved rounds; ${ROUND_TRIPS} round trips one at a time)\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-hitl-'));
  const servers = {} as Record<StoreName, ServerProcess>;
  try {
    for (const store of Object.keys(STORES) as StoreName[]) servers[store] = await serveWith(dir, store);
    // Rounds taken in turn, each store's order rotating; ratios round by round (see report.ts).
    const figures = await interleaved(Object.fromEntries((Object.keys(STORES) as StoreName[]).map((store) => [store, loadAt(servers[store].url, TRIVIAL_CALL, 10)])) as Record<StoreName, Measure>);
    for (const store of Object.keys(STORES) as StoreName[]) {
      if (figures[store].errors > 0) throw new Error(`${store}: ${figures[store].errors} errors under load`);
    }
    const trips = { memory: await roundTrips(servers.memory.url), sqlite: await roundTrips(servers.sqlite.url) };
    printTable([
      ['trivial tools/call, store "none"', figures.none],
      ['trivial tools/call, store "memory"', figures.memory],
      ['trivial tools/call, store "sqlite"', figures.sqlite],
    ]);
    console.log(`\n${'interrupt round trip p50 / p99, memory (ms)'.padEnd(52)} ${`${trips.memory.p50.toFixed(2)} / ${trips.memory.p99.toFixed(2)}`.padStart(10)}`);
    console.log(`${'interrupt round trip p50 / p99, sqlite (ms)'.padEnd(52)} ${`${trips.sqlite.p50.toFixed(2)} / ${trips.sqlite.p99.toFixed(2)}`.padStart(10)}`);
    console.log(`  (${ROUND_TRIPS} round trips one at a time, once per store: no spread)`);
    console.log(`\n${SPREAD_NOTE}`);
    console.log(ratio('store sqlite / store none (a run that never pauses)', figures.sqlite, figures.none));
    console.log(ratio('store memory / store none', figures.memory, figures.none));
  } finally {
    for (const served of Object.values(servers)) served.child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await hitlSection();
