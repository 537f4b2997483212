// npm run bench: side-by-side figures and their ratios, measured in one run on this machine.
import { httpLoad, inProcessLoad, row, HEADER, DURATION_S, CONNECTIONS, type Figures } from './load.js';
import { tenNodes, trivial } from './graphs.js';
import { startBareExpress, startGraphMcp, startV1HandWritten } from './servers.js';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const BASE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function modern(method: string, params: Record<string, unknown>, meta: Record<string, unknown> = {}) {
  const name: Record<string, string> = typeof params.name === 'string' ? { 'mcp-name': params.name } : {};
  return {
    headers: { ...BASE, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...name } as Record<string, string>,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: { ...ENVELOPE, ...meta } } }),
  };
}

function legacy(method: string, params: Record<string, unknown>) {
  return { headers: { ...BASE, 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) };
}

const ratio = (a: Figures, b: Figures) => (a.rps / b.rps).toFixed(2);
const call = { name: 'graph_0', arguments: { text: 'hi' } };

async function fourWay() {
  console.log(`\n1. One trivial graph, side by side (${DURATION_S}s each, ${CONNECTIONS} connections over HTTP; in-process is one call at a time)\n`);
  console.log(HEADER);
  const inProcess = await inProcessLoad(() => trivial.invoke({ text: 'hi' }));
  console.log(row('graph.invoke in-process', inProcess));

  const graphMcp = await startGraphMcp(1);
  const m = modern('tools/call', call);
  const viaModern = await httpLoad(graphMcp.url, m.headers, m.body);
  console.log(row('graph-mcp tools/call, 2026-07-28', viaModern));
  const l = legacy('tools/call', call);
  const viaLegacy = await httpLoad(graphMcp.url, l.headers, l.body);
  console.log(row('graph-mcp tools/call, 2025-11-25 stateless', viaLegacy));
  await graphMcp.close();

  const v1 = await startV1HandWritten();
  const viaV1 = await httpLoad(v1.url, l.headers, l.body);
  console.log(row('hand-written v1 SDK per-request server', viaV1));
  await v1.close();

  const bare = await startBareExpress();
  const ceiling = await httpLoad(bare.url, l.headers, l.body);
  console.log(row('bare Express JSON handler (ceiling)', ceiling));
  await bare.close();

  console.log('\nratios of requests/s:');
  console.log(`  graph-mcp (2026-07-28) / bare Express ceiling   ${ratio(viaModern, ceiling)}`);
  console.log(`  graph-mcp (2025-11-25) / bare Express ceiling   ${ratio(viaLegacy, ceiling)}`);
  console.log(`  hand-written v1 server / bare Express ceiling   ${ratio(viaV1, ceiling)}`);
  console.log(`  graph-mcp (2026-07-28) / hand-written v1 server ${ratio(viaModern, viaV1)}`);
  console.log(`  graph-mcp (2025-11-25) / hand-written v1 server ${ratio(viaLegacy, viaV1)}`);
  console.log(`  graph-mcp (2026-07-28) / in-process invoke      ${ratio(viaModern, inProcess)}`);
}

async function manyGraphs() {
  console.log(`\n2. 1, 100 and 1,000 graphs registered (2026-07-28 requests)\n`);
  console.log(`${'graphs'.padEnd(8)} ${'load ms'.padStart(8)}   ${'tools/list req/s'.padStart(16)} ${'p50'.padStart(7)} ${'p99'.padStart(7)}   ${'tools/call req/s'.padStart(16)} ${'p50'.padStart(7)} ${'p99'.padStart(7)}`);
  const results = new Map<number, { list: Figures; call: Figures }>();
  for (const count of [1, 100, 1000]) {
    const server = await startGraphMcp(count);
    const list = modern('tools/list', {});
    const listFigures = await httpLoad(server.url, list.headers, list.body);
    const c = modern('tools/call', { name: `graph_${count - 1}`, arguments: { text: 'hi' } });
    const callFigures = await httpLoad(server.url, c.headers, c.body);
    await server.close();
    results.set(count, { list: listFigures, call: callFigures });
    const f = (x: Figures) => `${x.rps.toFixed(0).padStart(16)} ${x.p50.toFixed(1).padStart(7)} ${x.p99.toFixed(1).padStart(7)}`;
    console.log(`${String(count).padEnd(8)} ${server.loadMs.toFixed(0).padStart(8)}   ${f(listFigures)}   ${f(callFigures)}${listFigures.errors + callFigures.errors ? `  (${listFigures.errors + callFigures.errors} errors)` : ''}`);
  }
  const one = results.get(1)!;
  const thousand = results.get(1000)!;
  console.log('\nratios of requests/s, 1,000 graphs / 1 graph:');
  console.log(`  tools/call ${ratio(thousand.call, one.call)}  (a map lookup: should stay near 1)`);
  console.log(`  tools/list ${ratio(thousand.list, one.list)}  (the answer itself grows with the number of tools; the list is built once at start-up)`);
}

async function progressCost() {
  console.log(`\n3. Progress streaming on a 10-node graph (2026-07-28)\n`);
  console.log(HEADER);
  const server = await startGraphMcp(1, 'tenNodes');
  const plain = modern('tools/call', { name: 'graph_0', arguments: { text: 'hi' } });
  const without = await httpLoad(server.url, plain.headers, plain.body);
  console.log(row('no progress token (invoke, one JSON body)', without));
  const streamed = modern('tools/call', { name: 'graph_0', arguments: { text: 'hi' } }, { progressToken: 'p' });
  const withProgress = await httpLoad(server.url, streamed.headers, streamed.body);
  console.log(row('progress token (stream, 10 notifications, SSE)', withProgress));
  await server.close();
  console.log(`\nratio of requests/s, with progress / without: ${ratio(withProgress, without)}`);
  const inProcess = await inProcessLoad(() => tenNodes.invoke({ text: 'hi' }));
  console.log(`(the 10-node graph alone, in-process: ${inProcess.rps.toFixed(0)} req/s, p50 ${inProcess.p50.toFixed(2)} ms)`);
}

const started = performance.now();
console.log(`graph-mcp benchmarks on ${process.platform} ${process.arch}, Node ${process.version}`);
await fourWay();
await manyGraphs();
await progressCost();
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s`);
