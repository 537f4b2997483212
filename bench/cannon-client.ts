// autocannon in a process of its own that warms up before it measures: an
// unmeasured load, then the measured one, in the same process, so neither the
// server nor the load generator is measured cold (a new autocannon process
// spends its first second compiling itself, on the cores the server needs).
// Given the server's pid, also the CPU the server spent per measured call.
// Prints Figures as JSON.
import autocannon from 'autocannon';
import { failedAnswer } from './answer-check.js';
import type { Figures } from './load.js';
import { cpuMsUsed } from './processes.js';
import type { McpRequest } from './requests.js';

const [url, requestJson, connections, warmupS, seconds, pid] = process.argv.slice(2);
const { headers, body } = JSON.parse(requestJson!) as McpRequest;
const load = (duration: number) =>
  autocannon({ url: url!, method: 'POST', headers, body, connections: Number(connections), duration, verifyBody: (answer) => !failedAnswer(String(answer ?? '')) });

await load(Number(warmupS));
const server = pid === undefined ? undefined : Number(pid);
const before = server === undefined ? 0 : await cpuMsUsed(server);
const r = await load(Number(seconds));
const figures: Figures = {
  rps: r.requests.total / r.duration,
  calls: r.requests.total,
  p50: r.latency.p50,
  p99: r.latency.p99,
  errors: r.errors + r.timeouts + r.non2xx + r.mismatches,
};
if (server !== undefined) figures.cpuMs = ((await cpuMsUsed(server)) - before) / Math.max(1, r.requests.total);
console.log(JSON.stringify(figures));
