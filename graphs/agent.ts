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
    if (op === '/' && b === 0) throw new Error('cannot divide by zero');
    const result = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
    if (!Number.isFinite(result)) throw new Error('the result is too large for the calculator');
    return String(result);
  },
  {
    name: 'calculator',
    description: 'Applies + - * or / to two numbers.',
    schema: z.object({ a: z.number(), b: z.number(), op: z.enum(['+', '-', '*', '/']) }),
  },
);

type Op = '+' | '-' | '*' | '/';
const OPERATORS: Array<[string, Op]> = [['+', '+'], ['-', '-'], ['*', '*'], ['/', '/'], ['plus', '+'], ['minus', '-'], ['times', '*'], ['divided by', '/']];

/**
 * The first "<number> <operator> <number>" in `text`, in one pass. (A regex
 * such as /(-?\d+(?:\.\d+)?)\s*(op)\s*(-?\d+(?:\.\d+)?)/ backtracks over
 * every digit run from every position: quadratic, seconds of CPU for one
 * 30 KB argument, during which the process serves nobody.)
 */
export function findArithmetic(text: string): { a: number; op: Op; b: number } | undefined {
  const isDigit = (i: number) => i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57;
  // Part of a longer token (1e3, 1,000, 1.5.5, x2): no number of its own, rather than misread.
  const joined = (i: number) => i >= 0 && i < text.length && /[\w.,]/.test(text[i]!);
  // `operand`: right after an operator, which may be a word ("times7").
  const numberAt = (start: number, operand = false): number | undefined => {
    let i = start;
    if (!operand && joined(start - 1)) return undefined;
    if (text[i] === '-') i += 1;
    // A minus inside a word ("a-1") is a hyphen, not a sign.
    else if (!operand && text[start - 1] === '-' && joined(start - 2)) return undefined;
    if (!isDigit(i)) return undefined;
    while (isDigit(i)) i += 1;
    if (text[i] === '.' && isDigit(i + 1)) for (i += 1; isDigit(i); ) i += 1;
    // A sentence may end right after it ("6 times 7."), but no token goes on from it.
    if (joined(i) && !(/[.,]/.test(text[i]!) && !isDigit(i + 1))) return undefined;
    return i;
  };
  const spaces = (start: number) => {
    let i = start;
    while (i < text.length && /\s/.test(text[i]!)) i += 1;
    return i;
  };
  let i = 0;
  while (i < text.length) {
    const aEnd = numberAt(i);
    if (aEnd === undefined) {
      i += 1;
      continue;
    }
    const opStart = spaces(aEnd);
    const lower = text.slice(opStart, opStart + 10).toLowerCase();
    const found = OPERATORS.find(([word]) => lower.startsWith(word));
    if (found) {
      const bStart = spaces(opStart + found[0].length);
      const bEnd = numberAt(bStart, true);
      if (bEnd !== undefined) return { a: Number(text.slice(i, aEnd)), op: found[1], b: Number(text.slice(bStart, bEnd)) };
    }
    i = aEnd; // never rescan a digit run
  }
  return undefined;
}

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
      // A tool that failed (a bad argument, a number too large) said why: that is the reply, not an answer.
      const failed = (last as { status?: string }).status === 'error';
      const said = String(last.content).split('\n')[0]!.replace(/^Error: /, '');
      reply = new AIMessage(failed ? `I could not work that out: ${said}.` : `The answer is ${said}.`);
    } else {
      const text = typeof last?.content === 'string' ? last.content : '';
      const arithmetic = findArithmetic(text);
      if (arithmetic && !(Number.isFinite(arithmetic.a) && Number.isFinite(arithmetic.b))) {
        reply = new AIMessage('That number is too large for the calculator: it takes numbers up to about 1.8e308.');
      } else if (arithmetic) {
        reply = new AIMessage({
          content: '',
          tool_calls: [{ id: `call_${messages.length}`, name: 'calculator', args: arithmetic }],
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
