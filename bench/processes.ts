// Servers and load generators for the benchmarks, each in a process of its own.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
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

/** `graph-mcp serve` on `config` (written to `file`), port 0, logging off; resolves with its URL. */
export async function serveConfig(file: string, config: Record<string, unknown>): Promise<ServerProcess> {
  await writeFile(file, JSON.stringify({ ...config, log_level: 'silent' }));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'serve', '--config', file, '--port', '0'], {
    // The start-up line that names the URL is logged at info, whatever the config says.
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /"url":"(http:[^"]+)"/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server (${file}) exited with ${code}: ${output}`)));
  });
  child.stdout!.resume();
  return { url, child };
}

/** Runs a TypeScript client script in its own process and parses the JSON it prints. */
export async function runClient<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', path.join(BENCH_DIR, script), ...args], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as T;
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
