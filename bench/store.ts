// npm run bench -- store: a question's round trip (2026-07-28, raw HTTP: tools/call pauses,
// the retry with inputResponses finishes it) on SQLite and on PostgreSQL, with one server
// process and with three sharing the store (each request goes to the next process, so an
// answer always lands on another process than its question). Every server is its own
// `graph-mcp serve` process, and so is the load generator (this file run with `client`).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { percentile, ROOT, runClient, serveConfig } from './processes.js';

const HERE = fileURLToPath(import.meta.url);
const DATABASE_URL = process.env.GRAPH_MCP_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 200);
/** Round trips in flight at once in the second measurement. */
const CONCURRENT = 8;

// ---- the load generator (its own process) ----------------------------------------------

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'approval' };
const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench-store', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
};

async function call(url: string, params: Record<string, unknown>): Promise<Record<string, any>> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'approval', arguments: { customer: 'Ada', amount: 500 }, ...params, _meta: META } });
  const response = await fetch(url, { method: 'POST', headers: HEADERS, body });
  const text = await response.text();
  const line = text.startsWith('{') ? text : text.split('\n').find((l) => l.startsWith('data:'))!.slice(5);
  const message = JSON.parse(line) as { result?: Record<string, any> };
  if (!message.result) throw new Error(`no result: ${text.slice(0, 300)}`);
  return message.result;
}

/** Ask on one process, answer on the next; checks the answer and returns the round trip's ms. */
async function roundTrip(urls: string[], turn: number): Promise<number> {
  const started = performance.now();
  const asked = await call(urls[turn % urls.length]!, {});
  if (asked.resultType !== 'input_required') throw new Error(`expected a question: ${JSON.stringify(asked).slice(0, 300)}`);
  const key = Object.keys(asked.inputRequests)[0]!;
  const done = await call(urls[(turn + 1) % urls.length]!, { requestState: asked.requestState, inputResponses: { [key]: { action: 'accept', content: { approved: true } } } });
  if (done.structuredContent?.status !== 'refunded') throw new Error(`expected a refund: ${JSON.stringify(done).slice(0, 300)}`);
  return performance.now() - started;
}

async function client(urls: string[], count: number): Promise<void> {
  for (let i = 0; i < 10; i += 1) await roundTrip(urls, i); // warm-up
  const sequential: number[] = [];
  for (let i = 0; i < count; i += 1) sequential.push(await roundTrip(urls, i));
  sequential.sort((a, b) => a - b);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      while (next < count) await roundTrip(urls, next++);
    }),
  );
  const perSecond = count / ((performance.now() - started) / 1000);
  console.log(JSON.stringify({ p50: percentile(sequential, 0.5), p99: percentile(sequential, 0.99), perSecond }));
}

// ---- the servers and the report --------------------------------------------------------

type Figures = { p50: number; p99: number; perSecond: number };

async function measure(dir: string, label: string, store: Record<string, unknown>, processes: number): Promise<Figures> {
  const config = { graphs: { approval: `${path.join(ROOT, 'graphs/approval.ts')}:graph` }, store };
  const servers = await Promise.all(Array.from({ length: processes }, (_, i) => serveConfig(path.join(dir, `${label}-${i}.config.json`), config)));
  try {
    return await runClient<Figures>(path.basename(HERE), ['client', servers.map((s) => s.url).join(','), String(ROUND_TRIPS)]);
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
  console.log('\nStores: a question round trip (ask + answer, 2026-07-28 raw HTTP), SQLite vs PostgreSQL');
  console.log(`  (each server its own process; with 3, each request goes to the next one, so every answer lands on another process;`);
  console.log(`   ${ROUND_TRIPS} round trips one at a time for p50/p99, then ${ROUND_TRIPS} with ${CONCURRENT} in flight for round trips/s)\n`);
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-store-'));
  const unreachable = await postgresReachable();
  const schemas: string[] = [];
  const rows: Array<[string, Figures]> = [];
  try {
    for (const processes of [1, 3]) {
      rows.push([`sqlite, ${processes} process${processes > 1 ? 'es' : ''}`, await measure(dir, `sqlite${processes}`, { type: 'sqlite', path: path.join(dir, `state${processes}.sqlite`) }, processes)]);
      if (unreachable !== undefined) continue;
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      schemas.push(schema);
      // The servers inherit this process's environment: the connection string reaches them there, as in production.
      process.env.GRAPH_MCP_BENCH_DATABASE_URL = DATABASE_URL;
      const store = { type: 'postgres', url_env: 'GRAPH_MCP_BENCH_DATABASE_URL', schema };
      rows.push([`postgres, ${processes} process${processes > 1 ? 'es' : ''}`, await measure(dir, `postgres${processes}`, store, processes)]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    if (schemas.length > 0) await dropSchemas(schemas);
  }
  console.log(`${'store, servers'.padEnd(24)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${`trips/s (${CONCURRENT} in flight)`.padStart(24)}`);
  for (const [label, f] of rows) {
    console.log(`${label.padEnd(24)} ${f.p50.toFixed(2).padStart(8)} ${f.p99.toFixed(2).padStart(8)} ${f.perSecond.toFixed(0).padStart(24)}`);
  }
  if (unreachable !== undefined) console.log(`\n  PostgreSQL rows skipped: ${unreachable}`);
  const figure = (label: string) => rows.find(([l]) => l === label)?.[1];
  const pairs: Array<[string, string, string]> = [
    ['postgres / sqlite p50, 1 process', 'postgres, 1 process', 'sqlite, 1 process'],
    ['postgres / sqlite p50, 3 processes', 'postgres, 3 processes', 'sqlite, 3 processes'],
    ['3 processes / 1 process p50, sqlite', 'sqlite, 3 processes', 'sqlite, 1 process'],
    ['3 processes / 1 process p50, postgres', 'postgres, 3 processes', 'postgres, 1 process'],
  ];
  console.log('\nratios:');
  for (const [text, a, b] of pairs) {
    const [x, y] = [figure(a), figure(b)];
    if (x && y) console.log(`  ${text.padEnd(40)} ${(x.p50 / y.p50).toFixed(2)}`);
  }
}

if (process.argv[1] === HERE) {
  if (process.argv[2] === 'client') await client(process.argv[3]!.split(','), Number(process.argv[4] ?? ROUND_TRIPS));
  else await storeSection();
}
