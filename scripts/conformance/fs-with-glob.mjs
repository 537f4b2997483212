/** Node's `fs`, plus the `globSync(pattern, { cwd })` of Node 22, for the conformance suite on Node 20. */
import fs from 'node:fs';
import { globSync as tinyGlobSync } from 'tinyglobby';

export * from 'node:fs';
export default fs;

/** Paths relative to `cwd`, as Node 22's `fs.globSync` returns them. */
export function globSync(pattern, options = {}) {
  return tinyGlobSync(pattern, { cwd: options.cwd ?? process.cwd(), expandDirectories: false });
}
