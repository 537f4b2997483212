// `langgraph.json` keys inside the sections graph-mcp also uses. graph-mcp's
// own `http`, `store` and `auth` are strict, so a typo in them is an error;
// the keys a LangGraph deployment puts there mean things graph-mcp does not
// serve (assistants, threads, its long-term memory store, Studio), so they
// are set aside before validation and named in a start-up warning, and an
// unchanged `langgraph.json` loads.
import { isPlainObject } from '../plain-object.js';

/** LangGraph's `http` keys graph-mcp has no use for (`disable_mcp` it shares; `cors` it reads only as a boolean). */
const LANGGRAPH_HTTP_KEYS = new Set([
  'app',
  'configurable_headers',
  'logging_headers',
  'disable_assistants',
  'disable_threads',
  'disable_runs',
  'disable_store',
  'disable_meta',
  'disable_ui',
  'disable_webhooks',
  'middleware_order',
  'enable_custom_route_auth',
]);

/** LangGraph's long-term memory store (`store.index`, `store.ttl`): not the store graph-mcp keeps runs in. */
const LANGGRAPH_STORE_KEYS = new Set(['index', 'ttl']);

/** LangGraph's `auth` keys besides `path` (which graph-mcp reads as its own). */
const LANGGRAPH_AUTH_KEYS = new Set(['disable_studio_auth', 'openapi', 'cache']);

export interface SetAside {
  /** The config without LangGraph's keys (a shallow copy: the value given is left as it is). */
  config: unknown;
  /** JSON paths of the keys set aside, e.g. `http.configurable_headers`. */
  ignored: string[];
}


/**
 * Sets aside LangGraph's own keys under `http`, `store` and `auth`. LangGraph
 * serves its MCP endpoint under `http.mount_prefix`; without an
 * `http.mcp_path` of its own, graph-mcp serves it there too.
 */
export function setAsideLangGraphKeys(raw: unknown): SetAside {
  if (!isPlainObject(raw)) return { config: raw, ignored: [] };
  const ignored: string[] = [];
  const config = { ...raw };

  if (isPlainObject(raw.http)) {
    const http: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw.http)) {
      if (key === 'mount_prefix') continue;
      // LangGraph's `cors` is an object of allowed origins and headers; graph-mcp's is on or off.
      if (LANGGRAPH_HTTP_KEYS.has(key) || (key === 'cors' && isPlainObject(value))) ignored.push(`http.${key}`);
      else http[key] = value;
    }
    const prefix = raw.http.mount_prefix;
    if (prefix !== undefined) {
      if (typeof prefix === 'string' && /^\/[^\s?#]*$/.test(prefix) && http.mcp_path === undefined) http.mcp_path = `${prefix.replace(/\/+$/, '')}/mcp`;
      else ignored.push('http.mount_prefix');
    }
    config.http = http;
  }

  if (isPlainObject(raw.store) && raw.store.type === undefined && Object.keys(raw.store).every((key) => LANGGRAPH_STORE_KEYS.has(key))) {
    ignored.push(...Object.keys(raw.store).map((key) => `store.${key}`));
    delete config.store;
  }

  if (isPlainObject(raw.auth)) {
    const auth: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw.auth)) {
      if (LANGGRAPH_AUTH_KEYS.has(key)) ignored.push(`auth.${key}`);
      else auth[key] = value;
    }
    // Nothing of graph-mcp's own left (only Studio's switch): no auth section.
    if (Object.keys(auth).length === 0) delete config.auth;
    else config.auth = auth;
  }

  return { config, ignored };
}
