/**
 * A multi-node graph with a conditional edge and a subgraph. Its steps take
 * a moment each and report what they are doing through LangGraph's custom
 * stream writer (`config.writer`); graph-mcp turns those messages into MCP
 * progress notifications when the caller asks for progress.
 */
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';

const ResearchState = Annotation.Root({
  topic: Annotation<string>,
  depth: Annotation<'quick' | 'thorough'>,
  step_ms: Annotation<number>,
  questions: Annotation<string[]>,
  findings: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
  summary: Annotation<string>,
});
type State = typeof ResearchState.State;

/** Waits `ms`, or rejects as soon as the run is aborted. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function plan(state: State, config: LangGraphRunnableConfig) {
  config.writer?.({ message: `planning research on "${state.topic}"` });
  await pause(state.step_ms ?? 150, config.signal);
  const questions = [`What is ${state.topic}?`, `Why does ${state.topic} matter?`];
  if (state.depth === 'thorough') questions.push(`What are open problems in ${state.topic}?`);
  return { questions };
}

// The subgraph: look into each question, then weigh what was found.
const Investigation = Annotation.Root({
  topic: Annotation<string>,
  step_ms: Annotation<number>,
  questions: Annotation<string[]>,
  findings: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

async function gather(state: typeof Investigation.State, config: LangGraphRunnableConfig) {
  const findings: string[] = [];
  for (const [index, question] of (state.questions ?? []).entries()) {
    config.writer?.({ message: `looking into question ${index + 1} of ${state.questions.length}` });
    await pause(state.step_ms ?? 150, config.signal);
    findings.push(`${question} (notes gathered)`);
  }
  return { findings };
}

async function weigh(state: typeof Investigation.State, config: LangGraphRunnableConfig) {
  config.writer?.({ message: 'weighing the evidence' });
  await pause(state.step_ms ?? 150, config.signal);
  return { findings: [`${state.findings.length} sources agree on the basics of ${state.topic}`] };
}

const investigate = new StateGraph(Investigation)
  .addNode('gather', gather)
  .addNode('weigh', weigh)
  .addEdge(START, 'gather')
  .addEdge('gather', 'weigh')
  .addEdge('weigh', END)
  .compile();

async function skim(state: State, config: LangGraphRunnableConfig) {
  config.writer?.({ message: 'skimming the top results' });
  await pause(state.step_ms ?? 150, config.signal);
  return { findings: [`A quick overview of ${state.topic}`] };
}

async function summarise(state: State, config: LangGraphRunnableConfig) {
  config.writer?.({ message: 'writing the summary' });
  await pause(state.step_ms ?? 150, config.signal);
  return { summary: `${state.topic}: ${state.findings.length} finding(s) from a ${state.depth ?? 'quick'} look.` };
}

export const graph = new StateGraph(ResearchState)
  .addNode('plan', plan)
  .addNode('skim', skim)
  .addNode('investigate', investigate)
  .addNode('summarise', summarise)
  .addEdge(START, 'plan')
  .addConditionalEdges('plan', (state: State) => (state.depth === 'thorough' ? 'investigate' : 'skim'), ['investigate', 'skim'])
  .addEdge('skim', 'summarise')
  .addEdge('investigate', 'summarise')
  .addEdge('summarise', END)
  .compile();
