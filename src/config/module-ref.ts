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

export function parseModuleRef(spec: string, baseDir: string, where: string): ModuleRef {
  const colon = spec.lastIndexOf(':');
  // A Windows drive letter ("C:\...") is not an export separator.
  if (colon <= 1 || colon === spec.length - 1) {
    throw new GraphMcpError('CONFIG_INVALID', `${where}: expected "./path/to/module.ts:exportName", got ${JSON.stringify(spec)}`);
  }
  return {
    spec,
    file: path.resolve(baseDir, spec.slice(0, colon)),
    exportName: spec.slice(colon + 1),
  };
}
