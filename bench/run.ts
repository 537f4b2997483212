// npm run bench: side-by-side figures and their ratios, all measured in this
// one run on this machine. Absolute numbers depend on the machine; only the
// ratios are meant to be compared between runs. Nothing here asserts timing:
// the checks before each section only make sure every setup answers correctly.
import { availableParallelism, loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { CONNECTIONS, DURATION_S, ROUNDS, httpLoad, inProcessLoad, interleaved } from './load.js';
import { TEN_STEPS, tenNodes, trivial } from './graphs.js';
import { CELLS_HEADER, HEADER, SPREAD_NOTE, cells, ratio, row } from './report.js';
import { answer, expect, legacy, modern } from './requests.js';
import { closeAll, startGraphMcp } from './servers.js';
import { memorySection, startupSection, workersSection } from './footprint.js';
import { oneGraphFourWays } from './four-ways.js';
import { hitlSection } from './hitl.js';
import { tasksSection } from './tasks.js';
import { storeSection } from './store.js';
import { soakSection } from './soak.js';

const INPUT = { text: 'hi' };
const callOf = (name: string) => ({ name, arguments: INPUT });

async function manyGraphs() {
  console.log(`\n2. 1, 100 and 1,000 graphs registered (2026-07-28; tools/call of the last tool)\n`);
  const counts = [1, 100, 1000] as const;
  const servers = [];
  for (const count of counts) servers.push({ count, server: await startGraphMcp(count) });

  const measures: Parameters<typeof interleaved>[0] = {};
  for (const { count, server } of servers) {
    const list = modern('tools/list');
    const call = modern('tools/call', callOf(`graph_${count - 1}`));
    expect((await answer(server.url, list)).result.tools?.length === count, `tools/list lists all ${count} tools`);
    expect((await answer(server.url, call)).result.structuredContent?.echoed === 'hi', `graph_${count - 1} answers tools/call`);
    measures[`list${count}`] = httpLoad(server.url, list);
    measures[`call${count}`] = httpLoad(server.url, call);
  }
  const r = await interleaved(measures);

  const width = CELLS_HEADER.length;
  console.log(`${''.padEnd(16)}   ${'tools/list'.padStart(width)}   ${'tools/call'.padStart(width)}`);
  console.log(`${'graphs'.padEnd(7)} ${'load ms'.padStart(8)}   ${CELLS_HEADER}   ${CELLS_HEADER}`);
  for (const { count, server } of servers) {
    console.log(`${String(count).padEnd(7)} ${server.loadMs.toFixed(0).padStart(8)}   ${cells(r[`list${count}`]!)}   ${cells(r[`call${count}`]!)}`);
  }
  console.log('\n  load ms: loadGraphMcp, start to ready. The graph module was imported once before (section 1),');
  console.log('  so this is the per-entry cost: resolving the config and building each tool.');
  console.log('\nratios of requests/s, 1,000 graphs / 1 graph:');
  console.log(ratio('tools/call', r.call1000!, r.call1!, 'O(1): a lookup by name, should stay near 1'));
  console.log(ratio('tools/list', r.list1000!, r.list1!, 'O(N) by nature: the answer lists every tool (built once, but sent whole)'));
}

async function progressCost() {
  console.log(`\n3. Progress streaming on a ${TEN_STEPS}-node straight-line graph (2026-07-28)\n`);
  const server = await startGraphMcp(1, 'tenNodes');
  const plain = modern('tools/call', callOf('graph_0'));
  const streamed = modern('tools/call', callOf('graph_0'), { progressToken: 'bench' });

  const without = await answer(server.url, plain);
  expect(without.progress === 0 && without.result.structuredContent?.steps === TEN_STEPS, 'without a token: no progress, all steps run');
  const withToken = await answer(server.url, streamed);
  expect(withToken.progress === TEN_STEPS && withToken.result.structuredContent?.steps === TEN_STEPS, `with a token: ${TEN_STEPS} progress notifications`);

  const r = await interleaved({
    without: httpLoad(server.url, plain),
    with: httpLoad(server.url, streamed),
    inProcess: inProcessLoad(() => tenNodes.invoke(INPUT)),
  });

  console.log(HEADER);
  console.log(row('no progress token (one JSON answer)', r.without));
  console.log(row(`progress token (SSE, ${TEN_STEPS} notifications + result)`, r.with));
  console.log(row(`the ${TEN_STEPS}-node graph alone, in-process`, r.inProcess));
  console.log('\nratio of requests/s:');
  console.log(ratio('with progress / without', r.with, r.without));
}

const started = performance.now();
console.log(`graph-mcp benchmarks, ${process.platform} ${process.arch}, Node ${process.version}`);
console.log(`each setup: ${ROUNDS} interleaved rounds of ${DURATION_S}s (BENCH_ROUNDS, BENCH_SECONDS); medians shown`);
// Other work on the machine shows up as spread; the load average says whether there was any.
console.log(`${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(2)} at start`);
console.log(SPREAD_NOTE);
// `npm run bench -- hitl progress` runs only the sections named.
const SECTIONS = {
  four: oneGraphFourWays,
  graphs: manyGraphs,
  progress: progressCost,
  memory: memorySection,
  startup: startupSection,
  workers: workersSection,
  hitl: hitlSection,
  tasks: tasksSection,
  store: storeSection,
  soak: soakSection,
};
const named = process.argv.slice(2).filter((arg): arg is keyof typeof SECTIONS => arg in SECTIONS);
// The soak runs for minutes: only when named.
const everyDefault = Object.entries(SECTIONS).filter(([name]) => name !== 'soak').map(([, section]) => section);
for (const section of named.length > 0 ? named.map((name) => SECTIONS[name]) : everyDefault) {
  try {
    await section();
  } finally {
    await closeAll();
  }
}
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s`);
