// The MCP requests the benchmarks send, built once as fixed headers and body,
// and a one-off check that a setup answers them correctly: a load test of
// error answers would measure nothing.

export interface McpRequest {
  headers: Record<string, string>;
  body: string;
}

const BASE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/**
 * A 2026-07-28 request: routing headers (`Mcp-Name` repeats a tool's name or a task's id),
 * and the client's identity in every request's `_meta`.
 */
export function modern(method: string, params: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): McpRequest {
  const routed = params.name ?? params.taskId;
  const name: Record<string, string> = typeof routed === 'string' ? { 'mcp-name': routed } : {};
  return {
    headers: { ...BASE, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...name },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: { ...ENVELOPE, ...meta } } }),
  };
}

/** A stateless 2025-11-25 request: no initialize first, no envelope. */
export function legacy(method: string, params: Record<string, unknown> = {}): McpRequest {
  return {
    headers: { ...BASE, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  };
}

export interface Answer {
  /** The JSON-RPC result of the request. */
  result: Record<string, any>;
  /** How many progress notifications came before it. */
  progress: number;
}

/** Sends the request once; throws unless it is answered with a JSON-RPC result. */
export async function answer(url: string, request: McpRequest): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  const messages: Array<Record<string, any>> = response.headers.get('content-type')?.includes('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => JSON.parse(line.slice(5)))
    : [JSON.parse(text)];
  const final = messages.find((message) => 'result' in message || 'error' in message);
  if (!final?.result || final.result.isError) throw new Error(`${url} did not answer with a result: ${text.slice(0, 300)}`);
  return { result: final.result, progress: messages.filter((message) => message.method === 'notifications/progress').length };
}

/** Throws, naming the setup, when a sanity check fails. */
export function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(`bench set-up is wrong: ${what}`);
}
