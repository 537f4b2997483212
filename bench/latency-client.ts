// One caller, one request at a time, on one kept-alive connection, for the
// given seconds: the latency a single call sees, to the microsecond (autocannon
// records whole milliseconds). Run in its own process; prints Figures as JSON.
import http from 'node:http';

const [url, seconds, requestJson] = [process.argv[2]!, Number(process.argv[3] ?? 3), process.argv[4]!];
const { headers, body } = JSON.parse(requestJson) as { headers: Record<string, string>; body: string };
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

for (let i = 0; i < 200; i += 1) await call(); // warm-up
const latencies: number[] = [];
let errors = 0;
const started = performance.now();
const end = started + seconds * 1000;
while (performance.now() < end) {
  const callStarted = performance.now();
  if ((await call()) !== 200) errors += 1;
  latencies.push(performance.now() - callStarted);
}
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
console.log(JSON.stringify({ rps: latencies.length / ((performance.now() - started) / 1000), p50: at(0.5), p99: at(0.99), errors }));
agent.destroy();
