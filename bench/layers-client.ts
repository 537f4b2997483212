// One layer of a served call, measured in a process of its own, one call at a
// time after a warm-up (inProcessLoad): graph.invoke of the trivial graph, or
// graph-mcp's web-standard MCP handler (`handler.fetch`, what `createMcpRouter`
// serves, with no HTTP server around it) answering tools/call or tools/list.
// graph-mcp comes from the built bin's modules when built, as `serve` does.
// Prints Figures as JSON.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { loadGraphMcp as LoadGraphMcp, createLogger as CreateLogger } from '../src/index.js';
import { inProcessLoad } from './load.js';
import { ROOT, servingEntry } from './processes.js';
import { legacy, modern, type McpRequest } from './requests.js';

const LAYERS = ['invoke', 'call-modern', 'call-legacy', 'list-modern'] as const;
const [configFile, layer] = [process.argv[2], process.argv[3] as (typeof LAYERS)[number]];
if (configFile === undefined || !LAYERS.includes(layer)) throw new Error(`layers-client: usage CONFIG ${LAYERS.join('|')}`);

const entry = servingEntry() === 'dist' ? pathToFileURL(path.join(ROOT, 'dist/index.js')).href : '../src/index.js';
const { loadGraphMcp, createLogger } = (await import(entry)) as { loadGraphMcp: typeof LoadGraphMcp; createLogger: typeof CreateLogger };
const graphMcp = await loadGraphMcp({ config: configFile, logger: createLogger({ level: 'silent' }) });
const graph = graphMcp.tools.get('graph_0')!.graph;

const requests: Record<Exclude<(typeof LAYERS)[number], 'invoke'>, McpRequest> = {
  'call-modern': modern('tools/call', { name: 'graph_0', arguments: { text: 'hi' } }),
  'call-legacy': legacy('tools/call', { name: 'graph_0', arguments: { text: 'hi' } }),
  'list-modern': modern('tools/list'),
};

/** As the Node adapter hands a request over: headers and an abort signal, the body already parsed. */
async function viaHandler(request: McpRequest, parsedBody: unknown): Promise<void> {
  const abort = new AbortController();
  const response = await graphMcp.handler.fetch(
    new Request('http://127.0.0.1/mcp', { method: 'POST', headers: { ...request.headers, host: '127.0.0.1' }, signal: abort.signal }),
    { parsedBody },
  );
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"result"') || text.includes('"isError":true')) throw new Error(`the handler answered ${response.status}: ${text.slice(0, 200)}`);
}

const call =
  layer === 'invoke'
    ? () => graph.invoke({ text: 'hi' })
    : ((request: McpRequest, body: unknown) => () => viaHandler(request, body))(requests[layer], JSON.parse(requests[layer].body));
await call(); // fails loudly before measuring if the layer does not answer
const figures = await inProcessLoad(call)(true);
await graphMcp.close(0);
console.log(JSON.stringify(figures));
