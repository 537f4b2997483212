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

/**
 * The limit LangGraph says was reached ("Recursion limit of 5 reached"): a subgraph a node
 * invokes with a limit of its own stops at that one, not at the tool's.
 */
export function recursionLimitOf(error: unknown): number | undefined {
  const found = error instanceof Error ? /Recursion limit of (\d+) reached/.exec(error.message) : null;
  return found ? Number(found[1]) : undefined;
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
  // A zod error (LangGraph's own check of the input or of a node's update against a zod state,
  // or a node's own parse): its issues as a person reads them, not zod's JSON of them.
  if (isZodError(error)) return issuesMessage(error);
  return messageOf(error);
}

/** A zod error (3 or 4): issues each with a message and a path of keys; another error with `issues` keeps its own message. */
function isZodError(error: unknown): boolean {
  const issues = error instanceof Error ? (error as { issues?: unknown }).issues : undefined;
  return (
    Array.isArray(issues) &&
    issues.length > 0 &&
    issues.every(
      (issue: { message?: unknown; path?: unknown }) =>
        issue !== null && typeof issue === 'object' && typeof issue.message === 'string' && Array.isArray(issue.path) && issue.path.every((key) => typeof key === 'string' || typeof key === 'number'),
    )
  );
}

const INVALID_RESUME = Symbol.for('langgraph.invalid_resume');

/**
 * The answer a run was resumed with did not pass the interrupt's zod
 * `responseSchema` (a refinement, a transform that threw: what its JSON
 * Schema could not say). LangGraph marks that error, or the error wrapping
 * it, and the interrupt can be answered again.
 */
export function isInvalidResume(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 10 && current !== null && typeof current === 'object'; depth += 1) {
    if ((current as Record<symbol, unknown>)[INVALID_RESUME] === true) return true;
    current = (current as { cause?: unknown }).cause;
  }
  // Several tasks of one step failed (two answers refused at once): LangGraph throws them
  // together. Refused answers only, all of them: any other failure is the graph's.
  const all = errorsOf(error);
  return all !== undefined && all.length > 0 && all.every(isInvalidResume);
}

/** The errors LangGraph threw together (an AggregateError); not zod 3's `errors`, which are its issues. */
function errorsOf(error: unknown): unknown[] | undefined {
  if (!(error instanceof Error) || error.name !== 'AggregateError') return undefined;
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) ? errors : undefined;
}

/** A zod error as a person reads it (why an answer was refused, a context or an input): its issues (`path: message`), not its JSON. */
export function issuesMessage(error: unknown): string {
  const all = errorsOf(error);
  if (all !== undefined) return all.map(issuesMessage).join('; ');
  for (let current = error, depth = 0; depth < 10 && current !== null && typeof current === 'object'; depth += 1) {
    const issues = (current as { issues?: unknown }).issues;
    if (Array.isArray(issues) && issues.length > 0) {
      return issues
        .slice(0, 5)
        .map((issue: { path?: unknown; message?: unknown }) => {
          const at = Array.isArray(issue.path) ? issue.path.map(String).join('.') : '';
          return `${at ? `${at}: ` : ''}${typeof issue.message === 'string' ? issue.message : 'invalid'}`;
        })
        .join('; ');
    }
    current = (current as { cause?: unknown }).cause;
  }
  return messageOf(error);
}

/** The properties of a thrown value that graph-mcp reads to tell what failed; those named for text must be text. */
const READ_KEYS = ['name', 'message', 'code', 'data', 'issues', 'lc_error_code', 'stack'] as const;
const TEXT_KEYS = new Set<string>(['name', 'message']);

/**
 * What a graph threw, made safe to read. A value every property of which
 * that graph-mcp reads (its name, message, code, data, zod issues, cause and
 * the errors it holds) reads without throwing, with its name and message
 * text where it has them, is returned as it is. Anything else (a getter
 * that throws, a Proxy, a Symbol for a message, a function, whose text is
 * its source) is a plain Error saying so, with its message where that was
 * text: read as it was, it failed the server's own code, and the call was
 * answered as the server's fault, a task run again on every lease.
 */
export function readableFailure(thrown: unknown): unknown {
  if (typeof thrown === 'function') return new Error('the graph threw a function, not an Error');
  try {
    if (readable(thrown, 0)) return thrown;
  } catch {
    // A Proxy whose traps throw (instanceof asks for its prototype).
  }
  let message: unknown;
  try {
    message = (thrown as { message?: unknown }).message;
  } catch {
    message = undefined;
  }
  return new Error(typeof message === 'string' && message !== '' ? message : 'the graph threw an error graph-mcp cannot read (its message is not text, or reading it failed)');
}

/**
 * Whether every property graph-mcp reads of `value` reads without throwing, and, of the value
 * thrown itself (whose message is matched against patterns), its name and message are text.
 * Inside it (its cause, the errors it holds) only `messageOf` reads them, which takes anything.
 */
function readable(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return depth > 0 || typeof value !== 'function';
  if (depth > 10) return true;
  for (const key of READ_KEYS) {
    const read = (value as Record<string, unknown>)[key];
    if (depth === 0 && TEXT_KEYS.has(key) && read !== undefined && typeof read !== 'string') return false;
  }
  void (value as Record<symbol, unknown>)[INVALID_RESUME];
  void (value instanceof Error);
  const errors = (value as { errors?: unknown }).errors;
  if (Array.isArray(errors) && !errors.every((inner) => readable(inner, depth + 1))) return false;
  return readable((value as { cause?: unknown }).cause, depth + 1);
}
