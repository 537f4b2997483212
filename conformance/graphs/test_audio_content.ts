/** `test_audio_content`: one WAV audio block, returned as raw bytes (graph-mcp encodes them). */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { toneWav } from './media.js';

const State = Annotation.Root({ content_blocks: Annotation<unknown[]> });

export const graph = new StateGraph(State)
  .addNode('record', () => ({ content_blocks: [{ type: 'audio', data: toneWav(), mimeType: 'audio/wav' }] }))
  .addEdge(START, 'record')
  .addEdge('record', END)
  .compile();
