import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { GraphMcpError } from '../errors.js';
import { agentConfigSchema, type AgentConfig, type GraphEntryConfig } from './schema.js';
import { parseModuleRef, type ModuleRef } from './module-ref.js';
import { parseConfigText } from './parse-json.js';
import { setAsideLangGraphKeys } from './langgraph-keys.js';

/** The top-level keys of agent.config.json. */
const OWN_KEYS: ReadonlySet<string> = new Set(Object.keys(agentConfigSchema.shape));

export type SchemaSource =
  | { kind: 'inline'; schema: Record<string, unknown> }
  | { kind: 'module'; ref: ModuleRef };

export interface ResolvedGraphEntry {
  /** The tool name: the key under `graphs`. */
  name: string;
  module: ModuleRef;
  title: string | undefined;
  description: string | undefined;
  inputSchema: SchemaSource | undefined;
  outputSchema: SchemaSource | undefined;
  annotations: GraphEntryConfig['annotations'];
  timeoutMs: number;
  recursionLimit: number;
  /** The entry names its own `recursion_limit` (else `recursionLimit` is the default's, and a limit the graph was compiled with comes first). */
  recursionLimitSet: boolean;
  /** `context`: LangGraph's runtime context for every run. */
  context: Record<string, unknown> | undefined;
  task: 'never' | 'optional' | 'required';
  /** Nodes where a 2026-07-28 task begins (`task_starts_at`); `undefined`: at once. */
  taskStartsAt: string[] | undefined;
  maxWaitMs: number;
  access: { scopes: string[]; rule: ModuleRef | undefined };
  /** Client capabilities a caller must declare (`client_capabilities`). */
  clientCapabilities: Record<string, Record<string, unknown>> | undefined;
  maxContentBytes: number;
}

/** `agent.config.json` after validation, defaults and path resolution. */
export interface ResolvedConfig {
  /** Absolute path of the file read, or `undefined` for a config given as a value. */
  configPath: string | undefined;
  /** Directory that relative paths in the config are resolved against. */
  baseDir: string;
  name: string;
  graphs: ResolvedGraphEntry[];
  http: AgentConfig['http'];
  defaults: AgentConfig['defaults'];
  /** Where paused runs live; a SQLite path is absolute. */
  store: AgentConfig['store'];
  env: { file: string } | { values: Record<string, string> } | undefined;
  auth: AgentConfig['auth'];
  secrets: AgentConfig['secrets'];
  logLevel: AgentConfig['log_level'];
  /** `langgraph.json` keys set aside (JSON paths): they configure what graph-mcp does not serve. */
  ignoredKeys: string[];
  /** Top-level keys neither graph-mcp nor LangGraph knows (a misspelt one): ignored. */
  unknownKeys: string[];
}

export const DEFAULT_CONFIG_FILE = 'agent.config.json';

/** For a missing agent.config.json: a langgraph.json beside it is likely the project's config. */
function langGraphBeside(absolute: string): string {
  if (path.basename(absolute) !== DEFAULT_CONFIG_FILE) return '';
  const beside = path.join(path.dirname(absolute), 'langgraph.json');
  return existsSync(beside) ? ` (${beside} is there: give that file as the config, --config ${path.relative(process.cwd(), beside) || 'langgraph.json'})` : '';
}

/**
 * Reads, validates and resolves a config file. Every failure is a
 * `GraphMcpError` whose message names the file, the JSON path of the bad
 * field and what was expected.
 */
export async function loadConfigFile(configPath: string): Promise<ResolvedConfig> {
  const absolute = path.resolve(configPath);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new GraphMcpError(
      code === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID',
      code === 'ENOENT' ? `${absolute}: config file not found${langGraphBeside(absolute)}` : `${absolute}: cannot read config file (${code ?? 'error'})`,
      { cause },
    );
  }
  const raw = parseConfigText(text, absolute);
  return resolveConfig(raw, { baseDir: path.dirname(absolute), source: absolute });
}

/**
 * Validates and resolves a config value (the parsed contents of
 * `agent.config.json`). `source` names it in error messages.
 */
export function resolveConfig(raw: unknown, options: { baseDir: string; source?: string }): ResolvedConfig {
  const source = options.source ?? 'config';
  const { config: own, ignored, unknown, problems } = setAsideLangGraphKeys(raw, OWN_KEYS);
  // JSON makes "__proto__" an own key; copied into an object it would set the prototype, and the
  // graph would vanish without a word.
  const graphsIn = (own as { graphs?: unknown } | null | undefined)?.graphs;
  if (graphsIn !== null && typeof graphsIn === 'object' && Object.hasOwn(graphsIn, '__proto__')) {
    problems.push('graphs.__proto__: not a name a graph may have; rename it');
  }
  if (problems.length > 0) throw new GraphMcpError('CONFIG_INVALID', `${source}: invalid config\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  const parsed = agentConfigSchema.safeParse(own);
  if (!parsed.success) {
    // A top-level key graph-mcp does not know, beside the errors: a misspelt "graphs" is the likely cause.
    const aside = unknown.length > 0 ? `\n  (unknown top-level keys, ignored: ${unknown.join(', ')}; misspelt?)` : '';
    throw new GraphMcpError('CONFIG_INVALID', formatIssues(source, parsed.error.issues) + aside);
  }
  const config = parsed.data;
  const baseDir = path.resolve(options.baseDir);

  const graphs = Object.entries(config.graphs).map(([name, entry]): ResolvedGraphEntry => {
    const object = typeof entry === 'string' ? { path: entry } : entry;
    const at = `graphs.${name}`;
    return {
      name,
      module: parseModuleRef(object.path, baseDir, `${source}: ${at}.path`, { defaultExport: true }),
      title: 'title' in object ? object.title : undefined,
      description: 'description' in object ? object.description : undefined,
      inputSchema: schemaSource('input_schema' in object ? object.input_schema : undefined, baseDir, `${source}: ${at}.input_schema`),
      outputSchema: schemaSource('output_schema' in object ? object.output_schema : undefined, baseDir, `${source}: ${at}.output_schema`),
      annotations: 'annotations' in object ? object.annotations : undefined,
      timeoutMs: ('timeout_ms' in object ? object.timeout_ms : undefined) ?? config.defaults.timeout_ms,
      recursionLimit: ('recursion_limit' in object ? object.recursion_limit : undefined) ?? config.defaults.recursion_limit,
      recursionLimitSet: 'recursion_limit' in object && object.recursion_limit !== undefined,
      context: 'context' in object ? object.context : undefined,
      task: ('task' in object ? object.task : undefined) ?? config.defaults.task,
      taskStartsAt: 'task_starts_at' in object && object.task_starts_at !== undefined ? [object.task_starts_at].flat() : undefined,
      maxWaitMs: ('max_wait_ms' in object ? object.max_wait_ms : undefined) ?? config.defaults.max_wait_ms,
      access: {
        scopes: ('access' in object ? object.access?.scopes : undefined) ?? [],
        rule:
          'access' in object && object.access?.path
            ? parseModuleRef(object.access.path, baseDir, `${source}: ${at}.access.path`)
            : undefined,
      },
      clientCapabilities: 'client_capabilities' in object ? object.client_capabilities : undefined,
      maxContentBytes: config.defaults.max_content_bytes,
    };
  });

  return {
    configPath: options.source === undefined ? undefined : options.source,
    baseDir,
    name: config.name ?? 'graph-mcp',
    graphs,
    http: config.http,
    defaults: config.defaults,
    store: config.store.type === 'sqlite' ? { ...config.store, path: path.resolve(baseDir, config.store.path) } : config.store,
    env:
      config.env === undefined
        ? undefined
        : typeof config.env === 'string'
          ? { file: path.resolve(baseDir, config.env) }
          : { values: config.env },
    auth: config.auth,
    secrets: config.secrets,
    logLevel: config.log_level,
    ignoredKeys: ignored,
    unknownKeys: unknown,
  };
}

function schemaSource(value: string | Record<string, unknown> | undefined, baseDir: string, where: string): SchemaSource | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return { kind: 'module', ref: parseModuleRef(value, baseDir, where) };
  return { kind: 'inline', schema: value };
}

/** What a key people try, and graph-mcp refuses, should be instead. */
const KEY_HINTS: Record<string, string> = {
  'store.url': 'the connection string stays out of the config: put it in an environment variable, which store.url_env names (default DATABASE_URL)',
};

function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.flatMap((issue) => explain(issue, [])).map(({ path, message }) => {
    const at = path.length === 0 ? '(top level)' : path.map(String).join('.');
    return `  ${at}: ${message}`;
  });
  return `${source}: invalid config\n${[...new Set(lines)].join('\n')}`;
}

/**
 * A graph entry is a string or an object, so zod reports a bad field inside
 * the object as "Invalid input" on the entry. Explain the union by the
 * branch that got furthest into the value: that is what the user meant.
 */
function explain(issue: z.core.$ZodIssue, prefix: PropertyKey[]): Array<{ path: PropertyKey[]; message: string }> {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const depth = (branch: z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
    const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0]!;
    if (depth(best) > 0) return best.flatMap((inner) => explain(inner, path));
  }
  // A record's key refused (a tool name): what is wrong with it, not only that it is.
  if (issue.code === 'invalid_key' && issue.issues.length > 0) return issue.issues.map((inner) => ({ path, message: inner.message }));
  if (issue.code === 'unrecognized_keys') {
    const hints = issue.keys.map((key) => KEY_HINTS[[...path, key].join('.')]).filter((hint) => hint !== undefined);
    if (hints.length > 0) return [{ path, message: `${issue.message} (${hints.join('; ')})` }];
  }
  // zod says a missing field is "Invalid input: expected record, received undefined".
  if (issue.code === 'invalid_type' && / received undefined$/.test(issue.message)) return [{ path, message: `required (${issue.expected})` }];
  return [{ path, message: issue.message }];
}
