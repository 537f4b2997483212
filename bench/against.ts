// npm run bench -- against: is this checkout's request path cheaper or dearer
// than another build's? BENCH_AGAINST names the other build's `dist` (an
// older commit checked out beside this one and built with `npm run build`).
// Only when named, like `soak`.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AgainstFigures } from './against-client.js';
import { runClient } from './processes.js';

export async function againstSection(): Promise<void> {
  const other = process.env.BENCH_AGAINST;
  console.log('\nAgainst another build: CPU per tools/call of the MCP handler (trivial graph, SQLite store, no HTTP), both builds in one process taking turns in batches of 200 calls, 10 in flight\n');
  if (other === undefined || !existsSync(path.join(other, 'index.js'))) {
    console.log("  BENCH_AGAINST must name another build's dist directory; for commit C, from this checkout:");
    console.log('    git worktree add /tmp/graph-mcp-C C && ln -s "$PWD/node_modules" /tmp/graph-mcp-C/node_modules');
    console.log('    (cd /tmp/graph-mcp-C && npx tsc -p tsconfig.build.json)');
    console.log('    BENCH_AGAINST=/tmp/graph-mcp-C/dist npm run bench -- against');
    process.exitCode = 1;
    return;
  }
  for (const era of ['modern', 'legacy'] as const) {
    const f = await runClient<AgainstFigures>('against-client.ts', [other, era]);
    const ms = (value: number) => `${value.toFixed(3)} ms`;
    console.log(`${era === 'modern' ? '2026-07-28' : '2025-11-25'}: this build ${ms(f.cpuMs.this)}, ${other} ${ms(f.cpuMs.other)}, graph.invoke alone ${ms(f.cpuMs.invoke)}`);
    console.log(`  this / other, batch by batch: ${f.ratio.median.toFixed(3)} (middle half ${f.ratio.q1.toFixed(2)}-${f.ratio.q3.toFixed(2)}, ${f.batches} batches each; above 1: this build costs more)`);
  }
}
