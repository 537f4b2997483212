/**
 * A refund that needs a person's approval above a limit: the graph pauses
 * at `interrupt()` with a typed question (LangGraph's `responseSchema`),
 * and graph-mcp asks the caller. A 2026-07-28 client shows a form and
 * retries with the answer; a 2025 client with elicitation gets an
 * `elicitation/create` request; any other caller gets the question as text
 * and answers through the `resume_run` tool. The run waits in the store, so
 * the answer may come to another process, or after a restart.
 */
import { END, START, StateGraph, interrupt } from '@langchain/langgraph';
import { z } from 'zod';

const Refund = z.object({
  customer: z.string().min(1).describe('Who gets the refund'),
  amount: z.number().positive().describe('Amount in dollars'),
  reason: z.string().optional().describe('Why the customer asks for it'),
});

const Decision = z.object({
  approved: z.boolean().describe('Approve the refund?'),
  note: z.string().optional().describe('A note for the customer'),
});

const State = Refund.extend({
  status: z.enum(['refunded', 'rejected']).optional().describe('Whether the refund went through'),
  approved_by: z.enum(['policy', 'person']).optional().describe('Who approved it: the policy (up to $100) or a person asked'),
  note: z.string().optional().describe("The approver's note for the customer, if any"),
});

/** Refunds up to this amount need nobody's approval. */
const AUTO_APPROVE_LIMIT = 100;

export const graph = new StateGraph({ input: Refund, output: State.pick({ status: true, approved_by: true, note: true }), state: State })
  .addNode('review', (refund: z.infer<typeof State>) => {
    if (refund.amount <= AUTO_APPROVE_LIMIT) return { status: 'refunded' as const, approved_by: 'policy' as const };
    const decision = interrupt(
      { question: `Approve a refund of $${refund.amount} to ${refund.customer}${refund.reason ? ` (${refund.reason})` : ''}?` },
      { responseSchema: Decision },
    ) as z.infer<typeof Decision>;
    return {
      status: decision.approved ? ('refunded' as const) : ('rejected' as const),
      approved_by: 'person' as const,
      ...(decision.note ? { note: decision.note } : {}),
    };
  })
  .addEdge(START, 'review')
  .addEdge('review', END)
  .compile();
