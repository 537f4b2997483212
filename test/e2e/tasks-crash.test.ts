// Durable tasks: graph-mcp processes on one SQLite file, killed with SIGKILL while they run
// tasks (test/helpers/crash.ts; the same tests run on PostgreSQL in tasks-crash-postgres.test.ts).
import path from 'node:path';
import Database from 'better-sqlite3';
import { describeCrashes } from '../helpers/crash.js';

/** Opens the store's file beside the config, runs `use`, closes it. */
function withDatabase<T>(dir: string, use: (db: Database.Database) => T): T {
  const db = new Database(path.join(dir, 'state.sqlite'));
  db.pragma('busy_timeout = 10000');
  try {
    return use(db);
  } finally {
    db.close();
  }
}

describeCrashes('SQLite', {
  processes: 3,
  tasks: 100,
  askEvery: 4,
  store: (dir) => ({
    store: { type: 'sqlite', path: 'state.sqlite' },
    probe: {
      async holders(taskId) {
        const rows = withDatabase(dir, (db) =>
          db.prepare(`SELECT lease_owner FROM graph_mcp_runs WHERE status = 'working' AND lease_owner IS NOT NULL AND (@id IS NULL OR id = @id)`).all({ id: taskId ?? null }),
        ) as Array<{ lease_owner: string }>;
        return rows.map((row) => Number(row.lease_owner.split('-')[0]));
      },
      async recordFinishes() {
        withDatabase(dir, (db) =>
          db.exec(`
            CREATE TABLE test_finishes (id TEXT NOT NULL, attempt INTEGER);
            CREATE TRIGGER test_finish AFTER UPDATE ON graph_mcp_runs WHEN NEW.status = 'completed'
            BEGIN INSERT INTO test_finishes (id, attempt) VALUES (NEW.id, json_extract(NEW.data, '$.attempt')); END;`),
        );
      },
      async checkpoints(threadId) {
        return withDatabase(dir, (db) => (db.prepare('SELECT count(*) AS n FROM checkpoints WHERE thread_id = ?').get(threadId) as { n: number }).n);
      },
      async finishes() {
        return withDatabase(dir, (db) => db.prepare('SELECT id, attempt FROM test_finishes').all()) as Array<{ id: string; attempt: number }>;
      },
    },
  }),
});
