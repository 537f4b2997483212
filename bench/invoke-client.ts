// graph.invoke of a bench graph in a process of its own, for the configured
// seconds (after a warm-up when asked), one call at a time or several in flight;
// prints Figures as JSON.
import { BENCH_GRAPHS, type BenchGraphName } from './graphs.js';
import { inProcessLoad } from './load.js';

const [exportName, warm, inFlight] = [process.argv[2] ?? 'trivial', process.argv[3] === 'warm', Number(process.argv[4] ?? 1)];
if (!Object.hasOwn(BENCH_GRAPHS, exportName)) throw new Error(`invoke-client: no bench graph "${exportName}" (${Object.keys(BENCH_GRAPHS).join(', ')})`);
const graph = BENCH_GRAPHS[exportName as BenchGraphName];
console.log(JSON.stringify(await inProcessLoad(() => graph.invoke({ text: 'hi' }), inFlight)(warm)));
