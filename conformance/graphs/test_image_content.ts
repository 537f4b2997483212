/** `test_image_content`: one PNG image block. */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { RED_PIXEL_PNG } from './media.js';

const State = Annotation.Root({ content_blocks: Annotation<unknown[]> });

export const graph = new StateGraph(State)
  .addNode('draw', () => ({ content_blocks: [{ type: 'image', data: RED_PIXEL_PNG, mimeType: 'image/png' }] }))
  .addEdge(START, 'draw')
  .addEdge('draw', END)
  .compile();
