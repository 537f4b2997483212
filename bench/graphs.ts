// Graphs for the benchmarks: deterministic, offline and as cheap as a graph
// can be, so that what is measured is the cost of serving them.
import { END, START, StateGraph } from '@langchain/langgraph';
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
