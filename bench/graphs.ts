// Graphs for the benchmarks: deterministic, offline and as cheap as a graph
// can be, so that what is measured is the cost of serving them.
import { appendFileSync } from 'node:fs';
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { z } from 'zod';

const Input = z.object({ text: z.string() });
const Output = z.object({ echoed: z.string() });

/** One node: returns its input. */
export const trivial = new StateGraph({ state: Input.extend({ echoed: z.string().optional() }), input: Input, output: Output })
  .addNode('echo', (state: { text: string }) => ({ echoed: state.text }))
  .addEdge(START, 'echo')
  .addEdge('echo', END)
  .compile();

export const TEN_STEPS = 10;

/** `trivial` with its state declared with Annotation instead of zod (no typed tool schema; same work). */
const EchoState = Annotation.Root({ text: Annotation<string>(), echoed: Annotation<string | undefined>() });
export const trivialAnnotation = new StateGraph(EchoState)
  .addNode('echo', (state) => ({ echoed: state.text }))
  .addEdge(START, 'echo')
  .addEdge('echo', END)
  .compile();

/** Ten trivial synchronous nodes in a line: one progress notification per node. */
const Counter = z.object({ text: z.string(), steps: z.number().default(0) });
const step = (state: z.infer<typeof Counter>) => ({ steps: state.steps + 1 });
/** `action` under `count` names (`<prefix>1` on), to chain with `addSequence`, START and END. */
function inALine<A>(prefix: string, count: number, action: A): { nodes: Array<[string, A]>; first: string; last: string } {
  const nodes = Array.from({ length: count }, (_, i): [string, A] => [`${prefix}${i + 1}`, action]);
  return { nodes, first: nodes[0]![0], last: nodes.at(-1)![0] };
}
const steps = inALine('step', TEN_STEPS, step);
export const tenNodes = new StateGraph(Counter).addSequence(steps.nodes).addEdge(START, steps.first).addEdge(steps.last, END).compile();

/** `tenNodes` with its state declared with Annotation instead of zod. */
const CounterState = Annotation.Root({ text: Annotation<string>(), steps: Annotation<number>({ reducer: (_, next) => next, default: () => 0 }) });
const countSteps = inALine('step', TEN_STEPS, (state: typeof CounterState.State) => ({ steps: state.steps + 1 }));
export const tenNodesAnnotation = new StateGraph(CounterState).addSequence(countSteps.nodes).addEdge(START, countSteps.first).addEdge(countSteps.last, END).compile();

/**
 * Ten nodes of 200 ms each, each appending "<label> <time>" to the file named
 * by GRAPH_MCP_BENCH_STEPS, so a load generator in another process can see
 * whether a run went on after its client left. Honours the abort signal.
 */
const Slow = z.object({ label: z.string(), steps: z.number().default(0) });
const slowStep = async (state: z.infer<typeof Slow>, config: { signal?: AbortSignal }) => {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, 200);
    config.signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('aborted'))), { once: true });
  });
  const file = process.env.GRAPH_MCP_BENCH_STEPS;
  if (file) appendFileSync(file, `${state.label} ${Date.now()}\n`);
  return { steps: state.steps + 1 };
};
const slow = inALine('slow', 10, slowStep);
export const slowSteps = new StateGraph(Slow).addSequence(slow.nodes).addEdge(START, slow.first).addEdge(slow.last, END).compile();

/** The graphs `invoke-client.ts` can time, by name; each takes `{ text }`. */
export const BENCH_GRAPHS = { trivial, trivialAnnotation, tenNodes, tenNodesAnnotation };
export type BenchGraphName = keyof typeof BENCH_GRAPHS;
