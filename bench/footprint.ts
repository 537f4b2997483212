// npm run bench -- memory startup workers: what a graph-mcp process costs to
// keep and to start, and what a second worker buys. Every server is a
// `graph-mcp serve` process; load comes from autocannon's CLI in its own process.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cannon } from './cannon.js';
import { loadAt, serveTrivial } from './four-ways.js';
import { DURATION_S, interleaved } from './load.js';
import { BENCH_DIR, ENTRIES, median, ROOT, rssMb, serveConfig, stopProcess, type Entry } from './processes.js';
import { HEADER, ratio, row } from './report.js';
import { answer, expect, modern } from './requests.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const STARTUP_GRAPHS = 10;
const call = modern('tools/call', { name: 'graph_0', arguments: { text: 'hi' } });

/** The entry points to compare: the built bin only when `npm run build` has made it. */
function entries(): Entry[] {
  return existsSync(ENTRIES.dist[0]!) ? ['tsx', 'dist'] : ['tsx'];
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1_000));

export async function memorySection(): Promise<void> {
  console.log(`\nMemory: RSS of one graph-mcp serve process (trivial graph, SQLite store), idle and over ${CALLS.toLocaleString('en')} tools/call (BENCH_CALLS)`);
  console.log(`  (autocannon CLI at c=10 in its own process; 'warm' is after the first 10% of the calls, the baseline for growth)\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-memory-'));
  try {
    console.log(`${'entry point'.padEnd(28)} ${'idle MB'.padStart(8)} ${'warm MB'.padStart(8)} ${'end MB'.padStart(8)} ${'growth'.padStart(7)} ${'seconds'.padStart(8)} ${'errors'.padStart(7)}`);
    for (const entry of entries()) {
      const server = await serveConfig(path.join(dir, `${entry}.config.json`), {
        graphs: { graph_0: `${path.join(BENCH_DIR, 'graphs.ts')}:trivial` },
        store: { type: 'sqlite', path: path.join(dir, `${entry}.sqlite`) },
      }, { entry });
      try {
        const pid = server.child.pid!;
        expect((await answer(server.url, call)).result.structuredContent?.echoed === 'hi', `${entry}: graph_0 answers`);
        await settle();
        const idle = await rssMb(pid);
        const started = performance.now();
        const first = await cannon(server.url, call, { connections: 10, amount: Math.round(CALLS / 10) });
        const warm = await rssMb(pid);
        const rest = await cannon(server.url, call, { connections: 10, amount: CALLS - Math.round(CALLS / 10) });
        const seconds = (performance.now() - started) / 1000;
        await settle();
        const end = await rssMb(pid);
        const label = entry === 'tsx' ? 'tsx src/cli.ts (npm start)' : 'node dist/cli.js (the bin)';
        const growth = `${(((end - warm) / warm) * 100).toFixed(1)}%`;
        console.log(`${label.padEnd(28)} ${idle.toFixed(0).padStart(8)} ${warm.toFixed(0).padStart(8)} ${end.toFixed(0).padStart(8)} ${growth.padStart(7)} ${seconds.toFixed(0).padStart(8)} ${String(first.errors + rest.errors).padStart(7)}`);
      } finally {
        await stopProcess(server.child);
      }
    }
    console.log('\n  target: idle <= 120 MB; end within 10% of warm');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Ten distinct TypeScript graph modules, each compiled from source at start-up. */
async function writeGraphs(dir: string): Promise<Record<string, string>> {
  const graphs: Record<string, string> = {};
  for (let i = 0; i < STARTUP_GRAPHS; i += 1) {
    const file = path.join(dir, `graph_${i}.ts`);
    await writeFile(
      file,
      `import { END, START, StateGraph } from '@langchain/langgraph';
import { z } from 'zod';
const Input = z.object({ text: z.string() });
export const graph = new StateGraph({ state: Input.extend({ echoed: z.string().optional() }), input: Input, output: z.object({ echoed: z.string() }) })
  .addNode('echo_${i}', (state: { text: string }) => ({ echoed: state.text }))
  .addEdge(START, 'echo_${i}')
  .addEdge('echo_${i}', END)
  .compile();
`,
    );
    graphs[`graph_${i}`] = `${file}:graph`;
  }
  return graphs;
}

export async function startupSection(): Promise<void> {
  console.log(`\nStart-up: from spawning graph-mcp serve to the first tools/call answered, ${STARTUP_GRAPHS} TypeScript graphs (median of ${STARTS}, BENCH_STARTS)\n`);
  // Inside the project, so the graph modules resolve @langchain/langgraph from its node_modules.
  const dir = path.join(ROOT, 'node_modules/.cache/graph-mcp-bench-startup');
  await mkdir(dir, { recursive: true });
  // ES modules, as in a project whose package.json says so: under node_modules no
  // package.json of the project applies, and a .ts file there would load as CommonJS.
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  try {
    const graphs = await writeGraphs(dir);
    for (const entry of entries()) {
      const times: number[] = [];
      for (let i = 0; i < STARTS; i += 1) {
        const started = performance.now();
        const server = await serveConfig(path.join(dir, `${entry}-${i}.config.json`), { graphs, store: { type: 'sqlite', path: path.join(dir, `${entry}-${i}.sqlite`) } }, { entry });
        try {
          const last = modern('tools/call', { name: `graph_${STARTUP_GRAPHS - 1}`, arguments: { text: 'hi' } });
          expect((await answer(server.url, last)).result.structuredContent?.echoed === 'hi', 'the last graph answers');
          times.push(performance.now() - started);
        } finally {
          await stopProcess(server.child);
        }
      }
      const label = entry === 'tsx' ? 'tsx src/cli.ts (npm start)' : 'node dist/cli.js (the bin)';
      console.log(`  ${label.padEnd(28)} ${median(times).toFixed(0).padStart(6)} ms  (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function workersSection(): Promise<void> {
  console.log(`\nWorkers: serve --workers 1 vs 2, trivial graph, 2026-07-28 tools/call (autocannon CLI at c=20 in its own process, ${DURATION_S} s rounds)\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-workers-'));
  const one = await serveTrivial(dir, 'one', ['--workers', '1']);
  const two = await serveTrivial(dir, 'two', ['--workers', '2']);
  try {
    for (const server of [one, two]) expect((await answer(server.url, call)).result.structuredContent?.echoed === 'hi', 'graph_0 answers');
    const r = await interleaved({ one: loadAt(one.url, call, 20), two: loadAt(two.url, call, 20) });
    console.log(HEADER);
    console.log(row('1 worker', r.one));
    console.log(row('2 workers', r.two));
    console.log('\nratio of requests/s (target >= 1.7 on 2 free cores; the load generator needs a core of its own too):');
    console.log(ratio('2 workers / 1 worker', r.two, r.one));
  } finally {
    await Promise.all([stopProcess(one.child), stopProcess(two.child)]);
    await rm(dir, { recursive: true, force: true });
  }
}
