import type { ResolvedConfig } from '../config/load.js';
import { GraphMcpError } from '../errors.js';
import type { Logger } from '../log.js';
import { MemoryStore } from './memory-store.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export interface OpenStoreOptions {
  /** Reports what happens to the store's connections (PostgreSQL). */
  logger?: Logger | undefined;
  /** Where connection strings are read. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** The store the config names and where it is, for a person to read (the variable that holds a connection string, never the string). */
export function describeStore(store: ResolvedConfig['store']): string {
  if (store.type === 'sqlite') return `sqlite (${store.path})`;
  if (store.type === 'postgres') return `postgres ($${store.url_env}, schema ${store.schema})`;
  return store.type;
}

/** The store the config names, opened and migrated; `undefined` for `"type": "none"`. */
export async function openStore(config: Pick<ResolvedConfig, 'store'>, options: OpenStoreOptions = {}): Promise<Store | undefined> {
  switch (config.store.type) {
    case 'sqlite':
      return SqliteStore.open({ path: config.store.path, logger: options.logger });
    case 'postgres': {
      const variable = config.store.url_env;
      const connectionString = (options.env ?? process.env)[variable];
      if (connectionString === undefined || connectionString.trim() === '') {
        throw new GraphMcpError(
          'STORE_UNAVAILABLE',
          `store: the PostgreSQL store reads its connection string from the environment variable ${variable}, which is ${connectionString === undefined ? 'not set' : 'empty'} (store.url_env names the variable)`,
        );
      }
      // pg would take anything and fail later with a misleading reason (a host named
      // after the string's first word); the string itself is never repeated: it may hold a password.
      if (!isPostgresUrl(connectionString)) {
        throw new GraphMcpError(
          'STORE_UNAVAILABLE',
          `store: $${variable} is not a PostgreSQL connection URL: expected postgres://user:password@host:5432/database (or postgresql://), with no spaces around it`,
        );
      }
      return PostgresStore.open({
        connectionString,
        source: `$${variable}`,
        schema: config.store.schema,
        poolSize: config.store.pool_size,
        statementTimeoutMs: config.store.statement_timeout_ms,
        ...(options.logger ? { logger: options.logger } : {}),
      });
    }
    case 'memory':
      return new MemoryStore();
    case 'none':
      return undefined;
  }
}

/**
 * What pg takes as a connection string: a `postgres://` or `postgresql://`
 * URL (its host may be empty, with a socket directory in `?host=`), a
 * `socket:` URL, or a socket directory (`/var/run/postgresql db`).
 */
function isPostgresUrl(text: string): boolean {
  // pg does not trim: spaces around the string would become a host's name.
  if (text !== text.trim()) return false;
  return /^postgres(?:ql)?:\/\/\S/i.test(text) || /^socket:\S/i.test(text) || text.startsWith('/');
}
