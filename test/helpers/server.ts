import { Writable } from 'node:stream';
import { MemoryStore } from '../../src/store/memory-store.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadGraphMcp, serve, type AgentConfigInput, type LoadGraphMcpOptions, type RunningServer, type ServeOptions, type GraphMcp } from '../../src/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures');

/** Collects JSON log lines in memory. */
export function captureLogs() {
  const lines: string[] = [];
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      const added = String(chunk).split('\n').filter(Boolean);
      lines.push(...added);
      for (const waiter of waiters.filter((w) => added.some((line) => line.includes(w.text)))) waiter.resolve();
      callback();
    },
  });
  return {
    lines,
    logger: createLogger({ level: 'debug', destination }),
    text: () => lines.join('\n'),
    /** Resolves once a line containing `text` has been logged (already, or later); rejects after `ms`. */
    logged(text: string, ms = 30_000): Promise<void> {
      if (lines.some((line) => line.includes(text))) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`nothing logged "${text}" within ${ms} ms; the log:\n${lines.join('\n')}`)), ms).unref();
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

export interface TestServer extends RunningServer {
  graphMcp: GraphMcp;
  logs: ReturnType<typeof captureLogs>;
}

/** A real server on 127.0.0.1, port 0. `config` is a path or a value (relative paths from `baseDir`). */
export async function startServer(
  config: string | AgentConfigInput,
  options: ServeOptions & {
    baseDir?: string;
    load?: Pick<LoadGraphMcpOptions, 'authenticate' | 'secretStore' | 'store'>;
    /** Use the store the config names (default SQLite) instead of a private in-memory one. */
    configStore?: boolean;
  } = {},
): Promise<TestServer> {
  const logs = captureLogs();
  const store = options.configStore ? undefined : options.load?.store === undefined ? new MemoryStore() : options.load.store;
  const graphMcp = await loadGraphMcp({
    ...options.load,
    ...(store === undefined ? {} : { store }),
    config,
    baseDir: options.baseDir ?? FIXTURES,
    logger: logs.logger,
  });
  const running = await serve(graphMcp, { ...options, port: 0, host: '127.0.0.1' });
  return Object.assign(running, { graphMcp, logs });
}

export const EXAMPLES_CONFIG = path.join(ROOT, 'agent.config.json');

/** graph-mcp's own tools, listed beside the graphs whenever a store is configured. */
export const OWN_TOOLS = ['cancel_run', 'get_run', 'resume_run'];

/** Tool names without graph-mcp's own tools, sorted. */
export function graphToolNames(tools: ReadonlyArray<{ name: string }>): string[] {
  return tools.map((t) => t.name).filter((name) => !OWN_TOOLS.includes(name)).sort();
}
