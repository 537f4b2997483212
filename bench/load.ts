// Measuring: HTTP load with autocannon, bounded in time and connections, and
// in-process calls timed one by one. Figures are only compared within one run.

export interface Figures {
  rps: number;
  /** Latency percentiles, in milliseconds. */
  p50: number;
  p99: number;
  errors: number;
  /** Calls made in the measurement (one round). */
  calls?: number;
  /** Across rounds: (max - min) / median of req/s, in percent; how far to trust a ratio. */
  spread?: number;
  /**
   * CPU time of the serving process per call, in ms (every thread: the main
   * one and V8's helpers). Steadier between rounds than req/s, which also
   * moves with whatever else shares the cores.
   */
  cpuMs?: number;
  /**
   * Each round's own requests/s, p50 and CPU per call, in round order, and which
   * `interleaved` call measured them: a ratio of two setups of one call is
   * taken round by round, between figures measured a minute or two apart,
   * not between medians that may come from rounds far apart on a machine
   * whose speed drifts.
   */
  rounds?: { run: number; each: Array<RoundFigures> };
}

export type RoundFigures = { rps: number; p50: number; cpuMs?: number | undefined };

let interleavedRuns = 0;

/**
 * Per in-process layer (bench/layers-client.ts `cpu`): the median of its batches' CPU per call,
 * in ms, and the spread of the middle half of them ((q3 - q1) / median, in percent).
 */
export type CpuFigures = Record<'invoke' | 'call-modern' | 'call-legacy' | 'list-modern', { cpuMs: number; spread: number; batches: number }>;

export const DURATION_S = Number(process.env.BENCH_SECONDS ?? 3);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/**
 * Unmeasured load right before each measurement: a server's (bench/cannon-client.ts),
 * and graph.invoke's in its own process, which is new every round.
 */
export const WARMUP_S = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
/** A server's first round's, as it starts cold. */
export const FIRST_WARMUP_S = Math.max(WARMUP_S, 5);

/**
 * One measurement; `first` is the setup's first round, which warms up longer
 * (a server starts cold) where the measurement warms up at all.
 */
export type Measure = (first: boolean) => Promise<Figures>;

/** Calls `fn` back to back, unmeasured, for `seconds`. */
export async function warmUp(fn: () => Promise<unknown>, seconds = WARMUP_S): Promise<void> {
  const warmUntil = performance.now() + seconds * 1000;
  while (performance.now() < warmUntil) await fn();
}

/**
 * Calls `fn` back to back for the duration, `inFlight` calls at a time (one by
 * default), after `WARMUP_S` of unmeasured calls when `warm`; per-call
 * latency percentiles.
 */
export function inProcessLoad(fn: () => Promise<unknown>, inFlight = 1): (warm: boolean) => Promise<Figures> {
  return async (warm) => {
    if (warm) await warmUp(fn);
    const latencies: number[] = [];
    let errors = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const end = started + DURATION_S * 1000;
    const caller = async () => {
      while (performance.now() < end) {
        const callStarted = performance.now();
        try {
          await fn();
        } catch {
          errors += 1;
        }
        latencies.push(performance.now() - callStarted);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, caller));
    const elapsedS = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return { rps: latencies.length / elapsedS, calls: latencies.length, p50: at(0.5), p99: at(0.99), errors, cpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length) };
  };
}

/** The middle value; with an even count, the mean of the two middle ones. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Runs every measurement once per round, in turn, and keeps the median of
 * each figure. Interleaving spreads a passing slowdown of a shared machine
 * over all setups instead of one; the starting setup rotates each round so
 * none is always measured right after the same neighbour.
 */
export async function interleaved<K extends string>(measures: Record<K, Measure>): Promise<Record<K, Figures>> {
  const run = (interleavedRuns += 1);
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
      ...(list.every((f) => f.cpuMs !== undefined) ? { cpuMs: median(list.map((f) => f.cpuMs!)) } : {}),
      rounds: { run, each: list.map((f) => ({ rps: f.rps, p50: f.p50, cpuMs: f.cpuMs })) },
    };
  }
  return result;
}
