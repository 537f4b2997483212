import { messageOf } from '../errors.js';

/**
 * What went wrong opening a SQLite file, in words a user can act on. The
 * usual failure is not SQLite's: better-sqlite3 installed without its native
 * module, because its install script did not run (npm with scripts off,
 * pnpm's default) or built it for another Node. Its own error then lists
 * every path it searched.
 */
export function sqliteOpenProblem(cause: unknown, otherwise: string): string {
  const message = messageOf(cause);
  if (/Could not locate the bindings file|NODE_MODULE_VERSION|better_sqlite3\.node/.test(message)) {
    return (
      `better-sqlite3 has no native module for this Node (${process.version}): its install script did not run, or built it for another Node. ` +
      `Run "npm rebuild better-sqlite3" with install scripts allowed, or ${otherwise}`
    );
  }
  return message;
}
