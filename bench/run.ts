// npm run bench: side-by-side figures and their ratios, all measured in this
// one run on this machine. Absolute numbers depend on the machine; only the
// ratios are meant to be compared between runs. Nothing here asserts timing:
// the checks before each section only make sure every setup answers correctly.
import { availableParallelism, loadavg } from 'node:os';
import { DURATION_S, ROUNDS, WARMUP_S } from './load.js';
import { servingEntry } from './processes.js';
import { SPREAD_NOTE } from './report.js';
import { manyGraphs } from './many-graphs.js';
import { progressCost } from './progress.js';
import { memorySection, startupSection, workersSection } from './footprint.js';
import { oneGraphFourWays } from './four-ways.js';
import { layersSection } from './layers.js';
import { hitlSection } from './hitl.js';
import { tasksSection } from './tasks.js';
import { storeSection } from './store.js';
import { soakSection } from './soak.js';
import { stateSection } from './state.js';
import { againstSection } from './against.js';

const started = performance.now();
console.log(`graph-mcp benchmarks, ${process.platform} ${process.arch}, Node ${process.version}`);
console.log(`each setup: ${ROUNDS} interleaved rounds of ${DURATION_S}s (BENCH_ROUNDS, BENCH_SECONDS), each after a warm-up of its own load (BENCH_WARMUP_SECONDS, ${WARMUP_S}s); medians shown`);
console.log(`graph-mcp serve: ${servingEntry() === 'dist' ? 'node dist/cli.js, the bin npm start runs' : 'tsx src/cli.ts (no build found)'}`);
// Other work on the machine shows up as spread; the load average says whether there was any.
console.log(`${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(2)} at start`);
console.log(SPREAD_NOTE);
// `npm run bench -- hitl progress` runs only the sections named.
const SECTIONS = {
  four: oneGraphFourWays,
  layers: layersSection,
  graphs: manyGraphs,
  progress: progressCost,
  memory: memorySection,
  startup: startupSection,
  workers: workersSection,
  hitl: hitlSection,
  tasks: tasksSection,
  store: storeSection,
  state: stateSection,
  soak: soakSection,
  against: againstSection,
};
const named = process.argv.slice(2).filter((arg): arg is keyof typeof SECTIONS => arg in SECTIONS);
// The soak runs for minutes, and against needs another build: only when named.
const everyDefault = Object.entries(SECTIONS).filter(([name]) => name !== 'soak' && name !== 'against').map(([, section]) => section);
for (const section of named.length > 0 ? named.map((name) => SECTIONS[name]) : everyDefault) await section();
console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s`);
