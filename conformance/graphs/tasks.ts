/** The suite's `tasks-*` fixtures: ordinary graphs, run as tasks by graph-mcp (see agent.config.json `task`). */
import { ProtocolError } from '@modelcontextprotocol/server';
import { Annotation, END, START, StateGraph, interrupt } from '@langchain/langgraph';
import { z } from 'zod';

const Out = { content_blocks: Annotation<unknown[]> };

const wait = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    }, { once: true });
  });

/** `greet`: answered in the call. */
export const greet = new StateGraph(Annotation.Root({ name: Annotation<string>, ...Out }))
  .addNode('greet', (s) => ({ content_blocks: [{ type: 'text', text: `Hello, ${s.name}!` }] }))
  .addEdge(START, 'greet')
  .addEdge('greet', END)
  .compile();

/** `slow_compute`: sleeps `seconds` (stops at once when cancelled), then reports. */
export const slowCompute = new StateGraph(Annotation.Root({ seconds: Annotation<number>, label: Annotation<string>, ...Out }))
  .addNode('compute', async (s, config) => {
    await wait((s.seconds ?? 0) * 1000, config.signal);
    return { content_blocks: [{ type: 'text', text: `computed ${s.label ?? ''} after ${s.seconds ?? 0} s` }] };
  })
  .addEdge(START, 'compute')
  .addEdge('compute', END)
  .compile();

/** `failing_job`: fails after a second; a tool error, so the task completes with an error result. */
export const failingJob = new StateGraph(Annotation.Root(Out))
  .addNode('fail', async (): Promise<{ content_blocks: unknown[] }> => {
    await wait(1000);
    throw new Error('the job failed');
  })
  .addEdge(START, 'fail')
  .addEdge('fail', END)
  .compile();

/** `protocol_error_job`: throws a JSON-RPC error, so the task fails with it. */
export const protocolErrorJob = new StateGraph(Annotation.Root(Out))
  .addNode('fail', (): { content_blocks: unknown[] } => {
    throw new ProtocolError(-32603, 'the job hit an internal error');
  })
  .addEdge(START, 'fail')
  .addEdge('fail', END)
  .compile();

/** `confirm_delete`: asks for confirmation (a typed interrupt), then deletes nothing. */
export const confirmDelete = new StateGraph(Annotation.Root({ filename: Annotation<string>, ...Out }))
  .addNode('confirm', (s) => {
    const answer = interrupt(`Delete ${s.filename}?`, { responseSchema: z.object({ confirm: z.boolean() }) }) as { confirm: boolean };
    return { content_blocks: [{ type: 'text', text: answer.confirm ? `deleted ${s.filename}` : `kept ${s.filename}` }] };
  })
  .addEdge(START, 'confirm')
  .addEdge('confirm', END)
  .compile();

const Partial = z.object({ name: z.string(), confirm: z.boolean() });

/** `multi_input`: two questions at once, from parallel nodes. */
export const multiInput = new StateGraph(Annotation.Root({ first: Annotation<string>, second: Annotation<string>, ...Out }))
  .addNode('askFirst', () => ({ first: (interrupt('First input?', { responseSchema: Partial }) as z.infer<typeof Partial>).name }))
  .addNode('askSecond', () => ({ second: (interrupt('Second input?', { responseSchema: Partial }) as z.infer<typeof Partial>).name }))
  .addNode('reply', (s) => ({ content_blocks: [{ type: 'text', text: `got ${s.first} and ${s.second}` }] }))
  .addEdge(START, 'askFirst')
  .addEdge(START, 'askSecond')
  .addEdge(['askFirst', 'askSecond'], 'reply')
  .addEdge('reply', END)
  .compile();

const Named = z.object({ name: z.string().describe('Your name') });

/**
 * `test_tool_with_task`: asks the caller's name, then greets them as a task.
 * Its task begins at `greet` (`task_starts_at`), so the question is asked in
 * the call, with input_required round trips, and the call answers with the
 * task once the name is known.
 */
export const toolWithTask = new StateGraph(Annotation.Root({ user_name: Annotation<string>, ...Out }))
  .addNode('ask', () => ({ user_name: (interrupt({ key: 'user_name', question: 'What is your name?' }, { responseSchema: Named }) as z.infer<typeof Named>).name }))
  .addNode('greet', async (s, config) => {
    await wait(200, config.signal);
    return { content_blocks: [{ type: 'text', text: `Hello, ${s.user_name}!` }] };
  })
  .addEdge(START, 'ask')
  .addEdge('ask', 'greet')
  .addEdge('greet', END)
  .compile();
