// Graphs for the benchmarks: as cheap as a graph can be, so the serving cost shows.
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

/** Ten trivial nodes in a line: ten progress notifications per run. */
const Counter = z.object({ text: z.string(), steps: z.number().default(0) });
let builder = new StateGraph(Counter) as unknown as StateGraph<typeof Counter>;
for (let i = 1; i <= 10; i += 1) builder = builder.addNode(`step${i}`, (s: z.infer<typeof Counter>) => ({ steps: s.steps + 1 })) as never;
builder = builder.addEdge(START, 'step1' as never) as never;
for (let i = 1; i < 10; i += 1) builder = builder.addEdge(`step${i}` as never, `step${i + 1}` as never) as never;
export const tenNodes = builder.addEdge('step10' as never, END).compile();
