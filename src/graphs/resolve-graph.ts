import { GraphMcpError, messageOf } from '../errors.js';
import { startupMessageOf } from './load-module.js';

/**
 * The part of a compiled LangGraph graph that graph-mcp uses. Duck-typed on
 * purpose: the project's graphs are built with the project's own copy of
 * `@langchain/langgraph`, so `instanceof` against ours would be wrong.
 */
export interface RunnableGraph {
  invoke(input: unknown, config?: Record<string, unknown>): Promise<unknown>;
  stream(input: unknown, config?: Record<string, unknown>): Promise<AsyncIterable<unknown>>;
  getName?(): string;
  builder?: unknown;
  nodes?: Record<string, unknown>;
}

export function isCompiledGraph(value: unknown): value is RunnableGraph {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RunnableGraph).invoke === 'function' &&
    typeof (value as RunnableGraph).stream === 'function'
  );
}

function isUncompiledGraph(value: unknown): value is { compile(): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { compile?: unknown }).compile === 'function';
}

/**
 * Turns a graph export into a compiled graph: a compiled graph is used as
 * is, a `StateGraph` is compiled, and a function (sync or async, the
 * `langgraph.json` "graph factory" form) is called once with an empty
 * config and its result resolved the same way.
 */
export async function resolveGraph(exported: unknown, what: string): Promise<RunnableGraph> {
  let value = exported;
  if (typeof value === 'function' && !isCompiledGraph(value)) {
    try {
      value = await (value as (config: unknown) => unknown)({ configurable: {} });
    } catch (cause) {
      throw new GraphMcpError('GRAPH_INVALID', `${what}: the graph factory threw: ${startupMessageOf(cause)}`, { cause });
    }
  }
  if (isCompiledGraph(value)) return value;
  if (isUncompiledGraph(value)) {
    try {
      value = value.compile();
    } catch (cause) {
      throw new GraphMcpError('GRAPH_INVALID', `${what}: compiling the graph failed: ${messageOf(cause)}`, { cause });
    }
    if (isCompiledGraph(value)) return value;
  }
  // A factory's result is what was wrong, not the factory.
  const got = typeof exported === 'function' && value !== exported ? `a function returning ${describe(value)}` : describe(exported);
  throw new GraphMcpError(
    'GRAPH_INVALID',
    `${what}: the export is not a LangGraph graph (expected a compiled graph, a StateGraph, or a function returning one; got ${got})`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`;
  return typeof value;
}
