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
const names = Array.from({ length: TEN_STEPS }, (_, i) => `step${i + 1}`);
// Node names typed as plain strings (not literals), so the line can be built in a loop.
let line = new StateGraph(Counter).addNode(names[0]!, step);
for (const name of names.slice(1)) line = line.addNode(name, step);
line = line.addEdge(START, names[0]!);
names.slice(1).forEach((name, i) => {
  line = line.addEdge(names[i]!, name);
});
export const tenNodes = line.addEdge(names.at(-1)!, END).compile();

/** `tenNodes` with its state declared with Annotation instead of zod. */
const CounterState = Annotation.Root({ text: Annotation<string>(), steps: Annotation<number>({ reducer: (_, next) => next, default: () => 0 }) });
const countStep = (state: typeof CounterState.State) => ({ steps: state.steps + 1 });
let annotatedLine = new StateGraph(CounterState).addNode(names[0]!, countStep);
for (const name of names.slice(1)) annotatedLine = annotatedLine.addNode(name, countStep);
annotatedLine = annotatedLine.addEdge(START, names[0]!);
names.slice(1).forEach((name, i) => {
  annotatedLine = annotatedLine.addEdge(names[i]!, name);
});
export const tenNodesAnnotation = annotatedLine.addEdge(names.at(-1)!, END).compile();

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
const slowNames = Array.from({ length: 10 }, (_, i) => `slow${i + 1}`);
let slowLine = new StateGraph(Slow).addNode(slowNames[0]!, slowStep);
for (const name of slowNames.slice(1)) slowLine = slowLine.addNode(name, slowStep);
slowLine = slowLine.addEdge(START, slowNames[0]!);
slowNames.slice(1).forEach((name, i) => {
  slowLine = slowLine.addEdge(slowNames[i]!, name);
});
export const slowSteps = slowLine.addEdge(slowNames.at(-1)!, END).compile();

/** The graphs `invoke-client.ts` can time, by name; each takes `{ text }`. */
export const BENCH_GRAPHS = { trivial, trivialAnnotation, tenNodes, tenNodesAnnotation };
export type BenchGraphName = keyof typeof BENCH_GRAPHS;
