// Measuring: HTTP load with autocannon (bounded in time and connections), and in-process calls timed one by one.
import autocannon from 'autocannon';

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export const DURATION_S = Number(process.env.BENCH_SECONDS ?? 3);
export const CONNECTIONS = 10;

export const WARMUP_S = 1;

export async function httpLoad(url: string, headers: Record<string, string>, body: string): Promise<Figures> {
  // Unmeasured first second: JIT and connection set-up would otherwise count against whoever goes first.
  await autocannon({ url, method: 'POST', headers, body, duration: WARMUP_S, connections: CONNECTIONS });
  const result = await autocannon({ url, method: 'POST', headers, body, duration: DURATION_S, connections: CONNECTIONS, pipelining: 1 });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** Calls `fn` back to back for the duration; latencies in ms. */
export async function inProcessLoad(fn: () => Promise<unknown>): Promise<Figures> {
  const warm = performance.now() + WARMUP_S * 1000;
  while (performance.now() < warm) await fn().catch(() => undefined);
  const latencies: number[] = [];
  const end = performance.now() + DURATION_S * 1000;
  let errors = 0;
  while (performance.now() < end) {
    const started = performance.now();
    try {
      await fn();
    } catch {
      errors += 1;
    }
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: latencies.length / DURATION_S, p50: at(0.5), p99: at(0.99), errors };
}

export function row(label: string, f: Figures): string {
  return `${label.padEnd(46)} ${f.rps.toFixed(0).padStart(8)} ${f.p50.toFixed(2).padStart(8)} ${f.p99.toFixed(2).padStart(8)}${f.errors ? `  (${f.errors} errors)` : ''}`;
}

export const HEADER = `${'setup'.padEnd(46)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`;
