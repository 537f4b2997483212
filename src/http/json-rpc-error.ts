import type { ServerResponse } from 'node:http';

/**
 * The one place an HTTP-level refusal is written (by the router's steps and
 * the Node adapter): a JSON-RPC error body with no id, in one piece.
 */
export function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** What a body over the limit is told, wherever it is read. */
export function payloadTooLargeMessage(maxBytes: number): string {
  return `Payload Too Large: Request body must not exceed ${maxBytes} bytes`;
}
