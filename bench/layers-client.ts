// One layer of a served call, measured in a process of its own, one call at a
// time after a warm-up (inProcessLoad): graph.invoke of the trivial graph, or
// graph-mcp's web-standard MCP handler (`handler.fetch`, what `createMcpRouter`
// serves, with no HTTP server around it) answering tools/call or tools/list.
// Prints Figures as JSON. Or `cpu`: all four layers in this one process, in
// interleaved batches, each batch's CPU per call; prints CpuFigures as JSON.
// graph-mcp comes from the built bin's modules when built, as `serve` does.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { loadGraphMcp as LoadGraphMcp, createLogger as CreateLogger } from '../src/index.js';
import { inProcessLoad, ROUNDS, warmUp, type CpuFigures } from './load.js';
import { ROOT, servingEntry } from './processes.js';
import { legacy, modern, type McpRequest } from './requests.js';

const LAYERS = ['invoke', 'call-modern', 'call-legacy', 'list-modern'] as const;
type Layer = (typeof LAYERS)[number];
const [configFile, layer] = [process.argv[2], process.argv[3] as Layer | 'cpu'];
if (configFile === undefined || (layer !== 'cpu' && !LAYERS.includes(layer))) throw new Error(`layers-client: usage CONFIG ${LAYERS.join('|')}|cpu`);

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

const callOf = (which: Layer) =>
  which === 'invoke'
    ? () => graph.invoke({ text: 'hi' })
    : ((request: McpRequest, body: unknown) => () => viaHandler(request, body))(requests[which], JSON.parse(requests[which].body));

if (layer === 'cpu') {
  console.log(JSON.stringify(await cpuInterleaved()));
} else {
  const call = callOf(layer);
  await call(); // fails loudly before measuring if the layer does not answer
  console.log(JSON.stringify(await inProcessLoad(call)(true)));
}
await graphMcp.close(0);

/**
 * Every layer warmed up, then `ROUNDS * 5` rounds of one batch per layer (each
 * about a fifth of a second, 10 calls in flight as at c=10), the layers' order
 * turning each round: whatever slows the machine for a while slows every
 * layer alike. Per layer, the median of its batches' CPU per call, and the
 * spread of the middle half of them.
 */
async function cpuInterleaved(): Promise<CpuFigures> {
  const IN_FLIGHT = 10;
  const calls = Object.fromEntries(LAYERS.map((which) => [which, callOf(which)])) as Record<Layer, () => Promise<unknown>>;
  const tenAtATime = async (which: Layer, count: number) => {
    let left = count;
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (left-- > 0) await calls[which]();
    }));
  };
  const batch: Record<Layer, number> = { invoke: 0, 'call-modern': 0, 'call-legacy': 0, 'list-modern': 0 };
  for (const which of LAYERS) {
    await calls[which]();
    await warmUp(() => tenAtATime(which, IN_FLIGHT));
    // Sized from the warm-up's pace to take about 200 ms.
    const started = performance.now();
    await tenAtATime(which, 100);
    batch[which] = Math.max(100, Math.round((200 / (performance.now() - started)) * 100));
  }
  const samples = Object.fromEntries(LAYERS.map((which) => [which, [] as number[]])) as Record<Layer, number[]>;
  for (let round = 0; round < ROUNDS * 5; round += 1) {
    for (let i = 0; i < LAYERS.length; i += 1) {
      const which = LAYERS[(i + round) % LAYERS.length]!;
      const before = process.cpuUsage();
      await tenAtATime(which, batch[which]);
      const used = process.cpuUsage(before);
      samples[which].push((used.user + used.system) / 1000 / batch[which]);
    }
  }
  return Object.fromEntries(
    LAYERS.map((which) => {
      const sorted = [...samples[which]].sort((a, b) => a - b);
      // Quartiles between neighbouring batches, so an even count's median is the mean of the middle two, as `median` takes it.
      const at = (q: number) => {
        const index = q * (sorted.length - 1);
        const below = sorted[Math.floor(index)]!;
        return below + (sorted[Math.ceil(index)]! - below) * (index - Math.floor(index));
      };
      return [which, { cpuMs: at(0.5), spread: ((at(0.75) - at(0.25)) / at(0.5)) * 100, batches: sorted.length }];
    }),
  ) as CpuFigures;
}
