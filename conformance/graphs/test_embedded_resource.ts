/** `test_embedded_resource`: one embedded text resource. */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';

const State = Annotation.Root({ content_blocks: Annotation<unknown[]> });

export const graph = new StateGraph(State)
  .addNode('attach', () => ({
    content_blocks: [
      {
        type: 'resource',
        resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
      },
    ],
  }))
  .addEdge(START, 'attach')
  .addEdge('attach', END)
  .compile();
