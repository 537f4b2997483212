// Three graph-mcp processes on one PostgreSQL database: a paused run lives in the database, so
// its question, its answer and its resumption may each land on a different process.
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
import { answersTo, envelope, modernHeaders, post } from '../helpers/raw.js';
import { FIXTURES } from '../helpers/server.js';

const TASKS = 'io.modelcontextprotocol/tasks';
const ready = await postgresReady('three processes on one PostgreSQL database');

if (ready) {
  describe('three graph-mcp processes on one PostgreSQL database', () => {
    const schema = freshSchema('e2e');
    const env = { DATABASE_URL: POSTGRES_URL };
    let dir: string;
    let configPath: string;
    let a: ServingProcess;
    let b: ServingProcess;
    let c: ServingProcess;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-pg-'));
      configPath = path.join(dir, 'agent.config.json');
      const graphs = path.join(FIXTURES, 'graphs/hitl.ts');
      await writeFile(
        configPath,
        JSON.stringify({
          graphs: { ask_name: `${graphs}:askName`, parallel: `${graphs}:parallel`, slow: `${graphs}:slow` },
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

    /** A raw 2026-07-28 request declaring the tasks extension. */
    async function taskRpc(url: string, method: string, params: Record<string, unknown>) {
      const capabilities = { elicitation: {}, extensions: { [TASKS]: {} } };
      const name = typeof params.name === 'string' ? params.name : String(params.taskId);
      const answer = await post(
        url,
        { jsonrpc: '2.0', id: 1, method, params: envelope(params, { 'io.modelcontextprotocol/clientCapabilities': capabilities }) },
        { ...modernHeaders(method, name), 'x-api-key': 'key-alice' },
      );
      return answer.messages.find((m) => 'result' in m || 'error' in m)!;
    }

    async function untilStatus(url: string, taskId: string, statuses: string[]) {
      for (let i = 0; i < 600; i += 1) {
        const { result } = await taskRpc(url, 'tasks/get', { taskId });
        if (statuses.includes(result?.status)) return result;
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      throw new Error(`task ${taskId} never reached ${statuses.join('/')}`);
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

    test('tasks/cancel through C stops a task working on any process', async () => {
      const created = (await taskRpc(a.url, 'tools/call', { name: 'slow', arguments: { step_ms: 500 } })).result;
      await untilStatus(b.url, created.taskId, ['working']);
      assert.ok((await taskRpc(c.url, 'tasks/cancel', { taskId: created.taskId })).result);
      assert.equal((await untilStatus(b.url, created.taskId, ['cancelled', 'completed', 'failed'])).status, 'cancelled');
    });

    test('graph-mcp check reports the PostgreSQL store reachable and migrated, and names an unset variable', () => {
      const ok = runCli(['check', '--config', configPath], { env });
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, new RegExp(`^store: postgres \\(\\$DATABASE_URL, schema ${schema}\\), reachable and migrated$`, 'm'));
      const unset = runCli(['check', '--config', configPath], { env: { DATABASE_URL: '' } });
      assert.equal(unset.code, 1);
      assert.match(unset.err, /environment variable DATABASE_URL, which is not set/);
    });
  });
}
