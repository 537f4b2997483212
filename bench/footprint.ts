// npm run bench -- memory startup workers: what a graph-mcp process costs to
// keep and to start, and what a second worker buys. Every server is a
// `graph-mcp serve` process; load comes from autocannon's CLI in its own process
// (for `workers`, from wrk when it is on the PATH: see wrk.ts).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cannon } from './cannon.js';
import { loadAt, serveTrivial } from './four-ways.js';
import { DURATION_S, interleaved, median, type Measure } from './load.js';
import { BENCH_DIR, binBuilt, childrenOf, ROOT, rssMb, serveConfig, stopProcess, type Entry, type ServerProcess } from './processes.js';
import { cpuRatio, printTable, ratio } from './report.js';
import { answer, expect, modern } from './requests.js';
import { wrkAvailable, wrkLoadAt } from './wrk.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
/** Idle seconds after the load before 'rested' is read: V8's memory reducer gives memory back some 30-40 s after a load stops. */
const REST_S = Number(process.env.BENCH_REST_SECONDS ?? 60);
/** Idle seconds after start-up before 'settled' is read: until V8's memory reducer runs, RSS holds start-up's garbage and a full young generation. */
const SETTLE_S = Number(process.env.BENCH_SETTLE_SECONDS ?? 30);
const STARTS = Number(process.env.BENCH_STARTS ?? 3);
const STARTUP_GRAPHS = 10;
const call = modern('tools/call', { name: 'graph_0', arguments: { text: 'hi' } });

/** The entry points to compare: the built bin only when `npm run build` has made it. */
function entries(): Entry[] {
  return binBuilt() ? ['tsx', 'dist'] : ['tsx'];
}

const idleFor = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** The servers the memory section measures: an entry point, and the graph module's language. */
interface MemorySetup {
  label: string;
  entry: Entry;
  /** `ts`: bench/graphs.ts, compiled at start-up by tsx (whose loader runs on a thread of its own); `js`: the same graph as an ES module. */
  graph: 'ts' | 'js';
  /** More `serve` options. */
  args?: string[];
}

function memorySetups(): MemorySetup[] {
  const setups: MemorySetup[] = [{ label: 'tsx src/cli.ts, TS graph', entry: 'tsx', graph: 'ts' }];
  if (binBuilt()) {
    setups.push(
      { label: 'dist/cli.js, TS graph', entry: 'dist', graph: 'ts' },
      { label: 'dist/cli.js, JS graph', entry: 'dist', graph: 'js' },
      // Side by side: the same process with V8's own heap sizing (src/http/heap-growth.ts).
      { label: 'same, --heap-growth 0', entry: 'dist', graph: 'js', args: ['--heap-growth', '0'] },
    );
  }
  return setups;
}

export async function memorySection(): Promise<void> {
  console.log(`\nMemory: RSS of one graph-mcp serve process (trivial graph, SQLite store), idle and over ${CALLS.toLocaleString('en')} tools/call (BENCH_CALLS)`);
  console.log(`  (autocannon CLI at c=10 in its own process; 'warm' is after the first 10% of the calls, the baseline for growth;`);
  console.log(`   'idle' is 1 s after the first call, 'settled' ${SETTLE_S} s later (BENCH_SETTLE_SECONDS), before any load;`);
  console.log(`   'rested' is ${REST_S} s after the load stopped, BENCH_REST_SECONDS)\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-memory-'));
  const modules = await moduleDir('graph-mcp-bench-memory');
  try {
    const jsGraph = (await writeGraphs(modules, 1, 'js')).graph_0!;
    console.log(`${'setup'.padEnd(28)} ${'idle MB'.padStart(8)} ${'settled MB'.padStart(11)} ${'warm MB'.padStart(8)} ${'end MB'.padStart(8)} ${'growth'.padStart(7)} ${'seconds'.padStart(8)} ${'errors'.padStart(7)} ${'rested MB'.padStart(10)}`);
    for (const [i, setup] of memorySetups().entries()) {
      const graph = setup.graph === 'ts' ? `${path.join(BENCH_DIR, 'graphs.ts')}:trivial` : jsGraph;
      const server = await serveConfig(path.join(dir, `${i}.config.json`), {
        graphs: { graph_0: graph },
        store: { type: 'sqlite', path: path.join(dir, `${i}.sqlite`) },
      }, { entry: setup.entry, ...(setup.args ? { args: setup.args } : {}) });
      try {
        const pid = server.child.pid!;
        expect((await answer(server.url, call)).result.structuredContent?.echoed === 'hi', `${setup.label}: graph_0 answers`);
        await idleFor(1);
        const idle = await rssMb(pid);
        await idleFor(SETTLE_S);
        const settled = await rssMb(pid);
        const started = performance.now();
        const first = await cannon(server.url, call, { connections: 10, amount: Math.round(CALLS / 10) });
        const warm = await rssMb(pid);
        const rest = await cannon(server.url, call, { connections: 10, amount: CALLS - Math.round(CALLS / 10) });
        const seconds = (performance.now() - started) / 1000;
        await idleFor(1);
        const end = await rssMb(pid);
        const growth = `${(((end - warm) / warm) * 100).toFixed(1)}%`;
        await idleFor(REST_S);
        const rested = await rssMb(pid);
        console.log(`${setup.label.padEnd(28)} ${idle.toFixed(0).padStart(8)} ${settled.toFixed(0).padStart(11)} ${warm.toFixed(0).padStart(8)} ${end.toFixed(0).padStart(8)} ${growth.padStart(7)} ${seconds.toFixed(0).padStart(8)} ${String(first.errors + rest.errors).padStart(7)} ${rested.toFixed(0).padStart(10)}`);
      } finally {
        await stopProcess(server.child);
      }
    }
    console.log("\n  target: idle <= 120 MB; end within 10% of warm. settled: an idle server once V8 has dropped start-up's garbage. rested: what the process keeps once V8 has given back what the load needed");
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(modules, { recursive: true, force: true });
  }
}

/**
 * A folder for generated graph modules inside the project, so they resolve
 * @langchain/langgraph from its node_modules. Its package.json makes them ES
 * modules, as in a project whose package.json says so (under node_modules no
 * package.json of the project applies, and a .ts file would load as CommonJS).
 */
async function moduleDir(name: string): Promise<string> {
  const dir = path.join(ROOT, 'node_modules/.cache', name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  return dir;
}

/** `count` distinct graph modules, TypeScript (compiled at start-up) or JavaScript; config entries by tool name. */
async function writeGraphs(dir: string, count: number, language: 'ts' | 'js'): Promise<Record<string, string>> {
  const graphs: Record<string, string> = {};
  for (let i = 0; i < count; i += 1) {
    const file = path.join(dir, `graph_${i}.${language}`);
    const state = language === 'ts' ? 'state: { text: string }' : 'state';
    await writeFile(
      file,
      `import { END, START, StateGraph } from '@langchain/langgraph';
import { z } from 'zod';
const Input = z.object({ text: z.string() });
export const graph = new StateGraph({ state: Input.extend({ echoed: z.string().optional() }), input: Input, output: z.object({ echoed: z.string() }) })
  .addNode('echo_${i}', (${state}) => ({ echoed: state.text }))
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
  const dir = await moduleDir('graph-mcp-bench-startup');
  try {
    const graphs = await writeGraphs(dir, STARTUP_GRAPHS, 'ts');
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
      const label = entry === 'tsx' ? 'tsx src/cli.ts (npm run cli)' : 'node dist/cli.js (the bin, npm start)';
      console.log(`  ${label.padEnd(38)} ${median(times).toFixed(0).padStart(6)} ms  (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function workersSection(): Promise<void> {
  // Both cores go to the servers here: the load generator's own CPU is taken from them, and wrk's is a third of autocannon's.
  const generator = wrkAvailable() ? 'wrk' : 'autocannon (no wrk on the PATH)';
  console.log(`\nWorkers: serve --workers 1 vs 2, trivial graph, 2026-07-28 tools/call (${generator} at c=20 in its own process, ${DURATION_S} s rounds, each after a warm-up of its load)\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-workers-'));
  const one = await serveTrivial(dir, 'one', ['--workers', '1']);
  const two = await serveTrivial(dir, 'two', ['--workers', '2']);
  const loads: Array<{ close(): Promise<void> }> = [];
  // Each of two workers sees half the calls, so V8 needs twice as long to optimise both.
  const loadOn = async (server: ServerProcess): Promise<Measure> => {
    if (!wrkAvailable()) return loadAt(server.url, call, 20, server.child.pid!, 10);
    const load = await wrkLoadAt(server.url, call, 20, server.child.pid!, 10);
    loads.push(load);
    return load.measure;
  };
  try {
    for (const server of [one, two]) expect((await answer(server.url, call)).result.structuredContent?.echoed === 'hi', 'graph_0 answers');
    const r = await interleaved({ one: await loadOn(one), two: await loadOn(two) });
    printTable([
      ['1 worker', r.one],
      ['2 workers', r.two],
    ]);
    console.log(`\nratio of requests/s (target >= 1.7 on 2 free cores; ${generator.split(' ')[0]} takes some of them too):`);
    console.log(ratio('2 workers / 1 worker', r.two, r.one));
    // CPU per call summed over the primary and its workers: what the cores would need to give 2x.
    console.log(cpuRatio('1 worker / 2 workers, CPU per call', r.two, r.one, '(1 = a second worker adds no work per call)'));
    // What --workers 2 keeps resident besides its workers: the primary only watches them.
    const workerRss = await Promise.all((await childrenOf(two.child.pid!)).map(rssMb));
    console.log(`\nRSS after the rounds: 1 worker ${(await rssMb(one.child.pid!)).toFixed(0)} MB; 2 workers: primary ${(await rssMb(two.child.pid!)).toFixed(0)} MB, workers ${workerRss.map((mb) => mb.toFixed(0)).join(' and ')} MB`);
  } finally {
    await Promise.all([stopProcess(one.child), stopProcess(two.child), ...loads.map((load) => load.close())]);
    await rm(dir, { recursive: true, force: true });
  }
}
