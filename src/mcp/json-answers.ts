import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { acceptedBy } from './accept.js';
import { isModern } from './request-body.js';

type Fetch = McpHttpHandler['fetch'];

/**
 * Answers a 2025-era request whose event stream would hold nothing but its
 * answer with that answer as one JSON object instead.
 *
 * The SDK serves every 2025-era POST request with an event stream, even
 * `tools/list`: headers flushed first, then the one `message` event,
 * chunked. The 2025-11-25 transport lets the server pick either form for any
 * request ("the client MUST support both"), and the 2026-07-28 leg already
 * picks JSON unless something is sent before the answer. This does the same
 * for 2025-era calls, deciding on the stream's first event:
 * - the answer, and the stream ends there: the answer alone, as
 *   `application/json` with its length, written at once;
 * - anything else first (a progress or log notification, a question to the
 *   client, a keep-alive comment, several answers of a batch), or a first
 *   event over 64 KiB: the stream as it came, that event included, from that
 *   moment on.
 * So nothing a call sends before its answer is held back, and a call that
 * runs long without sending anything starts its stream at the SDK's first
 * keep-alive, as before. The answer to a batch (of one request, and
 * notifications) is an array, as JSON-RPC 2.0 answers every batch: the
 * batch is known from `parsedBody`, so this goes after the body is read.
 * A client whose `Accept` takes an event stream only keeps its stream.
 */
export function answeringAloneAsJson(fetch: Fetch): Fetch {
  return async (request, options) => {
    const response = await fetch(request, options);
    if (request.method !== 'POST' || isModern(request) || response.body === null || !acceptedBy(request).json) return response;
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
    return collapsed(response, response.body, Array.isArray(options?.parsedBody));
  };
}

/**
 * A larger first event passes as the stream it is: its framing is no saving
 * there, and checking it (decoding and parsing megabytes of an image, say)
 * would cost more than the stream does.
 */
const MOST_BYTES_COLLAPSED = 64 * 1024;

/** Headers of the event stream that do not describe a JSON answer. */
const STREAM_ONLY = new Set(['content-type', 'cache-control', 'x-accel-buffering', 'connection', 'content-length', 'transfer-encoding']);

async function collapsed(response: Response, body: ReadableStream<Uint8Array>, batch: boolean): Promise<Response> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const read: Uint8Array[] = [];
  const pieces: string[] = [];
  let answer: string | undefined;
  try {
    // Up to the end of the first event (a blank line), each piece searched once: a large
    // answer comes in many chunks, and searching all that was read at every chunk was quadratic.
    let end: { piece: number; at: number } | undefined;
    let tail = '';
    let bytes = 0;
    while (end === undefined) {
      const chunk = await reader.read();
      if (chunk.done) return streamOf(response, read, reader, true);
      read.push(chunk.value);
      bytes += chunk.value.byteLength;
      if (bytes > MOST_BYTES_COLLAPSED) return streamOf(response, read, reader, false);
      const piece = decoder.decode(chunk.value, { stream: true });
      pieces.push(piece);
      // A blank line may begin in the piece before: search it with the end of that one.
      const at = blankLineEnd(tail + piece);
      if (at >= 0) end = { piece: pieces.length - 1, at: at - tail.length };
      tail = piece.length >= 3 ? piece.slice(-3) : (tail + piece).slice(-3);
    }
    const alone = end.piece === pieces.length - 1 && end.at === pieces[end.piece]!.length;
    answer = alone ? answerIn(pieces.join('')) : undefined;
    if (answer === undefined) return streamOf(response, read, reader, false);
    const next = await reader.read();
    if (!next.done) {
      read.push(next.value);
      return streamOf(response, read, reader, false);
    }
  } catch (error) {
    // The stream failed (the client went away and the SDK tore the exchange down): as it would have.
    return streamOf(response, read, reader, true, error);
  }
  const headers = new Headers({ 'content-type': 'application/json' });
  for (const [name, value] of response.headers) if (!STREAM_ONLY.has(name)) headers.set(name, value);
  return new Response(batch ? `[${answer}]` : answer, { status: response.status, headers });
}

/** Where the first blank line in `text` ends (an event's end), or -1 when there is none. */
function blankLineEnd(text: string): number {
  const match = /\r\n\r\n|\n\n|\r\r/.exec(text);
  return match === null ? -1 : match.index + match[0].length;
}

/**
 * The JSON text of a `message` event that carries a JSON-RPC response (a
 * result or an error), or `undefined` for anything else: a notification, a
 * request to the client, a comment, an event with an id (resumable streams
 * are left as they are).
 */
function answerIn(event: string): string | undefined {
  let data: string | undefined;
  for (const line of event.split(/\r\n|\n|\r/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
    if (field === 'event' && value !== 'message') return undefined;
    else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (field !== 'event') return undefined;
  }
  if (data === undefined) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return undefined;
  const { jsonrpc, id, result, error } = message as Record<string, unknown>;
  if (jsonrpc !== '2.0' || id === undefined || (result === undefined) === (error === undefined)) return undefined;
  return data;
}

/** The event stream as the SDK sent it: what was read of it, then the rest. */
function streamOf(response: Response, read: Uint8Array[], reader: ReadableStreamDefaultReader<Uint8Array>, ended: boolean, failure?: unknown): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of read) controller.enqueue(chunk);
      if (failure !== undefined) controller.error(failure);
      else if (ended) controller.close();
    },
    async pull(controller) {
      try {
        const chunk = await reader.read();
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      } catch (error) {
        controller.error(error);
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
