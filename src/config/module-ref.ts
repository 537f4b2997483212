import { statSync } from 'node:fs';
import path from 'node:path';
import { GraphMcpError } from '../errors.js';

/** A parsed `"./path/to/module.ts:exportName"` reference. */
export interface ModuleRef {
  /** As written in the config. */
  spec: string;
  /** Absolute file path. */
  file: string;
  exportName: string;
}

/**
 * `defaultExport`: a spec with no export after a colon names the module's
 * default export (how LangGraph reads a graph's); otherwise an export is
 * required.
 */
export function parseModuleRef(spec: string, baseDir: string, where: string, options: { defaultExport?: boolean } = {}): ModuleRef {
  const colon = spec.lastIndexOf(':');
  // A Windows drive letter ("C:\...") is not an export separator, nor is a colon in a directory's name.
  const named = colon > 1 && /^[A-Za-z_$][\w$]*$/.test(spec.slice(colon + 1));
  // "./graph.ts:my-graph" (or "./graph.ts:graph " with a space) names a module that exists and no export
  // it can have: said so, not read as the default export of a file called "graph.ts:my-graph".
  if (!named && colon > 1 && colon < spec.length - 1 && isFile(path.resolve(baseDir, spec.slice(0, colon)))) {
    throw new GraphMcpError('CONFIG_INVALID', `${where}: ${JSON.stringify(spec.slice(colon + 1))} after the colon in ${JSON.stringify(spec)} is no export name (one such as "graph": letters, digits, _ and $)`);
  }
  if (!named && options.defaultExport && spec.length > 0 && !spec.endsWith(':')) return { spec, file: path.resolve(baseDir, spec), exportName: 'default' };
  if (colon <= 1 || colon === spec.length - 1) {
    throw new GraphMcpError('CONFIG_INVALID', `${where}: expected "./path/to/module.ts:exportName", got ${JSON.stringify(spec)}`);
  }
  return {
    spec,
    file: path.resolve(baseDir, spec.slice(0, colon)),
    exportName: spec.slice(colon + 1),
  };
}

function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() === true;
}
