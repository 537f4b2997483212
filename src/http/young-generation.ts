// The young generation while `graph-mcp` starts: cli.ts holds it before
// LangGraph, the MCP SDK and the graphs load, and `serve` lets go once it listens.
//
// V8 doubles its young generation whenever a scavenge finds that more has
// survived since the last doubling than the young generation holds. While
// modules load nearly everything survives (it is the code and its data), so by
// the first request the young generation had grown to its maximum, two 16 MB
// semi-spaces, and a served trivial JavaScript graph read 124-128 MB of RSS
// idle. V8's memory reducer shrank it back, but only some 17 s later (92 MB).
// Held at a growth factor of 1 while the process starts, it stays at its
// initial 1 MB semi-spaces and the same process reads about 103 MB; once
// serving begins the factor is V8's default again, and under load the young
// generation grows as before (wrk at c=10, six interleaved rounds: the same
// rate and CPU per call either way, and the same RSS under load).
import { setFlagsFromString } from 'node:v8';

/** V8's own `--semi-space-growth-factor` (`node --v8-options`). */
const V8_GROWTH_FACTOR = 2;

/** A young-generation flag given to node itself (command line or NODE_OPTIONS) is left as it is. */
const givenToNode = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) =>
  /^--(semi[-_]space[-_]growth[-_]factor|(min|max)[-_]semi[-_]space[-_]size)\b/.test(arg),
);

let held = false;

/** Keeps the young generation at its initial size until `releaseYoungGeneration()`. */
export function holdYoungGeneration(): void {
  if (givenToNode || held) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
}

/** Lets the young generation grow as V8 would, e.g. once start-up is over and serving begins. */
export function releaseYoungGeneration(): void {
  if (!held) return;
  setFlagsFromString(`--semi-space-growth-factor=${V8_GROWTH_FACTOR}`);
  held = false;
}
