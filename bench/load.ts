// Measuring: HTTP load with autocannon, bounded in time and connections, and
// in-process calls timed one by one. Figures are only compared within one run.
import autocannon from 'autocannon';
import type { McpRequest } from './requests.js';

export interface Figures {
  rps: number;
  /** Latency percentiles, in milliseconds. */
  p50: number;
  p99: number;
  errors: number;
  /** Across rounds: (max - min) / median of req/s, in percent; how far to trust a ratio. */
  spread?: number;
}

export const DURATION_S = Number(process.env.BENCH_SECONDS ?? 3);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const CONNECTIONS = 10;
const WARMUP_S = 1;

/** One measurement; `warm` asks for an unmeasured warm-up first. */
export type Measure = (warm: boolean) => Promise<Figures>;

/** Load on `url` with one fixed request. */
export function httpLoad(url: string, request: McpRequest): Measure {
  // The load generator runs in a worker thread (`workers: 1`) so it does not
  // share the event loop with the server it measures; on the main thread its
  // own work would slow every server, the fastest ones most.
  const options = { url, method: 'POST' as const, headers: request.headers, body: request.body, connections: CONNECTIONS, workers: 1 };
  return async (warm) => {
    // JIT and lazy set-up would otherwise count against whoever goes first.
    if (warm) await autocannon({ ...options, duration: WARMUP_S });
    const result = await autocannon({ ...options, duration: DURATION_S });
    return {
      rps: result.requests.total / result.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
    };
  };
}

/** Calls `fn` back to back, one call at a time, for the duration; per-call latency percentiles. */
export function inProcessLoad(fn: () => Promise<unknown>): Measure {
  return async (warm) => {
    const warmUntil = performance.now() + (warm ? WARMUP_S * 1000 : 0);
    while (performance.now() < warmUntil) await fn();
    const latencies: number[] = [];
    let errors = 0;
    const started = performance.now();
    const end = started + DURATION_S * 1000;
    while (performance.now() < end) {
      const callStarted = performance.now();
      try {
        await fn();
      } catch {
        errors += 1;
      }
      latencies.push(performance.now() - callStarted);
    }
    const elapsedS = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return { rps: latencies.length / elapsedS, p50: at(0.5), p99: at(0.99), errors };
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Runs every measurement once per round, in turn, and keeps the median of
 * each figure. Interleaving spreads a passing slowdown of a shared machine
 * over all setups instead of one; the starting setup rotates each round so
 * none is always measured right after the same neighbour.
 */
export async function interleaved<K extends string>(measures: Record<K, Measure>): Promise<Record<K, Figures>> {
  const keys = Object.keys(measures) as K[];
  const samples = new Map<K, Figures[]>(keys.map((key) => [key, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let i = 0; i < keys.length; i += 1) {
      const key = keys[(i + round) % keys.length]!;
      samples.get(key)!.push(await measures[key](round === 0));
    }
  }
  const result = {} as Record<K, Figures>;
  for (const [key, list] of samples) {
    const rps = list.map((f) => f.rps);
    result[key] = {
      rps: median(rps),
      spread: ((Math.max(...rps) - Math.min(...rps)) / median(rps)) * 100,
      p50: median(list.map((f) => f.p50)),
      p99: median(list.map((f) => f.p99)),
      errors: list.reduce((sum, f) => sum + f.errors, 0),
    };
  }
  return result;
}
