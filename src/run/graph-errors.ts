import { messageOf } from '../errors.js';

/**
 * Recognising LangGraph's errors by name, not class: the graph was built
 * with the project's copy of the library, which may not be ours.
 */
export function isRecursionLimitError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { lc_error_code?: unknown }).lc_error_code;
  return error.name === 'GraphRecursionError' || code === 'GRAPH_RECURSION_LIMIT';
}

export function isAbortError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'AbortError' || error.name === 'TimeoutError' || /abort/i.test(error.message);
}

/** A node called `interrupt()`: without threads and checkpoints a run cannot pause for input. */
export function isInterruptWithoutCheckpointer(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { lc_error_code?: unknown }).lc_error_code;
  return code === 'MISSING_CHECKPOINTER' || /No checkpointer set/.test(error.message);
}

/** The run stopped at a step boundary because its run control asked it to (LangGraph's `GraphDrained`). */
export function isDrained(error: unknown): boolean {
  return error instanceof Error && error.name === 'GraphDrained';
}

/**
 * What a graph that threw says of itself. A node that throws a string (or a
 * number) reaches us as LangGraph's own TypeError, raised when it tries to
 * tag the value with its task (`Cannot create property 'pregelTaskId' on
 * string '...'`): the value it threw, said as such. So are `null` and
 * `undefined`, which it cannot tag at all.
 */
export function graphFailureMessage(error: unknown): string {
  if (error instanceof TypeError) {
    const tagged = /^Cannot create property 'pregelTaskId' on (string|number|boolean|bigint|symbol) '([\s\S]*)'$/.exec(error.message);
    if (tagged) return `the graph threw a ${tagged[1]}, not an Error: ${tagged[2]}`;
    // `throw null` and `throw undefined`, which LangGraph cannot tag at all.
    const nothing = /^Cannot set properties of (null|undefined) \(setting 'pregelTaskId'\)$/.exec(error.message);
    if (nothing) return `the graph threw ${nothing[1]}, not an Error`;
  }
  return messageOf(error);
}
