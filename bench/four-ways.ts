// npm run bench -- four: one trivial graph four ways (graph.invoke in-process,
// graph-mcp in both eras, a hand-written v1 SDK server, bare Express, and bare
// Express calling graph.invoke: the most any HTTP server of the graph reaches), each
// server its own process, autocannon in another (warmed up with the load it then
// measures), graph.invoke timed in a process of its own. Throughput at 10
// connections, p99 at 10 and 50, and the p50 of one call at a time (what a
// single call adds to graph.invoke).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchGraphName } from './graphs.js';
import { DURATION_S, FIRST_WARMUP_S, interleaved, WARMUP_S, type Figures, type Measure } from './load.js';
import { BENCH_DIR, rssMb, runClient, serveConfig, startScript, stopProcess, type ServerProcess } from './processes.js';
import { cpuRatio, p50Difference, printTable, ratio } from './report.js';
import { answer, expect, legacy, modern, type McpRequest } from './requests.js';

const INPUT = { text: 'hi' };

/**
 * autocannon at `connections` in a process of its own (cannon-client.ts), each
 * round right after an unmeasured warm-up of the same load in that process
 * (`BENCH_WARMUP_SECONDS`, the first round `firstWarmupS`); given the server's
 * `pid`, also the CPU it spent per measured call.
 * A server idle while the others are measured cools down (V8 shrinks its heap
 * and drops code it has not run) and pays that again in its next round; a
 * server started cold needs seconds of load before V8 has optimised its hot
 * code, more with several workers, each of which sees only its share of the
 * calls. Warming measures every setup in the steady state of a loaded server,
 * as graph.invoke's rounds are.
 */
export function loadAt(url: string, request: McpRequest, connections: number, pid?: number, firstWarmupS = FIRST_WARMUP_S): Measure {
  return (first) =>
    runClient<Figures>('cannon-client.ts', [url, JSON.stringify(request), String(connections), String(first ? firstWarmupS : WARMUP_S), String(DURATION_S), ...(pid === undefined ? [] : [String(pid)])]);
}

/** One call at a time on one connection, timed to the microsecond, in its own process. */
export function oneAtATime(url: string, request: McpRequest, pid?: number): Measure {
  return () => runClient<Figures>('latency-client.ts', [url, JSON.stringify(request), ...(pid === undefined ? [] : [String(pid)])]);
}

/**
 * graph.invoke of a bench graph in its own process: one call at a time, or
 * `inFlight` at once. A new process every round, so every round warms up
 * first (a cold one measured its own JIT: rates moved by 70% between rounds).
 */
export function invokeInChild(exportName: BenchGraphName = 'trivial', inFlight = 1): Measure {
  return () => runClient<Figures>('invoke-client.ts', [exportName, 'warm', String(inFlight)]);
}

/** graph-mcp serving the trivial graph as `graph_0`, on its own SQLite file in `dir`. */
export function serveTrivial(dir: string, name: string, args: string[] = []): Promise<ServerProcess> {
  return serveConfig(path.join(dir, `${name}.config.json`), {
    graphs: { graph_0: `${path.join(BENCH_DIR, 'graphs.ts')}:trivial` },
    store: { type: 'sqlite', path: path.join(dir, `${name}.sqlite`) },
  }, { args });
}

export async function oneGraphFourWays(): Promise<void> {
  console.log(`\n1. One trivial graph, four ways (every server its own process; autocannon in another, after a warm-up of its load; graph.invoke in a third)`);
  console.log(`   c=N: N busy connections, so latency includes queueing; c=1 and in-process: one call at a time\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-four-'));
  const children: ServerProcess[] = [];
  try {
    const graphMcp = await serveTrivial(dir, 'graph-mcp');
    children.push(graphMcp);
    // The same server with V8's own heap sizing, beside the default (serve --heap-growth).
    const graphMcpV8 = await serveTrivial(dir, 'graph-mcp-v8', ['--heap-growth', '0']);
    children.push(graphMcpV8);
    const v1 = await startScript('server-main.ts', ['v1']);
    children.push(v1);
    const bare = await startScript('server-main.ts', ['bare']);
    children.push(bare);
    const bareGraph = await startScript('server-main.ts', ['bare-graph']);
    children.push(bareGraph);
    const modernCall = modern('tools/call', { name: 'graph_0', arguments: INPUT });
    const legacyCall = legacy('tools/call', { name: 'graph_0', arguments: INPUT });
    for (const [label, url, request] of [
      ['graph-mcp, 2026-07-28', graphMcp.url, modernCall],
      ['graph-mcp, 2025-11-25', graphMcp.url, legacyCall],
      ['graph-mcp, --heap-growth 0', graphMcpV8.url, modernCall],
      ['hand-written v1 server', v1.url, legacyCall],
      ['bare Express', bare.url, legacyCall],
      ['bare Express + graph.invoke', bareGraph.url, legacyCall],
    ] as const) {
      expect((await answer(url, request)).result.structuredContent?.echoed === 'hi', `${label} answers tools/call with the graph's output`);
    }

    const r = await interleaved({
      inProcess: invokeInChild(),
      inProcess10: invokeInChild('trivial', 10),
      modern: loadAt(graphMcp.url, modernCall, 10, graphMcp.child.pid!),
      legacy: loadAt(graphMcp.url, legacyCall, 10, graphMcp.child.pid!),
      v1: loadAt(v1.url, legacyCall, 10, v1.child.pid!),
      bare: loadAt(bare.url, legacyCall, 10, bare.child.pid!),
      bareGraph: loadAt(bareGraph.url, legacyCall, 10, bareGraph.child.pid!),
      modern1: oneAtATime(graphMcp.url, modernCall, graphMcp.child.pid!),
      legacy1: oneAtATime(graphMcp.url, legacyCall, graphMcp.child.pid!),
      v1One: oneAtATime(v1.url, legacyCall, v1.child.pid!),
      bareOne: oneAtATime(bare.url, legacyCall, bare.child.pid!),
      bareGraphOne: oneAtATime(bareGraph.url, legacyCall, bareGraph.child.pid!),
      modern50: loadAt(graphMcp.url, modernCall, 50, graphMcp.child.pid!),
      legacy50: loadAt(graphMcp.url, legacyCall, 50, graphMcp.child.pid!),
      // Beside graph-mcp's p99 at c=50: the tail any server of this graph has there.
      bareGraph50: loadAt(bareGraph.url, legacyCall, 50, bareGraph.child.pid!),
      modernV8: loadAt(graphMcpV8.url, modernCall, 10, graphMcpV8.child.pid!),
      modern50V8: loadAt(graphMcpV8.url, modernCall, 50, graphMcpV8.child.pid!),
    });

    printTable([
      ['graph.invoke in-process (one at a time)', r.inProcess],
      ['graph.invoke in-process (10 in flight)', r.inProcess10],
      ['graph-mcp tools/call, 2026-07-28, c=10', r.modern],
      ['graph-mcp tools/call, 2025-11-25, c=10', r.legacy],
      ['hand-written v1 SDK server (2025-11-25), c=10', r.v1],
      ['bare Express JSON handler (ceiling), c=10', r.bare],
      ['bare Express + graph.invoke, c=10', r.bareGraph],
      ['graph-mcp tools/call, 2026-07-28, c=1', r.modern1],
      ['graph-mcp tools/call, 2025-11-25, c=1', r.legacy1],
      ['hand-written v1 SDK server, c=1', r.v1One],
      ['bare Express JSON handler, c=1', r.bareOne],
      ['bare Express + graph.invoke, c=1', r.bareGraphOne],
      ['graph-mcp tools/call, 2026-07-28, c=50', r.modern50],
      ['graph-mcp tools/call, 2025-11-25, c=50', r.legacy50],
      ['bare Express + graph.invoke, c=50', r.bareGraph50],
      ["2026-07-28, c=10, V8's heap sizing", r.modernV8],
      ["2026-07-28, c=50, V8's heap sizing", r.modern50V8],
    ]);
    const [rss, rssV8] = await Promise.all([rssMb(graphMcp.child.pid!), rssMb(graphMcpV8.child.pid!)]);
    console.log(`\nRSS after the rounds: graph-mcp ${rss.toFixed(0)} MB (--heap-growth 50, the default), ${rssV8.toFixed(0)} MB with V8's own heap sizing (--heap-growth 0)`);
    console.log(ratio("heap growth 50 / V8's heap sizing, c=10", r.modern, r.modernV8, '(what the smaller heap costs in throughput)'));
    console.log('\nratios of requests/s at c=10 (target: >= 0.75 of in-process, >= 1.5 of the v1 server):');
    console.log(ratio('graph-mcp 2026-07-28 / graph.invoke in-process', r.modern, r.inProcess));
    console.log(ratio('graph-mcp 2025-11-25 / graph.invoke in-process', r.legacy, r.inProcess));
    console.log(ratio('graph-mcp 2026-07-28 / graph.invoke, 10 in flight', r.modern, r.inProcess10, '(the graph at the same concurrency)'));
    console.log(ratio('graph-mcp 2025-11-25 / graph.invoke, 10 in flight', r.legacy, r.inProcess10));
    console.log(ratio('graph-mcp 2026-07-28 / hand-written v1 server', r.modern, r.v1));
    console.log(ratio('graph-mcp 2025-11-25 / hand-written v1 server', r.legacy, r.v1, '(same protocol on both sides)'));
    console.log(ratio('graph-mcp 2026-07-28 / bare Express ceiling', r.modern, r.bare));
    console.log(ratio('hand-written v1 server / bare Express ceiling', r.v1, r.bare));
    console.log('\nthe most an HTTP server of this graph reaches here, and what MCP costs beyond it:');
    console.log(ratio('bare Express + graph.invoke / graph.invoke', r.bareGraph, r.inProcess, '(no MCP, no checks: the ceiling of the first ratio above)'));
    console.log(ratio('graph-mcp 2026-07-28 / bare Express + graph.invoke', r.modern, r.bareGraph));
    console.log(ratio('graph-mcp 2025-11-25 / bare Express + graph.invoke', r.legacy, r.bareGraph));
    console.log('\nthe same by CPU per call (each process, every thread; steadier than req/s):');
    console.log(cpuRatio('graph.invoke in-process / graph-mcp 2026-07-28', r.modern, r.inProcess, '(CPU per call: graph.invoke over graph-mcp)'));
    console.log(cpuRatio('graph.invoke in-process / bare Express + graph.invoke', r.bareGraph, r.inProcess));
    console.log(cpuRatio('bare Express + graph.invoke / graph-mcp 2026-07-28', r.modern, r.bareGraph));
    console.log(cpuRatio('bare Express + graph.invoke / graph-mcp 2025-11-25', r.legacy, r.bareGraph));
    console.log(cpuRatio('v1 server / graph-mcp 2025-11-25', r.legacy, r.v1));
    console.log('\nwhat one call adds, p50 at c=1 minus graph.invoke p50, round by round (target: <= 0.5 ms):');
    const added = (f: Figures) => p50Difference(f, r.inProcess);
    console.log(`  graph-mcp 2026-07-28   ${added(r.modern1)}`);
    console.log(`  graph-mcp 2025-11-25   ${added(r.legacy1)}`);
    console.log(`  hand-written v1 server ${added(r.v1One)}`);
    // The floor any HTTP server pays here: a loopback round trip and the client's own work.
    console.log(`  bare Express (no graph: one HTTP round trip, the floor) ${r.bareOne.p50.toFixed(3)} ms`);
    console.log(`  bare Express + graph.invoke (no MCP)  ${added(r.bareGraphOne)}`);
    // What MCP adds over the least any HTTP server of this graph pays (bare Express calling graph.invoke).
    const own = (f: Figures) => p50Difference(f, r.bareGraphOne);
    console.log(`  graph-mcp's own share beyond bare Express + graph.invoke: 2026-07-28 ${own(r.modern1)}, 2025-11-25 ${own(r.legacy1)}`);
  } finally {
    await Promise.all(children.map((child) => stopProcess(child.child)));
    await rm(dir, { recursive: true, force: true });
  }
}
