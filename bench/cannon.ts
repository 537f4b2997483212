// autocannon's CLI in a process of its own: the load generator never shares a
// process (or an event loop) with the server it measures.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { failedAnswer } from './answer-check.js';
import type { Figures } from './load.js';
import { ROOT } from './processes.js';
import type { McpRequest } from './requests.js';

const exec = promisify(execFile);

export interface CannonOptions {
  connections: number;
  /** Seconds of load; or `amount` requests in all. */
  seconds?: number;
  amount?: number;
}

/**
 * One bounded load on `url` with one fixed request; latency percentiles in ms.
 * Every answer must be the one a first call got, which must be no failure (the
 * CLI checks a body only against one text): errors answered with HTTP 200 count.
 */
export async function cannon(url: string, request: McpRequest, options: CannonOptions): Promise<Figures> {
  const first = await (await fetch(url, { method: 'POST', headers: request.headers, body: request.body })).text();
  if (failedAnswer(first)) throw new Error(`the request fails: ${first.slice(0, 300)}`);
  const args = ['-c', String(options.connections), '-m', 'POST', '-b', request.body, '-E', first, '-j'];
  if (options.amount !== undefined) args.push('-a', String(options.amount));
  else args.push('-d', String(options.seconds ?? 3));
  for (const [name, value] of Object.entries(request.headers)) args.push('-H', `${name}=${value}`);
  const { stdout } = await exec(path.join(ROOT, 'node_modules/.bin/autocannon'), [...args, url], { maxBuffer: 16 * 1024 * 1024 });
  const r = JSON.parse(stdout) as { requests: { total: number }; duration: number; latency: { p50: number; p99: number }; errors: number; timeouts: number; non2xx: number; mismatches: number };
  return { rps: r.requests.total / r.duration, calls: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx + r.mismatches };
}
