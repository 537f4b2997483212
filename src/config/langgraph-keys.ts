// `langgraph.json` keys. graph-mcp's own `http`, `store` and `auth` are
// strict, so a typo in them is an error; the keys a LangGraph deployment puts
// there mean things graph-mcp does not serve (assistants, threads, its
// long-term memory store, Studio), so they are set aside before validation
// and named in a start-up warning, and an unchanged `langgraph.json` loads.
// So are its top-level keys for what graph-mcp does not serve (`checkpointer`,
// `ui`, ...); those about building an image (`dependencies`, ...) are ignored
// without a word, and any other top-level key is reported as unknown.
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
  'disable_a2a',
  'middleware_order',
  'enable_custom_route_auth',
]);

/** LangGraph's long-term memory store (`store.index`, `store.ttl`, a custom one's `store.path`): not the store graph-mcp keeps runs in. */
const LANGGRAPH_STORE_KEYS = new Set(['index', 'ttl', 'path']);

/** A custom store's `path` names a module's export; a file path for graph-mcp's SQLite store does not. */
const MODULE_EXPORT = /\.[cm]?[jt]sx?:[A-Za-z_$][\w$]*$/;

/** LangGraph's top-level keys for what graph-mcp does not serve: set aside and named. */
const LANGGRAPH_SERVED_KEYS = new Set(['checkpointer', 'ui', 'ui_config', 'webhooks', 'encryption']);

/** LangGraph's top-level keys about building and deploying the image: ignored without a word. */
const LANGGRAPH_DEPLOY_KEYS = new Set([
  'dependencies',
  'python_version',
  'node_version',
  'pip_config_file',
  'pip_installer',
  'base_image',
  'image_distro',
  'dockerfile_lines',
  'keep_pkg_tools',
  'api_version',
]);

/** LangGraph's `auth` keys besides `path` (which graph-mcp reads as its own). */
const LANGGRAPH_AUTH_KEYS = new Set(['disable_studio_auth', 'openapi', 'cache']);

export interface SetAside {
  /** The config without LangGraph's keys (a shallow copy: the value given is left as it is). */
  config: unknown;
  /** JSON paths of the keys set aside, e.g. `http.configurable_headers`. */
  ignored: string[];
  /** Top-level keys neither graph-mcp's nor LangGraph's (a misspelt `defaults`, say): ignored, and worth a warning. */
  unknown: string[];
  /** LangGraph keys whose value cannot be used, each as `path: why`. */
  problems: string[];
}


/**
 * Sets aside LangGraph's own keys under `http`, `store` and `auth`. LangGraph
 * serves its MCP endpoint under `http.mount_prefix`; without an
 * `http.mcp_path` of its own, graph-mcp serves it there too.
 */
export function setAsideLangGraphKeys(raw: unknown, ownKeys: ReadonlySet<string>): SetAside {
  if (!isPlainObject(raw)) return { config: raw, ignored: [], unknown: [], problems: [] };
  const ignored: string[] = [];
  const problems: string[] = [];
  const config = { ...raw };

  // LangGraph's schema lets these sections be null: as if absent.
  for (const section of ['http', 'auth', 'store', 'checkpointer']) {
    if (config[section] === null) delete config[section];
  }
  for (const key of Object.keys(config)) {
    if (LANGGRAPH_SERVED_KEYS.has(key)) {
      ignored.push(key);
      delete config[key];
    }
  }
  const unknown = Object.keys(config).filter((key) => !ownKeys.has(key) && !LANGGRAPH_DEPLOY_KEYS.has(key));

  if (isPlainObject(raw.http)) {
    const http: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw.http)) {
      if (key === 'mount_prefix') continue;
      // LangGraph's `null` for a key of its own: not set.
      if (value === null && (LANGGRAPH_HTTP_KEYS.has(key) || key === 'cors')) continue;
      // LangGraph's `cors` is an object of allowed origins and headers; graph-mcp's is on or off.
      if (LANGGRAPH_HTTP_KEYS.has(key) || (key === 'cors' && isPlainObject(value))) ignored.push(`http.${key}`);
      else http[key] = value;
    }
    const prefix = raw.http.mount_prefix;
    if (prefix !== undefined && prefix !== null) {
      if (typeof prefix !== 'string' || !/^\/[^\s?#]*$/.test(prefix)) {
        problems.push(`http.mount_prefix: expected a path that starts with "/" (the endpoint is served at <prefix>/mcp), got ${JSON.stringify(prefix)}`);
      } else if (http.mcp_path === undefined) {
        http.mcp_path = `${prefix.replace(/\/+$/, '')}/mcp`;
      } else {
        // graph-mcp's own mcp_path says where the endpoint is.
        ignored.push('http.mount_prefix');
      }
    }
    config.http = http;
  }

  const store = raw.store;
  if (
    isPlainObject(store) &&
    store.type === undefined &&
    Object.keys(store).every((key) => LANGGRAPH_STORE_KEYS.has(key)) &&
    (store.path === undefined || (typeof store.path === 'string' && MODULE_EXPORT.test(store.path)))
  ) {
    ignored.push(...Object.keys(store).map((key) => `store.${key}`));
    delete config.store;
  }

  if (isPlainObject(raw.auth)) {
    const auth: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw.auth)) {
      if (LANGGRAPH_AUTH_KEYS.has(key)) ignored.push(`auth.${key}`);
      else auth[key] = value;
    }
    // Nothing of graph-mcp's own left (only Studio's switch): no auth section. An empty one, which
    // LangGraph takes as none too, is named in the warning: it authenticates no one.
    if (Object.keys(raw.auth).length === 0) ignored.push('auth (empty: no authentication)');
    if (Object.keys(auth).length === 0) delete config.auth;
    else config.auth = auth;
  }

  return { config, ignored, unknown, problems };
}
