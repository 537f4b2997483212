import { ProtocolError, ProtocolErrorCode, type JSONRPCRequest, type McpHttpHandler, type Result, type ServerContext } from '@modelcontextprotocol/server';
import { isPlainObject } from '../plain-object.js';
import { isModern } from './request-body.js';

type Handler = (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>;

/**
 * The SDK parses a spec method's request against the era's schema before the
 * handler runs and, on failure, throws a plain `Error` holding the raw
 * validation dump, which its funnel answers as `-32603 Internal error`.
 * That parse is synchronous, before any handler code: a plain `Error`
 * thrown synchronously by the stored handler is a parse failure, and
 * becomes `-32602 Invalid params` with a readable message. Handlers' own
 * errors (always asynchronous here) pass unchanged.
 */
export function withInvalidParams(method: string, handler: Handler): Handler {
  return (request, ctx) => {
    try {
      return handler(request, ctx);
    } catch (error) {
      if (error instanceof Error && Object.getPrototypeOf(error) === Error.prototype) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params for ${method}: ${readableIssues(error.message)}`);
      }
      throw error;
    }
  };
}

/** The SDK's own `-32602` for `tools/call` carries the same raw dump: made readable too. */
export function readableInvalidParams(method: string, error: unknown): unknown {
  // Matched by shape: the SDK's server bundle throws its own copy of ProtocolError.
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== ProtocolErrorCode.InvalidParams || typeof message !== 'string' || !message.includes('[\n')) return error;
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params for ${method}: ${readableIssues(message)}`);
}

/** `path: message` for each issue of a zod dump (`[{ path, message }, ...]`), or a plain sentence. */
export function readableIssues(dump: string): string {
  const start = dump.indexOf('[');
  try {
    const issues = JSON.parse(start < 0 ? dump : dump.slice(start)) as unknown;
    if (!Array.isArray(issues) || issues.length === 0) throw new Error('not a list of issues');
    return issues
      .map((issue: { path?: unknown; message?: unknown }) => {
        const path = Array.isArray(issue.path) ? issue.path.filter((p) => p !== 'params').join('.') : '';
        const message = typeof issue.message === 'string' ? issue.message : 'invalid';
        return path ? `${path}: ${message}` : message;
      })
      .slice(0, 5)
      .join('; ');
  } catch {
    return 'the request does not match the method\'s schema';
  }
}

/** 2026-07-28 requests whose `inputResponses` is there but is no object of answers: what it is instead. */
const malformedAnswers = new WeakMap<object, string>();

/**
 * Notes a 2026-07-28 request whose `inputResponses` is there but is no
 * object of answers (`null`, a list, a string), for the handlers that read
 * answers to refuse (`malformedInputResponses`): the SDK lifts the field off
 * every request and reads such a value as no answers at all, so a
 * `tasks/update` was acknowledged having delivered nothing, and a
 * `tools/call` retry was asked its questions again, the client none the
 * wiser. Refused there, not here, so that the SDK's own checks of the
 * request (its headers, its envelope, a notification, the tasks extension)
 * come first, as for any other request. Needs the parsed body (inside
 * `readingBodyOnce`).
 */
export function notingMalformedInputResponses(fetch: McpHttpHandler['fetch']): McpHttpHandler['fetch'] {
  return (request, options) => {
    const body = options?.parsedBody;
    const params = isPlainObject(body) ? body.params : undefined;
    if (isModern(request) && isPlainObject(params) && 'inputResponses' in params && !isPlainObject(params.inputResponses)) {
      const given = params.inputResponses;
      malformedAnswers.set(request, given === null ? 'null' : Array.isArray(given) ? 'a list' : typeof given);
    }
    return fetch(request, options);
  };
}

/** The `-32602` for `request` (the web `Request`) when its `inputResponses` was no object of answers; `undefined` otherwise. */
export function malformedInputResponses(request: object | undefined, method: string): ProtocolError | undefined {
  const given = request === undefined ? undefined : malformedAnswers.get(request);
  if (given === undefined) return undefined;
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params for ${method}: inputResponses must be an object of answers keyed by input request key, not ${given}`);
}
