// Servers and load generators for the benchmarks, each in a process of its own.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
}

/** How `graph-mcp serve` is started: from source through tsx (`npm run cli`), or the built `dist/cli.js` (the bin, which `npm start` builds and runs). */
export type Entry = 'tsx' | 'dist';

/** Whether `npm run build` has made the bin (`npm start` and `npm run bench` build it first). */
export function binBuilt(): boolean {
  return existsSync(ENTRIES.dist[0]!);
}

/** `npm start`'s entry, the built bin, when it is built; else from source. */
export function servingEntry(): Entry {
  return binBuilt() ? 'dist' : 'tsx';
}

export const ENTRIES: Record<Entry, string[]> = {
  tsx: ['--import', 'tsx', path.join(ROOT, 'src/cli.ts')],
  dist: [path.join(ROOT, 'dist/cli.js')],
};

/**
 * `graph-mcp serve` on `config` (written to `file`), port 0, at the log level
 * `npm start` runs it at (info): one log line per request, which is drained
 * unread (the v1 and bare servers it is set beside log nothing, so graph-mcp's
 * figures include that cost); resolves with its URL. `args` are more `serve`
 * options (`--workers 2`). The entry is `npm start`'s unless one is asked for.
 */
export async function serveConfig(file: string, config: Record<string, unknown>, options: { entry?: Entry; args?: string[] } = {}): Promise<ServerProcess> {
  await writeFile(file, JSON.stringify(config));
  const child = spawn(process.execPath, [...ENTRIES[options.entry ?? servingEntry()], 'serve', '--config', file, '--port', '0', ...(options.args ?? [])], {
    // The start-up line that names the URL is logged at info (whatever LOG_LEVEL the bench was run with).
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { url: await urlPrinted(child, file), child };
}

/** A bench script that starts a server and prints a line holding `"url":"…"`. */
export async function startScript(script: string, args: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return { url: await urlPrinted(child, script), child };
}

/**
 * Reads the server's output until it names its URL, then stops looking: the
 * rest (a log line per request) is drained unread. Keeping the listener, the
 * growing output searched on every chunk, cost this process most of a core
 * under load, on the cores the server under test runs on.
 */
function urlPrinted(child: ChildProcess, label: string): Promise<string> {
  let output = '';
  return new Promise<string>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`server (${label}) exited with ${code}: ${output}`));
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /"url":"(http:[^"]+)"/.exec(output);
      if (match) {
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        output = '';
        child.stdout!.resume();
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Stops a server process and waits for it to be gone. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Resident set size of a process, in MB (Linux: /proc). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * CPU time a process and its child processes (`--workers`) have used so far,
 * every thread, in ms (Linux: /proc; the kernel counts it in USER_HZ ticks,
 * 100 a second, so read it over a load of a few seconds, not per call).
 */
export async function cpuMsUsed(pid: number): Promise<number> {
  let total = 0;
  for (const each of [pid, ...(await childrenOf(pid))]) total += await ownCpuMs(each);
  return total;
}

async function ownCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return 0; // gone since it was listed
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The process's children, started by any of its threads. */
export async function childrenOf(pid: number): Promise<number[]> {
  const threads = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(threads.map((tid) => readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')));
  return lists.flatMap((list) => list.split(' ').filter(Boolean).map(Number));
}

/** Runs a TypeScript client script in its own process and parses the JSON it prints. */
export async function runClient<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, script), ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
