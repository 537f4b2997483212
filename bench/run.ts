// npm run bench: side-by-side figures and their ratios, measured in one run on this machine.
// Every setup stays up for the whole section and is measured in interleaved
// rounds (BENCH_ROUNDS, default 3); the median of the rounds is printed, so a
// passing hiccup of a shared machine does not decide a ratio.
import { httpLoad, inProcessLoad, row, HEADER, DURATION_S, CONNECTIONS, type Figures } from './load.js';
import { tenNodes, trivial } from './graphs.js';
import { startBareExpress, startGraphMcp, startV1HandWritten } from './servers.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const BASE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Request {
  headers: Record<string, string>;
  body: string;
}

function modern(method: string, params: Record<string, unknown>, meta: Record<string, unknown> = {}): Request {
  const name: Record<string, string> = typeof params.name === 'string' ? { 'mcp-name': params.name } : {};
  return {
    headers: { ...BASE, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...name },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: { ...ENVELOPE, ...meta } } }),
  };
}

function legacy(method: string, params: Record<string, unknown>): Request {
  return { headers: { ...BASE, 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) };
}

type Measure = () => Promise<Figures>;
const http = (url: string, request: Request): Measure => () => httpLoad(url, request.headers, request.body);

/** Runs every measurement once per round, in turn, and keeps the median of each. */
async function interleaved(measures: Record<string, Measure>): Promise<Record<string, Figures>> {
  const samples: Record<string, Figures[]> = Object.fromEntries(Object.keys(measures).map((key) => [key, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [key, measure] of Object.entries(measures)) samples[key]!.push(await measure());
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return Object.fromEntries(
    Object.entries(samples).map(([key, list]) => [
      key,
      {
        rps: median(list.map((f) => f.rps)),
        p50: median(list.map((f) => f.p50)),
        p99: median(list.map((f) => f.p99)),
        errors: list.reduce((sum, f) => sum + f.errors, 0),
      },
    ]),
  );
}

const ratio = (a: Figures, b: Figures) => (a.rps / b.rps).toFixed(2);
const call = { name: 'graph_0', arguments: { text: 'hi' } };

async function fourWay() {
  console.log(`\n1. One trivial graph, side by side (HTTP: ${CONNECTIONS} connections; in-process: one call at a time)\n`);
  const graphMcp = await startGraphMcp(1);
  const v1 = await startV1HandWritten();
  const bare = await startBareExpress();
  const r = await interleaved({
    inProcess: () => inProcessLoad(() => trivial.invoke({ text: 'hi' })),
    modern: http(graphMcp.url, modern('tools/call', call)),
    legacy: http(graphMcp.url, legacy('tools/call', call)),
    v1: http(v1.url, legacy('tools/call', call)),
    bare: http(bare.url, legacy('tools/call', call)),
  });
  await Promise.all([graphMcp.close(), v1.close(), bare.close()]);

  console.log(HEADER);
  console.log(row('graph.invoke in-process', r.inProcess!));
  console.log(row('graph-mcp tools/call, 2026-07-28', r.modern!));
  console.log(row('graph-mcp tools/call, 2025-11-25 stateless', r.legacy!));
  console.log(row('hand-written v1 SDK per-request server', r.v1!));
  console.log(row('bare Express JSON handler (ceiling)', r.bare!));
  console.log('\nratios of requests/s:');
  console.log(`  graph-mcp (2026-07-28) / bare Express ceiling   ${ratio(r.modern!, r.bare!)}`);
  console.log(`  graph-mcp (2025-11-25) / bare Express ceiling   ${ratio(r.legacy!, r.bare!)}`);
  console.log(`  hand-written v1 server / bare Express ceiling   ${ratio(r.v1!, r.bare!)}`);
  console.log(`  graph-mcp (2026-07-28) / hand-written v1 server ${ratio(r.modern!, r.v1!)}`);
  console.log(`  graph-mcp (2025-11-25) / hand-written v1 server ${ratio(r.legacy!, r.v1!)}`);
  console.log(`  graph-mcp (2026-07-28) / in-process invoke      ${ratio(r.modern!, r.inProcess!)}`);
}

async function manyGraphs() {
  console.log(`\n2. 1, 100 and 1,000 graphs registered (2026-07-28 requests)\n`);
  const counts = [1, 100, 1000];
  const servers = [];
  for (const count of counts) servers.push(await startGraphMcp(count));
  const measures: Record<string, Measure> = {};
  servers.forEach((server, i) => {
    const count = counts[i]!;
    measures[`list${count}`] = http(server.url, modern('tools/list', {}));
    measures[`call${count}`] = http(server.url, modern('tools/call', { name: `graph_${count - 1}`, arguments: { text: 'hi' } }));
  });
  const r = await interleaved(measures);
  await Promise.all(servers.map((server) => server.close()));

  console.log(`${'graphs'.padEnd(8)} ${'load ms'.padStart(8)}   ${'tools/list req/s'.padStart(16)} ${'p50'.padStart(7)} ${'p99'.padStart(7)}   ${'tools/call req/s'.padStart(16)} ${'p50'.padStart(7)} ${'p99'.padStart(7)}`);
  const f = (x: Figures) => `${x.rps.toFixed(0).padStart(16)} ${x.p50.toFixed(1).padStart(7)} ${x.p99.toFixed(1).padStart(7)}`;
  servers.forEach((server, i) => {
    const count = counts[i]!;
    console.log(`${String(count).padEnd(8)} ${server.loadMs.toFixed(0).padStart(8)}   ${f(r[`list${count}`]!)}   ${f(r[`call${count}`]!)}`);
  });
  console.log('\nratios of requests/s, 1,000 graphs / 1 graph:');
  console.log(`  tools/call ${ratio(r.call1000!, r.call1!)}  (a map lookup: should stay near 1)`);
  console.log(`  tools/list ${ratio(r.list1000!, r.list1!)}  (the list is built once at start-up, but the answer itself grows with the number of tools)`);
}

async function progressCost() {
  console.log(`\n3. Progress streaming on a 10-node graph (2026-07-28)\n`);
  const server = await startGraphMcp(1, 'tenNodes');
  const params = { name: 'graph_0', arguments: { text: 'hi' } };
  const r = await interleaved({
    without: http(server.url, modern('tools/call', params)),
    with: http(server.url, modern('tools/call', params, { progressToken: 'p' })),
    inProcess: () => inProcessLoad(() => tenNodes.invoke({ text: 'hi' })),
  });
  await server.close();
  console.log(HEADER);
  console.log(row('no progress token (invoke, one JSON body)', r.without!));
  console.log(row('progress token (stream, 10 notifications, SSE)', r.with!));
  console.log(row('the 10-node graph alone, in-process', r.inProcess!));
  console.log(`\nratio of requests/s, with progress / without: ${ratio(r.with!, r.without!)}`);
}

const started = performance.now();
console.log(`graph-mcp benchmarks on ${process.platform} ${process.arch}, Node ${process.version}: ${ROUNDS} interleaved rounds of ${DURATION_S}s per setup, medians`);
await fourWay();
await manyGraphs();
await progressCost();
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s`);
