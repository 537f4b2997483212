/**
 * `node --import ./scripts/conformance/node20-fs-glob.mjs <suite cli>`
 *
 * The conformance suite imports `globSync` from `fs`, which Node added in
 * 22. On Node 20 that import fails at link time, before any of the suite's
 * code runs. Where `fs.globSync` is missing, this registers a resolve hook
 * that hands the suite (and only the suite) an `fs` that also exports a
 * `globSync` backed by tinyglobby. On Node 22+ it does nothing.
 */
import fs from 'node:fs';
import { register } from 'node:module';

if (typeof fs.globSync !== 'function') {
  register('./fs-glob-hooks.mjs', import.meta.url);
}
