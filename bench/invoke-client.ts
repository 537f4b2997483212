// graph.invoke of a bench graph in a process of its own, one call at a time for
// the given seconds (after a warm-up when asked); prints Figures as JSON.
import { tenNodes, trivial } from './graphs.js';
import { inProcessLoad } from './load.js';

const [exportName, warm] = [process.argv[2] ?? 'trivial', process.argv[3] === 'warm'];
const graph = exportName === 'tenNodes' ? tenNodes : trivial;
console.log(JSON.stringify(await inProcessLoad(() => graph.invoke({ text: 'hi' }))(warm)));
