// The load generator of `npm run bench -- soak`, in its own process. Args: url, seconds,
// concurrency, steps file. Keeps `concurrency` callers on the trivial graph (the two eras
// alternating) and, every 5 s, starts a burst of 20 calls to the slow graph that it
// abandons after 300 ms. Prints JSON: requests, errors (with a sample), p50/p99 (ms),
// disconnects, and how many abandoned runs still ran a step 1 s or more after their
// client left (ranOn), and after the load stopped (stillAlive).
import { readFileSync } from 'node:fs';
import { percentile } from './processes.js';

const [url, secondsText, concurrencyText, stepsFile] = process.argv.slice(2) as [string, string, string, string];
const SECONDS = Number(secondsText);
const CONCURRENCY = Number(concurrencyText);

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'soak', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
function request(era: 'modern' | 'legacy', id: number, name: string, args: Record<string, unknown>, signal?: AbortSignal) {
  const modern = era === 'modern';
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': modern ? '2026-07-28' : '2025-11-25',
      ...(modern ? { 'mcp-method': 'tools/call', 'mcp-name': name } : {}),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(modern ? { _meta: META } : {}) } }),
    ...(signal ? { signal } : {}),
  });
}

const latencies: number[] = [];
const errors: string[] = [];
let requests = 0;
const deadline = Date.now() + SECONDS * 1000;

async function caller(index: number) {
  for (let i = 0; Date.now() < deadline; i += 1) {
    const era = (index + i) % 2 === 0 ? 'modern' : 'legacy';
    const started = performance.now();
    try {
      const response = await request(era, i, 'trivial', { text: `c${index}-${i}` });
      const text = await response.text();
      if (response.status !== 200 || !text.includes('"echoed"') || text.includes('"isError":true')) errors.push(`${era} ${response.status} ${text.slice(0, 120)}`);
    } catch (error) {
      errors.push(`${era} ${(error as Error).message}`);
    }
    latencies.push(performance.now() - started);
    requests += 1;
  }
}

const abandoned = new Map<string, number>(); // label -> when its client left
async function burst(round: number) {
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const label = `r${round}-${i}`;
      const controller = new AbortController();
      const call = request(i % 2 === 0 ? 'modern' : 'legacy', i, 'slow_steps', { label }, controller.signal).then((r) => r.text());
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      abandoned.set(label, Date.now());
      await call.catch(() => undefined);
    }),
  );
}

const bursts: Promise<void>[] = [];
let round = 0;
const burstTimer = setInterval(() => {
  if (Date.now() < deadline - 3000) bursts.push(burst((round += 1)));
}, 5000);
await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => caller(i)));
clearInterval(burstTimer);
await Promise.all(bursts);

const steps = () =>
  readFileSync(stepsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ') as [string, string]);
await new Promise((resolve) => setTimeout(resolve, 3000));
const ranOn = new Set(steps().filter(([label, at]) => Number(at) >= (abandoned.get(label) ?? Infinity) + 1000).map(([label]) => label));
const stoppedAt = Date.now();
await new Promise((resolve) => setTimeout(resolve, 1000));
const stillAlive = new Set(steps().filter(([label, at]) => abandoned.has(label) && Number(at) >= stoppedAt).map(([label]) => label));

const sorted = [...latencies].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    requests,
    errors: errors.length,
    errorSample: errors.slice(0, 5),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    disconnects: abandoned.size,
    ranOn: ranOn.size,
    stillAlive: stillAlive.size,
  }),
);
