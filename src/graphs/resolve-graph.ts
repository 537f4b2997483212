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
 * Refuses what graph-mcp can take for a graph but not serve. A chat model or
 * an LLM has `invoke()` too, but takes no state: every call of it failed. (Any
 * other runnable, a chain or a `RunnableLambda`, is served as before: its
 * output is the result.) Breakpoints compiled into a graph (`interruptBefore`,
 * `interruptAfter`) stop a run with nothing to ask; graph-mcp resumes only
 * `interrupt()`, so such a run answered its partial state as if it had
 * finished. Looked for through an agent's wrapper (`createAgent`'s
 * `agent.graph`) and a binding (`.withRetry()`, `.withConfig()`).
 */
function servable(graph: RunnableGraph, what: string): RunnableGraph {
  type Candidate = { lc_namespace?: unknown; _llmType?: unknown };
  const candidate = graph as unknown as Candidate;
  const namespace = Array.isArray(candidate.lc_namespace) ? (candidate.lc_namespace as unknown[]) : [];
  if (namespace.includes('chat_models') || namespace.includes('llms') || typeof candidate._llmType === 'function') {
    throw new GraphMcpError(
      'GRAPH_INVALID',
      `${what}: the export is a model (${(graph as object).constructor.name}), not a graph: it takes messages, not a state; call it from a node of a StateGraph, or build an agent with createAgent`,
    );
  }
  for (const [where, layer] of breakpointHolders(graph)) {
    for (const key of ['interruptBefore', 'interruptAfter'] as const) {
      // Compiled in, or bound by `.withConfig({ interruptBefore })` (LangGraph honours both).
      for (const breakpoints of [layer[key], layer.config?.[key]]) {
        if (breakpoints === '*' || (Array.isArray(breakpoints) && breakpoints.length > 0)) {
          throw new GraphMcpError(
            'GRAPH_INVALID',
            `${what}: ${where} has breakpoints, ${key} (${JSON.stringify(breakpoints)}): a breakpoint stops a run with no question to ask, and graph-mcp resumes only interrupt(); remove ${key}, and call interrupt() in the node that needs a person`,
          );
        }
      }
    }
  }
  return graph;
}

type BreakpointHolder = { interruptBefore?: unknown; interruptAfter?: unknown; config?: { interruptBefore?: unknown; interruptAfter?: unknown } };

/**
 * Where a graph can hold breakpoints: each of its layers, and each subgraph
 * that is a node of it, at any depth (LangGraph's `getSubgraphs`). A
 * subgraph called from inside a node's function is not seen here; a run
 * that stops at its breakpoint is refused as it ends (see `runGraph`).
 */
function breakpointHolders(graph: RunnableGraph): Array<[string, BreakpointHolder]> {
  const holders: Array<[string, BreakpointHolder]> = [];
  // One level at a time: a subgraph that cannot list its own (a RemoteGraph's listing is
  // asynchronous) leaves the others to be looked through.
  const walk = (layers: object[], where: string, depth: number) => {
    for (const layer of layers as Array<BreakpointHolder & { getSubgraphs?: () => Iterable<[string, unknown]> }>) {
      holders.push([where, layer]);
      if (typeof layer.getSubgraphs !== 'function' || depth >= MAX_SUBGRAPH_DEPTH) continue;
      let subgraphs: Array<[string, unknown]>;
      try {
        subgraphs = [...layer.getSubgraphs()];
      } catch {
        continue; // its runs are checked as they end
      }
      for (const [name, subgraph] of subgraphs) {
        if (subgraph !== null && typeof subgraph === 'object') walk(graphLayers(subgraph as RunnableGraph), `its subgraph "${name}"`, depth + 1);
      }
    }
  };
  walk(graphLayers(graph), 'the graph', 0);
  return holders;
}

/** How deep subgraphs are looked through for breakpoints; deeper ones are checked as their runs end. */
const MAX_SUBGRAPH_DEPTH = 16;

/**
 * A graph and what it wraps: `createAgent`'s agent its compiled graph
 * (`agent.graph`), a binding (`.withRetry()`, `.withConfig()`) the runnable
 * it calls (`.bound`).
 */
export function graphLayers(graph: RunnableGraph): object[] {
  const outer = graph as { graph?: unknown; bound?: unknown };
  return [graph, outer.graph, outer.bound].filter((layer): layer is object => layer !== null && typeof layer === 'object');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 5).join(', ') || '(none)'}`;
  return typeof value;
}
