import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType, type AuthInfo, type McpHttpHandler } from '@modelcontextprotocol/server';
import getRawBody from 'raw-body';
import { jsonRpcError, payloadTooLargeMessage, unsupportedEncodingMessage, unsupportedTransferCodingMessage } from './json-rpc-error.js';
import { attachResponseFlow, WritableFlow } from './response-flow.js';

export interface NodeHandlerOptions {
  /** Bodies larger than this are refused with 413 before they are read. */
  maxBodyBytes: number;
  /** A request that could not be served (the client went away mid-body, …). */
  onerror: (error: Error) => void;
  /** Told the message of each error answer (HTTP 4xx or 5xx) written for a request, for its log. */
  onRefusal?: (req: IncomingMessage, message: string) => void;
  /** Sees each web `Request` made for a Node request, and the JSON body it carries (parsed), before the handler does. */
  onWebRequest?: (req: IncomingMessage, request: Request, message: unknown) => void;
}

type NodeRequest = IncomingMessage & { auth?: AuthInfo };

/** Request headers that describe the body on the wire, which the handler is given parsed instead. */
const BODY_FRAMING = new Set(['content-length', 'transfer-encoding', 'content-encoding']);

/**
 * Serves a Node request with the web-standard MCP handler, doing per request
 * only what a stateless exchange needs:
 * - a JSON body is read from the socket once and parsed once (or taken as
 *   the app's body parser left it), and handed over parsed: the `Request`
 *   carries headers only, so nothing is encoded into it and read back;
 * - a JSON answer is written in one piece with its length; only event
 *   streams are piped, honouring back-pressure;
 * - the client going away aborts the request's signal, which stops its run.
 * A body that is not JSON is passed on as text for the handler's own answer.
 */
export function createNodeHandler(
  handler: Pick<McpHttpHandler, 'fetch'>,
  options: NodeHandlerOptions,
): (req: NodeRequest, res: ServerResponse, drained?: unknown) => Promise<void> {
  const { maxBodyBytes, onerror, onWebRequest, onRefusal } = options;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new RangeError(`maxBodyBytes must be a positive integer, got ${String(maxBodyBytes)}`);
  const drainLimit = Math.max(DRAIN_LIMIT_BYTES, 4 * maxBodyBytes);

  return async (req, res, drained) => {
    let finished = false;
    const abort = new AbortController();
    res.once('close', () => {
      if (!finished) abort.abort();
    });
    if (res.destroyed) abort.abort();

    let body: { parsed: unknown } | { text: string } | undefined;
    if (drained !== undefined) {
      // An app's parser read the body: `express.json()` leaves a value, `express.raw()` the
      // bytes and `express.text()` the text, which are parsed here as if read from the socket.
      const raw = typeof drained === 'string' || Buffer.isBuffer(drained) ? drained : undefined;
      // The app's parser has its own limit (express.json()'s 100 kB, or one a route raised):
      // graph-mcp's applies as well, or a larger one there would let larger bodies in here.
      if ((raw === undefined ? parsedBodyBytes(req, drained) : Buffer.byteLength(raw)) > maxBodyBytes) {
        finished = true;
        onRefusal?.(req, payloadTooLargeMessage(maxBodyBytes));
        jsonRpcError(res, 413, -32000, payloadTooLargeMessage(maxBodyBytes));
        return;
      }
      if (Buffer.isBuffer(raw) && !isUtf8(raw)) {
        finished = true;
        onRefusal?.(req, NOT_UTF8);
        jsonRpcError(res, 400, -32700, NOT_UTF8);
        return;
      }
      body = raw === undefined ? { parsed: drained } : parse(withoutByteOrderMark(raw.toString('utf8')));
    } else if (req.method === 'POST' && isJsonContentType(req.headers['content-type'])) {
      const encoding = unsupportedEncodingMessage(req.headers['content-encoding']) ?? unsupportedTransferCodingMessage(req.headers['transfer-encoding']);
      if (encoding !== undefined) {
        finished = true;
        onRefusal?.(req, encoding);
        refuseUnreadBody(req, res, 415, encoding, drainLimit);
        return;
      }
      const read = await readBody(req, maxBodyBytes);
      if ('refused' in read) {
        finished = true;
        if (read.refused === 'too-large') {
          onRefusal?.(req, payloadTooLargeMessage(maxBodyBytes));
          refuseUnreadBody(req, res, 413, payloadTooLargeMessage(maxBodyBytes), drainLimit);
        } else if (read.refused === 'not-utf8') {
          onRefusal?.(req, NOT_UTF8);
          jsonRpcError(res, 400, -32700, NOT_UTF8);
        } else {
          onerror(read.error);
          onRefusal?.(req, 'Parse error: the request body could not be read');
          if (!res.destroyed) jsonRpcError(res, 400, -32700, 'Parse error: the request body could not be read');
        }
        return;
      }
      body = parse(read.text);
    }

    let response: Response;
    // Held until the answer is written: the handler follows the run's abort through it.
    let request: Request | undefined;
    try {
      request = webRequest(req, abort.signal, body !== undefined && 'text' in body ? body.text : undefined);
      onWebRequest?.(req, request, body !== undefined && 'parsed' in body ? body.parsed : undefined);
      response = await handler.fetch(request, {
        ...(req.auth !== undefined ? { authInfo: req.auth } : {}),
        ...(body !== undefined && 'parsed' in body ? { parsedBody: body.parsed } : {}),
      });
    } catch (error) {
      onerror(error instanceof Error ? error : new Error(String(error)));
      response = Response.json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null }, { status: 500 });
    }
    await writeResponse(res, response, abort.signal, request, onRefusal && ((message) => onRefusal(req, message)));
    finished = true;
    request = undefined;
  };
}

/** The most of a refused body read and thrown away so that its client sees the answer (see refuseUnreadBody). */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Answers a request whose body will not be served (too large, compressed).
 * A client still sending it when the connection closes fails with EPIPE and
 * never reads the answer (undici's fetch, so the v1 SDK's client and Node's
 * own `fetch`): up to `drainLimit` bytes of it are read and thrown away, and
 * the connection stays open for them. A body that says it is larger, or
 * turns out to be, is not read: the connection closes.
 */
function refuseUnreadBody(req: IncomingMessage, res: ServerResponse, status: number, message: string, drainLimit: number): void {
  if (req.complete) {
    jsonRpcError(res, status, -32000, message);
    return;
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > drainLimit) {
    jsonRpcError(res, status, -32000, message, { connection: 'close' });
    return;
  }
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > drainLimit) req.socket.destroy();
  });
  req.on('error', () => {}); // the client going away while the rest is thrown away is no error of ours
  req.resume();
  jsonRpcError(res, status, -32000, message);
}

type Read = { text: string } | { refused: 'too-large' } | { refused: 'not-utf8' } | { refused: 'unreadable'; error: Error };

/**
 * JSON is sent as UTF-8 (RFC 8259 §8.1). Bytes that are not (a Latin-1
 * body, whatever its `charset` says) are refused, not decoded with U+FFFD
 * in place of each, which would hand the graph text the client never sent.
 */
const NOT_UTF8 = 'Parse error: the request body is not valid UTF-8; JSON is sent as UTF-8';

async function readBody(req: IncomingMessage, limit: number): Promise<Read> {
  try {
    // Bytes, decoded here: raw-body's own decoding goes through iconv-lite, which showed in profiles.
    const bytes = await getRawBody(req, { limit, length: req.headers['content-length'] });
    if (!isUtf8(bytes)) return { refused: 'not-utf8' };
    return { text: withoutByteOrderMark(bytes.toString('utf8')) };
  } catch (error) {
    const { type } = error as { type?: string };
    if (type === 'entity.too.large') return { refused: 'too-large' };
    return { refused: 'unreadable', error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** As a TextDecoder would: a leading byte-order mark is not part of the JSON. */
function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function parse(text: string): { parsed: unknown } | { text: string } {
  if (text.length > 0) {
    try {
      return { parsed: JSON.parse(text) };
    } catch {
      // The handler answers a body that is not JSON itself (-32700).
    }
  }
  return { text };
}

/** The `code: message` of a JSON-RPC error answer (an HTTP error status's body), if it is one. */
function errorMessageIn(body: Buffer): string | undefined {
  try {
    const { error } = JSON.parse(body.toString('utf8')) as { error?: { code?: unknown; message?: unknown } };
    return typeof error?.message === 'string' ? `${String(error.code)}: ${error.message}` : undefined;
  } catch {
    return undefined;
  }
}

function webRequest(req: NodeRequest, signal: AbortSignal, text: string | undefined): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58 /* ':' (HTTP/2 pseudo-header) */) continue;
    if (text === undefined && BODY_FRAMING.has(name.toLowerCase())) continue;
    headers.append(name, raw[i + 1]!);
  }
  const init: RequestInit = { method: req.method ?? 'GET', headers, signal, ...(text !== undefined ? { body: text } : {}) };
  const path = req.url ?? '/';
  try {
    return new Request(`http://${req.headers.host ?? 'localhost'}${path}`, init);
  } catch {
    // A Host header that makes no URL: the handler does not route on it.
    return new Request(`http://localhost${path.startsWith('/') ? path : '/'}`, init);
  }
}

async function writeResponse(
  res: ServerResponse,
  response: Response,
  aborted: AbortSignal,
  request: Request | undefined,
  onRefusal?: (message: string) => void,
): Promise<void> {
  if (res.destroyed) {
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  res.statusCode = response.status;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (response.body === null) {
    // A 202 and the like say their (empty) length too: HTTP/1.0 keep-alive closes without it.
    if (response.status !== 204 && response.status !== 304) res.setHeader('content-length', 0);
    res.end();
    return;
  }
  if (!response.headers.get('content-type')?.includes('text/event-stream')) {
    // One write, with Content-Length: the answer is complete. Its bytes as they are: decoding
    // them to text for Node to encode again took 3-4x the CPU for answers of a megabyte or more.
    const body = Buffer.from(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (response.status >= 400 && onRefusal !== undefined) onRefusal(errorMessageIn(body) ?? `HTTP ${response.status}`);
    // Said, not left to Node: it adds the length itself only for HTTP/1.1, and closes an
    // HTTP/1.0 keep-alive connection after an answer without one.
    res.setHeader('content-length', body.length);
    res.end(body);
    return;
  }
  res.flushHeaders();
  // Written as it comes, whether or not the client reads: what sends on the stream holds
  // back once too much waits unread (see response-flow.ts), so the buffer stays bounded.
  if (request !== undefined) attachResponseFlow(request, new WritableFlow(res));
  try {
    for await (const chunk of response.body) {
      if (aborted.aborted) break;
      res.write(chunk);
    }
  } catch {
    // The stream failed or the client left: end what was sent.
  }
  res.end();
}

/**
 * The size of a body an app's parser has read: its `Content-Length`, when it
 * gives the bytes as they were parsed; else (chunked, or compressed, which the
 * parser inflated) the parsed value written back as JSON: about what was
 * parsed, less its whitespace, more where JSON writes a value out longer
 * than it was sent (an escape, a number such as 1e20 in full).
 */
function parsedBodyBytes(req: NodeRequest, parsed: unknown): number {
  const length = req.headers['content-length'];
  const encoding = req.headers['content-encoding'];
  if (length !== undefined && /^\d+$/.test(length) && (encoding === undefined || encoding.trim().toLowerCase() === 'identity')) return Number(length);
  try {
    return Buffer.byteLength(JSON.stringify(parsed) ?? '');
  } catch {
    // Not JSON (an app's own value with a cycle, a BigInt): the handler answers it as it is.
    return 0;
  }
}
