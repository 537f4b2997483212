// graph.invoke of a bench graph in a process of its own, for the configured
// seconds (after a warm-up when asked), one call at a time or several in flight;
// prints Figures as JSON.
import { tenNodes, trivial } from './graphs.js';
import { inProcessLoad } from './load.js';

const [exportName, warm, inFlight] = [process.argv[2] ?? 'trivial', process.argv[3] === 'warm', Number(process.argv[4] ?? 1)];
const graph = exportName === 'tenNodes' ? tenNodes : trivial;
console.log(JSON.stringify(await inProcessLoad(() => graph.invoke({ text: 'hi' }), inFlight)(warm)));
