// npm run bench -- store: the store's part in what callers wait for, on SQLite and on
// PostgreSQL, with one server process and with three sharing the store (each request goes to
// the next process, so an answer always lands on another process than its question, and a
// task is polled through other processes than the one that created it):
// - a question's round trip (2026-07-28, raw HTTP: tools/call pauses, the retry with
//   inputResponses finishes it), one at a time (p50/p99) and 8 in flight (round trips/s);
// - tasks created per second (10 callers; each task is stored durably before it is answered);
// - tasks/get p50, one at a time, once those tasks have finished;
// - a signal's delay from publish to delivery between two stores on one database (separate
//   connections, as two processes have): what a cancel or an answer adds on its way to the
//   process running the call.
// Every server is its own `graph-mcp serve` process, and so is the load generator (this file
// run with `client`).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresStore } from '../src/store/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { median, ROUNDS } from './load.js';
import { percentile, ROOT, runClient, serveConfig } from './processes.js';
import { answer, modern } from './requests.js';

const HERE = fileURLToPath(import.meta.url);
const DATABASE_URL = process.env.GRAPH_MCP_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 200);
const TASKS = Number(process.env.BENCH_TASKS ?? 300);
/** Round trips in flight at once in the second measurement. */
const CONCURRENT = 8;
/** Callers creating tasks at once. */
const CREATORS = 10;
/** tasks/get requests timed, one at a time. */
const GETS = 200;
/** Signals timed, one at a time. */
const SIGNALS = 200;

// ---- the load generator (its own process) ----------------------------------------------

const ASKING = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
const POLLING = { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } };
/** Above the approval graph's limit: a person must approve, so the call asks. */
const ASKED_REFUND = { customer: 'Ada', amount: 500 };
/** Within it: approved by policy, so a task finishes in one step without asking. */
const SMALL_REFUND = { customer: 'Ada', amount: 50 };

async function call(url: string, params: Record<string, unknown>, meta: Record<string, unknown>): Promise<Record<string, any>> {
  return (await answer(url, modern('tools/call', { name: 'approval', ...params }, meta))).result;
}

/** Ask on one process, answer on the next; checks the answer and returns the round trip's ms. */
async function roundTrip(urls: string[], turn: number): Promise<number> {
  const started = performance.now();
  const asked = await call(urls[turn % urls.length]!, { arguments: ASKED_REFUND }, ASKING);
  if (asked.resultType !== 'input_required') throw new Error(`expected a question: ${JSON.stringify(asked).slice(0, 300)}`);
  const key = Object.keys(asked.inputRequests)[0]!;
  const inputResponses = { [key]: { action: 'accept', content: { approved: true } } };
  const done = await call(urls[(turn + 1) % urls.length]!, { arguments: ASKED_REFUND, requestState: asked.requestState, inputResponses }, ASKING);
  if (done.structuredContent?.status !== 'refunded') throw new Error(`expected a refund: ${JSON.stringify(done).slice(0, 300)}`);
  return performance.now() - started;
}

async function createTask(url: string): Promise<string> {
  const created = await call(url, { arguments: SMALL_REFUND }, POLLING);
  if (created.resultType !== 'task') throw new Error(`expected a task: ${JSON.stringify(created).slice(0, 300)}`);
  return created.taskId as string;
}

async function taskStatus(url: string, taskId: string): Promise<string> {
  const task = (await answer(url, modern('tasks/get', { taskId }, POLLING))).result;
  if (task.status === 'failed' || task.status === 'cancelled') throw new Error(`task ${taskId} ended ${task.status}`);
  return task.status as string;
}

/** Polls each task (through the next process each time) until it has completed. */
async function finishAll(urls: string[], ids: string[]): Promise<void> {
  let turn = 0;
  for (const id of ids) {
    while ((await taskStatus(urls[turn++ % urls.length]!, id)) !== 'completed') await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function client(urls: string[], trips: number, tasks: number): Promise<void> {
  for (let i = 0; i < 10; i += 1) await roundTrip(urls, i); // warm-up
  const sequential: number[] = [];
  for (let i = 0; i < trips; i += 1) sequential.push(await roundTrip(urls, i));
  sequential.sort((a, b) => a - b);
  let next = 0;
  let started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      while (next < trips) await roundTrip(urls, next++);
    }),
  );
  const perSecond = trips / ((performance.now() - started) / 1000);

  await finishAll(urls, await Promise.all(urls.map((url) => createTask(url)))); // warm-up
  const ids: string[] = [];
  let issued = 0;
  started = performance.now();
  await Promise.all(
    Array.from({ length: CREATORS }, async () => {
      while (issued < tasks) ids.push(await createTask(urls[issued++ % urls.length]!));
    }),
  );
  const created = ids.length / ((performance.now() - started) / 1000);
  await finishAll(urls, ids);
  const gets: number[] = [];
  for (let i = 0; i < Math.min(GETS, ids.length); i += 1) {
    const t = performance.now();
    await taskStatus(urls[(i + 1) % urls.length]!, ids[i]!);
    gets.push(performance.now() - t);
  }
  gets.sort((a, b) => a - b);
  console.log(JSON.stringify({ p50: percentile(sequential, 0.5), p99: percentile(sequential, 0.99), perSecond, created, getP50: percentile(gets, 0.5) }));
}

/** Two stores on one database, one publishing, one subscribed: each signal's ms from publish to delivery. */
async function signalDelays(open: () => Promise<Store>): Promise<{ p50: number; p99: number }> {
  const [publisher, subscriber] = [await open(), await open()];
  // The stores' own timers do not keep a process alive: this does, while a signal is on its way.
  const alive = setInterval(() => {}, 1_000);
  try {
    let delivered: (() => void) | undefined;
    const stop = await subscriber.signals.subscribe('bench:signal', () => delivered?.());
    const delays: number[] = [];
    for (let i = 0; i < 20 + SIGNALS; i += 1) {
      const arrived = new Promise<void>((resolve) => (delivered = resolve));
      const started = performance.now();
      await publisher.signals.publish('bench:signal', { i });
      await arrived;
      if (i >= 20) delays.push(performance.now() - started); // after a warm-up of 20
    }
    stop();
    delays.sort((a, b) => a - b);
    return { p50: percentile(delays, 0.5), p99: percentile(delays, 0.99) };
  } finally {
    clearInterval(alive);
    await publisher.close();
    await subscriber.close();
  }
}

// ---- the servers and the report --------------------------------------------------------

type Figures = { p50: number; p99: number; perSecond: number; created: number; getP50: number };

async function measure(dir: string, label: string, store: Record<string, unknown>, processes: number): Promise<Figures> {
  const config = { graphs: { approval: `${path.join(ROOT, 'graphs/approval.ts')}:graph` }, store };
  const servers = await Promise.all(Array.from({ length: processes }, (_, i) => serveConfig(path.join(dir, `${label}-${i}.config.json`), config)));
  try {
    return await runClient<Figures>(path.basename(HERE), ['client', servers.map((s) => s.url).join(','), String(ROUND_TRIPS), String(TASKS)]);
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
  }
}

async function postgresReachable(): Promise<string | undefined> {
  const probe = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

async function dropSchemas(schemas: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}

export async function storeSection(): Promise<void> {
  console.log('\nStores: SQLite vs PostgreSQL, with 1 and 3 server processes (2026-07-28 raw HTTP)');
  console.log('  (each server its own process, the load generator another; with 3, each request goes to the next process,');
  console.log('   so every answer lands on another process than its question, and every task is polled through others)');
  console.log(`  question round trip (ask + answer): ${ROUND_TRIPS} one at a time for p50/p99, then ${ROUND_TRIPS} with ${CONCURRENT} in flight;`);
  console.log(`  tasks: ${TASKS} created by ${CREATORS} callers at once, then, once they have finished, ${Math.min(GETS, TASKS)} tasks/get one at a time\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-store-'));
  const unreachable = await postgresReachable();
  const schemas: string[] = [];
  const rows: Array<[string, Figures]> = [];
  const rounds = new Map<string, Figures[]>();
  const signals: Array<[string, { p50: number; p99: number }]> = [];
  try {
    signals.push(['sqlite (polled)', await runClient(path.basename(HERE), ['signals-sqlite', path.join(dir, 'signals.sqlite')])]);
    if (unreachable === undefined) {
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      schemas.push(schema);
      signals.push(['postgres (LISTEN/NOTIFY)', await runClient(path.basename(HERE), ['signals-postgres', schema])]);
    }
    // The servers inherit this process's environment: the connection string reaches them there, as in production.
    process.env.GRAPH_MCP_BENCH_DATABASE_URL = DATABASE_URL;
    const setups: Array<[string, (round: number) => Promise<Figures>]> = [];
    for (const processes of [1, 3]) {
      const servers = `${processes} process${processes > 1 ? 'es' : ''}`;
      setups.push([`sqlite, ${servers}`, (round) => measure(dir, `sqlite${processes}-${round}`, { type: 'sqlite', path: path.join(dir, `state${processes}-${round}.sqlite`) }, processes)]);
      if (unreachable !== undefined) continue;
      setups.push([
        `postgres, ${servers}`,
        (round) => {
          const schema = `bench_${randomBytes(4).toString('hex')}`;
          schemas.push(schema);
          return measure(dir, `postgres${processes}-${round}`, { type: 'postgres', url_env: 'GRAPH_MCP_BENCH_DATABASE_URL', schema }, processes);
        },
      ]);
    }
    // Interleaved rounds, each on a fresh store, the order rotating; medians shown, ratios taken round by round.
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let i = 0; i < setups.length; i += 1) {
        const [label, run] = setups[(i + round) % setups.length]!;
        rounds.set(label, [...(rounds.get(label) ?? []), await run(round)]);
      }
    }
    for (const [label] of setups) {
      const list = rounds.get(label)!;
      rows.push([label, { p50: median(list.map((f) => f.p50)), p99: median(list.map((f) => f.p99)), perSecond: median(list.map((f) => f.perSecond)), created: median(list.map((f) => f.created)), getP50: median(list.map((f) => f.getP50)) }]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (schemas.length > 0) await dropSchemas(schemas);
  }
  const columns: Array<[string, (f: Figures) => string]> = [
    ['trip p50 ms', (f) => f.p50.toFixed(2)],
    ['trip p99 ms', (f) => f.p99.toFixed(2)],
    [`trips/s (${CONCURRENT} in flight)`, (f) => f.perSecond.toFixed(0)],
    ['tasks created/s', (f) => f.created.toFixed(0)],
    ['tasks/get p50 ms', (f) => f.getP50.toFixed(2)],
  ];
  console.log(`${'store, servers'.padEnd(22)}${columns.map(([title]) => title.padStart(title.length + 3)).join('')}`);
  for (const [label, f] of rows) console.log(`${label.padEnd(22)}${columns.map(([title, value]) => value(f).padStart(title.length + 3)).join('')}`);
  if (unreachable !== undefined) console.log(`\n  PostgreSQL rows skipped: ${unreachable}`);
  console.log(`\n${`signal, publish to delivery (${SIGNALS}, one at a time)`.padEnd(50)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}`);
  for (const [label, d] of signals) console.log(`${label.padEnd(50)}${d.p50.toFixed(2).padStart(9)}${d.p99.toFixed(2).padStart(9)}`);
  const byRound = (label: string) => rounds.get(label);
  const ratios: Array<[string, string, string, (f: Figures) => number]> = [];
  for (const processes of ['1 process', '3 processes']) {
    ratios.push([`postgres / sqlite, trip p50, ${processes}`, `postgres, ${processes}`, `sqlite, ${processes}`, (f) => f.p50]);
    ratios.push([`postgres / sqlite, tasks created/s, ${processes}`, `postgres, ${processes}`, `sqlite, ${processes}`, (f) => f.created]);
    ratios.push([`postgres / sqlite, tasks/get p50, ${processes}`, `postgres, ${processes}`, `sqlite, ${processes}`, (f) => f.getP50]);
  }
  for (const store of ['sqlite', 'postgres']) {
    ratios.push([`3 processes / 1, trip p50, ${store}`, `${store}, 3 processes`, `${store}, 1 process`, (f) => f.p50]);
    ratios.push([`3 processes / 1, tasks created/s, ${store}`, `${store}, 3 processes`, `${store}, 1 process`, (f) => f.created]);
  }
  console.log(`\n(medians of ${ROUNDS} interleaved rounds, each on a fresh store)\nratios: the median of the rounds' own ratios, then the lowest and highest round`);
  for (const [text, a, b, of] of ratios) {
    const [x, y] = [byRound(a), byRound(b)];
    if (x === undefined || y === undefined) continue;
    const each = x.map((f, i) => of(f) / of(y[i]!));
    console.log(`  ${text.padEnd(50)} ${median(each).toFixed(2)} ${Math.min(...each).toFixed(2)}-${Math.max(...each).toFixed(2)}`);
  }
}

if (process.argv[1] === HERE) {
  const [mode, where, ...rest] = process.argv.slice(2);
  if (mode === 'client') await client(where!.split(','), Number(rest[0] ?? ROUND_TRIPS), Number(rest[1] ?? TASKS));
  else if (mode === 'signals-sqlite') console.log(JSON.stringify(await signalDelays(() => SqliteStore.open({ path: where! }))));
  else if (mode === 'signals-postgres') console.log(JSON.stringify(await signalDelays(() => PostgresStore.open({ connectionString: DATABASE_URL, schema: where!, poolSize: 2 }))));
  else await storeSection();
}
