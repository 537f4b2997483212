// The store failing under a running server: tables of a real PostgreSQL
// schema renamed away while it serves, then given back. The caller gets a
// JSON-RPC internal error that names nothing of the database, the log has
// the cause, a task is not failed by it but run again, and the server goes
// on serving. A resumed run the store fails under goes on from what was
// stored when answered again: at once, or, where its process died, once its
// claim's lease has run out.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { INTERNAL_ERROR_MESSAGE } from '../../src/mcp/server-factory.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { closeGate, letGo, runsOf } from '../fixtures/graphs/gated.js';
import { dropSchema, freshSchema, POSTGRES_URL, postgresReady, sql } from '../helpers/postgres.js';
import { callLegacy, callModern, envelope, modernHeaders, post, taskRequest, type RawAnswer } from '../helpers/raw.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const ASKS_PEOPLE = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } };

if (await postgresReady('the store failing under a running server')) {
  describe('the store failing under a running server', () => {
    const schema = freshSchema('fails');
    let server: TestServer;
    const takeAway = (table: string) => sql(`ALTER TABLE "${schema}".${table} RENAME TO ${table}_away`);
    const giveBack = (table: string) => sql(`ALTER TABLE "${schema}".${table}_away RENAME TO ${table}`);
    /** Whatever the database would say: its schema, the table, its words for a missing one, its port. */
    const databaseWords = new RegExp(`${schema}|relation|checkpoints|graph_mcp_runs|does not exist|5432`);
    const errorOf = (answer: RawAnswer) => answer.messages.find((m) => 'error' in m || 'result' in m);
    /** Checkpoints no run record names: nothing would ever delete them. */
    const orphans = async () =>
      (
        await sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${schema}".checkpoints c WHERE NOT EXISTS (SELECT 1 FROM "${schema}".graph_mcp_runs r WHERE r.id = c.thread_id)`,
        )
      )[0]!.n;
    /** Runs a request can still find (not expired). */
    const liveRuns = async () =>
      (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".graph_mcp_runs WHERE expires_at > $1`, [Date.now()]))[0]!.n;

    before(async () => {
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema });
      server = await startServer(
        {
          name: 'store-failures',
          graphs: { refund: '../../graphs/approval.ts:graph', gated: './graphs/gated.ts:gated', two_rounds: './graphs/hitl.ts:twoRounds' },
          defaults: { task_lease_ms: 1_000, poll_interval_ms: 50 },
        },
        { load: { store } },
      );
    });
    after(async () => {
      await server?.close(0);
      await dropSchema(schema);
    });

    test('a call whose paused run cannot be stored gets -32603 naming nothing of the database, in both eras; the log has the cause', async () => {
      const runsBefore = await liveRuns();
      await takeAway('checkpoints');
      try {
        const modern = await callModern(server.url, 'refund', { customer: 'Ada', amount: 500 }, 1, ASKS_PEOPLE);
        const legacy = await callLegacy(server.url, 'refund', { customer: 'Bo', amount: 700 }, 2);
        for (const answer of [modern, legacy]) {
          assert.deepEqual(errorOf(answer)?.error, { code: -32603, message: INTERNAL_ERROR_MESSAGE }, answer.text);
          assert.doesNotMatch(answer.text, databaseWords);
        }
        await server.logs.logged('tools/call failed on the server');
        const logged = server.logs.lines.filter((line) => line.includes('tools/call failed on the server'));
        assert.equal(logged.length, 2);
        for (const line of logged) assert.match(line, /checkpoints.*does not exist/);
        // Which request it was: its tool and id (its request line, beside it, says the rest).
        assert.deepEqual(logged.map((line) => [JSON.parse(line).tool, JSON.parse(line).id]).sort(), [['refund', 1], ['refund', 2]]);
        // Their records were stored first, then expired when the checkpoints failed: nobody finds them, the clean-up deletes them.
        assert.equal(await liveRuns(), runsBefore);
      } finally {
        await giveBack('checkpoints');
      }
      // Nothing is left broken: the same call pauses and asks.
      const again = await callModern(server.url, 'refund', { customer: 'Ada', amount: 500 }, 3, ASKS_PEOPLE);
      assert.equal(errorOf(again)?.result?.resultType, 'input_required', again.text);
    });

    test('a paused run whose record cannot be stored leaves no checkpoints behind', async () => {
      assert.equal(await orphans(), 0);
      // The run's record fails, before any of its checkpoints is written.
      await sql(`ALTER TABLE "${schema}".graph_mcp_runs RENAME COLUMN owner TO owner_away`);
      try {
        const answer = await callModern(server.url, 'refund', { customer: 'Di', amount: 600 }, 4, ASKS_PEOPLE);
        assert.equal(errorOf(answer)?.error?.code, -32603, answer.text);
      } finally {
        await sql(`ALTER TABLE "${schema}".graph_mcp_runs RENAME COLUMN owner_away TO owner`);
      }
      assert.equal(await orphans(), 0);
    });

    test('a paused run is stored record first: while its record waits, none of its checkpoints is in the store, so a process dying there leaves none behind', async () => {
      const holder = new pg.Client({ connectionString: POSTGRES_URL });
      await holder.connect();
      let call: Promise<RawAnswer> | undefined;
      try {
        await holder.query('BEGIN');
        // Reads go on; the run's record waits.
        await holder.query(`LOCK TABLE "${schema}".graph_mcp_runs IN EXCLUSIVE MODE`);
        call = callModern(server.url, 'refund', { customer: 'Flo', amount: 900 }, 5, ASKS_PEOPLE);
        await until('the record waits for the lock', async () => {
          const [row] = await sql<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO%graph_mcp_runs%' AND query LIKE '%${schema}%'`,
          );
          return row!.n > 0 ? true : undefined;
        });
        assert.equal(await orphans(), 0, 'checkpoints written before the record names them');
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
      const answer = await call;
      assert.equal(errorOf(answer)?.result?.resultType, 'input_required', answer.text);
      assert.equal(await orphans(), 0);
      const [stored] = await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM "${schema}".checkpoints c JOIN "${schema}".graph_mcp_runs r ON r.id = c.thread_id WHERE r.data::text LIKE '%Flo%'`,
      );
      assert.ok(stored!.n > 0, 'the paused run has its checkpoints once the record is stored');
    });

    const resultOf = (answer: RawAnswer) => errorOf(answer)?.result;
    const twoRounds = (id: number, params: Record<string, unknown> = {}) =>
      post(
        server.url,
        { jsonrpc: '2.0', id, method: 'tools/call', params: envelope({ name: 'two_rounds', arguments: {}, ...params }, ASKS_PEOPLE) },
        modernHeaders('tools/call', 'two_rounds'),
      );
    const runOf = async (id: string) =>
      (await sql<{ status: string; claimed: boolean }>(`SELECT status, lease_until IS NOT NULL AS claimed FROM "${schema}".graph_mcp_runs WHERE id = $1`, [id]))[0]!;

    /**
     * `two_rounds` paused at step 1, then answered while a trigger refuses the
     * run's record every update `refused` matches (a condition on OLD and
     * NEW): the resumed run pauses at step 2 and stores its checkpoints, and
     * its record cannot say so. The caller of that answer gets -32603.
     */
    async function pauseNotRecorded(refused: string, id: number): Promise<{ run: string; answerStep1: Record<string, unknown> }> {
      const first = resultOf(await twoRounds(id));
      assert.deepEqual(Object.keys(first?.inputRequests ?? {}), ['step1'], JSON.stringify(first));
      const answerStep1 = { requestState: first.requestState, inputResponses: { step1: { action: 'accept', content: { answer: 'Ada' } } } };
      const [{ run }] = (await sql<{ run: string }>(`SELECT id AS run FROM "${schema}".graph_mcp_runs WHERE tool = 'two_rounds' ORDER BY created_at DESC LIMIT 1`)) as [{ run: string }];
      const checkpoints = async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".checkpoints WHERE thread_id = $1`, [run]))[0]!.n;
      const before = await checkpoints();
      await sql(`CREATE FUNCTION "${schema}".refused() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the run cannot be updated'; END $$`);
      await sql(`CREATE TRIGGER refused BEFORE UPDATE ON "${schema}".graph_mcp_runs FOR EACH ROW WHEN (${refused}) EXECUTE FUNCTION "${schema}".refused()`);
      try {
        const failed = await twoRounds(id + 1, answerStep1);
        assert.deepEqual(errorOf(failed)?.error, { code: -32603, message: INTERNAL_ERROR_MESSAGE }, failed.text);
      } finally {
        await sql(`DROP TRIGGER refused ON "${schema}".graph_mcp_runs`);
        await sql(`DROP FUNCTION "${schema}".refused()`);
      }
      assert.ok((await checkpoints()) > before, 'the pause at step 2 was stored');
      return { run, answerStep1 };
    }

    /** Sends the step 1 answer again: the run goes on from its newest checkpoint, where step 2 waits, and asks it; answered, the run ends. */
    async function asksStep2Then(answerStep1: Record<string, unknown>, id: number): Promise<void> {
      const second = resultOf(await twoRounds(id, answerStep1));
      assert.deepEqual(Object.keys(second?.inputRequests ?? {}), ['step2'], JSON.stringify(second));
      const done = resultOf(await twoRounds(id + 1, { requestState: second.requestState, inputResponses: { step2: { action: 'accept', content: { answer: 'green' } } } }));
      assert.equal(done?.structuredContent?.answer, 'Ada likes green', JSON.stringify(done));
    }

    test('a resumed run whose new pause is stored but not recorded gives up its claim: the retry asks the new question at once', async () => {
      // Only the update that records the pause (new questions) fails; the claim's release is let through.
      const { run, answerStep1 } = await pauseNotRecorded(`OLD.status = 'working' AND NEW.data::text IS DISTINCT FROM OLD.data::text`, 6);
      assert.deepEqual(await runOf(run), { status: 'input_required', claimed: false }, 'the claim ended with the request');
      await asksStep2Then(answerStep1, 8);
    });

    test('a process dying between storing a new pause and recording it leaves the run claimed until the lease runs out; then the new question is asked, not the old one', async () => {
      // Every update of the claimed run fails, the release too: what a process that died would leave.
      const { run, answerStep1 } = await pauseNotRecorded(`OLD.status = 'working'`, 10);
      assert.deepEqual(await runOf(run), { status: 'working', claimed: true });
      // While the claim's lease holds, the run is not resumed twice.
      const held = resultOf(await twoRounds(12, answerStep1));
      assert.equal(held?.isError, true, JSON.stringify(held));
      assert.equal((held?._meta?.['graph-mcp/error'] as { code?: string } | undefined)?.code, 'RUN_CONFLICT');
      // The lease runs out (a minute past the tool's timeout; moved into the past here, not waited for).
      await sql(`UPDATE "${schema}".graph_mcp_runs SET lease_until = $2 WHERE id = $1`, [run, Date.now() - 1]);
      await asksStep2Then(answerStep1, 13);
    });

    test('a resumed run whose checkpoints cannot be read is let go with the error: the retry goes on once the store is back', async () => {
      const first = resultOf(await twoRounds(20));
      assert.deepEqual(Object.keys(first?.inputRequests ?? {}), ['step1'], JSON.stringify(first));
      const answerStep1 = { requestState: first.requestState, inputResponses: { step1: { action: 'accept', content: { answer: 'Ada' } } } };
      await takeAway('checkpoints');
      try {
        const failed = await twoRounds(21, answerStep1);
        assert.deepEqual(errorOf(failed)?.error, { code: -32603, message: INTERNAL_ERROR_MESSAGE }, failed.text);
        assert.doesNotMatch(failed.text, databaseWords);
      } finally {
        await giveBack('checkpoints');
      }
      // Not refused as a run someone else is resuming: it runs from step 1's answer now.
      await asksStep2Then(answerStep1, 22);
    });

    test('a request whose run record cannot be read gets -32603 naming nothing of the database', async () => {
      const created = await taskRequest(server.url, 'tools/call', { name: 'refund', arguments: { customer: 'Cy', amount: 20 } });
      const taskId = created.result?.taskId as string;
      assert.ok(taskId, JSON.stringify(created));
      await takeAway('graph_mcp_runs');
      try {
        const answer = await taskRequest(server.url, 'tasks/get', { taskId });
        assert.deepEqual(answer.error, { code: -32603, message: INTERNAL_ERROR_MESSAGE });
        assert.doesNotMatch(JSON.stringify(answer), databaseWords);
        await server.logs.logged('tasks/get failed on the server');
      } finally {
        await giveBack('graph_mcp_runs');
      }
      const done = await until('the task is served again', async () => {
        const answer = await taskRequest(server.url, 'tasks/get', { taskId });
        return answer.result?.status === 'completed' ? answer : undefined;
      });
      assert.deepEqual(done.result.result.structuredContent, { status: 'refunded', approved_by: 'policy' });
    });

    test('GET /ok?check_db=1 (a readiness probe) says 500 while the store is not usable, without its words; /ok alone stays 200', async () => {
      const health = (query: string) => fetch(`${new URL(server.url).origin}/ok${query}`);
      assert.deepEqual(await (await health('?check_db=1')).json(), { ok: true });
      await takeAway('checkpoints');
      try {
        const probe = await health('?check_db=1');
        assert.equal(probe.status, 500);
        const text = await probe.text();
        assert.deepEqual(JSON.parse(text), { ok: false, error: 'store_unavailable' });
        assert.doesNotMatch(text, databaseWords);
        assert.equal((await health('')).status, 200, 'liveness does not depend on the store');
        await server.logs.logged('health check: the store is not ready');
        // A probe every few seconds: one warning, not one per probe.
        for (let i = 0; i < 4; i += 1) assert.equal((await health('?check_db=1')).status, 500);
        const warnings = server.logs.lines.map((line) => JSON.parse(line)).filter((l) => l.msg === 'health check: the store is not ready' && l.level === 40);
        assert.equal(warnings.length, 1, 'warned once while it stays down');
      } finally {
        await giveBack('checkpoints');
      }
      assert.equal((await health('?check_db=1')).status, 200);
      await server.logs.logged('health check: the store is ready again');
    });

    test('a checkpoint the store fails to write under a task does not fail the task: it goes on from its last checkpoint once the store is back', async () => {
      const gate = closeGate();
      const created = await taskRequest(server.url, 'tools/call', { name: 'gated', arguments: { topic: 'tides' } });
      const taskId = created.result?.taskId as string;
      assert.ok(taskId, JSON.stringify(created));
      await gate.started;
      await takeAway('checkpoints');
      try {
        letGo();
        // The checkpoint after the first step cannot be written: the run stops, and the task is not finished.
        const failed = await until('the task fails to run', async () => server.logs.lines.find((line) => line.includes('task failed to run') && line.includes(taskId)));
        assert.match(failed, /checkpoints.*does not exist/, 'the log has the cause');
        const during = await taskRequest(server.url, 'tasks/get', { taskId });
        assert.equal(during.result?.status, 'working', JSON.stringify(during));
      } finally {
        await giveBack('checkpoints');
      }
      const done = await until('the task completes once the store is back', async () => {
        const answer = await taskRequest(server.url, 'tasks/get', { taskId });
        return answer.result?.status === 'completed' ? answer : undefined;
      });
      assert.notEqual(done.result.result.isError, true, JSON.stringify(done.result));
      assert.deepEqual(done.result.result.structuredContent, { topic: 'tides', steps: 1, summary: 'tides after 1 step' });
      // Run again from the checkpoint before the first step, whose writes were stored before the
      // checkpoint after it failed: LangGraph takes them instead of running it again.
      assert.deepEqual(runsOf, { first: 1, second: 1 });
      assert.doesNotMatch(JSON.stringify(done), databaseWords);
    });
    test("a row lock another session holds on a running task's record keeps one claim renewal waiting, not one more each renewal period", { timeout: 60_000 }, async () => {
      const gate = closeGate();
      const created = await taskRequest(server.url, 'tools/call', { name: 'gated', arguments: { topic: 'locks' } });
      const taskId = created.result?.taskId as string;
      assert.ok(taskId, JSON.stringify(created));
      await gate.started;
      const holder = new pg.Client({ connectionString: POSTGRES_URL });
      await holder.connect();
      const waitingOnTheLock = async () =>
        (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [`%${schema}%graph_mcp_runs%`]))[0]!.n;
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT id FROM "${schema}".graph_mcp_runs WHERE id = $1 FOR UPDATE`, [taskId]);
        await until('a renewal waits on the lock', async () => ((await waitingOnTheLock()) > 0 ? true : undefined));
        // Six renewal periods (a third of task_lease_ms, 1 s) go by under the lock. Each renewal that piled up
        // held a pooled connection until the statement timeout; enough of them stalled every request of the process.
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        assert.equal(await waitingOnTheLock(), 2, 'two renewals (one that hangs is covered by the next), not one more each period');
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
      letGo();
      const done = await until('the task completes once the lock is gone', async () => {
        const answer = await taskRequest(server.url, 'tasks/get', { taskId });
        return answer.result?.status === 'completed' ? answer : undefined;
      });
      assert.equal(done.result.result.structuredContent.summary, 'locks after 1 step', JSON.stringify(done.result));
    });
  });
  describe('a table locked elsewhere (store.statement_timeout_ms)', () => {
    const schema = freshSchema('locked');
    let server: TestServer;
    before(async () => {
      const store = await PostgresStore.open({ connectionString: POSTGRES_URL, schema, statementTimeoutMs: 300 });
      server = await startServer({ name: 'store-locked', graphs: { refund: '../../graphs/approval.ts:graph' } }, { load: { store } });
    });
    after(async () => {
      await server?.close(0);
      await dropSchema(schema);
    });

    test('a call held up by a lock another session keeps gets -32603 once the statement times out, not a wait without end; then it is served', { timeout: 30_000 }, async () => {
      const holder = new pg.Client({ connectionString: POSTGRES_URL });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`LOCK TABLE "${schema}".graph_mcp_runs IN ACCESS EXCLUSIVE MODE`);
        // The run pauses, and storing it waits for the lock until the database cancels the statement.
        const answer = await callModern(server.url, 'refund', { customer: 'Ed', amount: 800 }, 1, ASKS_PEOPLE);
        const message = answer.messages.find((m) => 'error' in m || 'result' in m);
        assert.deepEqual(message?.error, { code: -32603, message: INTERNAL_ERROR_MESSAGE }, answer.text);
        assert.doesNotMatch(answer.text, new RegExp(`${schema}|statement timeout|graph_mcp_runs`));
        await server.logs.logged('tools/call failed on the server');
        assert.ok(server.logs.lines.some((line) => line.includes('tools/call failed on the server') && /statement timeout/.test(line)), 'the log has the cause');
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
      }
      const again = await callModern(server.url, 'refund', { customer: 'Ed', amount: 800 }, 2, ASKS_PEOPLE);
      assert.equal(again.messages.find((m) => 'result' in m)?.result?.resultType, 'input_required', again.text);
    });
  });
}
