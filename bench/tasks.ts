// npm run bench -- tasks: what a task costs. Tasks created per second (each stored
// durably before it is answered), tasks/get p50, and a task polled to its end
// against the same trivial graph called directly. The server is its own
// `graph-mcp serve` process on the default SQLite store; the load generator runs
// in a process of its own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, runClient, serveConfig } from './processes.js';

const COUNT = Number(process.env.BENCH_TASKS ?? 300);

export async function tasksSection(): Promise<void> {
  console.log(`\nTasks: the cost of running a call as a task (SQLite store, ${COUNT} tasks; server and load generator in their own processes)\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-tasks-'));
  const server = await serveConfig(path.join(dir, 'agent.config.json'), {
    graphs: { trivial: `${path.join(BENCH_DIR, 'graphs.ts')}:trivial` },
    store: { type: 'sqlite', path: path.join(dir, 'state.sqlite') },
    defaults: { poll_interval_ms: 50 },
  });
  try {
    const r = await runClient<{ created: number; getP50: number; directP50: number; taskP50: number }>('tasks-client.ts', [server.url, String(COUNT)]);
    console.log(`${'figure'.padEnd(56)} ${'value'.padStart(10)}`);
    console.log(`${'tasks created per second (10 callers)'.padEnd(56)} ${r.created.toFixed(0).padStart(10)}`);
    console.log(`${'tasks/get p50 (ms)'.padEnd(56)} ${r.getP50.toFixed(2).padStart(10)}`);
    console.log(`${'trivial graph, direct call p50 (ms)'.padEnd(56)} ${r.directP50.toFixed(2).padStart(10)}`);
    console.log(`${'trivial graph, as a task: create + poll to end p50 (ms)'.padEnd(56)} ${r.taskP50.toFixed(2).padStart(10)}`);
    console.log(`\nratio: task / direct call  ${(r.taskP50 / r.directP50).toFixed(2)}  (the task's cost: a durable create, a claim, a checkpoint per step, polling)`);
  } finally {
    server.child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await tasksSection();
