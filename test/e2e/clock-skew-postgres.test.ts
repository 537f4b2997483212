// graph-mcp processes on one PostgreSQL database whose machines' clocks disagree (by 30 s
// each way, as NTP drift or a host without it): leases, expiry and requestState are read by the
// database's clock, so no process takes over a run another is running, nor finds a live run
// expired. The skewed processes get their wall clock from test/fixtures/shift-clock.mjs.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, startServeProcess, type ServingProcess } from '../helpers/cli.js';
import { nodeLog } from '../helpers/node-log.js';
import { dropSchema, freshSchema, POSTGRES_URL, postgresReady, sql } from '../helpers/postgres.js';
import { envelope, modernHeaders, post, taskRequest } from '../helpers/raw.js';
import { FIXTURES } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const SKEW_MS = 30_000;
const SHIFT_CLOCK = path.join(FIXTURES, 'shift-clock.mjs');

if (await postgresReady('processes whose clocks disagree, on one PostgreSQL database')) {
  describe('processes whose clocks disagree by 30 s, on one PostgreSQL database', () => {
    const schema = freshSchema('skew');
    let dir: string;
    let logPath: string;
    /** Its clock right, 30 s ahead, 30 s behind. */
    let right: ServingProcess;
    let ahead: ServingProcess;
    let behind: ServingProcess;

    const serve = (config: string, shiftMs: number) =>
      startServeProcess(['--config', config, '--port', '0'], {
        env: { DATABASE_URL: POSTGRES_URL, GRAPH_MCP_TEST_CLOCK_SHIFT_MS: String(shiftMs) },
        command: [process.execPath, '--import', 'tsx', '--import', SHIFT_CLOCK, CLI],
      });

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-skew-'));
      logPath = path.join(dir, 'nodes.log');
      await writeFile(logPath, '');
      const config = path.join(dir, 'agent.config.json');
      await writeFile(
        config,
        JSON.stringify({
          graphs: { logged: `${path.join(FIXTURES, 'graphs/hitl.ts')}:logged` },
          store: { type: 'postgres', schema, pool_size: 4 },
          // A lease far shorter than the skew: by their own clocks, the others' leases have lapsed
          // or not begun; and a paused run's life shorter than it too.
          defaults: { task_lease_ms: 3_000, poll_interval_ms: 50, paused_run_ttl_ms: 20_000 },
        }),
      );
      [right, ahead, behind] = await Promise.all([serve(config, 0), serve(config, SKEW_MS), serve(config, -SKEW_MS)]);
    });

    after(async () => {
      await Promise.all([right, ahead, behind].map((serving) => serving?.stop()));
      await rm(dir, { recursive: true, force: true });
      await dropSchema(schema);
    });

    test('each machine whose clock is off says so, by how much', async () => {
      await until('the warnings', async () => (/30\.\d s ahead of the PostgreSQL server's/.test(ahead.output()) && /30\.\d s behind the PostgreSQL server's/.test(behind.output()) ? true : undefined));
      assert.doesNotMatch(right.output(), /the PostgreSQL server's: graph-mcp times leases/);
    });

    test('a task is run once, by one process, however the clocks of those polling for tasks disagree', async () => {
      // Created through each process in turn; all three claim tasks all along.
      const created = await Promise.all(
        [behind, right, ahead].map((serving, i) => taskRequest(serving.url, 'tools/call', { name: 'logged', arguments: { label: `t${i}`, log_path: logPath, step_ms: 1_000 } })),
      );
      const ids = created.map((message) => {
        assert.equal(message.result?.resultType, 'task', JSON.stringify(message));
        return message.result.taskId as string;
      });
      // Polled through every process: a live task is found by each.
      const notFound: unknown[] = [];
      for (const [i, taskId] of ids.entries()) {
        const done = await until(
          `task t${i}`,
          async () => {
            const polls = await Promise.all([right, ahead, behind].map((serving) => taskRequest(serving.url, 'tasks/get', { taskId })));
            notFound.push(...polls.filter((poll) => poll.result === undefined));
            return polls.every((poll) => poll.result?.status === 'completed') ? polls[0]!.result : undefined;
          },
          60_000,
        );
        assert.equal(done.result.structuredContent.done, 4);
      }
      assert.deepEqual(notFound, [], 'every process found every live task');
      const lines = await nodeLog(logPath);
      for (const label of ['t0', 't1', 't2']) {
        const starts = lines.filter((line) => line.startsWith(`${label} `) && line.endsWith(' start'));
        assert.deepEqual(starts, ['s1', 's2', 's3', 's4'].map((node) => `${label} ${node} start`), `${label}: each node ran once`);
        assert.ok(!lines.some((line) => line.startsWith(`${label} `) && line.endsWith(' aborted')), `${label}: no process lost the task to another`);
      }
      const [row] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".graph_mcp_runs WHERE id = ANY($1) AND updated_at < created_at`, [ids]);
      assert.equal(row!.n, 0, 'no task was last updated before it was created');
    });

    test("a paused call is answered through a process whose clock is ahead by more than the run's life", async () => {
      const capabilities = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };
      const call = (url: string, args: Record<string, unknown>) =>
        post(url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'logged', ...args }, capabilities) }, modernHeaders('tools/call', 'logged'));
      const args = { label: 'paused', log_path: logPath, ask: true };
      const asked = (await call(behind.url, { arguments: args })).messages[0]?.result;
      assert.equal(asked?.resultType, 'input_required', JSON.stringify(asked));
      const answered = (await call(ahead.url, { arguments: args, requestState: asked.requestState, inputResponses: { go_on: { action: 'accept', content: { answer: 'yes' } } } }))
        .messages[0];
      assert.equal(answered?.result?.structuredContent?.answer, 'yes', JSON.stringify(answered));
      assert.equal(answered.result.structuredContent.done, 4);
    });
  });
}
