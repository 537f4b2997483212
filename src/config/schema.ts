import { MAX_TIMER_MS } from '../max-timer.js';
import { z } from 'zod';

/**
 * The one source of truth for `agent.config.json`. The published JSON Schema
 * (`agent.config.schema.json`) is generated from this file at build time.
 *
 * The file is a superset of `langgraph.json`: top-level keys we do not use
 * (`dependencies`, `dockerfile_lines`, `node_version`, ...) are accepted and
 * ignored, so an unchanged LangGraph project loads.
 */

/** `"./path/to/module.ts:exportName"`: a module path and a named export. */
export const moduleRefSchema = z
  .string()
  .regex(/^.+:[A-Za-z_$][\w$]*$/, 'a module reference of the form "./path/to/module.ts:exportName"')
  .describe('A module path relative to the config file, a colon, and the name of an export: "./graphs/triage.ts:graph".');

/** A graph's module: its export named after a colon, or, as LangGraph reads one without, its default export. */
export const graphModuleRefSchema = z
  .string()
  .regex(/^[^:].*[^:]$|^[^:]$/, 'a module path, and an export after a colon: "./path/to/module.ts:exportName" (without one, the default export)')
  .describe('A module path relative to the config file, a colon, and the name of an export: "./graphs/triage.ts:graph". Without the colon and name, the module\'s default export.');

const jsonSchemaObject = z
  .record(z.string(), z.unknown())
  .describe('An inline JSON Schema (draft 2020-12) describing an object.');

const schemaSource = z.union([jsonSchemaObject, moduleRefSchema], {
  error: 'expected an inline JSON Schema object or a "./module.ts:Export" reference to a zod schema',
});

/** Names of graph-mcp's own tools (`resume_run`, and the task tools); a graph may not take them. */
export const RESERVED_TOOL_NAMES: readonly string[] = ['resume_run', 'get_run', 'cancel_run'];

/** What an MCP tool name may be. */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * MCP tool names: `[A-Za-z0-9_.-]{1,128}`, and none of graph-mcp's own:
 * every bad name said with the config's other problems, before any graph
 * is imported (checked again, with the graph named, at load, for a config
 * given as a value).
 */
const toolNameKey = z
  .string()
  .regex(TOOL_NAME_PATTERN, 'not a valid MCP tool name (1 to 128 of A-Z a-z 0-9 _ . -): rename the graph')
  .refine((name) => !RESERVED_TOOL_NAMES.includes(name), "the name of one of graph-mcp's own tools: rename the graph");

export const toolAnnotationsSchema = z
  .object({
    title: z.string().optional(),
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  })
  .strict()
  .describe('MCP tool annotations: hints for clients about the tool\'s behaviour.');

export const accessSchema = z
  .object({
    scopes: z
      .array(z.string().min(1))
      .optional()
      .describe('Scopes the caller must hold (all of them) to see and call this tool.'),
    path: moduleRefSchema
      .optional()
      .describe('A module export `(principal, tool) => boolean` for rules beyond scopes.'),
  })
  .strict();

/**
 * `never`: always answered in the call. `optional`: a caller that can poll
 * tasks (2026-07-28 tasks extension, 2025 `params.task`) gets a task; others
 * get the answer in the call, or a run handle after `max_wait_ms`.
 * `required`: only callers that can poll tasks may call it.
 */
export const taskModeSchema = z.enum(['never', 'optional', 'required']);

export { MAX_TIMER_MS };
const TIMER_LIMIT = 'at most 2147483647 ms (about 24.8 days): a longer timer would fire at once';
/** How long anything may be kept: a hundred years, far past any use, and well inside what a Date can hold. */
export const MAX_TTL_MS = 100 * 365 * 86_400_000;
const TTL_LIMIT = `at most ${MAX_TTL_MS} ms (100 years)`;

export const graphEntrySchema = z
  .object({
    path: graphModuleRefSchema,
    title: z.string().min(1).optional().describe('Human-readable tool title.'),
    description: z.string().min(1).optional().describe('Tool description shown to the caller\'s model.'),
    input_schema: schemaSource
      .optional()
      .describe('The tool\'s input: an inline JSON Schema, or a reference to a zod schema export.'),
    output_schema: schemaSource
      .optional()
      .describe('The tool\'s structured output: an inline JSON Schema, or a reference to a zod schema export.'),
    annotations: toolAnnotationsSchema.optional(),
    timeout_ms: z.number().int().positive().max(MAX_TIMER_MS, TIMER_LIMIT).optional().describe('Abort the run after this many milliseconds.'),
    recursion_limit: z.number().int().positive().optional().describe('LangGraph recursion limit (super-steps) for one run.'),
    context: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("LangGraph's runtime context for every run of the graph (runtime.context), checked against the graph's context schema at start-up."),
    access: accessSchema.optional(),
    task: taskModeSchema.optional().describe('Whether a call may run as a background task (default: defaults.task).'),
    task_starts_at: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe(
        'For a 2026-07-28 caller that takes tasks: the node(s) where the task begins. The run starts in the call, asks any question before reaching one of them with input_required round trips on the call itself, and the call answers with the task once the run gets there. Default: the task begins at once.',
      ),
    max_wait_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS, TIMER_LIMIT)
      .optional()
      .describe('For callers that cannot poll tasks: answer with a run handle (get_run) once a call has run this long (default: defaults.max_wait_ms).'),
    client_capabilities: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .optional()
      .describe(
        'MCP client capabilities the caller must declare to call this tool, e.g. { "sampling": {} }. A 2026-07-28 call that lacks one is refused with -32021 (HTTP 400).',
      ),
  })
  // Strict: a misspelt key (an "acess" that would leave the tool open to everyone) stops start-up.
  // langgraph.json's graph objects hold path and description, both read here.
  .strict();

/**
 * The name of an environment variable. A value that is not one (a secret
 * pasted where its variable's name goes) is refused without being repeated.
 */
const envName = () => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,254}$/, 'the name of an environment variable (letters, digits and _, not beginning with a digit), not its value');

export const jwtSchema = z
  .object({
    secret_env: envName().optional().describe('Name of the environment variable that holds the HMAC secret.'),
    public_key_path: z.string().min(1).optional().describe('Path (relative to the config file) of a PEM public key.'),
    jwks_url: z
      .string()
      .url()
      .optional()
      .describe("URL of the authorization server's JSON Web Key Set (its jwks_uri), fetched and cached; https, or http on a loopback address."),
    algorithms: z.array(z.enum(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'])).min(1),
    issuer: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    audience: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    clock_tolerance_s: z.number().int().min(0).default(5),
    require_exp: z
      .boolean()
      .default(true)
      .describe('Refuse tokens without an expiry (exp claim), which would be good for ever once leaked; false accepts them.'),
    scopes_claim: z.string().default('scope').describe('Claim holding the scopes: a space-separated string or an array.'),
    subject_claim: z.string().default('sub'),
  })
  .strict();

export const authSchema = z
  .object({
    path: moduleRefSchema.optional().describe('A module export `authenticate(request) => principal`.'),
    jwt: jwtSchema.optional(),
    required_scopes: z
      .array(z.string().min(1))
      .optional()
      .describe('Scopes every caller must hold to use the endpoint at all (403 insufficient_scope otherwise).'),
    resource_metadata: z
      .object({
        resource: z.string().url().describe('This server\'s canonical URL (the resource identifier).'),
        authorization_servers: z.array(z.string().url()).min(1),
        scopes_supported: z.array(z.string()).optional(),
        resource_name: z.string().optional(),
      })
      .strict()
      .optional()
      .describe('RFC 9728 protected resource metadata, served under /.well-known/oauth-protected-resource.'),
  })
  .strict()
  .refine((auth) => (auth.path === undefined) !== (auth.jwt === undefined), {
    message: 'set exactly one of "path" (custom authenticate function) or "jwt"',
  });

export const secretsSchema = z
  .object({
    path: moduleRefSchema.optional().describe('A module export implementing the SecretStore interface.'),
    file: z.string().min(1).optional().describe('A JSON file {principalId: {server: {headerName: value}}} (development).'),
    sqlite: z
      .object({
        path: z.string().min(1),
        key_env: envName().default('GRAPH_MCP_SECRETS_KEY'),
      })
      .strict()
      .optional(),
    servers: z
      .record(
        z.string(),
        z
          .object({
            url: z.string().url(),
            transport: z.enum(['http', 'sse']).default('http'),
          })
          .strict(),
      )
      .optional()
      .describe('Downstream MCP servers a graph node may open on the caller\'s behalf.'),
  })
  .strict();

/**
 * Why an `allowed_hosts` / `allowed_origins` entry cannot match, or
 * `undefined`: entries are hostnames (compared with the header's hostname,
 * whatever its port or scheme), or for origins `scheme://*` for a non-web
 * scheme (an editor's webview). A full origin or a port would never match.
 */
export function allowListProblem(entry: string, kind: 'hosts' | 'origins'): string | undefined {
  if (entry.includes('*') && !(kind === 'origins' && /:\/\/\*$/.test(entry))) {
    return `"${entry}": wildcards are not matched, only whole names: list each hostname (e.g. "app.example.com")`;
  }
  if (/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]?#@]+)$/.test(entry)) return undefined;
  if (kind === 'origins' && /^[a-z][a-z0-9+.-]*:\/\/\*$/i.test(entry) && !/^https?:/i.test(entry)) return undefined;
  return `"${entry}" is not a hostname: list hostnames without scheme or port (e.g. "app.example.com")${kind === 'origins' ? ', or "scheme://*" for a non-web scheme' : ''}`;
}

const allowList = (kind: 'hosts' | 'origins') =>
  z.array(z.string().min(1)).superRefine((entries, ctx) => {
    for (const [index, entry] of entries.entries()) {
      const problem = allowListProblem(entry, kind);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [index] });
    }
  });

export const httpSchema = z
  .object({
    disable_mcp: z.boolean().default(false).describe('Mount nothing: the MCP endpoint answers 404.'),
    mcp_path: z
      .string()
      .regex(/^\/[^\s?#]*$/, 'a path starting with "/"')
      .default('/mcp'),
    max_body_bytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024)
      .describe('Largest accepted request body in bytes; larger bodies are answered 413.'),
    allowed_hosts: allowList('hosts')
      .optional()
      .describe('Host header values accepted (DNS-rebinding protection). Default: localhost names when bound to loopback, any otherwise.'),
    allowed_origins: allowList('origins')
      .optional()
      .describe('Origin header hostnames accepted. Default: localhost names when bound to loopback, any otherwise.'),
    tools_page_size: z
      .number()
      .int()
      .positive()
      .default(100)
      .describe('Most tools in one tools/list answer; a longer list is paged (nextCursor), as MCP clients follow.'),
    cors: z
      .boolean()
      .default(false)
      .describe(
        'Answer browsers\' CORS preflights and let web pages read the answers, for the origins allowed_origins accepts (any origin when there is no Origin check).',
      ),
    keep_alive_timeout_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS, TIMER_LIMIT)
      .default(72_000)
      .describe(
        "graph-mcp serve: how long an idle keep-alive connection stays open. Longer than a load balancer's idle timeout (often 60 s), so the balancer never sends a request on a connection the server is closing.",
      ),
    stream_keep_alive_ms: z
      .number()
      .int()
      .min(0)
      .max(MAX_TIMER_MS, TIMER_LIMIT)
      .default(15_000)
      .describe(
        'How often a response that waits on a run sends a keep-alive comment, so that a proxy does not close it as idle. A 2026-07-28 answer not ready by then is sent as an event stream. 0: never.',
      ),
  })
  .strict();

export const runDefaultsSchema = z
  .object({
    timeout_ms: z.number().int().positive().max(MAX_TIMER_MS, TIMER_LIMIT).default(300_000),
    recursion_limit: z.number().int().positive().default(25),
    shutdown_grace_ms: z.number().int().min(0).max(MAX_TIMER_MS, TIMER_LIMIT).default(10_000),
    paused_run_ttl_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TTL_MS, TTL_LIMIT)
      .default(86_400_000)
      .describe('How long a run paused at interrupt() waits for its answer before it is deleted (default one day).'),
    task: taskModeSchema.default('optional').describe('Whether calls may run as background tasks; see graphs.<tool>.task.'),
    task_ttl_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TTL_MS, TTL_LIMIT)
      .default(3_600_000)
      .describe('How long a task (and its result) is kept after it was created (default one hour).'),
    max_wait_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS, TIMER_LIMIT)
      .default(45_000)
      .describe('For callers that cannot poll tasks: answer with a run handle once a call has run this long (below the 60 s most clients give up after).'),
    poll_interval_ms: z.number().int().positive().max(MAX_TIMER_MS, TIMER_LIMIT).default(1_000).describe('How often task callers are told to poll.'),
    task_lease_ms: z
      .number()
      .int()
      .min(300)
      .max(MAX_TIMER_MS, TIMER_LIMIT)
      .default(15_000)
      .describe('How long a worker\'s claim on a task (or a request\'s on a paused run it resumes) lasts unrenewed: after a crash, another process continues the task (or another answer resumes the run) this long after the last renewal.'),
    question_timeout_ms: z
      .number()
      .int()
      .positive()
      .max(MAX_TIMER_MS, TIMER_LIMIT)
      .default(600_000)
      .describe(
        'How long a 2025-era call waits on its open response stream for the answer to an elicitation/create request; after that it answers with a paused-run result (resume_run).',
      ),
    max_stored_runs_per_caller: z
      .number()
      .int()
      .min(0)
      .default(1_000)
      .describe(
        "The most runs one caller may have stored at once (paused runs, tasks and run handles, each kept until it expires, answered, ended or not): past it, a run that pauses ends with TOO_MANY_RUNS, a task is not created, and a call is not handed a run handle (it waits for its run). Callers without an identity share one count (on a server without authentication, every caller). 0: no limit.",
      ),
    max_content_bytes: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024)
      .describe('Largest content one tool result may carry: decoded images, audio and blobs plus text, in bytes.'),
  })
  .strict();

/** A PostgreSQL schema name graph-mcp accepts: a plain identifier, short enough to name its signal channel too (63 bytes). */
// PostgreSQL reserves names beginning "pg_" for its own schemas.
export const POSTGRES_SCHEMA_PATTERN = /^(?!pg_)[a-z_][a-z0-9_]{0,54}$/;

export const storeSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('sqlite'),
        path: z.string().min(1).default('.graph-mcp/state.sqlite').describe('The database file, relative to the config file; created on first use.'),
      })
      .strict(),
    z
      .object({
        type: z.literal('postgres'),
        url_env: envName()
          .default('DATABASE_URL')
          .describe('The environment variable holding the connection string (postgres://user:password@host:5432/db); the string itself never goes in the config.'),
        schema: z
          .string()
          .regex(POSTGRES_SCHEMA_PATTERN, 'a lower-case identifier of at most 55 characters, not beginning "pg_"')
          .default('graph_mcp')
          .describe('The schema holding every table of the store (created if missing); deployments sharing a database use different schemas.'),
        pool_size: z.number().int().positive().default(10).describe('Most database connections per process, besides one that listens for signals.'),
        statement_timeout_ms: z
          .number()
          .int()
          .nonnegative()
          .max(MAX_TIMER_MS, TIMER_LIMIT)
          .default(30_000)
          .describe('Longest any one statement may take, waiting for locks included, before the database cancels it and the request gets a store error; 0: no limit.'),
      })
      .strict()
      .describe('PostgreSQL: for several processes or machines serving the project.'),
    z.object({ type: z.literal('memory') }).strict().describe('In this process only: lost on restart; for tests.'),
    z.object({ type: z.literal('none') }).strict().describe('No store: a graph that calls interrupt() fails.'),
  ], {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const given = (issue.input as { type?: unknown } | undefined)?.type;
      return given === undefined ? 'required: one of "sqlite", "postgres", "memory", "none"' : `must be one of "sqlite", "postgres", "memory", "none", got ${JSON.stringify(given)}`;
    },
  })
  .describe('Where paused runs and their checkpoints are kept (default: SQLite beside the config).');

export const agentConfigSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1).optional().describe('Server name reported to MCP clients.'),
    graphs: z
      .record(
        toolNameKey,
        z.union([graphModuleRefSchema, graphEntrySchema], { error: 'expected "./module.ts:export" or an object with a "path"' }),
      )
      .refine((graphs) => Object.keys(graphs).length > 0, { message: 'list at least one graph' }),
    http: httpSchema.default(httpSchema.parse({})),
    defaults: runDefaultsSchema.default(runDefaultsSchema.parse({})),
    store: storeSchema.default({ type: 'sqlite', path: '.graph-mcp/state.sqlite' }),
    env: z
      .union([z.string().min(1), z.record(z.string(), z.string())], { error: 'expected a dotenv file path or an object of variable names to string values' })
      .optional()
      .describe('A dotenv file to load (path relative to the config file), or variables to set.'),
    auth: authSchema.optional(),
    secrets: secretsSchema.optional(),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  })
  .loose();

export type AgentConfigInput = z.input<typeof agentConfigSchema>;
export type AgentConfig = z.output<typeof agentConfigSchema>;
export type GraphEntryConfig = z.output<typeof graphEntrySchema>;
