/**
 * Whether a request's event stream is keeping up with its client.
 *
 * A run does not wait for its caller to read: what it sends while the
 * client is not reading (a reader that stopped, a slow link) waits in
 * memory, in the answer's stream, until it is read. The Node adapter knows
 * when the socket's buffer is full, and files that here under the web
 * `Request` it made, for whatever sends on the stream to hold back (see
 * `src/mcp/stream-pacer.ts`). Only streamed answers get one; a request
 * with none is taken as keeping up.
 */
export interface ResponseFlow {
  /** True while the client has not read what was written: the socket's buffer is full. */
  readonly backedUp: boolean;
  /** Resolves once the client has read what was written, or the answer has ended. */
  drained(): Promise<void>;
}

/** The Node adapter's side: it says when writes back up and when they drain. */
export class WritableFlow implements ResponseFlow {
  backedUp = false;
  private waiting: Array<() => void> = [];

  drained(): Promise<void> {
    return this.backedUp ? new Promise((resolve) => this.waiting.push(resolve)) : Promise.resolve();
  }

  set(backedUp: boolean): void {
    this.backedUp = backedUp;
    if (backedUp || this.waiting.length === 0) return;
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

const flows = new WeakMap<object, ResponseFlow>();

export function attachResponseFlow(request: object, flow: ResponseFlow): void {
  flows.set(request, flow);
}

export function responseFlowOf(request: object | undefined): ResponseFlow | undefined {
  return request === undefined ? undefined : flows.get(request);
}
