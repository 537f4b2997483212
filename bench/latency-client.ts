// One caller, one request at a time, on one kept-alive connection, for
// BENCH_SECONDS: the latency a single call sees, to the microsecond (autocannon
// records whole milliseconds). Run in its own process; prints Figures as JSON.
import http from 'node:http';
import { inProcessLoad } from './load.js';

const [url, requestJson] = [process.argv[2]!, process.argv[3]!];
const { headers, body } = JSON.parse(requestJson) as { headers: Record<string, string>; body: string };
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

console.log(JSON.stringify(await inProcessLoad(call)(true)));
agent.destroy();
