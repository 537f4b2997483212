/**
 * Builds the suite's human-in-the-loop and task fixtures as ordinary
 * LangGraph graphs: each node asks with `interrupt()` — here with values that
 * already are MCP input requests (`{ key, method, params }`), which
 * graph-mcp passes on unchanged — and replies through the `content_blocks`
 * channel once answered.
 */
import { Annotation, END, START, StateGraph, interrupt } from '@langchain/langgraph';

export interface Ask {
  key: string;
  method: 'elicitation/create' | 'sampling/createMessage' | 'roots/list';
  params: Record<string, unknown>;
}

const State = Annotation.Root({
  answers: Annotation<Record<string, unknown>>({ reducer: (a, b) => ({ ...a, ...b }), default: () => ({}) }),
  content_blocks: Annotation<unknown[]>,
});

export type Answers = Record<string, any>;

/**
 * `rounds`: the questions of each round, asked in parallel nodes within a
 * round and one round after the other. `reply` turns the answers into the
 * result text.
 */
export function askThen(rounds: Ask[][], reply: (answers: Answers) => string) {
  let builder = new StateGraph(State) as unknown as StateGraph<typeof State.spec, any, any, string>;
  let previous: string[] = [START];
  rounds.forEach((round) => {
    const names = round.map((ask) => `ask_${ask.key}`);
    round.forEach((ask, i) => {
      builder = builder.addNode(names[i]!, () => ({ answers: { [ask.key]: interrupt({ key: ask.key, method: ask.method, params: ask.params }) } })) as never;
      for (const from of previous) builder = builder.addEdge(from as never, names[i]! as never) as never;
    });
    previous = names;
  });
  builder = builder.addNode('reply', (state: typeof State.State) => ({ content_blocks: [{ type: 'text', text: reply(state.answers) }] })) as never;
  for (const from of previous) builder = builder.addEdge(from as never, 'reply' as never) as never;
  return builder.addEdge('reply' as never, END).compile();
}

export const elicit = (key: string, message: string, properties: Record<string, unknown>, required = Object.keys(properties)): Ask => ({
  key,
  method: 'elicitation/create',
  params: { message, requestedSchema: { type: 'object', properties, ...(required.length > 0 ? { required } : {}) } },
});

export const sample = (key: string, text: string, maxTokens: number): Ask => ({
  key,
  method: 'sampling/createMessage',
  params: { messages: [{ role: 'user', content: { type: 'text', text } }], maxTokens },
});

export const listRoots = (key: string): Ask => ({ key, method: 'roots/list', params: {} });

/** The text of a sampling result, or of an elicitation's content. */
export const textOf = (answer: any): string => answer?.content?.text ?? JSON.stringify(answer?.content ?? answer);
