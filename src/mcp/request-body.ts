import {
  isJsonContentType,
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  PROTOCOL_VERSION_META_KEY,
  readRequestBody,
  SUPPORTED_PROTOCOL_VERSIONS,
  type McpHandlerRequestOptions,
  type McpHttpHandler,
} from '@modelcontextprotocol/server';
import { payloadTooLargeMessage, unsupportedEncodingMessage } from '../http/json-rpc-error.js';
import { noteDetail, requestLogOf } from './request-log.js';
import { isPlainObject } from '../plain-object.js';

type Fetch = McpHttpHandler['fetch'];

const MODERN_VERSION = '2026-07-28';

/**
 * Reads a POST body once (unless it comes parsed already, from the Node
 * adapter or an app's body parser) and hands the SDK's entry the parsed
 * value, for two reasons:
 * - Without one, the entry clones the request to forward it to its 2025-era
 *   leg, and undici links a clone's abort signal to the original's only
 *   through a weak reference: after a garbage collection, a 2025-era client
 *   that went away no longer stopped its run. With a parsed body nothing is
 *   cloned, and the run listens to the request's own signal.
 * - 2025-era batches are answered as JSON-RPC 2.0 §6 says (see `batchAnswer`).
 * Bodies that are not JSON, or empty, go to the SDK as they came, for its own
 * answer (415, -32700, ...).
 */
export function readingBodyOnce(fetch: Fetch, maxBytes: number): Fetch {
  return async (request, options) => {
    if (request.method !== 'POST' || !isJsonContentType(request.headers.get('content-type'))) return fetch(request, options);
    let body = options?.parsedBody;
    if (body === undefined) {
      const encoding = unsupportedEncodingMessage(request.headers.get('content-encoding'));
      if (encoding !== undefined) return errorResponse(415, -32000, encoding);
      const read = await readRequestBody(request, maxBytes).catch(() => undefined);
      if (read === undefined) return fetch(request, options); // unreadable: the SDK says so
      if (read.tooLarge) {
        return errorResponse(413, -32000, payloadTooLargeMessage(maxBytes), { connection: 'close' });
      }
      try {
        body = read.text.length === 0 ? undefined : JSON.parse(read.text);
      } catch {
        body = undefined;
      }
      if (body === undefined) return fetch(new Request(request, { body: read.text }), options);
    }
    const unknownVersion = unsupportedVersionAnswer(request, body);
    if (unknownVersion !== undefined) return unknownVersion;
    if (Array.isArray(body) && !isModern(request)) return batchAnswer(fetch, request, options, body);
    // 2026-07-28 has the server send no requests, so a client sends no responses (the SDK's 2025-era
    // leg took one and answered that 2026-07-28 is no version it knows).
    if (isModern(request) && looksLikeResponse(body) && (isJSONRPCResultResponse(body) || isJSONRPCErrorResponse(body))) {
      return errorResponse(400, -32600, 'Invalid Request: a 2026-07-28 client sends no JSON-RPC responses (the server sends it no requests); answers to questions go in inputResponses');
    }
    return fetch(request, { ...options, parsedBody: body });
  };
}

/**
 * A 2026-07-28 request, by its protocol version header (the 2025 era's carry
 * an earlier one, or none). That era has no batches: the SDK refuses them
 * whole, as it says.
 */
export function isModern(request: Request): boolean {
  return (request.headers.get('mcp-protocol-version') ?? '') >= '2026';
}

/** The revisions served: 2026-07-28, and the 2025 era's that the SDK negotiates. */
const SERVED_VERSIONS: readonly string[] = [MODERN_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS];

/**
 * A request whose `MCP-Protocol-Version` names no revision served (a later
 * one, or no date at all) and whose body carries no 2026-07-28 envelope to
 * negotiate with: 400, naming the revisions served, as the SDK answers a 2025
 * client's. Read as text, such a header sorts among 2026-07-28's, and the SDK
 * asked the request for that revision's `_meta` instead.
 */
function unsupportedVersionAnswer(request: Request, body: unknown): Response | undefined {
  const version = request.headers.get('mcp-protocol-version');
  if (version === null || SERVED_VERSIONS.includes(version)) return undefined;
  const meta = isPlainObject(body) && isPlainObject(body.params) ? body.params._meta : undefined;
  if (isPlainObject(meta) && meta[PROTOCOL_VERSION_META_KEY] !== undefined) return undefined;
  return errorResponse(400, -32000, `Bad Request: Unsupported protocol version: ${version.slice(0, 40)} (supported versions: ${SERVED_VERSIONS.join(', ')})`);
}

const isMessage = (item: unknown) =>
  isJSONRPCRequest(item) || isJSONRPCNotification(item) || isJSONRPCResultResponse(item) || isJSONRPCErrorResponse(item);

/**
 * A 2025-era batch: a request id used twice is refused whole (-32600, nothing
 * runs: the answers could not be told apart); an element that is not a
 * JSON-RPC message is answered -32600 with id null, and the rest of the batch
 * is served (§6). An empty batch is the SDK's single -32600.
 */
async function batchAnswer(fetch: Fetch, request: Request, options: McpHandlerRequestOptions | undefined, batch: unknown[]): Promise<Response> {
  const seen = new Set<string | number>();
  for (const item of batch) {
    if (!isJSONRPCRequest(item)) continue;
    if (seen.has(item.id)) {
      return errorResponse(400, -32600, `Invalid Request: request id ${JSON.stringify(item.id)} appears more than once in the batch`);
    }
    seen.add(item.id);
  }
  const valid = batch.filter(isMessage);
  if (valid.length === batch.length || batch.length === 0) return fetch(request, { ...options, parsedBody: batch });
  const errors = batch.filter((item) => !isMessage(item)).map(() => invalidMessage);
  // Its answers come first, so it is the first problem the log line names.
  noteDetail(requestLogOf(request), `${invalidMessage.error.code}: ${invalidMessage.error.message}`);
  if (valid.length === 0) return json(400, errors);
  const served = await fetch(request, { ...options, parsedBody: valid });
  const type = served.headers.get('content-type') ?? '';
  if (served.status === 202 || served.body === null) return json(200, errors);
  if (type.includes('text/event-stream')) return prependEvents(served, errors);
  if (type.includes('application/json')) {
    const answered = (await served.json()) as unknown;
    // The SDK refused the batch whole (one error, no id: a 2026-07-28 message in it, say): so is the batch.
    if (served.status >= 400 && !Array.isArray(answered)) return json(served.status, answered);
    return json(served.status, [...errors, ...(Array.isArray(answered) ? answered : [answered])]);
  }
  return served;
}

const invalidMessage = { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request: not a JSON-RPC 2.0 message' }, id: null } as const;

function json(status: number, value: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A JSON-RPC error with no id, as the answer to a whole request refused. */
export function errorResponse(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

/** The SDK's event stream, after one `message` event per error. */
function prependEvents(served: Response, errors: readonly unknown[]): Response {
  const head = new TextEncoder().encode(errors.map((error) => `event: message\ndata: ${JSON.stringify(error)}\n\n`).join(''));
  const source = served.body!;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(head);
      const reader = source.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          controller.enqueue(value);
        }
        controller.close();
      } catch (error) {
        controller.error(error);
      }
    },
    cancel(reason) {
      return source.cancel(reason);
    },
  });
  return new Response(body, { status: served.status, headers: served.headers });
}

/**
 * A message that could be a JSON-RPC response: no `method`, a `result` or an
 * `error`. Checked before the SDK's schemas, which every request fails, and a
 * failed zod parse builds its issues: 15 µs of a call's CPU in a profile.
 */
function looksLikeResponse(body: unknown): boolean {
  return isPlainObject(body) && !('method' in body) && ('result' in body || 'error' in body);
}
