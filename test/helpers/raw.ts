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

export async function post(url: string, body: string | object, headers: Record<string, string>, signal?: AbortSignal): Promise<RawAnswer> {
  const response = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), ...(signal ? { signal } : {}) });
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

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/**
 * A 2026-07-28 request from a client that can be asked questions and polls
 * tasks (it declares elicitation and the tasks extension): the JSON-RPC
 * answer, a result or an error.
 */
export async function taskRequest(url: string, method: string, params: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Record<string, any>> {
  const name = typeof params.name === 'string' ? params.name : typeof params.taskId === 'string' ? params.taskId : undefined;
  const capabilities = { elicitation: {}, extensions: { [TASKS_EXTENSION]: {} } };
  const answer = await post(
    url,
    { jsonrpc: '2.0', id: 1, method, params: envelope(params, { 'io.modelcontextprotocol/clientCapabilities': capabilities }) },
    { ...modernHeaders(method, name), ...headers },
  );
  const message = answer.messages.find((m) => 'result' in m || 'error' in m);
  if (message === undefined) throw new Error(`${method}: no answer (HTTP ${answer.status}): ${answer.text.slice(0, 300)}`);
  return message;
}

/**
 * A `fetch` for an MCP client that sends the posts `picks` chooses to
 * `target`, and everything else where the client meant: a client talking to
 * one process, some of its messages going through another.
 */
export function postsTo(target: string, picks: (body: Record<string, unknown>) => boolean): { fetch: typeof fetch; count: () => number } {
  let count = 0;
  const routing: typeof fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : undefined;
    if (init?.method === 'POST' && body !== undefined && !Array.isArray(body) && picks(body)) {
      count += 1;
      return fetch(target, init);
    }
    return fetch(input, init);
  };
  return { fetch: routing, count: () => count };
}

/** Posts carrying an answer to a server request (a JSON-RPC response) go to `target`. */
export function answersTo(target: string): { fetch: typeof fetch; answers: () => number } {
  const routed = postsTo(target, (body) => body.method === undefined && 'result' in body);
  return { fetch: routed.fetch, answers: routed.count };
}

/** A cancel (`notifications/cancelled`, which the v1 client sends in a new POST) goes to `target`. */
export function cancelsTo(target: string): { fetch: typeof fetch; cancels: () => number } {
  const routed = postsTo(target, (body) => body.method === 'notifications/cancelled');
  return { fetch: routed.fetch, cancels: routed.count };
}

/**
 * A raw TCP connection to the server of `url`, for what fetch cannot send (a
 * Content-Length it does not mean, a request on a connection already used):
 * everything it receives, and when the server closes it.
 */
export async function rawConnection(url: string): Promise<{ socket: import('node:net').Socket; port: string; received: () => string; closed: Promise<void> }> {
  const net = await import('node:net');
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, port, received: () => text, closed };
}
