import type { McpHttpHandler } from '@modelcontextprotocol/server';
import { SHUTTING_DOWN } from '../http/json-rpc-error.js';

type Fetch = McpHttpHandler['fetch'];

/**
 * While graph-mcp closes (`close()`'s grace period), a request that would
 * start work is turned away as `serve` turns it away while it drains (HTTP
 * 503, `Retry-After`): only runs already in flight use the grace period,
 * and a steady stream of new calls could otherwise fill it. What finishes
 * work in flight still comes in: a 2025-era client's answer to a question a
 * run asked (a JSON-RPC response) and its notifications (a cancel).
 */
export function refusingNewWorkWhileClosing(fetch: Fetch, closing: () => boolean): Fetch {
  return (request, options) => {
    if (!closing() || !startsWork(options?.parsedBody)) return fetch(request, options);
    return Promise.resolve(
      Response.json({ jsonrpc: '2.0', error: { code: -32000, message: SHUTTING_DOWN }, id: null }, { status: 503, headers: { 'retry-after': '1' } }),
    );
  };
}

/** A JSON-RPC request (a method and an id), or a batch holding one. */
function startsWork(body: unknown): boolean {
  if (Array.isArray(body)) return body.some(startsWork);
  return body !== null && typeof body === 'object' && 'method' in body && 'id' in body;
}
