import { PROTOCOL_VERSION_META_KEY, type McpHttpHandler } from '@modelcontextprotocol/server';
import { GraphMcpError } from '../errors.js';
import type { GraphTool } from '../graphs/tool.js';
import { isPaddedBase64 } from '../run/content.js';

/**
 * MCP 2026-07-28 lets a tool mark input properties with `x-mcp-header`; a
 * client then repeats those arguments in `Mcp-Param-<Name>` headers so
 * gateways can route without reading the body. A server that acts on the
 * body must check the two agree: a disagreement, or a header missing for a
 * value the body carries, is refused with HTTP 400 and `-32020`.
 *
 * The SDK checks this only for tools registered on its high-level server;
 * graph-mcp's tools are served by the low-level one, so the check is here.
 */

export interface ParamHeader {
  /** The header is `Mcp-Param-<name>`. */
  name: string;
  /** Where the value sits in the arguments. */
  path: string[];
  type: 'string' | 'integer' | 'boolean';
}

const X_MCP_HEADER = 'x-mcp-header';
// RFC 9110 token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// The spec's primitives for a header: `number` is excluded (its text form is not exact).
const PRIMITIVE_TYPES = new Set(['string', 'integer', 'boolean']);
const HEADER_MISMATCH = -32020;
/**
 * The protocol versions that define `Mcp-Param-*` headers (and that the SDK
 * serves). A request naming another version is left to the SDK, which
 * refuses an unsupported one with `-32022`: that answer comes first.
 */
const PARAM_HEADER_VERSIONS: ReadonlySet<unknown> = new Set(['2026-07-28']);
/** What a header value may hold as it is; anything else travels Base64-encoded (`=?base64?…?=`). */
const PLAIN_HEADER_VALUE = /^[\x20-\x7e]*$/;

/**
 * The `x-mcp-header` declarations of an input schema, checked at start-up:
 * a property reachable through `properties` only, of a primitive type, with
 * a token name unique regardless of case. Anything else is a start-up error
 * naming the graph, as the spec makes such a tool definition invalid.
 */
export function scanParamHeaders(schema: Record<string, unknown>, what: string): ParamHeader[] {
  const found: ParamHeader[] = [];
  const fail = (message: string): never => {
    throw new GraphMcpError('SCHEMA_INVALID', `${what}: input schema: ${message}`);
  };
  const walk = (node: Record<string, unknown>, path: string[]) => {
    const properties = node.properties;
    if (properties === null || typeof properties !== 'object') return;
    for (const [key, child] of Object.entries(properties as Record<string, unknown>)) {
      if (child === null || typeof child !== 'object') continue;
      const property = child as Record<string, unknown>;
      const at = [...path, key];
      const name = property[X_MCP_HEADER];
      if (name !== undefined) {
        if (typeof name !== 'string' || !TOKEN.test(name)) fail(`${at.join('.')}: "${X_MCP_HEADER}" must be an HTTP header name token`);
        if (typeof property.type !== 'string' || !PRIMITIVE_TYPES.has(property.type)) {
          fail(`${at.join('.')}: "${X_MCP_HEADER}" is only allowed on string, integer or boolean properties (not number)`);
        }
        if (found.some((header) => header.name.toLowerCase() === String(name).toLowerCase())) {
          fail(`${at.join('.')}: "${X_MCP_HEADER}" name "${String(name)}" is used twice (names are case-insensitive)`);
        }
        found.push({ name: String(name), path: at, type: property.type as ParamHeader['type'] });
      }
      walk(property, at);
    }
  };
  walk(schema, []);
  const reachable = found.length;
  if (countAnnotations(schema) !== reachable) {
    fail(`"${X_MCP_HEADER}" may only annotate properties reached through "properties" from the root`);
  }
  return found;
}

function countAnnotations(node: unknown): number {
  if (node === null || typeof node !== 'object') return 0;
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + countAnnotations(item), 0);
  let count = X_MCP_HEADER in node ? 1 : 0;
  for (const value of Object.values(node)) count += countAnnotations(value);
  return count;
}

/** What is wrong with the headers of a call whose arguments are `args`, or `undefined` when they agree. */
export function checkParamHeaders(declared: readonly ParamHeader[], args: unknown, headers: Headers): { header: string; problem: string } | undefined {
  for (const param of declared) {
    const header = `Mcp-Param-${param.name}`;
    const value = valueAt(args, param.path);
    const raw = headers.get(header);
    // Null or absent: the client sends no header, and one sent names a value the body does not have.
    if (value === undefined || value === null) {
      if (raw === null) continue;
      return { header, problem: `the ${header} header is sent but the body has no ${param.path.join('.')}` };
    }
    const expected = primitiveText(value);
    if (expected === undefined) continue; // the wrong type; argument validation answers that
    if (raw === null) return { header, problem: `the body carries ${param.path.join('.')} but the ${header} header is missing` };
    if (!PLAIN_HEADER_VALUE.test(raw)) return { header, problem: `the ${header} header carries characters a header value may not (send them Base64-encoded)` };
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return { header, problem: `the ${header} header carries invalid Base64` };
    const same = typeof value === 'number' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(decoded) ? Number(decoded) === value : decoded === expected;
    if (!same) return { header, problem: `the ${header} header does not match ${param.path.join('.')} in the body` };
  }
  return undefined;
}

function valueAt(args: unknown, path: readonly string[]): unknown {
  let node = args;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function primitiveText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  return undefined;
}

/** `=?base64?<padded base64 of UTF-8>?=` is decoded; any other value is literal. */
function decodeHeaderValue(raw: string): string | undefined {
  const wrapped = /^=\?base64\?(.*)\?=$/.exec(raw);
  if (!wrapped) return raw;
  const payload = wrapped[1] ?? '';
  if (!isPaddedBase64(payload)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(payload, 'base64'));
  } catch {
    return undefined;
  }
}

/** Every tool's declarations, by tool name (tools without any are left out). Throws at start-up on a bad one. */
export function paramHeadersOf(tools: readonly GraphTool[]): Map<string, ParamHeader[]> {
  const declared = new Map<string, ParamHeader[]>();
  for (const tool of tools) {
    const headers = scanParamHeaders(tool.definition.inputSchema as Record<string, unknown>, `graph "${tool.name}"`);
    if (headers.length > 0) declared.set(tool.name, headers);
  }
  return declared;
}

/**
 * Wraps the MCP handler with the `Mcp-Param-*` check for the tools that
 * declare headers. With none declared, the handler is returned as is: no
 * cost for projects that do not use the feature.
 */
export function withParamHeaderCheck(handler: McpHttpHandler, declared: ReadonlyMap<string, ParamHeader[]>, maxBodyBytes: number): McpHttpHandler {
  if (declared.size === 0) return handler;

  const fetch: McpHttpHandler['fetch'] = async (request, options) => {
    if (request.method !== 'POST') return handler.fetch(request, options);
    const body = options?.parsedBody !== undefined ? options.parsedBody : await readJson(request, maxBodyBytes);
    if (body === undefined) return handler.fetch(request, options);
    const call = body as { id?: unknown; method?: unknown; params?: { name?: unknown; arguments?: unknown; _meta?: Record<string, unknown> } };
    const params = call.method === 'tools/call' ? call.params : undefined;
    // Only 2026-07-28 requests carry the headers; a 2025-era client never sends them.
    const modern = PARAM_HEADER_VERSIONS.has(params?._meta?.[PROTOCOL_VERSION_META_KEY]);
    const headers = modern && typeof params?.name === 'string' ? declared.get(params.name) : undefined;
    const mismatch = headers ? checkParamHeaders(headers, params?.arguments, request.headers) : undefined;
    if (mismatch) {
      const id = typeof call.id === 'string' || typeof call.id === 'number' ? call.id : null;
      const error = { code: HEADER_MISMATCH, message: `Bad Request: ${mismatch.problem}`, data: { mismatch: { header: mismatch.header } } };
      return Response.json({ jsonrpc: '2.0', id, error }, { status: 400 });
    }
    return handler.fetch(request, { ...options, parsedBody: body });
  };
  return { ...handler, fetch };
}

/**
 * The request body as JSON, read from a copy and never past `maxBytes`;
 * `undefined` when unreadable, not JSON or too large: the handler, reading
 * the original, answers those as it always does.
 */
async function readJson(request: Request, maxBytes: number): Promise<unknown> {
  const copy = request.clone().body;
  if (copy === null) return undefined;
  const reader = copy.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
