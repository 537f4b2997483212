// npm run bench -- layers: where one call's time goes, layer by layer, one
// call at a time (p50, in milliseconds): graph.invoke alone; graph-mcp's MCP
// handler around it with no HTTP server (each in a process of its own); the
// same served over HTTP by `graph-mcp serve`; and bare Express calling
// graph.invoke, the least any HTTP server of the graph pays. Then CPU per call
// of the in-process layers taking turns in one process, steadier than the rest.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { oneAtATime, serveTrivial } from './four-ways.js';
import { interleaved, type CpuFigures, type Figures, type Measure } from './load.js';
import { BENCH_DIR, runClient, startScript, stopProcess } from './processes.js';
import { p50Difference, printTable } from './report.js';
import { answer, expect, legacy, modern } from './requests.js';

/** A layer measured in-process by layers-client.ts, in a new process every round. */
function layerInChild(configFile: string, layer: string): Measure {
  return () => runClient<Figures>('layers-client.ts', [configFile, layer]);
}

export async function layersSection(): Promise<void> {
  console.log('\n1b. Where one call goes, layer by layer (trivial graph, one call at a time; p50 in ms)\n');
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-layers-'));
  const configFile = path.join(dir, 'in-process.config.json');
  await writeFile(configFile, JSON.stringify({
    graphs: { graph_0: `${path.join(BENCH_DIR, 'graphs.ts')}:trivial` },
    store: { type: 'sqlite', path: path.join(dir, 'in-process.sqlite') },
    log_level: 'silent',
  }));
  const served = await serveTrivial(dir, 'graph-mcp');
  const bareGraph = await startScript('server-main.ts', ['bare-graph']);
  try {
    const modernCall = modern('tools/call', { name: 'graph_0', arguments: { text: 'hi' } });
    const legacyCall = legacy('tools/call', { name: 'graph_0', arguments: { text: 'hi' } });
    expect((await answer(served.url, modernCall)).result.structuredContent?.echoed === 'hi', 'graph-mcp serve answers tools/call');
    expect((await answer(bareGraph.url, legacyCall)).result.structuredContent?.echoed === 'hi', 'bare Express + graph.invoke answers');

    const r = await interleaved({
      invoke: layerInChild(configFile, 'invoke'),
      callModern: layerInChild(configFile, 'call-modern'),
      callLegacy: layerInChild(configFile, 'call-legacy'),
      listModern: layerInChild(configFile, 'list-modern'),
      servedModern: oneAtATime(served.url, modernCall, served.child.pid!),
      servedLegacy: oneAtATime(served.url, legacyCall, served.child.pid!),
      bareGraph: oneAtATime(bareGraph.url, legacyCall, bareGraph.child.pid!),
    });
    printTable([
      ['graph.invoke', r.invoke],
      ['MCP handler, tools/call, 2026-07-28 (no HTTP)', r.callModern],
      ['MCP handler, tools/call, 2025-11-25 (no HTTP)', r.callLegacy],
      ['MCP handler, tools/list, 2026-07-28 (no graph)', r.listModern],
      ['graph-mcp serve, tools/call, 2026-07-28', r.servedModern],
      ['graph-mcp serve, tools/call, 2025-11-25', r.servedLegacy],
      ['bare Express + graph.invoke', r.bareGraph],
    ]);
    const ms = (value: number) => `${value.toFixed(3)} ms`.padStart(10);
    console.log('\nwhat each layer adds to one call (differences of p50, round by round: median, then lowest to highest round):');
    console.log(`  the MCP layer (SDK + graph-mcp's handler) over graph.invoke   2026-07-28 ${p50Difference(r.callModern, r.invoke)}, 2025-11-25 ${p50Difference(r.callLegacy, r.invoke)}`);
    console.log(`  for scale, a request with no graph at all (tools/list)       ${ms(r.listModern.p50)}`);
    console.log(`  HTTP (Node, Express, graph-mcp's router and checks, the client) 2026-07-28 ${p50Difference(r.servedModern, r.callModern)}, 2025-11-25 ${p50Difference(r.servedLegacy, r.callLegacy)}`);
    console.log(`  HTTP for bare Express + graph.invoke                          ${p50Difference(r.bareGraph, r.invoke)}`);
    // CPU per call counts every thread (garbage collection's helpers too), and no waiting.
    const cpu = (a: Figures, b: Figures) => (a.cpuMs === undefined || b.cpuMs === undefined ? '         -' : ms(a.cpuMs - b.cpuMs));
    console.log('\nthe same by CPU per call (the serving process only; the client is not counted):');
    console.log(`  the MCP layer over graph.invoke                               2026-07-28 ${cpu(r.callModern, r.invoke)}, 2025-11-25 ${cpu(r.callLegacy, r.invoke)}`);
    console.log(`  a request with no graph at all (tools/list)                  ${ms(r.listModern.cpuMs ?? Number.NaN)}`);
    console.log(`  HTTP under graph-mcp                                          2026-07-28 ${cpu(r.servedModern, r.callModern)}, 2025-11-25 ${cpu(r.servedLegacy, r.callLegacy)}`);
    console.log(`  HTTP for bare Express + graph.invoke                          ${cpu(r.bareGraph, r.invoke)}`);

    // Each layer above ran in a process of its own, so each read the machine at another moment.
    // Here the four in-process layers share one process and take turns in short batches.
    const c = await runClient<CpuFigures>('layers-client.ts', [configFile, 'cpu']);
    const batches = c.invoke.batches;
    console.log(`\nCPU per call, the in-process layers in one process, taking turns (${batches} batches each, 10 calls in flight; medians;`);
    console.log('spread: (q3 - q1) / median of the batches):');
    const row = (label: string, f: CpuFigures[keyof CpuFigures]) =>
      console.log(`  ${label.padEnd(48)} ${ms(f.cpuMs)}   ${f.spread.toFixed(0).padStart(3)}%`);
    row('graph.invoke', c.invoke);
    row('MCP handler, tools/call, 2026-07-28', c['call-modern']);
    row('MCP handler, tools/call, 2025-11-25', c['call-legacy']);
    row('MCP handler, tools/list, 2026-07-28 (no graph)', c['list-modern']);
    const over = (f: CpuFigures[keyof CpuFigures]) => `${ms(f.cpuMs - c.invoke.cpuMs)} (${((f.cpuMs / c.invoke.cpuMs - 1) * 100).toFixed(0)}%)`;
    console.log(`  the MCP layer over graph.invoke: 2026-07-28 ${over(c['call-modern'])}, 2025-11-25 ${over(c['call-legacy'])}`);
    console.log(`  graph.invoke / MCP handler (the ceiling of the c=10 ratio before HTTP): 2026-07-28 ${(c.invoke.cpuMs / c['call-modern'].cpuMs).toFixed(2)}, 2025-11-25 ${(c.invoke.cpuMs / c['call-legacy'].cpuMs).toFixed(2)}`);
  } finally {
    await Promise.all([stopProcess(served.child), stopProcess(bareGraph.child)]);
    await rm(dir, { recursive: true, force: true });
  }
}
