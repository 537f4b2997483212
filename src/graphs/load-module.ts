import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModuleRef } from '../config/module-ref.js';
import { GraphMcpError, messageOf } from '../errors.js';

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
let tsLoader: Promise<void> | undefined;

/**
 * TypeScript modules are loaded through tsx's ESM hooks, registered once per
 * process (not per import: a module shared by several graphs must stay one
 * instance).
 */
function ensureTypeScriptLoader(): Promise<void> {
  tsLoader ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return tsLoader;
}

/** Imports `ref.file` and returns its export `ref.exportName`. `what` names the owner in errors. */
export async function importExport(ref: ModuleRef, what: string): Promise<unknown> {
  if (TS_EXTENSIONS.has(path.extname(ref.file))) await ensureTypeScriptLoader();
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(ref.file).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new GraphMcpError('MODULE_LOAD_FAILED', `${what}: cannot load ${ref.spec}: ${messageOf(cause)}`, { cause });
  }
  if (!(ref.exportName in namespace) || namespace[ref.exportName] === undefined) {
    const available = Object.keys(namespace).filter((key) => key !== 'default');
    throw new GraphMcpError(
      'EXPORT_NOT_FOUND',
      `${what}: ${ref.file} has no export "${ref.exportName}"` +
        (available.length > 0 ? ` (exports: ${available.join(', ')})` : ''),
    );
  }
  return namespace[ref.exportName];
}
