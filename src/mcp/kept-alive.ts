import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { isModern } from './request-body.js';

type Fetch = McpHttpHandler['fetch'];

/** The event stream's headers, as the SDK sends them on its own streams. */
const STREAM_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };

/**
 * Keeps a slow 2026-07-28 answer from looking idle to a proxy.
 *
 * The SDK answers a 2026-07-28 request with JSON unless something is sent
 * before the answer, so a call whose nodes work silently sends no byte
 * until it ends, and a proxy or load balancer with a shorter read timeout
 * (30-60 s is common) cuts it. 2025-era calls do not have the problem:
 * their event stream carries the SDK's keep-alive comments from the start.
 *
 * A 2026-07-28 POST from a client that accepts an event stream and that has
 * no answer after `intervalMs` is answered with one: a keep-alive comment at
 * once and every `intervalMs` after, then the answer as a `message` event (or
 * the SDK's own stream, when it started one late). The transport lets the
 * server choose either form for any request. An answer that comes sooner
 * is passed on as it is: a timer is all a quick call pays.
 */
export function keptAlive(fetch: Fetch, intervalMs: number): Fetch {
  if (intervalMs <= 0) return fetch;
  return async (request, options) => {
    const pending = fetch(request, options);
    if (request.method !== 'POST' || !isModern(request) || !request.headers.get('accept')?.includes('text/event-stream')) return pending;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), intervalMs)));
    try {
      return (await Promise.race([pending, late])) ?? streamWhileWaiting(pending, intervalMs, idOf(options?.parsedBody));
    } finally {
      clearTimeout(timer);
    }
  };
}

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(': keepalive\n\n');

/** The request's id, for an error answered in its place. */
function idOf(body: unknown): string | number | null {
  const id = body !== null && typeof body === 'object' ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

const messageEvent = (json: string) => encoder.encode(`event: message\n${json.split(/\r\n|\n|\r/).map((line) => `data: ${line}`).join('\n')}\n\n`);

function streamWhileWaiting(pending: Promise<Response>, intervalMs: number, id: string | number | null): Response {
  let ticker: NodeJS.Timeout | undefined;
  let source: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let gone = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(KEEP_ALIVE);
      ticker = setInterval(() => controller.enqueue(KEEP_ALIVE), intervalMs);
      void pending
        .then(async (response) => {
          clearInterval(ticker);
          if (gone) return void (await response.body?.cancel().catch(() => undefined));
          if (response.headers.get('content-type')?.startsWith('text/event-stream') && response.body !== null) {
            source = response.body.getReader();
            for (;;) {
              const { done, value } = await source.read();
              if (done || gone) break;
              controller.enqueue(value);
            }
          } else {
            const text = await response.text();
            // An answer with no body (202) has no event; a JSON body's line breaks each start a `data:` line.
            if (text.trim() !== '') controller.enqueue(messageEvent(text));
          }
          if (!gone) controller.close();
        })
        .catch(() => {
          // As the HTTP adapter answers a handler that fails (its 500), in the stream already begun.
          clearInterval(ticker);
          if (gone) return;
          controller.enqueue(messageEvent(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id })));
          controller.close();
        });
    },
    cancel(reason) {
      gone = true;
      clearInterval(ticker);
      return source?.cancel(reason);
    },
  });
  return new Response(body, { status: 200, headers: STREAM_HEADERS });
}
