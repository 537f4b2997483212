// Hand-built MCP requests for both protocol eras, and a reader for JSON or SSE answers.
export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';

const ACCEPT = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export function modernHeaders(method: string, name?: string): Record<string, string> {
  return { ...ACCEPT, 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}) };
}

export function legacyHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { ...ACCEPT, 'mcp-protocol-version': LEGACY, ...extra };
}

export function envelope(params: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) {
  return {
    ...params,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientInfo': { name: 'raw-test', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
      ...meta,
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  /** Every JSON-RPC message in the body (one for JSON, each `data:` line for SSE). */
  messages: Array<Record<string, any>>;
  text: string;
}

export async function post(url: string, body: string | object, headers: Record<string, string>): Promise<RawAnswer> {
  const response = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, messages: parseMessages(text, response.headers.get('content-type')) };
}

export function parseMessages(text: string, contentType: string | null): Array<Record<string, any>> {
  if (text.trim() === '') return [];
  if (contentType?.includes('text/event-stream')) {
    return text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => JSON.parse(line.slice(5).trim()));
  }
  const parsed = JSON.parse(text);
  return Array.isArray(parsed) ? parsed : [parsed];
}

/** A 2026-07-28 tools/call. */
export function callModern(url: string, name: string, args: unknown, id: number | string = 1, meta: Record<string, unknown> = {}) {
  return post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: envelope({ name, arguments: args }, meta) }, modernHeaders('tools/call', name));
}

/** A stateless 2025-11-25 tools/call (no initialize first). */
export function callLegacy(url: string, name: string, args: unknown, id: number | string = 1) {
  return post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, legacyHeaders());
}

/**
 * A `fetch` for an MCP client that sends the posts carrying an answer to a
 * server request (a JSON-RPC response) to `target`, and everything else where
 * the client meant: a client talking to one process, answering through another.
 */
export function answersTo(target: string): { fetch: typeof fetch; answers: () => number } {
  let answers = 0;
  const routing: typeof fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as { method?: string; result?: unknown }) : undefined;
    if (init?.method === 'POST' && body !== undefined && body.method === undefined && 'result' in body) {
      answers += 1;
      return fetch(target, init);
    }
    return fetch(input, init);
  };
  return { fetch: routing, answers: () => answers };
}
