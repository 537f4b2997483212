/**
 * A typed StateGraph: ticket triage with zod input and output schemas.
 * The tool's input and output schemas come straight from these.
 */
import { END, START, StateGraph } from '@langchain/langgraph';
import { z } from 'zod';

export const TriageInput = z.object({
  title: z.string().min(1).describe('Ticket title'),
  body: z.string().describe('Ticket text'),
  customer_tier: z.enum(['free', 'pro', 'enterprise']).default('free').describe('The customer\'s plan'),
});

export const TriageOutput = z.object({
  category: z.enum(['billing', 'bug', 'account', 'question']).describe('What the ticket is about'),
  priority: z.number().int().min(1).max(4).describe('1 is most urgent'),
  route_to: z.string().describe('The team that should handle it'),
  summary: z.string().describe('One line for the queue'),
});

const TriageState = z.object({
  title: z.string(),
  body: z.string(),
  customer_tier: z.enum(['free', 'pro', 'enterprise']).default('free'),
  category: z.enum(['billing', 'bug', 'account', 'question']).optional(),
  priority: z.number().optional(),
  route_to: z.string().optional(),
  summary: z.string().optional(),
});
type State = z.infer<typeof TriageState>;

const KEYWORDS: Array<[NonNullable<State['category']>, RegExp]> = [
  ['billing', /\b(invoices?|refund(s|ed)?|charge[ds]?|billing|payments?|cards?)\b/i],
  ['bug', /\b(errors?|crash(es|ed)?|broken|bugs?|fail(s|ed)?|exceptions?|500)\b/i],
  ['account', /\b(login|password|account|sign[- ]?in|2fa|locked)\b/i],
];

const TEAMS: Record<NonNullable<State['category']>, string> = {
  billing: 'finance',
  bug: 'engineering',
  account: 'identity',
  question: 'support',
};

function classify(state: State): Partial<State> {
  const text = `${state.title}\n${state.body}`;
  const category = KEYWORDS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'question';
  return { category };
}

function prioritise(state: State): Partial<State> {
  const base = { bug: 2, billing: 2, account: 3, question: 4 }[state.category ?? 'question'];
  const urgent = /\b(urgent|asap|down|outage|immediately)\b/i.test(`${state.title} ${state.body}`) ? 1 : 0;
  const tier = state.customer_tier === 'enterprise' ? 1 : 0;
  return { priority: Math.max(1, base - urgent - tier) };
}

function route(state: State): Partial<State> {
  const category = state.category ?? 'question';
  return {
    route_to: TEAMS[category],
    // 120 characters, not UTF-16 units: a cut through an emoji would leave half of it, which is no text.
    summary: Array.from(`[P${state.priority}] ${category}: ${state.title}`).slice(0, 120).join(''),
  };
}

export const graph = new StateGraph({ state: TriageState, input: TriageInput, output: TriageOutput })
  .addNode('classify', classify)
  .addNode('prioritise', prioritise)
  .addNode('route', route)
  .addEdge(START, 'classify')
  .addEdge('classify', 'prioritise')
  .addEdge('prioritise', 'route')
  .addEdge('route', END)
  .compile();
