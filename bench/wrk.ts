// wrk, a load generator written in C, when it is on the PATH (Debian: `apt-get
// install wrk`; it is not an npm package). Where the servers measured keep
// every core busy (`workers`), the load generator's own CPU is taken from
// them: wrk spent about 0.04 ms of CPU per request here, autocannon (Node)
// 0.12-0.18 ms. In a process of its own, like autocannon.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DURATION_S, FIRST_WARMUP_S, WARMUP_S, type Figures, type Measure } from './load.js';
import { FAILED_ANSWER_MARKS } from './answer-check.js';
import { cpuMsUsed } from './processes.js';
import type { McpRequest } from './requests.js';

const exec = promisify(execFile);

let found: boolean | undefined;

/** Whether `wrk` can be run here. */
export function wrkAvailable(): boolean {
  found ??= spawnSync('wrk', ['-v']).error === undefined;
  return found;
}

/**
 * Like `loadAt`, with wrk (one thread): an unmeasured load first, then the
 * measured one; the server's CPU per call when `pid` is given. The request
 * goes in a Lua script, the only way wrk sends a body. Call `close` once done.
 */
export async function wrkLoadAt(url: string, request: McpRequest, connections: number, pid?: number, firstWarmupS = FIRST_WARMUP_S): Promise<{ measure: Measure; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-bench-wrk-'));
  const script = path.join(dir, 'request.lua');
  // A long bracket: nothing in it is an escape.
  const long = (text: string) => {
    let level = '=';
    while (text.includes(`]${level}]`)) level += '=';
    return `[${level}[${text}]${level}]`;
  };
  // Failures answered with HTTP 200 (see answer-check.ts) are counted, and said at the end.
  const failed = FAILED_ANSWER_MARKS.map((mark) => `string.find(body, ${long(mark)}, 1, true)`).join(' or ');
  await writeFile(
    script,
    [
      `wrk.method = "POST"`,
      `wrk.body = ${long(request.body)}`,
      ...Object.entries(request.headers).map(([name, value]) => `wrk.headers[ ${long(name)} ] = ${long(value)}`),
      // Each thread counts in a Lua state of its own; done() runs in another, and asks them.
      `failures = 0`,
      `threads = {}`,
      `function setup(thread) table.insert(threads, thread) end`,
      `function response(status, headers, body) if ${failed} then failures = failures + 1 end end`,
      `function done(summary, latency, requests) local n = 0 for _, t in ipairs(threads) do n = n + t:get("failures") end io.write("Failed answers: " .. n .. "\\n") end`,
    ].join('\n'),
  );
  const run = async (seconds: number) =>
    (await exec('wrk', ['--latency', '-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, url], { maxBuffer: 1024 * 1024 })).stdout;
  return {
    measure: async (first) => {
      await run(first ? firstWarmupS : WARMUP_S);
      const before = pid === undefined ? 0 : await cpuMsUsed(pid);
      const figures = parseWrk(await run(DURATION_S));
      if (pid !== undefined) figures.cpuMs = ((await cpuMsUsed(pid)) - before) / Math.max(1, figures.calls ?? 0);
      return figures;
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/** wrk's report: requests, their rate, latency percentiles (`--latency`), failures. */
export function parseWrk(text: string): Figures {
  const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  const ms = (percent: number) => {
    const match = new RegExp(`^\\s+${percent}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
    if (match === null) return Number.NaN;
    return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0) + (number(/Non-2xx or 3xx responses: (\d+)/) || 0) + (number(/Failed answers: (\d+)/) || 0);
  const figures: Figures = { rps: number(/Requests\/sec:\s+([\d.]+)/), calls: number(/(\d+) requests in /), p50: ms(50), p99: ms(99), errors };
  if (![figures.rps, figures.calls!, figures.p50, figures.p99].every(Number.isFinite)) throw new Error(`wrk: cannot read its report:\n${text}`);
  return figures;
}
