/**
 * An app's own body parser (`express.json()`) hands the MCP router a parsed
 * value, which the SDK's Node adapter serialises again, recursively: JSON
 * nested some ten thousand levels deep overflowed the stack there and was
 * answered 500. Values nested deeper than this are refused first; MCP
 * messages and tool arguments stay far below.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * The deepest a caller's value may nest where graph-mcp reads it whole (tool
 * arguments, answers to questions), whatever the schema: storing it (a
 * task's record, a signal) and LangGraph's copies of the state recurse once
 * per level and run out of stack near 5,000 levels, which the caller would
 * read as the server's fault or the graph's. No tool's input comes near it.
 */
export const MAX_VALUE_DEPTH = 256;

/** Whether `value` nests arrays and objects deeper than `max` levels. Iterative: a deep value cannot overflow it. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  return problemIn(value, max, false) === 'too deep';
}

/**
 * What makes a caller's value unusable whatever the schema, or `undefined`:
 * nesting deeper than `max` levels, or a number out of range. `JSON.parse`
 * reads a literal beyond a double's range (`1e309`) as `Infinity`, which no
 * schema of `{}` refuses and JSON writes back as `null`: the run would have
 * used a value its caller never sent, and answered with another.
 */
export function valueProblem(value: unknown, max: number): 'too deep' | 'out of range' | undefined {
  return problemIn(value, max, true);
}

/** One iterative walk for both: a deep value cannot overflow it. */
function problemIn(value: unknown, max: number, numbers: boolean): 'too deep' | 'out of range' | undefined {
  const outOfRange = (item: unknown) => numbers && typeof item === 'number' && !Number.isFinite(item);
  if (outOfRange(value)) return 'out of range';
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth > max) return 'too deep';
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
      else if (outOfRange(child)) return 'out of range';
    }
  }
  return undefined;
}
