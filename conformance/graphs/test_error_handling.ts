/** `test_error_handling`: a node that throws; graph-mcp answers with an `isError` result. */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';

const State = Annotation.Root({ content_blocks: Annotation<unknown[]> });

export const graph = new StateGraph(State)
  .addNode('fail', (): { content_blocks: unknown[] } => {
    throw new Error('This tool intentionally returns an error for testing');
  })
  .addEdge(START, 'fail')
  .addEdge('fail', END)
  .compile();
