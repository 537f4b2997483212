/** `test_multiple_content_types`: text, an image and an embedded JSON resource in one result. */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { RED_PIXEL_PNG } from './media.js';

const State = Annotation.Root({ content_blocks: Annotation<unknown[]> });

export const graph = new StateGraph(State)
  .addNode('compose', () => ({
    content_blocks: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) },
      },
    ],
  }))
  .addEdge(START, 'compose')
  .addEdge('compose', END)
  .compile();
