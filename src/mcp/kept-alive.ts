import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { MAX_TIMER_MS } from '../config/schema.js';
import { isPlainObject } from '../plain-object.js';
import { acceptedBy } from './accept.js';
import { isModern } from './request-body.js';

type Fetch = McpHttpHandler['fetch'];

/** The event stream's headers, as the SDK sends them on its own streams. */
export const STREAM_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };

/**
 * Keeps a slow 2026-07-28 answer from looking idle to a proxy.
 *
 * The SDK answers a 2026-07-28 request with JSON unless something is sent
 * before the answer, so a call whose nodes work silently sends no byte
 * until it ends, and a proxy or load balancer with a shorter read timeout
 * (30-60 s is common) cuts it. 2025-era calls do not have the problem:
 * their event stream carries the SDK's keep-alive comments from the start.
 *
 * A 2026-07-28 request (not a notification) from a client that accepts an
 * event stream and that has no answer after `intervalMs` is answered with
 * one: a keep-alive comment at once and every `intervalMs` after, then the
 * answer as a `message` event (or the SDK's own stream, when it started one
 * late). The transport lets the server choose either form for any request.
 * An answer that comes sooner is passed on as it is: a timer is all a quick
 * call pays.
 */
export function keptAlive(fetch: Fetch, intervalMs: number): Fetch {
  if (intervalMs <= 0) return fetch;
  const interval = Math.min(intervalMs, MAX_TIMER_MS);
  return async (request, options) => {
    const pending = fetch(request, options);
    if (request.method !== 'POST' || !isModern(request) || !acceptedBy(request).stream) return pending;
    const body = options?.parsedBody;
    // A notification is answered 202 at once: nothing to keep alive.
    if (isPlainObject(body) && !('id' in body)) return pending;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), interval)));
    try {
      return (await Promise.race([pending, late])) ?? streamWhileWaiting(pending, interval, idOf(body));
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The request's id, for an error answered in its place. */
function idOf(body: unknown): string | number | null {
  const id = body !== null && typeof body === 'object' ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(': keepalive\n\n');

/** A JSON-RPC message (as JSON text) as one `message` event: each of its lines a `data:` line. */
export const messageEvent = (json: string) => encoder.encode(`event: message\n${json.split(/\r\n|\n|\r/).map((line) => `data: ${line}`).join('\n')}\n\n`);

/**
 * The event stream sent while the answer is awaited: keep-alives from a
 * timer, then the answer. The SDK's own stream, when it began one late, is
 * read a chunk at a time as the client takes them (`pull`), so a slow
 * client holds it back instead of this stream buffering all of it.
 */
function streamWhileWaiting(pending: Promise<Response>, intervalMs: number, id: string | number | null): Response {
  let ticker: NodeJS.Timeout | undefined;
  let source: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let gone = false;
  // A handler that fails late is answered as the HTTP adapter answers one that fails (its 500), in the stream begun.
  const answer = pending.then(
    (response) => response,
    () => undefined,
  );
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(KEEP_ALIVE);
      ticker = setInterval(() => {
        try {
          controller.enqueue(KEEP_ALIVE);
        } catch {
          clearInterval(ticker);
        }
      }, intervalMs);
    },
    async pull(controller) {
      try {
        if (source === undefined) {
          const response = await answer;
          clearInterval(ticker);
          if (gone) return;
          if (response === undefined) {
            controller.enqueue(messageEvent(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id })));
            controller.close();
            return;
          }
          if (!response.headers.get('content-type')?.startsWith('text/event-stream') || response.body === null) {
            const text = await response.text();
            if (gone) return;
            // An answer with no body (202) has no event; a JSON body's line breaks each start a `data:` line.
            if (text.trim() !== '') controller.enqueue(messageEvent(text));
            controller.close();
            return;
          }
          source = response.body.getReader();
        }
        const { done, value } = await source.read();
        if (gone) return;
        if (done) controller.close();
        else controller.enqueue(value);
      } catch {
        // The SDK's stream failed after it began: end what was sent, as the adapter does.
        if (!gone) controller.close();
      }
    },
    cancel(reason) {
      gone = true;
      clearInterval(ticker);
      if (source !== undefined) return source.cancel(reason);
      // The answer, when it comes, goes nowhere: its stream (if any) is let go.
      void answer.then((response) => response?.body?.cancel().catch(() => undefined));
      return undefined;
    },
  });
  return new Response(body, { status: 200, headers: STREAM_HEADERS });
}
