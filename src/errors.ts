/**
 * Every error graph-mcp raises on purpose carries a stable string `code`.
 * Callers branch on the code, never on the message; the HTTP, JSON-RPC and
 * tool-result forms of an error are chosen from the code in one place each
 * (`http/`, `mcp/` and `run/`).
 */
export type ErrorCode =
  // start-up
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'MODULE_LOAD_FAILED'
  | 'EXPORT_NOT_FOUND'
  | 'GRAPH_INVALID'
  | 'SCHEMA_INVALID'
  | 'TOOL_NAME_INVALID'
  | 'OPTIONS_INVALID'
  // one tool call (an unknown tool is a JSON-RPC error, not one of these)
  | 'INVALID_ARGUMENTS'
  | 'GRAPH_FAILED'
  | 'OUTPUT_INVALID'
  | 'RUN_TIMEOUT'
  | 'RUN_CANCELLED'
  | 'RECURSION_LIMIT'
  // runs that outlive a request (human-in-the-loop, tasks)
  | 'STORE_UNAVAILABLE'
  | 'RUN_NOT_FOUND'
  | 'RUN_CONFLICT'
  | 'ANSWER_INVALID'
  | 'INPUT_DECLINED'
  | 'STATE_NOT_STORABLE'
  | 'GRAPH_CHANGED'
  | 'TOO_MANY_RUNS'
  // credentials (refusals to authenticate are AuthError, with an HTTP status)
  | 'SECRET_STORE';

export class GraphMcpError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable detail (never secrets). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GraphMcpError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isGraphMcpError(value: unknown, code?: ErrorCode): value is GraphMcpError {
  return value instanceof GraphMcpError && (code === undefined || value.code === code);
}

/** The message of anything thrown, without its stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return textOf(error, 'message') || textOf(error, 'name') || 'an Error with no message was thrown';
  if (typeof error === 'string') return error;
  // Not the object itself: a library's thrown response or request may carry headers, a
  // stack or a body that must not reach a caller. Its own message, if it has one.
  if (error !== null && typeof error === 'object') {
    return textOf(error, 'message') || 'an object that is not an Error was thrown';
  }
  // Not a function's source text.
  return typeof error === 'function' ? 'a function was thrown' : String(error);
}

/** A property of a thrown value meant to be text, read without trusting it: one that is not text, or whose getter throws, is none. */
function textOf(error: object, key: 'message' | 'name'): string | undefined {
  try {
    const text = (error as Record<string, unknown>)[key];
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An error as a log line gives it: its message, and its cause's where it
 * has one (a store failure says only that the store failed; its cause has
 * the database driver's words). No stack: one can name a secret.
 */
export function loggedError(error: unknown): { message: string; cause?: string } {
  const cause = error instanceof Error && error.cause !== undefined ? messageOf(error.cause) : undefined;
  return cause === undefined ? { message: messageOf(error) } : { message: messageOf(error), cause };
}
