// A LangGraph agent using MultiServerMCPClient (2025-era, no elicitation) relays a
// graph's question to its user and finishes the run through resume_run.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { FakeChatModel } from '@langchain/core/utils/testing';
import { END, MemorySaver, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import { EXAMPLES_CONFIG, startServer, type TestServer } from '../helpers/server.js';

/**
 * A scripted model playing a real agent's part: it calls the refund tool,
 * relays a paused run's question to its user, turns the user's reply into
 * a resume_run call, and reports the outcome.
 */
class RelayingModel extends FakeChatModel {
  override bindTools(_tools: unknown[]): this {
    return this;
  }

  override async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const last = messages.at(-1)!;
    const paused = [...messages].reverse().find((m) => m.getType() === 'tool' && /resume_run/.test(String(m.content)));
    let reply: AIMessage;
    if (last.getType() === 'tool' && /resume_run/.test(String(last.content))) {
      const question = /Question: (.*)/.exec(String(last.content))?.[1] ?? '?';
      reply = new AIMessage(`Before I can finish, I need to know: ${question}`);
    } else if (last.getType() === 'tool') {
      reply = new AIMessage(`Finished: ${String(last.content)}`);
    } else if (paused !== undefined) {
      const runId = /"run_id": "([^"]+)"/.exec(String(paused.content))![1]!;
      const approved = /yes/i.test(String(last.content));
      reply = new AIMessage({ content: '', tool_calls: [{ id: 'call_resume', name: 'resume_run', args: { run_id: runId, answer: { approved } } }] });
    } else {
      reply = new AIMessage({ content: '', tool_calls: [{ id: 'call_refund', name: 'refund_approval', args: { customer: 'Ada', amount: 250 } }] });
    }
    return { generations: [{ text: typeof reply.content === 'string' ? reply.content : '', message: reply }] };
  }
}

let server: TestServer;
before(async () => {
  server = await startServer(EXAMPLES_CONFIG);
});
after(() => server.close(0));

test('an agent relays the question to its user and completes the paused run through resume_run', async () => {
  const client = new MultiServerMCPClient({ mcpServers: { shop: { url: server.url, transport: 'http' } }, useStandardContentBlocks: true });
  try {
    const tools = await client.getTools();
    const model = new RelayingModel({});
    const agent = new StateGraph(MessagesAnnotation)
      .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
      .addNode('tools', new ToolNode(tools))
      .addEdge(START, 'agent')
      .addConditionalEdges('agent', toolsCondition, ['tools', END])
      .addEdge('tools', 'agent')
      .compile({ checkpointer: new MemorySaver() });
    const thread = { configurable: { thread_id: 'conversation-1' } };

    const first = await agent.invoke({ messages: [new HumanMessage('Please refund Ada $250.')] }, thread);
    const asked = first.messages.at(-1)!;
    assert.equal(asked.getType(), 'ai');
    assert.equal(String(asked.content), 'Before I can finish, I need to know: Approve a refund of $250 to Ada?');
    const pausedTool = first.messages.find((m) => m.getType() === 'tool') as ToolMessage;
    assert.match(String(pausedTool.content), /has paused to ask a question; it has not failed/);

    const second = await agent.invoke({ messages: [new HumanMessage('Yes, go ahead.')] }, thread);
    const final = second.messages.at(-1)!;
    assert.match(String(final.content), /^Finished: /);
    assert.match(String(final.content), /"status":"refunded"/);
    assert.match(String(final.content), /"approved_by":"person"/);
  } finally {
    await client.close();
  }
});
