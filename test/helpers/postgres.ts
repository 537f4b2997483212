// The real PostgreSQL server the tests use (never a mock), one schema per suite, dropped after.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';

/** The test database: trust auth on 127.0.0.1, database `test`, user `postgres`. */
export const POSTGRES_URL = process.env.GRAPH_MCP_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Set by CI: PostgreSQL tests must run, so an unreachable server fails them instead of skipping. */
const REQUIRED = process.env.GRAPH_MCP_REQUIRE_POSTGRES === '1';

let probe: Promise<string | undefined> | undefined;

/** `undefined` when the test server answers; else why not. */
function unavailable(): Promise<string | undefined> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      return (error as Error).message || String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probe;
}

/**
 * Whether the PostgreSQL tests of this file can run. When the server is
 * unreachable, registers a test saying so: skipped with the reason, or
 * failing when GRAPH_MCP_REQUIRE_POSTGRES=1.
 */
export async function postgresReady(what: string): Promise<boolean> {
  const reason = await unavailable();
  if (reason === undefined) return true;
  const where = POSTGRES_URL.replace(/\/\/[^@/]*@/, '//');
  if (REQUIRED) {
    test(`${what}: PostgreSQL is required (GRAPH_MCP_REQUIRE_POSTGRES=1)`, () => {
      assert.fail(`PostgreSQL at ${where} is not reachable: ${reason}`);
    });
  } else {
    test(what, { skip: `PostgreSQL at ${where} is not reachable (${reason}); these tests did not run. Set GRAPH_MCP_REQUIRE_POSTGRES=1 to fail instead` }, () => {});
  }
  return false;
}

/** A schema name no other test uses. */
export function freshSchema(label: string): string {
  return `test_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Runs SQL on the test database with a connection of its own. */
export async function sql<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/**
 * A TCP proxy in front of the test server that can stand still: while
 * frozen, it passes nothing either way and keeps every connection open, as
 * a database host that stopped (SIGSTOP, a hung VM) does.
 */
export async function freezingProxy(): Promise<{ url: string; freeze(): void; thaw(): void; close(): Promise<void> }> {
  const { createServer, connect } = await import('node:net');
  const target = new URL(POSTGRES_URL);
  const sockets = new Set<import('node:net').Socket>();
  let frozen = false;
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on('data', (chunk) => to.write(chunk));
      from.on('error', () => undefined);
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      if (frozen) from.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  const url = new URL(POSTGRES_URL);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.href,
    freeze: () => {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw: () => {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
