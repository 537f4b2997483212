// A run asked to start with its signal aborted already (a task cancelled as it was claimed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../src/index.js';
import { loadGraphTools } from '../../src/graphs/load-graphs.js';
import { executeRun, RunAbortedError } from '../../src/run/run-tool.js';
import { FIXTURES } from '../helpers/server.js';

test("a run whose signal is aborted before it starts is refused, and the graph's own rejection is handled, not left to the process", async () => {
  const tools = await loadGraphTools(resolveConfig({ graphs: { slow: './graphs/basic.ts:slow' } }, { baseDir: FIXTURES }));
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', record);
  try {
    for (const progress of [undefined, () => undefined]) {
      await assert.rejects(executeRun(tools.get('slow')!, { label: 'x', ms: 1 }, { signal: AbortSignal.abort(new Error('cancelled as claimed')), ...(progress ? { progress } : {}) }), RunAbortedError);
    }
    // The graph sees the abort too, a little later.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', record);
  }
});
