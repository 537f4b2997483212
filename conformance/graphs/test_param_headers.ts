/**
 * `test_param_headers`: its input schema (in the config) marks `region`
 * with `x-mcp-header`, so 2026-07-28 clients repeat it in an
 * `Mcp-Param-Region` header that graph-mcp checks against the body.
 */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';

const State = Annotation.Root({
  region: Annotation<string>,
  query: Annotation<string>,
  routed_to: Annotation<string>,
});

export const graph = new StateGraph(State)
  .addNode('route', (state) => ({ routed_to: `cluster-${state.region}` }))
  .addEdge(START, 'route')
  .addEdge('route', END)
  .compile();
