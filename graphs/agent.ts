/**
 * A MessagesState agent with a tool-calling loop. The chat model is one of
 * LangChain's fake models, taught a fixed script so the example runs
 * offline and gives the same answer every time; swap in any real chat model
 * that supports tool calling (see the README) to make it a real agent.
 */
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { tool } from '@langchain/core/tools';
import { FakeChatModel } from '@langchain/core/utils/testing';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';

const calculator = tool(
  ({ a, b, op }) => {
    const result = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : b === 0 ? NaN : a / b;
    return String(result);
  },
  {
    name: 'calculator',
    description: 'Applies + - * or / to two numbers.',
    schema: z.object({ a: z.number(), b: z.number(), op: z.enum(['+', '-', '*', '/']) }),
  },
);

const ARITHMETIC = /(-?\d+(?:\.\d+)?)\s*([+*/-]|plus|minus|times|divided by)\s*(-?\d+(?:\.\d+)?)/i;
const WORDS: Record<string, '+' | '-' | '*' | '/'> = { plus: '+', minus: '-', times: '*', 'divided by': '/' };

/**
 * Deterministic stand-in for a tool-calling chat model: asked for
 * arithmetic it calls the calculator, shown the tool's answer it replies
 * with it, and otherwise it answers directly.
 */
export class ScriptedChatModel extends FakeChatModel {
  override bindTools(_tools: unknown[]): this {
    return this;
  }

  override async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const last = messages.at(-1);
    let reply: AIMessage;
    if (last?.getType() === 'tool') {
      reply = new AIMessage(`The answer is ${String(last.content)}.`);
    } else {
      const text = typeof last?.content === 'string' ? last.content : '';
      const match = ARITHMETIC.exec(text);
      if (match) {
        const [, a, rawOp, b] = match as unknown as [string, string, string, string];
        const op = WORDS[rawOp.toLowerCase()] ?? (rawOp as '+' | '-' | '*' | '/');
        reply = new AIMessage({
          content: '',
          tool_calls: [{ id: `call_${messages.length}`, name: 'calculator', args: { a: Number(a), b: Number(b), op } }],
        });
      } else {
        reply = new AIMessage(`You said: "${text}". Ask me some arithmetic, like "what is 6 times 7?"`);
      }
    }
    return { generations: [{ text: typeof reply.content === 'string' ? reply.content : '', message: reply }] };
  }
}

const model = new ScriptedChatModel({}).bindTools([calculator]);

async function callModel(state: typeof MessagesAnnotation.State) {
  return { messages: [await model.invoke(state.messages)] };
}

export const graph = new StateGraph(MessagesAnnotation)
  .addNode('agent', callModel)
  .addNode('tools', new ToolNode([calculator]))
  .addEdge(START, 'agent')
  .addConditionalEdges('agent', toolsCondition, ['tools', END])
  .addEdge('tools', 'agent')
  .compile();
