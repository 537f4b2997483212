/** `test_simple_text`: one text block, from the `content_blocks` channel. */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';

const State = Annotation.Root({ content_blocks: Annotation<unknown[]> });

export const graph = new StateGraph(State)
  .addNode('reply', () => ({ content_blocks: [{ type: 'text', text: 'This is a simple text response for testing.' }] }))
  .addEdge(START, 'reply')
  .addEdge('reply', END)
  .compile();
