// npm run bench -- state: what a graph's state declaration costs the graph
// itself. LangGraph checks every node's update against a zod state schema,
// building a partial schema for it at each update, which zod then compiles;
// state declared with Annotation is not checked. The same graphs both ways,
// graph.invoke in a process of its own, one call at a time. No server: this is
// the graph's own cost, which every server of it pays on top of its own.
import { invokeInChild } from './four-ways.js';
import { interleaved } from './load.js';
import { cpuRatio, printTable, ratio } from './report.js';

export async function stateSection(): Promise<void> {
  console.log(`\nState declared with zod or with Annotation: graph.invoke in its own process, one call at a time\n`);
  const r = await interleaved({
    zod: invokeInChild('trivial'),
    annotation: invokeInChild('trivialAnnotation'),
    zod10: invokeInChild('tenNodes'),
    annotation10: invokeInChild('tenNodesAnnotation'),
  });
  printTable([
    ['one node, zod state (the trivial graph)', r.zod],
    ['one node, Annotation state', r.annotation],
    ['ten nodes in a line, zod state', r.zod10],
    ['ten nodes in a line, Annotation state', r.annotation10],
  ]);
  console.log('\nrequests/s, Annotation / zod:');
  console.log(ratio('one node', r.annotation, r.zod));
  console.log(ratio('ten nodes', r.annotation10, r.zod10));
  console.log('CPU per call, zod / Annotation:');
  console.log(cpuRatio('one node', r.annotation, r.zod));
  console.log(cpuRatio('ten nodes', r.annotation10, r.zod10));
}
