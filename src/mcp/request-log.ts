import { scrubLogged } from '../run/scrub.js';

/** What the MCP layer learns about a request, for the one log line the HTTP layer writes. */
export interface RequestLog {
  method?: string;
  /** A 2025-era batch: how many messages it held. Its messages' tools and outcomes are not one request's, and are not logged as if they were. */
  batch?: number;
  tool?: string;
  outcome?: string;
  /** Why it did not go well, as the caller was told (already scrubbed): a refusal's reason, an error's message. */
  detail?: string;
}

/** The most characters of a `detail` logged. */
const DETAIL_LENGTH = 300;

/** Notes why `log`'s request went wrong, unless something closer to the cause said so first. */
export function noteDetail(log: RequestLog | undefined, detail: string): void {
  if (log === undefined || log.detail !== undefined) return;
  // What the caller was told was scrubbed of the credentials its run was handed; the log
  // also keeps out those of every other run (as it does from an error it logs).
  const scrubbed = scrubLogged(detail);
  log.detail = scrubbed.length <= DETAIL_LENGTH ? scrubbed : `${scrubbed.slice(0, DETAIL_LENGTH)}…`;
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
