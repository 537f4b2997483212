import type { Response } from 'express';

/** The one place an HTTP-level refusal is written: a JSON-RPC error body with no id. */
export function jsonRpcError(res: Response, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  res
    .status(status)
    .set({ 'Content-Type': 'application/json', ...headers })
    .send(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
