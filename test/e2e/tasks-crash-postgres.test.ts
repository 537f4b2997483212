// Durable tasks: graph-mcp processes on one PostgreSQL schema, killed with SIGKILL while they
// run tasks (test/helpers/crash.ts; the same tests run on SQLite in tasks-crash.test.ts).
import { describeCrashes } from '../helpers/crash.js';
import { dropSchema, freshSchema, POSTGRES_URL, postgresReady, sql } from '../helpers/postgres.js';

if (await postgresReady('durable tasks on PostgreSQL, with processes killed by SIGKILL')) {
  const schema = freshSchema('crash');
  const s = `"${schema}"`;
  describeCrashes('PostgreSQL', {
    processes: 3,
    tasks: 200,
    askEvery: 4,
    store: () => ({
      store: { type: 'postgres', schema, pool_size: 4 },
      env: { DATABASE_URL: POSTGRES_URL },
      cleanup: () => dropSchema(schema),
      probe: {
        async holders(taskId) {
          const rows = await sql<{ lease_owner: string }>(
            `SELECT lease_owner FROM ${s}.graph_mcp_runs WHERE status = 'working' AND lease_owner IS NOT NULL AND ($1::text IS NULL OR id = $1)`,
            [taskId ?? null],
          );
          return rows.map((row) => Number(row.lease_owner.split('-')[0]));
        },
        async recordFinishes() {
          await sql(`
            CREATE TABLE ${s}.test_finishes (id TEXT NOT NULL, attempt INTEGER);
            CREATE FUNCTION ${s}.test_record_finish() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN INSERT INTO ${s}.test_finishes (id, attempt) VALUES (NEW.id, (NEW.data->>'attempt')::int); RETURN NEW; END $$;
            CREATE TRIGGER test_finish AFTER UPDATE ON ${s}.graph_mcp_runs FOR EACH ROW WHEN (NEW.status = 'completed')
              EXECUTE FUNCTION ${s}.test_record_finish();`);
        },
        async checkpoints(threadId) {
          const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.checkpoints WHERE thread_id = $1`, [threadId]);
          return row?.n ?? 0;
        },
        finishes: () => sql<{ id: string; attempt: number }>(`SELECT id, attempt FROM ${s}.test_finishes`),
      },
    }),
  });
}
