import type { ServerResponse } from 'node:http';

/**
 * The one place an HTTP-level refusal is written (by the router's steps and
 * the Node adapter): a JSON-RPC error body with no id, in one piece.
 */
export function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  const own = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  try {
    res.writeHead(status, { ...own, ...headers });
  } catch {
    // A header value Node refuses (a character outside Latin-1, a line break: a project's
    // AuthError challenge, say) would leave the request unanswered: answered without the extra headers.
    for (const name of Object.keys(headers)) res.removeHeader(name);
    res.writeHead(status, own);
  }
  res.end(body);
}

/** A request that came while the server (or a mounted graph-mcp) shuts down: HTTP 503, with `Retry-After`. */
export const SHUTTING_DOWN = 'Service Unavailable: the server is shutting down; retry the request';

/**
 * What a body sent with a `Content-Encoding` (gzip, ...) is told, wherever
 * it is read: graph-mcp reads bodies as they are, so a compressed one would
 * only fail to parse. `undefined` for no encoding, or `identity`.
 */
export function unsupportedEncodingMessage(encoding: string | null | undefined): string | undefined {
  const value = encoding?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'identity') return undefined;
  return `Unsupported Media Type: Content-Encoding "${value.slice(0, 40)}" is not supported; send the body uncompressed`;
}

/**
 * What a body sent with a transfer coding other than `chunked` (`gzip,
 * chunked`) is told: Node passes such a body on as it came, still coded.
 * `undefined` for none, or only `chunked`.
 */
export function unsupportedTransferCodingMessage(codings: string | null | undefined): string | undefined {
  const other = codings
    ?.split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'chunked');
  if (other === undefined || other.length === 0) return undefined;
  return `Unsupported Media Type: Transfer-Encoding "${other.join(', ').slice(0, 40)}" is not supported; send the body uncompressed`;
}

/** What a body over the limit is told, wherever it is read. */
export function payloadTooLargeMessage(maxBytes: number): string {
  return `Payload Too Large: Request body must not exceed ${maxBytes} bytes`;
}
