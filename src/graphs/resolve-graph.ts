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
  if (isCompiledGraph(value)) return servable(value, what);
  if (isUncompiledGraph(value)) {
    try {
      value = value.compile();
    } catch (cause) {
      throw new GraphMcpError('GRAPH_INVALID', `${what}: compiling the graph failed: ${messageOf(cause)}`, { cause });
    }
    if (isCompiledGraph(value)) return servable(value, what);
  }
  // A factory's result is what was wrong, not the factory.
  const got = typeof exported === 'function' && value !== exported ? `a function returning ${describe(value)}` : describe(exported);
  throw new GraphMcpError(
    'GRAPH_INVALID',
    `${what}: the export is not a LangGraph graph (expected a compiled graph, a StateGraph, or a function returning one; got ${got})`,
  );
}

/**
 * A graph graph-mcp can serve: LangGraph's (its nodes), or a `RemoteGraph`
 * (a deployed graph, by its id). Any other runnable (a chat model, a
 * `RunnableLambda`) has `invoke` too, but takes no state: every call failed.
 * Breakpoints compiled into the graph (`interruptBefore`, `interruptAfter`)
 * stop a run with nothing to ask; graph-mcp resumes only `interrupt()`, so
 * such a run answered its partial state as if it had finished.
 */
function servable(graph: RunnableGraph, what: string): RunnableGraph {
  type Candidate = RunnableGraph & { graph?: unknown; graphId?: unknown; interruptBefore?: unknown; interruptAfter?: unknown; lc_namespace?: unknown };
  const hasNodes = (value: Candidate | undefined) => value?.nodes !== null && typeof value?.nodes === 'object';
  // An agent of `createAgent` wraps its compiled graph (`agent.graph`).
  const inner = (graph as Candidate).graph;
  const candidate = (!hasNodes(graph) && inner !== null && typeof inner === 'object' ? inner : graph) as Candidate;
  const isGraph = hasNodes(candidate) || typeof candidate.graphId === 'string';
  if (!isGraph) {
    const kind = Array.isArray(candidate.lc_namespace) ? `a LangChain ${(graph as object).constructor.name}` : describe(graph);
    throw new GraphMcpError(
      'GRAPH_INVALID',
      `${what}: the export is not a LangGraph graph (got ${kind}, which has invoke() but no nodes); call it from a node of a StateGraph, or build an agent with createAgent`,
    );
  }
  for (const key of ['interruptBefore', 'interruptAfter'] as const) {
    const breakpoints = candidate[key];
    if (breakpoints === '*' || (Array.isArray(breakpoints) && breakpoints.length > 0)) {
      throw new GraphMcpError(
        'GRAPH_INVALID',
        `${what}: the graph was compiled with ${key} (${JSON.stringify(breakpoints)}): a breakpoint stops a run with no question to ask, and graph-mcp resumes only interrupt(); compile it without ${key}, and call interrupt() in the node that needs a person`,
      );
    }
  }
  return graph;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`;
  return typeof value;
}
