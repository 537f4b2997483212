import type { Tool } from '@modelcontextprotocol/server';
import type { ResolvedConfig, ResolvedGraphEntry, SchemaSource } from '../config/load.js';
import { loadAccessRule } from '../auth/access.js';
import { importExport, prepareTypeScript } from './load-module.js';
import { setLoadingNow } from './loading-now.js';
import { GraphMcpError, isGraphMcpError } from '../errors.js';

import { interopSafeParse, isInteropZodSchema } from '@langchain/core/utils/types';
import { issuesMessage } from '../run/graph-errors.js';
import { graphLayers, resolveGraph, type RunnableGraph } from './resolve-graph.js';
import { graphInputSchema, graphOutputSchema, propertiesOf, schemaExportToJsonSchema, type JsonSchema } from './schemas.js';
import { RESERVED_TOOL_NAMES } from '../config/schema.js';
import { buildGraphTool, type GraphTool } from './tool.js';

/** Every tool, computed once at start-up; lookups are O(1). */
export interface ToolRegistry {
  readonly tools: readonly GraphTool[];
  /** The `tools/list` entries, in config order. */
  readonly definitions: readonly Tool[];
  get(name: string): GraphTool | undefined;
}

export function createToolRegistry(tools: readonly GraphTool[]): ToolRegistry {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const definitions = tools.map((tool) => tool.definition);
  return {
    tools,
    definitions,
    get: (name) => byName.get(name),
  };
}

/** How long a graph may take to load before a warning says which one start-up waits for. */
export const SLOW_LOAD_WARNING_MS = 10_000;

/**
 * Imports, compiles and describes every graph in the config. Fails once
 * every graph was tried, naming each bad one (the first one's code). One whose module has not finished loading
 * after `SLOW_LOAD_WARNING_MS` is named in a warning (start-up goes on
 * waiting): its top-level code may await what never comes, with a timer
 * (a client's reconnect loop) keeping the process from ever noticing.
 */
export async function loadGraphTools(config: Pick<ResolvedConfig, 'graphs'>, options: { onSlowLoad?: (graph: string, spec: string, ms: number) => void; slowLoadMs?: number } = {}): Promise<ToolRegistry> {
  const tools: GraphTool[] = [];
  const schemaFiles = (source: SchemaSource | undefined) => (source?.kind === 'module' ? [source.ref.file] : []);
  await prepareTypeScript(
    config.graphs.flatMap((entry) => [entry.module.file, ...schemaFiles(entry.inputSchema), ...schemaFiles(entry.outputSchema), ...(entry.access.rule ? [entry.access.rule.file] : [])]),
  );
  // Every graph is tried: a config with several mistakes is told of all of them at once, as
  // the config's own are, not one per start-up.
  const failures: GraphMcpError[] = [];
  for (const entry of config.graphs) {
    const ms = options.slowLoadMs ?? SLOW_LOAD_WARNING_MS;
    // Said while start-up waits; once a graph has failed, it waits no longer than that (below).
    const slow = failures.length === 0 && options.onSlowLoad ? setTimeout(() => options.onSlowLoad!(entry.name, entry.module.spec, ms), ms).unref() : undefined;
    setLoadingNow({ name: entry.name, spec: entry.module.spec });
    // Once one has failed, start-up will fail: a later module slow to load (or that never does)
    // does not hold back what is known past the slow-load warning's time; it is named as still loading.
    let stillLoading: ReturnType<typeof setTimeout> | undefined;
    const loading = loadGraphTool(entry);
    const givenUp =
      failures.length === 0
        ? undefined
        : new Promise<undefined>((resolve) => {
            stillLoading = setTimeout(() => resolve(undefined), ms);
          });
    try {
      const tool = givenUp === undefined ? await loading : await Promise.race([loading, givenUp]);
      if (tool === undefined) {
        loading.catch(() => undefined);
        const untried = config.graphs.slice(config.graphs.indexOf(entry) + 1).map((later) => `"${later.name}"`);
        failures.push(
          new GraphMcpError(
            'MODULE_LOAD_FAILED',
            `graph "${entry.name}": still loading after ${ms / 1000} s (${entry.module.spec}); not waited for, as start-up fails anyway${untried.length > 0 ? ` (not tried after it: ${untried.join(', ')})` : ''}`,
          ),
        );
        break;
      }
      tools.push(tool);
    } catch (error) {
      if (!isGraphMcpError(error)) throw error;
      failures.push(error);
    } finally {
      clearTimeout(slow);
      clearTimeout(stillLoading);
      setLoadingNow(undefined);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new GraphMcpError(failures[0]!.code, `${failures.length} graphs failed to load:\n${failures.map((failure) => `- ${failure.message}`).join('\n')}`, {
      cause: failures[0],
      details: { failures: failures.map((failure) => ({ code: failure.code, message: failure.message })) },
    });
  }
  return createToolRegistry(tools);
}

export async function loadGraphTool(entry: ResolvedGraphEntry): Promise<GraphTool> {
  const what = `graph "${entry.name}"`;
  if (RESERVED_TOOL_NAMES.includes(entry.name)) {
    throw new GraphMcpError('TOOL_NAME_INVALID', `${what}: "${entry.name}" is the name of one of graph-mcp's own tools; rename the graph`);
  }
  const graph = await resolveGraph(await importExport(entry.module, what), what);
  const ownInput = graphInputSchema(graph);
  const ownOutput = graphOutputSchema(graph);
  const configInput = await fromSource(entry.inputSchema, 'input', `${what}: input_schema`);
  const configOutput = await fromSource(entry.outputSchema, 'output', `${what}: output_schema`);
  return buildGraphTool({
    name: entry.name,
    title: entry.title,
    description: entry.description ?? graphDescription(graph),
    annotations: entry.annotations,
    graph,
    timeoutMs: entry.timeoutMs,
    // A limit the graph was bound to (`.withConfig({ recursionLimit })`) is the graph author's; the entry's own overrides it, the default does not.
    recursionLimit: entry.recursionLimitSet ? entry.recursionLimit : (boundRecursionLimit(graph) ?? entry.recursionLimit),
    context: runContext(graph, entry, what),
    task: entry.task,
    taskStartsAt: entry.taskStartsAt,
    maxWaitMs: entry.maxWaitMs,
    requiredScopes: entry.access.scopes,
    accessRule: entry.access.rule ? await loadAccessRule(entry.access.rule, `${what}: access.path`) : undefined,
    requiredClientCapabilities: entry.clientCapabilities,
    maxContentBytes: entry.maxContentBytes,
    inputSchema: configInput ?? ownInput,
    inputSource: configInput ? 'config' : 'graph',
    outputSchema: configOutput ?? ownOutput,
    outputSource: configOutput ? 'config' : 'graph',
    graphInputFields: Object.keys(propertiesOf(ownInput) ?? {}),
    graphOutputFields: Object.keys(propertiesOf(ownOutput) ?? {}),
  });
}

async function fromSource(source: SchemaSource | undefined, io: 'input' | 'output', what: string): Promise<JsonSchema | undefined> {
  if (source === undefined) return undefined;
  if (source.kind === 'inline') return source.schema;
  return schemaExportToJsonSchema(await importExport(source.ref, what), io, what);
}

/** The description the graph was compiled with (`.compile({ description })`, on it or a layer it wraps), if any. */
function graphDescription(graph: RunnableGraph): string | undefined {
  for (const layer of graphLayers(graph)) {
    const description = (layer as { description?: unknown }).description;
    if (typeof description === 'string' && description.trim() !== '') return description;
  }
  return undefined;
}

/** The recursion limit a graph was bound to with `.withConfig({ recursionLimit })`, which a call's own limit would override. */
function boundRecursionLimit(graph: unknown): number | undefined {
  const limit = (graph as { config?: { recursionLimit?: unknown } } | null)?.config?.recursionLimit;
  return Number.isSafeInteger(limit) && (limit as number) > 0 ? (limit as number) : undefined;
}

/**
 * The runtime context every run is given (`runtime.context`): the entry's
 * `context`; else, for a compiled graph with a context schema and no
 * context bound with `.withConfig({ context })` (on it, or on the binding
 * around it), an empty one. Given none, LangGraph checks the run's
 * `configurable` against that schema instead, which holds graph-mcp's own
 * keys: a strict schema refused every call. A wrapper whose own config is
 * out of sight (a `createAgent` agent) is given only the entry's context:
 * an empty one would replace what it was bound to. A context the schema
 * refuses (a required field no one gives) is a start-up error, not a
 * failure of every call.
 */
function runContext(graph: RunnableGraph, entry: ResolvedGraphEntry, what: string): Record<string, unknown> | undefined {
  const layers = [graph, (graph as { bound?: unknown }).bound].filter((layer): layer is object => layer !== null && typeof layer === 'object');
  const schemaOf = (layer: object) => (layer as { builder?: { _configRuntimeSchema?: unknown } }).builder?._configRuntimeSchema;
  const bound = layers.some((layer) => (layer as { config?: { context?: unknown } }).config?.context !== undefined);
  const schema = graphLayers(graph).map(schemaOf).find((found) => found !== undefined);
  // A compiled graph (a Pregel: it has channels) shows its config; a createAgent agent also has a builder, but not that.
  const seen = (layer: object) => typeof (layer as { channels?: unknown }).channels === 'object' && schemaOf(layer) !== undefined;
  const context = entry.context ?? (!bound && layers.some(seen) ? {} : undefined);
  if (schema !== undefined && context !== undefined && isInteropZodSchema(schema)) {
    const checked = interopSafeParse(schema, context);
    if (!checked.success) {
      throw new GraphMcpError(
        'CONFIG_INVALID',
        `${what}: its context schema refuses ${entry.context !== undefined ? `graphs.${entry.name}.context` : 'an empty context'} (${issuesMessage(checked.error)}): give the runtime context every run gets in graphs.${entry.name}.context`,
      );
    }
  }
  return context;
}
