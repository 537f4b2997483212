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
