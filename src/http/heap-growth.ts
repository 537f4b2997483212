// `graph-mcp serve --heap-growth N`: how far V8 lets the JavaScript heap grow
// past what a full collection found live before it collects again.
//
// What held a serving process's memory (heap statistics under load, trivial
// graph, c=50): about 40-60 MB live, and an old generation V8 had grown to
// ~160 MB. V8 picks the growth factor itself, from 1.1 up to 4, and a server
// allocating fast gets the top of that range: RSS sat at 250-350 MB under
// load although nothing accumulated. With a fixed factor of 1.5 the same load
// ran at the same rate (full collections are concurrent and the heap is
// small) and RSS stayed at ~160 MB. `npm run bench -- memory` shows both.
import { setFlagsFromString } from 'node:v8';
import { GraphMcpError } from '../errors.js';
import { integerOption } from '../integer-option.js';

/** Percent past the live heap; 0 leaves V8's own adaptive sizing. */
export const DEFAULT_HEAP_GROWTH_PERCENT = 50;
const MAX_HEAP_GROWTH_PERCENT = 300;

/** `--heap-growth` / `GRAPH_MCP_HEAP_GROWTH`: an integer percent from 0 (V8's own sizing) to 300. */
export function parseHeapGrowth(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_HEAP_GROWTH_PERCENT;
  const percent = integerOption(value, 0, MAX_HEAP_GROWTH_PERCENT);
  if (percent === undefined) {
    throw new GraphMcpError('OPTIONS_INVALID', `heap growth must be an integer percent from 0 (V8's own sizing) to ${MAX_HEAP_GROWTH_PERCENT}, got ${JSON.stringify(value)}`);
  }
  return percent;
}

/**
 * Sets V8's heap growing factor for this process (V8 reads it at every full
 * collection, so it holds from the next one on). A `--heap-growing-percent`
 * given to node itself is left as it is.
 */
export function applyHeapGrowth(percent: number): void {
  if (percent === 0) return;
  if (process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
