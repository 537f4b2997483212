// One caller, one request at a time, on one kept-alive connection, for
// BENCH_SECONDS: the latency a single call sees, to the microsecond (autocannon
// records whole milliseconds). Run in its own process; prints Figures as JSON,
// with the server's CPU per call when given its pid.
import http from 'node:http';
import { failedAnswer } from './answer-check.js';
import { inProcessLoad, warmUp, type Figures } from './load.js';
import { cpuMsUsed } from './processes.js';

const [url, requestJson, pid] = [process.argv[2]!, process.argv[3]!, process.argv[4]];
const { headers, body } = JSON.parse(requestJson) as { headers: Record<string, string>; body: string };
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      let answer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (answer += chunk));
      res.on('end', () => (res.statusCode === 200 && !failedAnswer(answer) ? resolve() : reject(new Error(`status ${res.statusCode}: ${answer.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Given the server's pid, the CPU it spent per call in the measured part only (not the warm-up's).
await warmUp(call);
const server = pid === undefined ? undefined : Number(pid);
const before = server === undefined ? 0 : await cpuMsUsed(server);
const { cpuMs: _client, ...figures } = await inProcessLoad(call)(false);
const result: Figures = server === undefined ? figures : { ...figures, cpuMs: ((await cpuMsUsed(server)) - before) / Math.max(1, figures.calls ?? 0) };
console.log(JSON.stringify(result));
agent.destroy();
