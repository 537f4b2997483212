/** What the MCP layer learns about a request, for the one log line the HTTP layer writes. */
export interface RequestLog {
  method?: string;
  tool?: string;
  outcome?: string;
}

/**
 * The record of each request in flight, by request object. Not an
 * `AsyncLocalStorage`: on Node 20 every storage in use adds work to every
 * promise the process makes, the graph's own included (measured: about 10%
 * more CPU and 22 KB more garbage per trivial graph.invoke with one more
 * storage active).
 */
const records = new WeakMap<object, RequestLog>();

/** Files `log` under `request` (the Node request, then the web `Request` made from it). */
export function attachRequestLog(request: object, log: RequestLog): void {
  records.set(request, log);
}

export function requestLogOf(request: object | undefined): RequestLog | undefined {
  return request === undefined ? undefined : records.get(request);
}
