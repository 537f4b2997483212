/**
 * `test_tool_with_logging` and `test_logging_tool`: log messages written
 * with LangGraph's custom stream writer (`{ log, level? }`) become MCP
 * `notifications/message`, sent only at the level the caller asked for.
 */
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { setTimeout as sleep } from 'node:timers/promises';

const State = Annotation.Root({ content_blocks: Annotation<unknown[]> });

async function work(_state: unknown, config: LangGraphRunnableConfig) {
  config.writer?.({ log: 'Tool execution started' });
  await sleep(50, undefined, { signal: config.signal });
  config.writer?.({ log: 'Tool processing data' });
  await sleep(50, undefined, { signal: config.signal });
  config.writer?.({ log: 'Tool execution completed' });
  return { content_blocks: [{ type: 'text', text: 'Logging test completed' }] };
}

export const graph = new StateGraph(State).addNode('work', work).addEdge(START, 'work').addEdge('work', END).compile();
