// Three graph-mcp processes on one PostgreSQL database: a paused run lives in the database, so
// its question, its answer and its resumption may each land on a different process; and a
// cancel that lands on one process stops the run on the process that runs it (LISTEN/NOTIFY).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { runCli, startServeProcess, type ServingProcess } from '../helpers/cli.js';
import { dropSchema, freshSchema, POSTGRES_URL, postgresReady, sql } from '../helpers/postgres.js';
import { nodeLog } from '../helpers/node-log.js';
import { answersTo, cancelsTo, envelope, modernHeaders, post, taskRequest } from '../helpers/raw.js';
import { FIXTURES } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const ready = await postgresReady('three processes on one PostgreSQL database');

if (ready) {
  describe('three graph-mcp processes on one PostgreSQL database', () => {
    const schema = freshSchema('e2e');
    const env = { DATABASE_URL: POSTGRES_URL };
    let dir: string;
    let configPath: string;
    let logPath: string;
    let a: ServingProcess;
    let b: ServingProcess;
    let c: ServingProcess;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-pg-'));
      configPath = path.join(dir, 'agent.config.json');
      logPath = path.join(dir, 'nodes.log');
      await writeFile(logPath, '');
      const graphs = path.join(FIXTURES, 'graphs/hitl.ts');
      await writeFile(
        configPath,
        JSON.stringify({
          graphs: {
            ask_name: `${graphs}:askName`,
            parallel: `${graphs}:parallel`,
            logged: `${graphs}:logged`,
            noted: `${graphs}:notedThenAsk`,
            // A caller that cannot poll tasks gets a run handle after half a second.
            logged_handle: { path: `${graphs}:logged`, max_wait_ms: 500 },
          },
          auth: { path: `${path.join(FIXTURES, 'auth.ts')}:authenticate` },
          store: { type: 'postgres', schema, pool_size: 4 },
          defaults: { question_timeout_ms: 30_000, poll_interval_ms: 50 },
        }),
      );
      // All three start at once: they migrate the new schema together.
      const start = () => startServeProcess(['--config', configPath, '--port', '0'], { env });
      [a, b, c] = await Promise.all([start(), start(), start()]);
    });

    after(async () => {
      await Promise.all([a, b, c].map((server) => server?.stop()));
      await rm(dir, { recursive: true, force: true });
      await dropSchema(schema);
    });

    function rawCall(url: string, key: string, name: string, params: Record<string, unknown> = {}, capabilities: Record<string, unknown> = { elicitation: {} }) {
      return post(
        url,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name, arguments: {}, ...params }, { 'io.modelcontextprotocol/clientCapabilities': capabilities }) },
        { ...modernHeaders('tools/call', name), 'x-api-key': key },
      );
    }

    test('a 2026-07-28 question asked by A is answered through B; the state is refused for another user on C', async () => {
      const asked = (await rawCall(a.url, 'key-alice', 'parallel')).messages[0]?.result;
      assert.equal(asked.resultType, 'input_required');
      assert.deepEqual(Object.keys(asked.inputRequests).sort(), ['left', 'right']);
      const responses = { left: { action: 'accept', content: { answer: 'x' } }, right: { action: 'accept', content: { answer: 'y' } } };

      const foreign = await rawCall(c.url, 'key-bob', 'parallel', { requestState: asked.requestState, inputResponses: responses });
      assert.equal(foreign.messages[0]?.error?.code, -32602, "alice's requestState is refused for bob, on any process");

      const answered = (await rawCall(b.url, 'key-alice', 'parallel', { requestState: asked.requestState, inputResponses: responses })).messages[0]?.result;
      assert.equal(answered.structuredContent.joined, 'x+y');
      const runs = await sql<{ status: string; owner: string }>(`SELECT status, owner FROM "${schema}".graph_mcp_runs`);
      assert.deepEqual(runs, [{ status: 'completed', owner: 'alice' }], 'the run record lives in PostgreSQL');
    });

    test('a 2025 elicitation answer posted to C reaches the run waiting on A', async () => {
      // Posts that carry an answer (a JSON-RPC response) go to C; everything else to A.
      const routing = answersTo(c.url);
      const client = new V1Client({ name: 'split', version: '1.0.0' }, { capabilities: { elicitation: {} } });
      client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { answer: 'Grace' } }));
      await client.connect(new V1Transport(new URL(a.url), { fetch: routing.fetch, requestInit: { headers: { 'x-api-key': 'key-alice' } } }));
      try {
        const result = await client.callTool({ name: 'ask_name', arguments: {} });
        assert.equal((result.structuredContent as { answer: string }).answer, 'Hello, Grace!');
        assert.equal(routing.answers(), 1, 'the answer went to the other process');
      } finally {
        await client.close();
      }
    });

    test('resume_run through C of a run paused on A', async () => {
      // A client that declares no way to be asked: a paused-run result naming resume_run.
      const paused = await rawCall(a.url, 'key-alice', 'ask_name', {}, {});
      const run = paused.messages[0]?.result._meta['graph-mcp/run'] as { id: string; status: string };
      assert.equal(run.status, 'input_required');
      const resume = (key: string) => rawCall(c.url, key, 'resume_run', { arguments: { run_id: run.id, answer: 'Lin' } });
      assert.equal((await resume('key-bob')).messages[0]?.result._meta['graph-mcp/error'].code, 'RUN_NOT_FOUND', "someone else's run reads as unknown");
      const done = (await resume('key-alice')).messages[0]?.result;
      assert.equal(done.structuredContent.answer, 'Hello, Lin!');
    });

    /** A raw 2026-07-28 request of alice's, declaring the tasks extension. */
    const taskRpc = (url: string, method: string, params: Record<string, unknown>) => taskRequest(url, method, params, { 'x-api-key': 'key-alice' });

    const untilStatus = (url: string, taskId: string, statuses: string[]) =>
      until(`task ${taskId} to be ${statuses.join('/')}`, async () => {
        const { result } = await taskRpc(url, 'tasks/get', { taskId });
        return statuses.includes(result?.status) ? result : undefined;
      });

    /** The process holding a task's claim. */
    async function holder(taskId: string): Promise<ServingProcess> {
      const [row] = await sql<{ lease_owner: string | null }>(`SELECT lease_owner FROM "${schema}".graph_mcp_runs WHERE id = $1`, [taskId]);
      const pid = Number(row?.lease_owner?.split('-')[0]);
      const serving = [a, b, c].find((p) => p.child.pid === pid);
      assert.ok(serving, 'one of the three processes holds the task');
      return serving;
    }

    /**
     * Waits until the node under way in the run labelled `label` (graph
     * `logged`) was aborted, and checks that the run stopped there: that
     * node never ended, nothing ran after it, and the last node never started.
     */
    async function stoppedMidRun(label: string): Promise<string[]> {
      const lines = await until(`${label} to be aborted`, async () => {
        const ran = await nodeLog(logPath, label);
        return ran.some((line) => line.endsWith(' aborted')) ? ran : undefined;
      });
      const aborted = lines.findIndex((line) => line.endsWith(' aborted'));
      assert.equal(aborted, lines.length - 1, `nothing ran after the abort: ${lines.join(', ')}`);
      assert.equal(lines[aborted - 1], lines[aborted]!.replace(/aborted$/, 'start'), 'the node under way was stopped before its end');
      assert.ok(!lines.includes(`${label} s4 start`), 'the run did not reach its last node');
      return lines;
    }

    test('a task created on A asks through tasks/get on B, is answered through tasks/update on C, and finishes', async () => {
      const created = (await taskRpc(a.url, 'tools/call', { name: 'parallel', arguments: {} })).result;
      assert.equal(created.resultType, 'task');
      const asking = await untilStatus(b.url, created.taskId, ['input_required']);
      assert.deepEqual(Object.keys(asking.inputRequests).sort(), ['left', 'right']);
      await taskRpc(c.url, 'tasks/update', {
        taskId: created.taskId,
        inputResponses: { left: { action: 'accept', content: { answer: 'L' } }, right: { action: 'accept', content: { answer: 'R' } } },
      });
      const done = await untilStatus(a.url, created.taskId, ['completed']);
      assert.equal(done.result.structuredContent.joined, 'L+R');
    });

    test("a task whose status holds NUL or a lone surrogate (PostgreSQL's text takes neither) still asks, with U+FFFD in their place", async () => {
      const created = (await taskRpc(a.url, 'tools/call', { name: 'noted', arguments: { note: 'a\u0000b\ud800c' } })).result;
      assert.equal(created.resultType, 'task');
      const asking = await untilStatus(b.url, created.taskId, ['input_required']);
      const [key] = Object.keys(asking.inputRequests);
      const [row] = await sql<{ progress: string | null }>(`SELECT progress FROM "${schema}".graph_mcp_runs WHERE id = $1`, [created.taskId]);
      assert.equal(row?.progress, 'noting a\ufffdb\ufffdc');
      await taskRpc(c.url, 'tasks/update', { taskId: created.taskId, inputResponses: { [key!]: { action: 'accept', content: { answer: 'yes' } } } });
      assert.equal((await untilStatus(a.url, created.taskId, ['completed'])).result.structuredContent.answer, 'yes');
    });

    test('two tasks/update at once through B and C, one answer each, are both used: the task finishes with both', async () => {
      for (let round = 0; round < 5; round += 1) {
        const created = (await taskRpc(a.url, 'tools/call', { name: 'parallel', arguments: {} })).result;
        await untilStatus(a.url, created.taskId, ['input_required']);
        const acks = await Promise.all([
          taskRpc(b.url, 'tasks/update', { taskId: created.taskId, inputResponses: { left: { action: 'accept', content: { answer: 'L' } } } }),
          taskRpc(c.url, 'tasks/update', { taskId: created.taskId, inputResponses: { right: { action: 'accept', content: { answer: 'R' } } } }),
        ]);
        assert.ok(acks.every((ack) => ack.result !== undefined), JSON.stringify(acks));
        const done = await untilStatus(a.url, created.taskId, ['completed', 'input_required']);
        assert.equal(done.status, 'completed', `round ${round}: still asking ${JSON.stringify(Object.keys(done.inputRequests ?? {}))}`);
        assert.equal(done.result.structuredContent.joined, 'L+R');
      }
    });

    test('a task created through A, polled through B and cancelled through C stops on the process running it', async () => {
      const created = (await taskRpc(a.url, 'tools/call', { name: 'logged', arguments: { label: 'task-cancel', log_path: logPath, step_ms: 1_500 } })).result;
      await until('the task to start', async () => ((await nodeLog(logPath, 'task-cancel')).length > 0 ? true : undefined));
      // Whichever process claimed it, the cancel goes to one that does not run it: C, or B when C runs it.
      const running = await holder(created.taskId);
      const [poller, canceller] = running === c ? [c, b] : [b, c];
      assert.equal((await taskRpc(poller.url, 'tasks/get', { taskId: created.taskId })).result.status, 'working');
      assert.ok((await taskRpc(canceller.url, 'tasks/cancel', { taskId: created.taskId })).result);
      await stoppedMidRun('task-cancel');
      assert.equal((await taskRpc(poller.url, 'tasks/get', { taskId: created.taskId })).result.status, 'cancelled');
    });

    test('a v1 notifications/cancelled sent to B stops the call running on A', async () => {
      // The call goes to A; the cancel, which the v1 client sends in a new POST, to B.
      const routing = cancelsTo(b.url);
      const client = new V1Client({ name: 'split-cancel', version: '1.0.0' });
      // Bob, whose first 2025-era call this is: alice's v1 call on A above ended under the same
      // request id within the minute, which would make a cancel naming it ambiguous.
      await client.connect(new V1Transport(new URL(a.url), { fetch: routing.fetch, requestInit: { headers: { 'x-api-key': 'key-bob' } } }));
      try {
        const controller = new AbortController();
        const call = client.callTool({ name: 'logged', arguments: { label: 'v1-cancel', log_path: logPath, step_ms: 1_500 } }, undefined, { signal: controller.signal });
        await until('the call to start on A', async () => ((await nodeLog(logPath, 'v1-cancel')).length > 0 ? true : undefined));
        controller.abort('changed my mind');
        await assert.rejects(call);
        // The v1 client keeps its POST to A open (until close): only the cancel through B can stop the run.
        await stoppedMidRun('v1-cancel');
        assert.equal(routing.cancels(), 1, 'the cancel went to B');
      } finally {
        await client.close();
      }
    });

    test('cancel_run through C stops a run that A handed out as a run handle (max_wait_ms)', async () => {
      const answer = await rawCall(a.url, 'key-alice', 'logged_handle', { arguments: { label: 'handle-cancel', log_path: logPath, step_ms: 1_500 } }, {});
      const handle = answer.messages.find((m) => 'result' in m)?.result._meta['graph-mcp/run'] as { id: string; status: string };
      assert.equal(handle.status, 'working');
      const cancelled = (await rawCall(c.url, 'key-alice', 'cancel_run', { arguments: { run_id: handle.id } })).messages[0]?.result;
      assert.equal(cancelled._meta['graph-mcp/run'].status, 'cancelled');
      await stoppedMidRun('handle-cancel');
    });

    test('graph-mcp check reports the PostgreSQL store reachable and migrated, and names an empty variable', () => {
      const ok = runCli(['check', '--config', configPath], { env });
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, new RegExp(`^store: postgres \\(\\$DATABASE_URL, schema ${schema}\\), reachable and migrated$`, 'm'));
      const empty = runCli(['check', '--config', configPath], { env: { DATABASE_URL: '' } });
      assert.equal(empty.code, 1);
      assert.match(empty.err, /environment variable DATABASE_URL, which is empty/);
    });
  });
}
