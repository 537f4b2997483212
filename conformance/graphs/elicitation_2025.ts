/** The suite's 2025-era elicitation fixtures: questions go out as elicitation/create on the call's stream. */
import { Annotation, END, START, StateGraph, interrupt } from '@langchain/langgraph';
import { askThen, elicit } from './asking.js';

const describe = (answer: any) => `action=${answer?.action}, content=${JSON.stringify(answer?.content ?? {})}`;

/** `test_elicitation`: asks with the message it is given. */
export const elicitation = new StateGraph(Annotation.Root({ message: Annotation<string>, content_blocks: Annotation<unknown[]> }))
  .addNode('ask', (s) => {
    const answer = interrupt({
      key: 'user_info',
      method: 'elicitation/create',
      params: {
        message: s.message,
        requestedSchema: {
          type: 'object',
          properties: { username: { type: 'string', description: "User's response" }, email: { type: 'string', description: "User's email address" } },
          required: ['username', 'email'],
        },
      },
    });
    return { content_blocks: [{ type: 'text', text: `User response: ${describe(answer)}` }] };
  })
  .addEdge(START, 'ask')
  .addEdge('ask', END)
  .compile();

export const defaults = askThen(
  [
    [
      elicit(
        'profile',
        'Please review your profile',
        {
          name: { type: 'string', default: 'John Doe' },
          age: { type: 'integer', default: 30 },
          score: { type: 'number', default: 95.5 },
          status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
          verified: { type: 'boolean', default: true },
        },
        [],
      ),
    ],
  ],
  (a) => `Elicitation completed: ${describe(a.profile)}`,
);

export const enums = askThen(
  [
    [
      elicit(
        'choices',
        'Pick your options',
        {
          untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          titledSingle: { type: 'string', oneOf: [{ const: 'value1', title: 'First Option' }, { const: 'value2', title: 'Second Option' }, { const: 'value3', title: 'Third Option' }] },
          legacyEnum: { type: 'string', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
          untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
          titledMulti: { type: 'array', items: { anyOf: [{ const: 'value1', title: 'First Choice' }, { const: 'value2', title: 'Second Choice' }, { const: 'value3', title: 'Third Choice' }] } },
        },
        [],
      ),
    ],
  ],
  (a) => `Elicitation completed: ${describe(a.choices)}`,
);
