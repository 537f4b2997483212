import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ModuleRef } from '../config/module-ref.js';
import { GraphMcpError, messageOf } from '../errors.js';
import { withoutUrlPasswords } from '../run/scrub.js';

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);
let tsLoader: Promise<void> | undefined;

/**
 * TypeScript modules are loaded through tsx's hooks, registered once per
 * process (not per import: a module shared by several graphs must stay one
 * instance). Both module systems: a `.ts` file is CommonJS in a package
 * without `"type": "module"` (npm's default), and Node hands those to its
 * CommonJS loader, which without tsx's hook there cannot load a file written
 * with `import`/`export`.
 */
function ensureTypeScriptLoader(moduleFile: string): Promise<void> {
  tsLoader ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
    // The project's tsconfig (its `paths` aliases), found from the graph's own directory: tsx
    // would look in the working directory, which a service manager or a container sets
    // elsewhere. TSX_TSCONFIG_PATH, if set, wins. tsx's CommonJS hook reads only that
    // variable, as it registers: set for that moment, so that no child process inherits it.
    const given = process.env.TSX_TSCONFIG_PATH;
    const tsconfig = given ?? nearestTsconfig(path.dirname(moduleFile));
    try {
      esm.register(tsconfig === undefined ? {} : { tsconfig });
      if (tsconfig !== undefined) process.env.TSX_TSCONFIG_PATH = tsconfig;
      cjs.register();
    } catch (cause) {
      // A tsconfig that cannot be read (an "extends" of a package not installed): say which.
      const which = given !== undefined ? `${tsconfig} (TSX_TSCONFIG_PATH)` : `${tsconfig}, the nearest to ${moduleFile}`;
      throw new GraphMcpError('MODULE_LOAD_FAILED', `TypeScript modules cannot load: tsx cannot use ${which}: ${messageOf(cause)}`, { cause });
    } finally {
      if (given === undefined) delete process.env.TSX_TSCONFIG_PATH;
    }
  });
  return tsLoader;
}

/** The `tsconfig.json` in `dir` or the nearest directory above it. */
function nearestTsconfig(dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    const candidate = path.join(at, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(at) === at) return undefined;
  }
}

/**
 * Registers the TypeScript loader before any of `files` is imported, if one
 * of them is TypeScript: a JavaScript module among them that imports a `.ts`
 * file then loads whatever their order (it failed when listed before the
 * first `.ts` module, and loaded after it).
 */
export async function prepareTypeScript(files: readonly string[]): Promise<void> {
  const first = files.find((file) => TS_EXTENSIONS.has(path.extname(file)));
  if (first !== undefined) await ensureTypeScriptLoader(first);
}

/** Imports `ref.file` and returns its export `ref.exportName`. `what` names the owner in errors. */
export async function importExport(ref: ModuleRef, what: string): Promise<unknown> {
  // A langgraph.json may name Python graphs too: said plainly, not in the words of Node's loader.
  if (path.extname(ref.file) === '.py') {
    throw new GraphMcpError('MODULE_LOAD_FAILED', `${what}: ${ref.spec} is a Python module: graph-mcp serves LangGraph.js graphs (JavaScript or TypeScript modules) only`);
  }
  // A Windows path in a config read elsewhere: a backslash is no separator there, and Node's loader
  // refuses it in words of URL encoding (it imports no file whose name holds one).
  if (path.sep === '/' && ref.spec.includes('\\')) {
    throw new GraphMcpError(
      'MODULE_LOAD_FAILED',
      `${what}: ${ref.spec} is written with backslashes: write a module path with forward slashes (${ref.spec.replaceAll('\\', '/')}), which every system reads`,
    );
  }
  if (TS_EXTENSIONS.has(path.extname(ref.file))) await ensureTypeScriptLoader(ref.file);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(ref.file).href)) as Record<string, unknown>;
  } catch (cause) {
    throw new GraphMcpError('MODULE_LOAD_FAILED', `${what}: cannot load ${ref.spec}: ${startupMessageOf(cause)}`, { cause });
  }
  const found = exportOf(namespace, ref.exportName);
  if (found === undefined) {
    const available = exportNames(namespace);
    throw new GraphMcpError(
      'EXPORT_NOT_FOUND',
      `${what}: ${ref.file} has no export "${ref.exportName}"` +
        (available.length > 0 ? ` (exports: ${available.join(', ')})` : ''),
    );
  }
  return found;
}

/**
 * A CommonJS module's exports are `module.exports`, its namespace's
 * `default`; Node lifts a name onto the namespace only where it can tell
 * from the source, which it cannot for a TypeScript file compiled on load.
 * A default export that is itself a graph (an ES module's compiled or
 * uncompiled graph, its `export default graph`) is not `module.exports`: its fields
 * (`builder`, `nodes`, ...) are no exports. (Node 20's namespace does not
 * say which kind of module it is; `module.exports = new Registry()`, a
 * class's instance holding graphs, is still read.)
 */
function commonJsExports(namespace: Record<string, unknown>): Record<string, unknown> | undefined {
  const exports = namespace['module.exports'] ?? namespace.default;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const graphLike = exports as { invoke?: unknown; compile?: unknown };
  return typeof graphLike.invoke === 'function' || typeof graphLike.compile === 'function' ? undefined : (exports as Record<string, unknown>);
}

function exportOf(namespace: Record<string, unknown>, name: string): unknown {
  if (name === 'default') {
    // `export default` compiled to CommonJS (a `.ts` file in a CommonJS package, tsc's output):
    // the namespace's default is the whole `module.exports`, marked `__esModule`, and the
    // module's own default export is its `default`.
    const exports = namespace.default as { __esModule?: unknown; default?: unknown } | null | undefined;
    if (exports !== null && typeof exports === 'object' && exports.__esModule === true && exports.default !== undefined) return exports.default;
    return namespace.default;
  }
  if (name in namespace && namespace[name] !== undefined) return namespace[name];
  const exports = commonJsExports(namespace);
  return exports !== undefined && Object.hasOwn(exports, name) ? exports[name] : undefined;
}

function exportNames(namespace: Record<string, unknown>): string[] {
  const names = new Set(Object.keys(namespace).filter((key) => key !== 'default' && key !== 'module.exports'));
  for (const key of Object.keys(commonJsExports(namespace) ?? {})) names.add(key);
  return [...names];
}

/**
 * What a module or factory that failed at start-up said, as the operator is
 * shown it: without a URL's password (a connection string in a driver's
 * message), and without Node's "imported from" graph-mcp's own loader,
 * which names a file inside graph-mcp, not the project's.
 */
export function startupMessageOf(cause: unknown): string {
  return withoutUrlPasswords(messageOf(cause)).replace(/ imported from \S*\/graphs\/load-module\.[jt]s$/, '');
}
