import { AsyncLocalStorage } from 'node:async_hooks';

/** What the MCP layer learns about a request, for the one log line the HTTP layer writes. */
export interface RequestLog {
  method?: string;
  tool?: string;
  outcome?: string;
}

const storage = new AsyncLocalStorage<RequestLog>();

export function runWithRequestLog<T>(log: RequestLog, fn: () => T): T {
  return storage.run(log, fn);
}

export function currentRequestLog(): RequestLog | undefined {
  return storage.getStore();
}
