import type { McpHttpHandler } from '@modelcontextprotocol/server';
import Negotiator from 'negotiator';
import { messageEvent, STREAM_HEADERS } from './kept-alive.js';
import { errorResponse, isModern } from './request-body.js';

type Fetch = McpHttpHandler['fetch'];

/** Which of the two forms an MCP answer comes in a request's `Accept` header takes. */
export interface Accepted {
  readonly json: boolean;
  readonly stream: boolean;
}

const BOTH: Accepted = { json: true, stream: true };
const JSON_TYPE = 'application/json';
const STREAM_TYPE = 'text/event-stream';
/** The header as MCP clients write it (the v1 and v2 SDKs, the conformance suite's): taken without parsing. */
const USUAL = new Set([`${JSON_TYPE}, ${STREAM_TYPE}`, `${STREAM_TYPE}, ${JSON_TYPE}`]);

/** What a request's header took, read once; kept when the header is rewritten for the SDK. */
const negotiated = new WeakMap<Request, Accepted>();

/**
 * What a request's `Accept` header takes, read as RFC 9110 says: media
 * types in any case, wildcards (`*\/*`, `text/*`), and `q=0` refusing a
 * type. No header takes anything.
 */
export function acceptedBy(request: Request): Accepted {
  const known = negotiated.get(request);
  if (known !== undefined) return known;
  const header = request.headers.get('accept');
  if (header === null || USUAL.has(header)) return BOTH;
  const types = new Negotiator({ headers: { accept: header } }).mediaTypes([JSON_TYPE, STREAM_TYPE]);
  const accepted = { json: types.includes(JSON_TYPE), stream: types.includes(STREAM_TYPE) };
  negotiated.set(request, accepted);
  return accepted;
}

/**
 * Answers each POST in a form its `Accept` header takes, or refuses it.
 *
 * - A header that takes neither form: 406, `-32000`.
 * - 2025 era: the SDK reads the header as text, asking for both names, as
 *   written. A header that takes an event stream (`*\/*`, names in capitals,
 *   `text/event-stream` alone, as some proxies send) is handed to it in
 *   that form; the answer is then a stream unless JSON is taken too (see
 *   `answeringAloneAsJson`). One that takes JSON only is refused, 406, as
 *   the SDK refuses it: that era's calls may need a stream.
 * - 2026-07-28: a header that takes JSON only gets JSON (the call streams
 *   no progress and no log messages to it: see `server-factory.ts`); one
 *   that takes an event stream only gets the SDK's JSON answer as one
 *   `message` event.
 */
export function answeringInAcceptedForm(fetch: Fetch): Fetch {
  return async (request, options) => {
    if (request.method !== 'POST') return fetch(request, options);
    const accepted = acceptedBy(request);
    if (!accepted.json && !accepted.stream) {
      return errorResponse(406, -32000, `Not Acceptable: the Accept header takes neither ${JSON_TYPE} nor ${STREAM_TYPE}, the two forms an MCP answer comes in`);
    }
    if (!isModern(request)) {
      if (!accepted.stream) return errorResponse(406, -32000, `Not Acceptable: a client of a 2025 revision must accept ${STREAM_TYPE} (and ${JSON_TYPE}): the server may answer a call with a stream`);
      const header = request.headers.get('accept');
      if (header === null || !USUAL.has(header)) request.headers.set('accept', `${JSON_TYPE}, ${STREAM_TYPE}`);
      return fetch(request, options);
    }
    const response = await fetch(request, options);
    if (accepted.json || response.status !== 200 || !response.headers.get('content-type')?.startsWith(JSON_TYPE)) return response;
    return asOneEvent(response);
  };
}

/** A JSON answer as an event stream of one `message` event. */
async function asOneEvent(response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  for (const [name, value] of Object.entries(STREAM_HEADERS)) headers.set(name, value);
  return new Response(messageEvent(await response.text()), { status: 200, headers });
}
