/** `json_schema_2020_12_tool`: a contact form whose JSON Schema 2020-12 input (in the config) reaches tools/list intact. */
import { Annotation, END, START, StateGraph } from '@langchain/langgraph';

const State = Annotation.Root({
  name: Annotation<string>,
  contactMethod: Annotation<string>,
  phone: Annotation<string>,
  email: Annotation<string>,
  address: Annotation<{ street?: string; city?: string }>,
  saved: Annotation<boolean>,
});

export const graph = new StateGraph(State)
  .addNode('save', () => ({ saved: true }))
  .addEdge(START, 'save')
  .addEdge('save', END)
  .compile();
