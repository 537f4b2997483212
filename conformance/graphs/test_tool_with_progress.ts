/**
 * `test_tool_with_progress`: two steps that each report what they do
 * through LangGraph's custom stream writer; graph-mcp sends a progress
 * notification per message and per finished node.
 */
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { setTimeout as sleep } from 'node:timers/promises';

const State = Annotation.Root({ content_blocks: Annotation<unknown[]> });

async function start(_state: unknown, config: LangGraphRunnableConfig) {
  config.writer?.({ message: 'starting' });
  await sleep(50, undefined, { signal: config.signal });
  return {};
}

async function finish(_state: unknown, config: LangGraphRunnableConfig) {
  config.writer?.({ message: 'finishing' });
  await sleep(50, undefined, { signal: config.signal });
  return { content_blocks: [{ type: 'text', text: 'Progress test completed' }] };
}

export const graph = new StateGraph(State)
  .addNode('start', start)
  .addNode('finish', finish)
  .addEdge(START, 'start')
  .addEdge('start', 'finish')
  .addEdge('finish', END)
  .compile();
