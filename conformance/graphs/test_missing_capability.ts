/**
 * `test_missing_capability`: a graph that would ask the caller's model for
 * a completion, so its config entry requires the `sampling` client
 * capability; a 2026-07-28 caller without it is refused before the run.
 */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';

const State = Annotation.Root({ content_blocks: Annotation<unknown[]> });

export const graph = new StateGraph(State)
  .addNode('reply', () => ({ content_blocks: [{ type: 'text', text: 'The client declared sampling.' }] }))
  .addEdge(START, 'reply')
  .addEdge('reply', END)
  .compile();
