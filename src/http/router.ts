import cluster from 'node:cluster';
import { validateHostHeader, validateOriginHeader, type AuthInfo } from '@modelcontextprotocol/server';
import cors from 'cors';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { allowListProblem } from '../config/schema.js';
import { GraphMcpError } from '../errors.js';
import { principalFromAuthInfo, unexpectedAuthErrorLogger, type GraphMcp } from '../graph-mcp.js';
import { attachRequestLog, noteDetail, requestLogOf, type RequestLog } from '../mcp/request-log.js';
import { INTERNAL_ERROR_MESSAGE } from '../mcp/server-factory.js';
import type { Logger } from '../log.js';
import { createAuthenticator, readPrincipal, type Authenticate, type AuthOutcome } from '../auth/authenticate.js';
import { jsonRpcError, SHUTTING_DOWN } from './json-rpc-error.js';
import { createNodeHandler } from './node-handler.js';
import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

export interface McpRouterOptions {
  /**
   * `Host` header values accepted on the MCP path (DNS-rebinding
   * protection); hostnames without port. `false` turns the check off.
   * @default the config's `http.allowed_hosts`, else no check (the standalone
   * server checks localhost names when bound to a loopback address)
   */
  allowedHosts?: string[] | false;
  /**
   * `Origin` hostnames accepted; requests without `Origin` (non-browser
   * clients) always pass. `false` turns the check off.
   * @default the config's `http.allowed_origins`, else no check
   */
  allowedOrigins?: string[] | false;
  /**
   * Authenticates callers: `(request) => principal`, throwing `AuthError`
   * to refuse. Overrides the config's `auth` and `loadGraphMcp`'s option.
   * Omit all three for an open endpoint, or when the app's own middleware
   * already authenticates and sets `req.auth` (see `authInfoForPrincipal`).
   */
  authenticate?: Authenticate;
  /**
   * Answers browsers' CORS preflights on the MCP path and lets pages read
   * the answers, for the origins `allowedOrigins` accepts (any origin when
   * there is no Origin check).
   * @default the config's `http.cors`
   */
  cors?: boolean;
}

/**
 * An Express router serving the MCP endpoint on the config's `mcp_path`.
 * Mount it next to the app's own routes; it works with or without the app's
 * `express.json()` (an already parsed body is used as is). With
 * `http.disable_mcp` the router is empty, so the path answers 404.
 */
export function createMcpRouter(graphMcp: GraphMcp, options: McpRouterOptions = {}): Router {
  return mcpRouter(graphMcp, options, false);
}

/**
 * `standalone`: the router of `graph-mcp serve`'s own app, mounted at the
 * root with no middleware before it, so what it logs about authentication
 * at start-up holds. Mounted in another app, the path it is served at and
 * whether the app's own middleware authenticates are known from the first
 * request only: it says so then.
 */
export function mcpRouter(graphMcp: GraphMcp, options: McpRouterOptions, standalone: boolean): Router {
  const { config, logger } = graphMcp;
  const router = Router();
  if (config.http.disable_mcp) {
    logger.info({ mcp: false }, 'MCP is off (http.disable_mcp): nothing is mounted');
    return router;
  }
  const allowedHosts = pickList(options.allowedHosts, config.http.allowed_hosts, 'allowedHosts');
  const allowedOrigins = pickList(options.allowedOrigins, config.http.allowed_origins, 'allowedOrigins');
  const path = config.http.mcp_path;
  const serve = createNodeHandler(graphMcp.handler, {
    maxBodyBytes: config.http.max_body_bytes,
    // The request's log record follows it to the MCP layer (see request-log.ts), named
    // by its JSON-RPC method, which an answer the SDK gives before any handler runs has too.
    onWebRequest: (req, request, message) => {
      const log = requestLogOf(req);
      if (!log) return;
      attachRequestLog(request, log);
      if (Array.isArray(message)) {
        log.method = 'batch';
        log.batch = message.length;
        return;
      }
      const method = (message as { method?: unknown } | null | undefined)?.method;
      if (typeof method === 'string') log.method = method;
    },
    onRefusal: (req, message) => noteDetail(requestLogOf(req), message),
    onerror: (error) => {
      // A client that drops while sending its body is the client's doing, not a fault here.
      if (clientWentAway(error)) logger.info({ err: { message: error.message } }, 'the client went away while sending its request');
      else logger.error({ err: { message: error.message } }, 'MCP request could not be served');
    },
  });

  const authenticate = options.authenticate
    ? createAuthenticator(options.authenticate, {
        requiredScopes: config.auth?.required_scopes ?? [],
        resourceMetadataUrl: graphMcp.resourceMetadata?.url,
        onUnexpectedError: unexpectedAuthErrorLogger(logger),
      })
    : graphMcp.authenticate;
  const scoped = graphMcp.tools.tools.filter((tool) => tool.requiredScopes.length > 0).map((tool) => tool.name);
  /** Says who authenticates the callers of the endpoint at `at`; `byApp`: the app's own middleware set `req.auth`. */
  const sayWhoAuthenticates = (at: string, byApp: boolean) => {
    if (authenticate) logger.info({ auth: true, path: at }, `MCP endpoint at ${at}: callers must authenticate`);
    else if (byApp) logger.info({ auth: 'app', path: at }, `MCP endpoint at ${at}: callers are authenticated by the app's own middleware (req.auth)`);
    else {
      logger.warn({ auth: false, path: at, ...(scoped.length > 0 ? { scoped } : {}) }, noAuthenticationWarning(at, scoped));
    }
  };
  // Under `serve --workers`, the first worker says it for all (a worker started again says nothing new).
  const firstOfItsKind = cluster.worker === undefined || cluster.worker.id === 1;
  if ((standalone || authenticate) && firstOfItsKind) sayWhoAuthenticates(path, false);

  const checkOrigin = allowedOrigins ? remembered((origin) => validateOriginHeader(origin, allowedOrigins)) : undefined;
  const crossOrigin = (options.cors ?? config.http.cors) ? corsFor(checkOrigin) : undefined;

  const metadata = graphMcp.resourceMetadata;
  if (metadata) {
    for (const metadataPath of metadata.paths) {
      router.get(metadataPath, ...(crossOrigin ? [crossOrigin] : []), (_req: Request, res: Response) => {
        res.set('Cache-Control', 'public, max-age=3600').json(metadata.document);
      });
    }
  }

  // One route, its steps in order: the path is matched once per request.
  // A preflight is answered first (it carries no credentials), once its Host is allowed.
  const steps: RequestHandler[] = [];
  if (crossOrigin) {
    if (allowedHosts) steps.push(guardHostAndOrigin(allowedHosts, undefined));
    steps.push(crossOrigin, logRequest(graphMcp));
    if (checkOrigin) steps.push(guardHostAndOrigin(undefined, checkOrigin));
  } else {
    steps.push(logRequest(graphMcp));
    if (allowedHosts || checkOrigin) steps.push(guardHostAndOrigin(allowedHosts, checkOrigin));
  }
  // Once graph-mcp closes (an app calling close() while its own server goes on), a request is
  // turned away as `serve` turns it away while it drains: the handler behind is closing or closed.
  steps.push((req: Request, res: Response, next: NextFunction) => {
    if (!graphMcp.closed) return next();
    refuse(req, res, 503, -32000, SHUTTING_DOWN, undefined, { 'retry-after': '1' });
  });
  if (authenticate) steps.push(authenticateRequest(authenticate, logger));
  else if (!standalone) {
    let said = false;
    let toldUnread = false;
    steps.push((req: Request, res: Response, next: NextFunction) => {
      const auth = (req as { auth?: AuthInfo }).auth;
      if (!said) {
        said = true;
        sayWhoAuthenticates(`${req.baseUrl}${path}`, auth !== undefined);
      }
      // Set by the app's middleware, but naming no caller graph-mcp can read (express-jwt and others
      // put a token's claims there): served, every caller would be the same anonymous one.
      if (auth !== undefined && principalFromAuthInfo(auth) === undefined) {
        if (!toldUnread) {
          toldUnread = true;
          logger.error(
            { path: `${req.baseUrl}${path}` },
            'req.auth is set but names no caller (no extra.principal with a string id, no clientId): refused. Set req.auth = authInfoForPrincipal({ id, scopes }) in your middleware (a library such as express-jwt stores a token\'s claims in req.auth: map them), or configure "auth"',
          );
        }
        refuse(req, res, 500, -32603, INTERNAL_ERROR_MESSAGE, 'req.auth names no caller');
        return;
      }
      next();
    });
  }
  let toldBodyTaken = false;
  router.all(path, ...steps, (req: Request, res: Response) => {
    // An app-level body parser has drained the stream already: hand over its result. Only then:
    // Express 4's parsers set `req.body = {}` for a request they leave alone (another type).
    // A parser of bytes or text (`express.raw()`, `express.text()`) leaves them, which are parsed as they would have been read.
    const drained = (req as { _body?: boolean })._body === true || (req.complete && !req.readable);
    if (drained && req.body === undefined && req.method === 'POST') {
      // Middleware before the router read the body and kept it elsewhere (a webhook's req.rawBody):
      // the app's setup, not the client's JSON. Said once in the log; the caller gets a 500.
      if (!toldBodyTaken) {
        toldBodyTaken = true;
        logger.error(
          { path: `${req.baseUrl}${path}` },
          'the request body was read before the MCP router, and req.body left unset: mount the router before that middleware, or let it set req.body (the bytes, the text or the parsed JSON)',
        );
      }
      refuse(req, res, 500, -32603, INTERNAL_ERROR_MESSAGE, 'the body was read by middleware before the router, req.body unset');
      return;
    }
    const body: unknown = drained && req.body !== undefined ? req.body : undefined;
    const parsed = typeof body === 'string' || Buffer.isBuffer(body) ? undefined : body;
    if (parsed !== undefined && nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
      refuse(req, res, 400, -32600, `Invalid Request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      return;
    }
    void serve(req as Parameters<typeof serve>[0], res, body);
  });
  return router;
}

/**
 * The `req.auth` graph-mcp expects for an authenticated caller. The inbound
 * token is not kept. A caller without a string `id` (or `identity`) is the
 * middleware's bug: thrown here, not served as anyone.
 */
export function authInfoForPrincipal<P extends { id: string; scopes: readonly string[] }>(principal: P): AuthInfo {
  const caller = readPrincipal(principal);
  if (caller === undefined) {
    throw new TypeError('authInfoForPrincipal: the principal has no non-empty string "id" (or "identity"): pass { id, scopes } naming the caller');
  }
  return { token: '', clientId: caller.id, scopes: [...caller.scopes], extra: { principal: caller } };
}

function authenticateRequest(authenticate: (request: globalThis.Request) => Promise<AuthOutcome>, logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let request: globalThis.Request;
    try {
      request = headersOnlyRequest(req);
    } catch {
      // No URL can be made of the Host header (a space in it): no Host check came before to refuse it.
      // Behind a trusted proxy (`trust proxy`) the scheme is X-Forwarded-Proto's, which can be as bad.
      refuse(req, res, 400, -32600, 'Bad Request: no URL can be made of the Host header (or, behind a trusted proxy, X-Forwarded-Proto)');
      return;
    }
    authenticate(request).then(
      (outcome) => {
        if (!outcome.ok) {
          refuse(req, res, outcome.status, -32001, outcome.message, undefined, outcome.headers);
          return;
        }
        (req as { auth?: AuthInfo }).auth = authInfoForPrincipal(outcome.principal);
        next();
      },
      // The server's fault (what authenticate returned cannot be a caller): said in the log, answered as JSON-RPC.
      (error: unknown) => {
        logger.error({ err: error }, 'authentication failed on the server');
        jsonRpcError(res, 500, -32603, INTERNAL_ERROR_MESSAGE);
      },
    );
  };
}

/** The web-standard request an `authenticate` function receives: method, URL and headers, no body. */
function headersOnlyRequest(req: Request): globalThis.Request {
  // From the raw headers: Node keeps only the first of two Authorization headers, where a
  // proxy in front may have looked at the last. Both reach authenticate, joined, and a bearer
  // check refuses the pair as malformed.
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i]!, raw[i + 1]!);
    } catch {
      // A name or value the web Headers refuse (Node's parser let it through): left out.
    }
  }
  const url = new URL(req.originalUrl, `${req.protocol}://${req.headers.host ?? 'localhost'}`);
  return new globalThis.Request(url, { method: req.method, headers });
}

function pickList(option: string[] | false | undefined, fromConfig: string[] | undefined, name: string): string[] | undefined {
  if (option === false) return undefined;
  if (option !== undefined) {
    if (!Array.isArray(option) || option.some((item) => typeof item !== 'string' || item.length === 0)) {
      throw new GraphMcpError('OPTIONS_INVALID', `createMcpRouter: "${name}" must be a list of hostnames or false`);
    }
    const problem = option.map((item) => allowListProblem(item, name === 'allowedHosts' ? 'hosts' : 'origins')).find((found) => found !== undefined);
    if (problem) throw new GraphMcpError('OPTIONS_INVALID', `createMcpRouter: "${name}": ${problem}`);
    return lowerCased(option);
  }
  return fromConfig && lowerCased(fromConfig);
}

/** Host names as the URL parser writes them, and so as the checks compare them: in lower case. */
export function lowerCased(names: readonly string[]): string[] {
  return names.map((name) => name.toLowerCase());
}

/** Verdicts kept per distinct header value: a URL parse per request showed in profiles. Bounded, so odd values cannot grow it. */
const VERDICTS_KEPT = 64;

function remembered<T>(check: (value: string | undefined) => T): (value: string | undefined) => T {
  const verdicts = new Map<string | undefined, T>();
  return (value) => {
    let verdict = verdicts.get(value);
    if (verdict === undefined) {
      verdict = check(value);
      if (verdicts.size >= VERDICTS_KEPT) verdicts.clear();
      verdicts.set(value, verdict);
    }
    return verdict;
  };
}

type OriginCheck = (origin: string | undefined) => { ok: boolean };

/**
 * CORS for browser clients (the `cors` package): the origins the Origin
 * check accepts, or any without one. Mcp-Param-* header names differ per
 * tool, so a preflight's requested headers are allowed as asked (the
 * package's default); pages may read `WWW-Authenticate` (auth challenges)
 * and `Retry-After` (a caller that cannot be authenticated now).
 */
function corsFor(checkOrigin: OriginCheck | undefined): RequestHandler {
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && (checkOrigin === undefined || checkOrigin(origin).ok)),
    methods: ['GET', 'POST'],
    exposedHeaders: ['WWW-Authenticate', 'Retry-After'],
    maxAge: 600,
  });
}

function guardHostAndOrigin(allowedHosts: string[] | undefined, checkOrigin: OriginCheck | undefined): RequestHandler {
  const checkHost = allowedHosts ? remembered((host) => validateHostHeader(host, allowedHosts)) : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    if (checkHost) {
      // Node reads the first of two, where a proxy in front may have checked or routed on the other (RFC 9112 §3.2: 400).
      // Past so many fields Node keeps none of the rest (about a thousand by default, fewer under a
      // lower maxHeadersCount), which the count cannot then see: such a request is refused whole.
      const configured = (req.socket as { server?: { maxHeadersCount?: number | null } }).server?.maxHeadersCount;
      const most = typeof configured === 'number' && configured > 0 ? Math.min(configured, MOST_HEADER_FIELDS) : MOST_HEADER_FIELDS;
      if (req.rawHeaders.length / 2 >= most) {
        refuse(req, res, 431, -32600, 'Invalid Request: too many header fields');
        return;
      }
      if (hostHeaders(req.rawHeaders) > 1) {
        refuse(req, res, 400, -32600, 'Invalid Request: more than one Host header');
        return;
      }
      // A request line in absolute form (`POST http://host/mcp`) names the host the request is for (RFC 9112 §3.2.2): checked too.
      for (const named of [req.headers.host, ...(req.url?.startsWith('/') === false ? [authorityOf(req.url)] : [])]) {
        const host = checkHost(named);
        if (!host.ok) {
          refuse(req, res, 403, -32000, `Forbidden: ${host.message}`);
          return;
        }
      }
    }
    if (checkOrigin) {
      const origin = checkOrigin(req.headers.origin);
      if (!origin.ok) {
        refuse(req, res, 403, -32000, 'Forbidden: Origin not allowed', `Origin ${JSON.stringify(String(req.headers.origin).slice(0, 100))}`);
        return;
      }
    }
    next();
  };
}

/** The most header fields a request may carry where Hosts are counted: Node 20 keeps 1,023 of a longer list. */
const MOST_HEADER_FIELDS = 1000;

/** The host and port a request target in absolute form names (`undefined`, refused by the check, for one that is no URL). */
function authorityOf(target: string): string | undefined {
  try {
    return new URL(target).host;
  } catch {
    return undefined;
  }
}

/** How many Host headers a request carries. */
function hostHeaders(raw: string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') count += 1;
  }
  return count;
}

/** Refuses a request as JSON-RPC, and notes why in its log line (`also`: what the caller is not told, such as the value refused). */
function refuse(req: Request, res: Response, status: number, code: number, message: string, also?: string, headers?: Record<string, string>): void {
  noteDetail(requestLogOf(req), also === undefined ? message : `${message}: ${also}`);
  jsonRpcError(res, status, code, message, headers);
}

/** One JSON log line per request: what was asked, by whom, how it ended, how long it took. */
function logRequest(graphMcp: GraphMcp): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const record: RequestLog = {};
    res.once('close', () => {
      const auth = (req as { auth?: AuthInfo }).auth;
      graphMcp.logger.info(
        {
          // No status when nothing was answered (the client, or a proxy in front, went away first).
          http: { method: req.method, path: req.baseUrl + req.path, ...(res.headersSent ? { status: res.statusCode } : {}) },
          ...(record.method ? { method: record.method } : {}),
          ...(record.batch !== undefined ? { batch: record.batch } : {}),
          ...(record.tool && record.batch === undefined ? { tool: record.tool } : {}),
          ...(auth?.clientId ? { principal: auth.clientId } : {}),
          // A response that never finished: the client went away before its answer. A batch's
          // outcome is its answer's: each of its messages ended its own way (detail: the first problem).
          outcome: res.writableFinished ? ((record.batch === undefined ? record.outcome : undefined) ?? (res.statusCode < 400 ? 'ok' : 'refused')) : 'cancelled',
          ...(record.detail ? { detail: record.detail } : {}),
          duration_ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'mcp request',
      );
    });
    attachRequestLog(req, record);
    next();
  };
}

function clientWentAway(error: Error): boolean {
  const { code, type } = error as { code?: unknown; type?: unknown };
  return type === 'request.aborted' || error.message === 'aborted' || code === 'ECONNRESET' || code === 'ECONNABORTED';
}

/** What serve (and check) say of an endpoint with no authentication; `scoped`: the graphs that need scopes. */
export function noAuthenticationWarning(at: string, scoped: readonly string[]): string {
  return scoped.length === 0
    ? `MCP endpoint at ${at} has no authentication: anyone who can reach it can call every graph`
    : `MCP endpoint at ${at} has no authentication: anyone who can reach it can call every graph but ${scoped.join(', ')}, which need scopes no caller has without it (unless the app's own middleware sets req.auth)`;
}
