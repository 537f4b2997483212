// `npm run bench -- against`: this checkout's MCP handler beside another
// build's, in one process (this one, apart from the bench's), taking turns in
// batches: a slow minute of the machine slows both alike, so a difference of a
// few percent shows, where servers measured apart differ by more than that
// from one round to the next. Each build loads its own graph-mcp modules; both
// use this checkout's `node_modules` (the other build's own are not read).
// Prints AgainstFigures as JSON.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { loadGraphMcp as LoadGraphMcp, createLogger as CreateLogger } from '../src/index.js';
import { ROUNDS, warmUp } from './load.js';
import { BENCH_DIR, ROOT } from './processes.js';
import { legacy, modern } from './requests.js';

export interface AgainstFigures {
  /** Per build (`this`, `other`), and `graph.invoke` alone: the median CPU ms per call of its batches. */
  cpuMs: { this: number; other: number; invoke: number };
  /** The batch-by-batch ratio of this build's CPU per call to the other's: median, lower and upper quartile. */
  ratio: { median: number; q1: number; q3: number };
  batches: number;
}

const [otherDist, era] = [process.argv[2], process.argv[3] ?? 'modern'];
if (otherDist === undefined) throw new Error('against-client: usage OTHER_DIST [modern|legacy]');

const IN_FLIGHT = 10;
const BATCH = 200;
const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-against-'));
const request = (era === 'legacy' ? legacy : modern)('tools/call', { name: 'graph_0', arguments: { text: 'hi' } });
const body: unknown = JSON.parse(request.body);

/** graph-mcp from a build's `dist`, serving the trivial graph on a SQLite store of its own, as `four` does. */
async function handlerOf(name: string, dist: string) {
  const config = path.join(dir, `${name}.config.json`);
  await writeFile(config, JSON.stringify({
    graphs: { graph_0: `${path.join(BENCH_DIR, 'graphs.ts')}:trivial` },
    store: { type: 'sqlite', path: path.join(dir, `${name}.sqlite`) },
    log_level: 'silent',
  }));
  const built = (await import(pathToFileURL(path.join(dist, 'index.js')).href)) as { loadGraphMcp: typeof LoadGraphMcp; createLogger: typeof CreateLogger };
  const graphMcp = await built.loadGraphMcp({ config, logger: built.createLogger({ level: 'silent' }) });
  const call = async () => {
    const response = await graphMcp.handler.fetch(
      new Request('http://127.0.0.1/mcp', { method: 'POST', headers: { ...request.headers, host: '127.0.0.1' }, signal: new AbortController().signal }),
      // A copy: a run fills the schema's defaults into the arguments it is given.
      { parsedBody: structuredClone(body) },
    );
    const text = await response.text();
    if (response.status !== 200 || !text.includes('"echoed"') || text.includes('"isError":true')) throw new Error(`${name} answered ${response.status}: ${text.slice(0, 200)}`);
  };
  return { graphMcp, call };
}

const self = await handlerOf('this', path.join(ROOT, 'dist'));
const other = await handlerOf('other', path.resolve(otherDist));
const graph = self.graphMcp.tools.get('graph_0')!.graph;
const calls = { this: self.call, other: other.call, invoke: () => graph.invoke({ text: 'hi' }) } as const;
type Setup = keyof typeof calls;
const setups = Object.keys(calls) as Setup[];

const tenAtATime = async (setup: Setup, count: number) => {
  let left = count;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (left-- > 0) await calls[setup]();
  }));
};
for (const setup of setups) await warmUp(() => tenAtATime(setup, IN_FLIGHT));

// `ROUNDS * 8` rounds, the order turning each round.
const samples: Record<Setup, number[]> = { this: [], other: [], invoke: [] };
for (let round = 0; round < ROUNDS * 8; round += 1) {
  for (let i = 0; i < setups.length; i += 1) {
    const setup = setups[(i + round) % setups.length]!;
    const before = process.cpuUsage();
    await tenAtATime(setup, BATCH);
    const used = process.cpuUsage(before);
    samples[setup].push((used.user + used.system) / 1000 / BATCH);
  }
}
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const index = q * (sorted.length - 1);
  const below = sorted[Math.floor(index)]!;
  return below + (sorted[Math.ceil(index)]! - below) * (index - Math.floor(index));
};
const ratios = samples.this.map((ms, i) => ms / samples.other[i]!);
const figures: AgainstFigures = {
  cpuMs: { this: quantile(samples.this, 0.5), other: quantile(samples.other, 0.5), invoke: quantile(samples.invoke, 0.5) },
  ratio: { median: quantile(ratios, 0.5), q1: quantile(ratios, 0.25), q3: quantile(ratios, 0.75) },
  batches: ratios.length,
};
console.log(JSON.stringify(figures));
await Promise.all([self.graphMcp.close(0), other.graphMcp.close(0)]);
await rm(dir, { recursive: true, force: true });
