// npm run bench -- soak: a long run at steady concurrency with bursts of disconnects.
// The server is its own `graph-mcp serve` process; the load generator (soak-client.ts)
// another. Prints errors, p50/p99, the server's RSS every 10 s and its slope, and how
// many runs went on after their client left. BENCH_SOAK_SECONDS (default 120) and
// BENCH_SOAK_CONCURRENCY (default 50) size it.
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, runClient, serveConfig, servingEntry } from './processes.js';

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 120);
const CONCURRENCY = Number(process.env.BENCH_SOAK_CONCURRENCY ?? 50);

interface SoakResult {
  requests: number;
  errors: number;
  errorSample: string[];
  p50: number;
  p99: number;
  disconnects: number;
  ranOn: number;
  stillAlive: number;
}

/** Resident set size of a process, in MiB (Linux). */
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

export async function soakSection(): Promise<void> {
  console.log(`\nSoak: ${CONCURRENCY} callers for ${SECONDS} s (both eras), a burst of 20 abandoned slow calls every 5 s; server (${servingEntry() === 'dist' ? 'node dist/cli.js, as npm start runs it' : 'tsx src/cli.ts: run npm run build for the bin'}) and load generator in their own processes\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-soak-'));
  const stepsFile = path.join(dir, 'steps.log');
  writeFileSync(stepsFile, '');
  process.env.GRAPH_MCP_BENCH_STEPS = stepsFile; // inherited by the server process
  const server = await serveConfig(path.join(dir, 'agent.config.json'), {
    graphs: { trivial: `${path.join(BENCH_DIR, 'graphs.ts')}:trivial`, slow_steps: `${path.join(BENCH_DIR, 'graphs.ts')}:slowSteps` },
    store: { type: 'none' },
  });
  const started = Date.now();
  const samples: Array<[number, number]> = [[0, rssMiB(server.child.pid!)]];
  const sampler = setInterval(() => {
    const at = (Date.now() - started) / 1000;
    const rss = rssMiB(server.child.pid!);
    samples.push([at, rss]);
    console.log(`  t=${at.toFixed(0).padStart(4)} s  server RSS ${rss.toFixed(1)} MiB`);
  }, 10_000);
  try {
    const r = await runClient<SoakResult>('soak-client.ts', [server.url, String(SECONDS), String(CONCURRENCY), stepsFile]);
    clearInterval(sampler);
    // The first 20 s are warm-up (JIT, caches); the slope is taken over the rest.
    const steady = samples.filter(([at]) => at >= 20);
    console.log(`\n${'figure'.padEnd(56)} ${'value'.padStart(10)}`);
    const row = (name: string, value: string) => console.log(`${name.padEnd(56)} ${value.padStart(10)}`);
    row('requests', String(r.requests));
    row('errors', String(r.errors));
    row('p50 (ms)', r.p50.toFixed(2));
    row('p99 (ms)', r.p99.toFixed(2));
    row('server RSS at start / end (MiB)', `${samples[0]![1].toFixed(0)} / ${samples.at(-1)![1].toFixed(0)}`);
    row('server RSS slope after 20 s (MiB per minute)', (slope(steady) * 60).toFixed(2));
    row('abandoned calls (client left after 300 ms)', String(r.disconnects));
    row('  ... that ran a step 1 s or more after', String(r.ranOn));
    row('  ... still running after the load stopped', String(r.stillAlive));
    if (r.errors > 0) console.log(`\nerror sample:\n  ${r.errorSample.join('\n  ')}`);
  } finally {
    clearInterval(sampler);
    server.child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await soakSection();
