import type pg from 'pg';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';

/** The official saver's own transaction statements, made no-ops inside ours. */
const SAVER_TRANSACTION = /^\s*(BEGIN|COMMIT|ROLLBACK)\s*;?\s*$/i;

/**
 * Runs `write` with a checkpointer whose writes all go through one
 * connection, in one transaction: one commit for a batch of checkpoints
 * instead of one per `put` and per `putWrites`, and two round trips fewer
 * for each. The checkpointer is LangGraph's own PostgreSQL saver
 * (`saverOn`), handed a pool of that one connection, on which the BEGIN /
 * COMMIT / ROLLBACK it wraps each write in do nothing. Should a later
 * saver issue other transaction statements, they reach PostgreSQL
 * unchanged, and the batch degrades to a commit per write.
 */
export async function writeInOneTransaction(
  pool: pg.Pool,
  saverOn: (pool: pg.Pool) => BaseCheckpointSaver,
  write: (checkpointer: BaseCheckpointSaver) => Promise<void>,
): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const query = (text: unknown, values?: unknown) =>
      typeof text === 'string' && SAVER_TRANSACTION.test(text) ? Promise.resolve({ rows: [], rowCount: 0 }) : client.query(text as string, values as unknown[]);
    const connection = { query, release: () => undefined };
    // The saver uses only `connect()` (then `query` and `release`) and `query()` of its pool.
    const single = { connect: async () => connection, query } as unknown as pg.Pool;
    await write(saverOn(single));
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
    throw error;
  } finally {
    // A connection that could not even roll back is not returned to the pool.
    client.release(broken);
  }
}
