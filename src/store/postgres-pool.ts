import type pg from 'pg';
import { messageOf } from '../errors.js';
import { WarningPace } from '../warning-pace.js';
import type { Logger } from '../log.js';
import { BYTEA_ARRAY_OID, byteaArrayParser } from './postgres-bytea-array.js';

/** The `pg` module, loaded on demand: projects that never use PostgreSQL need not install it. */
export type PgModule = typeof pg;

/** Retries of a failed connection attempt before the query that wanted it fails. */
const CONNECT_RETRIES = 4;

/** Delay before retry `attempt` (0-based): exponential from `baseMs` up to `maxMs`, with jitter so processes do not retry in step. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * A connection-level failure: the server is down, restarting, out of
 * connections, or the network dropped. Worth retrying; an SQL error or a
 * refused login is not.
 */
export function isConnectionError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08')) return true; // connection_exception
    if (['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'].includes(code)) return true;
  }
  return /Connection terminated|connection timeout/i.test(messageOf(error));
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ETIMEDOUT' || /timeout/i.test(messageOf(error));
}

/**
 * A pool whose connection attempts are retried with backoff (and logged)
 * when the server cannot be reached, for graph-mcp's queries and the
 * checkpointer's alike. Only getting a connection is retried, never a
 * statement already sent: a statement whose connection broke fails, so
 * nothing is applied twice. Errors of idle connections are logged, never
 * thrown (an unhandled `error` event would end the process).
 */
export function createPool(pgModule: PgModule, config: pg.PoolConfig, logger: Logger | undefined): pg.Pool {
  // This pool's own parsers (not pg's global ones, which the app may use too): a fast bytea[].
  const parserOf = pgModule.types.getTypeParser as (oid: number, format?: string) => (text: string) => unknown;
  const byteaArray = byteaArrayParser(parserOf(BYTEA_ARRAY_OID, 'text'));
  const types = {
    getTypeParser: ((oid: number, format?: string) =>
      oid === BYTEA_ARRAY_OID && format !== 'binary' ? byteaArray : parserOf(oid, format)) as typeof pgModule.types.getTypeParser,
  };
  const pool = new pgModule.Pool({ types, ...config });
  pool.on('error', (error) => {
    logger?.warn({ err: { message: messageOf(error) } }, 'PostgreSQL: an idle pooled connection failed; it is replaced on next use');
  });
  // pg-pool listens for the errors of idle connections only. A connection checked out with no
  // statement running (a transaction between two statements: LangGraph's saver, a batch of
  // checkpoints) whose server ends it (a restart, pg_terminate_backend) emits `error` with no
  // listener, which would end the process. Its holder's next statement fails instead, and the
  // connection, no longer queryable, is dropped when it is released.
  // The connections checked out now: an idle one's error is the pool's (logged above), said once.
  const inUse = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => inUse.add(client));
  pool.on('release', (_error, client) => inUse.delete(client));
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      if (inUse.has(client)) logger?.warn({ err: { message: messageOf(error) } }, 'PostgreSQL: a pooled connection in use failed; the request using it fails');
    });
  });
  const connectOnce = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
  // While the database is down every query retries, and an idle server's task claims query
  // every poll: one warning a minute says so, with how many retries it stands for.
  const retries = new WarningPace();
  const connect = async (): Promise<pg.PoolClient> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await connectOnce();
      } catch (error) {
        // A timeout has spent its wait already (connectionTimeoutMillis): more would hold the query for minutes.
        if (pool.ending || attempt >= CONNECT_RETRIES || !isConnectionError(error) || isTimeout(error)) throw error;
        const delay = backoffMs(attempt, 100, 2_000);
        const { warn, unsaid } = retries.failure();
        if (warn) {
          logger?.warn({ err: { message: messageOf(error) }, attempt: attempt + 1, retryInMs: delay, ...(unsaid > 0 ? { retriesNotLogged: unsaid } : {}) }, 'PostgreSQL: cannot connect; retrying');
        } else {
          logger?.debug({ err: { message: messageOf(error) }, attempt: attempt + 1, retryInMs: delay }, 'PostgreSQL: cannot connect; retrying');
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
  type Done = (release?: unknown) => void;
  // pg-pool's own `query` gets its connection through `this.connect(callback)`, so both forms are served.
  pool.connect = ((callback?: (error: Error | undefined, client: pg.PoolClient | undefined, done: Done) => void) => {
    const connecting = connect();
    if (callback === undefined) return connecting;
    connecting.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: Error) => callback(error, undefined, () => {}),
    );
    return undefined;
  }) as typeof pool.connect;
  return pool;
}

/** `"name"`, safe for any name: PostgreSQL's identifier quoting. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
