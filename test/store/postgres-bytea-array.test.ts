// The pool's bytea[] parser against pg's own, on what the real server writes (hex, and escape
// output, which it leaves to pg's), and through LangGraph's saver on a large checkpoint.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { BYTEA_ARRAY_OID, byteaArrayParser } from '../../src/store/postgres-bytea-array.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { dropSchema, freshSchema, POSTGRES_URL, postgresReady } from '../helpers/postgres.js';

const ready = await postgresReady('bytea[] parser');

if (ready) {
  const pgParser = pg.types.getTypeParser(BYTEA_ARRAY_OID as never, 'text') as (text: string) => unknown;
  const fast = byteaArrayParser(pgParser);
  // For hex output, never pg's: the point is not to walk the text a character at a time.
  const own = byteaArrayParser(() => assert.fail("fell back to pg's parser"));
  /** The server's text for an expression, unparsed. */
  const textOf = async (expression: string, setup?: string): Promise<string> => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, types: { getTypeParser: () => (text: string) => text } as never });
    client.on('error', () => undefined);
    await client.connect();
    try {
      if (setup) await client.query(setup);
      return (await client.query<{ v: string }>(`SELECT ${expression} AS v`)).rows[0]!.v;
    } finally {
      await client.end();
    }
  };

  test('gives what pg gives, for the arrays the server writes', async () => {
    for (const expression of [
      `array_agg(array['a'::bytea, 'b"\\\\c'::bytea, decode('00ff', 'hex')])`,
      `array[NULL::bytea, ''::bytea]`,
      `'{}'::bytea[]`,
      `array[array[decode('0102', 'hex'), NULL], array[''::bytea, 'x,y}{'::bytea]]`,
    ]) {
      const text = await textOf(expression);
      assert.deepEqual(own(text), pgParser(text), `${expression}: ${text}`);
    }
  });

  test("a server's escape output is left to pg's parser", async () => {
    const text = await textOf(`array['a\\\\x'::bytea, decode('5c78', 'hex')]`, `SET bytea_output = 'escape'`);
    assert.ok(!text.includes('"\\\\x61'), text);
    assert.deepEqual(fast(text), pgParser(text));
  });

  const schema = freshSchema('bytea');
  after(() => dropSchema(schema));
  test('a checkpoint of several megabytes round-trips through the store', async () => {
    const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema });
    try {
      const big = 'ab'.repeat(2_000_000);
      const config = { configurable: { thread_id: 'big', checkpoint_ns: '' } };
      const checkpoint = { v: 4, id: '1ef00000-0000-6000-8000-000000000001', ts: new Date().toISOString(), channel_values: { text: big }, channel_versions: { text: 1 }, versions_seen: {} };
      await store.checkpointer.put(config, checkpoint as never, { source: 'loop', step: 0, parents: {} } as never, { text: 1 });
      const tuple = await store.checkpointer.getTuple(config);
      assert.equal((tuple?.checkpoint.channel_values as { text: string }).text, big);
    } finally {
      await store.close();
    }
  });
}
