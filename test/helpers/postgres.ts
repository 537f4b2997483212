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
