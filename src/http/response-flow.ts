import type { Writable } from 'node:stream';

/**
 * Whether a request's event stream is keeping up with its client.
 *
 * A run does not wait for its caller to read: what it sends while the
 * client is not reading (a reader that stopped, a slow link) waits in
 * memory until it is read. The Node adapter files, under the web `Request`
 * it made, how much of the answer is written and not yet taken by the
 * socket, for whatever sends on the stream to hold back (see
 * `src/mcp/stream-pacer.ts`). Only streamed answers get one; a request
 * with none is taken as keeping up.
 */
export interface ResponseFlow {
  /** True while more than the budget waits in memory for the client to read it. */
  readonly backedUp: boolean;
  /** Resolves once the client has read what waited, or the answer has ended. */
  drained(): Promise<void>;
}

/**
 * What may wait, unread, on one answer before what sends on it holds back.
 * The socket's own buffers (a few MB) come first: a client that reads as
 * it should never gets near it, even in a burst.
 */
export const UNREAD_BUDGET_BYTES = 4 * 1024 * 1024;

/** A Node response's flow: what its writable buffer holds, beyond what the socket took. */
export class WritableFlow implements ResponseFlow {
  constructor(private readonly writable: Writable) {}

  get backedUp(): boolean {
    return this.writable.writableLength > UNREAD_BUDGET_BYTES;
  }

  drained(): Promise<void> {
    if (!this.backedUp || this.writable.destroyed) return Promise.resolve();
    // Past the budget, a write returned false: `drain` follows once the buffer is empty.
    return new Promise((resolve) => {
      const done = () => {
        this.writable.off('drain', done);
        this.writable.off('close', done);
        resolve();
      };
      this.writable.once('drain', done);
      this.writable.once('close', done);
    });
  }
}

const flows = new WeakMap<object, ResponseFlow>();

export function attachResponseFlow(request: object, flow: ResponseFlow): void {
  flows.set(request, flow);
}

export function responseFlowOf(request: object | undefined): ResponseFlow | undefined {
  return request === undefined ? undefined : flows.get(request);
}
