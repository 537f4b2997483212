// Durable tasks: two graph-mcp processes on one SQLite file. A task created on one
// is polled and answered on the other; a worker killed with SIGKILL mid-run is
// replaced by the other, which continues from the last checkpoint; and over 100
// tasks with random kills, none is lost and each finishes once.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { startServeProcess, type ServingProcess } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/server.js';
import { envelope, MODERN, post } from '../helpers/raw.js';

const EXT = 'io.modelcontextprotocol/tasks';
const HITL = path.join(FIXTURES, 'graphs/hitl.ts');
let dir: string;
let config: string;
let logPath: string;
const serving: ServingProcess[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-crash-'));
  config = path.join(dir, 'agent.config.json');
  logPath = path.join(dir, 'steps.log');
  await writeFile(logPath, '');
  await writeFile(
    config,
    JSON.stringify({
      graphs: { logged: `${HITL}:logged`, parallel: `${HITL}:parallel` },
      store: { type: 'sqlite', path: 'state.sqlite' },
      defaults: { task_lease_ms: 600, poll_interval_ms: 50 },
    }),
  );
});
after(async () => {
  for (const process of serving) if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<ServingProcess> {
  const started = await startServeProcess(['--config', config, '--port', '0']);
  serving.push(started);
  return started;
}

async function rpc(url: string, method: string, params: Record<string, unknown>) {
  const name = typeof params.name === 'string' ? params.name : typeof params.taskId === 'string' ? params.taskId : undefined;
  const answer = await post(
    url,
    { jsonrpc: '2.0', id: 1, method, params: envelope(params, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {}, extensions: { [EXT]: {} } } }) },
    { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}) },
  );
  const message = answer.messages.find((m) => 'result' in m || 'error' in m);
  if (!message?.result) throw new Error(`${method}: ${answer.text}`);
  return message.result as Record<string, any>;
}

async function until<T>(what: string, poll: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await poll().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const steps = async () => (await readFile(logPath, 'utf8')).split('\n').filter(Boolean);

/** The process holding a task's lease (its process id starts with the pid). */
function holder(taskId: string): number | undefined {
  const db = new Database(path.join(dir, 'state.sqlite'), { readonly: true });
  try {
    const row = db.prepare('SELECT lease_owner FROM graph_mcp_runs WHERE id = ?').get(taskId) as { lease_owner: string | null } | undefined;
    return row?.lease_owner ? Number(row.lease_owner.split('-')[0]) : undefined;
  } finally {
    db.close();
  }
}

test('a task created through A is polled and answered through B', async () => {
  const a = await start();
  const b = await start();
  const created = await rpc(a.url, 'tools/call', { name: 'parallel', arguments: {} });
  const asking = await until('the question', async () => {
    const task = await rpc(b.url, 'tasks/get', { taskId: created.taskId });
    return task.status === 'input_required' ? task : undefined;
  });
  const inputResponses = Object.fromEntries(Object.keys(asking.inputRequests).map((key) => [key, { action: 'accept', content: { answer: key } }]));
  await rpc(b.url, 'tasks/update', { taskId: created.taskId, inputResponses });
  const done = await until('the result', async () => {
    const task = await rpc(a.url, 'tasks/get', { taskId: created.taskId });
    return task.status === 'completed' ? task : undefined;
  });
  assert.equal(done.result.structuredContent.joined, 'left+right');
  await a.stop();
  await b.stop();
});

test('a worker killed with SIGKILL mid-run: the other continues the task from its last checkpoint', async () => {
  const a = await start();
  const b = await start();
  const created = await rpc(a.url, 'tools/call', { name: 'logged', arguments: { label: 'killed', log_path: logPath, step_ms: 300 } });
  await until('step s2', async () => ((await steps()).includes('killed s2') ? true : undefined));
  const pid = holder(created.taskId);
  const victim = [a, b].find((p) => p.child.pid === pid)!;
  const survivor = victim === a ? b : a;
  victim.child.kill('SIGKILL');
  const done = await until('completion on the survivor', async () => {
    const task = await rpc(survivor.url, 'tasks/get', { taskId: created.taskId });
    return task.status === 'completed' ? task : undefined;
  });
  assert.equal(done.result.structuredContent.done, 4);
  const ran = (await steps()).filter((line) => line.startsWith('killed '));
  assert.equal(ran.filter((line) => line === 'killed s1').length, 1, 's1 finished before the kill and did not run again');
  assert.equal(ran.filter((line) => line === 'killed s2').length, 1, 's2 finished before the kill and did not run again');
  assert.equal(ran.filter((line) => line === 'killed s4').length, 1);
  assert.match(survivor.output(), new RegExp(`"task":"${created.taskId}".*"attempt":2.*"msg":"task finished"`));
  await survivor.stop();
});

test('100 tasks, random SIGKILLs: every task finishes, exactly once', { timeout: 420_000 }, async () => {
  const pool = [await start(), await start()];
  const ids: string[] = [];
  let kills = 0;
  let stopKilling = false;
  const killer = (async () => {
    while (!stopKilling) {
      await new Promise((resolve) => setTimeout(resolve, 700 + Math.random() * 900));
      if (stopKilling) break;
      const index = Math.floor(Math.random() * pool.length);
      pool[index]!.child.kill('SIGKILL');
      kills += 1;
      pool[index] = await start();
    }
  })();
  try {
    for (let i = 0; i < 100; i += 1) {
      // Besides the random kills, one for sure every 30 tasks while tasks are in flight.
      if (i > 0 && i % 30 === 0) {
        const index = (i / 30) % 2;
        pool[index]!.child.kill('SIGKILL');
        kills += 1;
        pool[index] = await start();
      }
      // A process may be down (killed, restarting): each try goes to whichever is in its slot now.
      let attempt = 0;
      const created = await until(
        'a task to be created',
        () => rpc(pool[(i + attempt++) % 2]!.url, 'tools/call', { name: 'logged', arguments: { label: `t${i}`, log_path: logPath, step_ms: 60 } }),
        90_000,
      );
      ids.push(created.taskId as string);
    }
    for (const id of ids) {
      let attempt = 0;
      await until(`task ${id}`, async () => {
        const task = await rpc(pool[attempt++ % 2]!.url, 'tasks/get', { taskId: id });
        return task.status === 'completed' ? task : undefined;
      }, 120_000);
    }
  } finally {
    stopKilling = true;
    await killer;
  }
  const output = serving.map((p) => p.output()).join('\n');
  const finishes = new Map<string, number>();
  for (const match of output.matchAll(/"task":"([^"]+)"[^\n]*"msg":"task finished"/g)) finishes.set(match[1]!, (finishes.get(match[1]!) ?? 0) + 1);
  const lines = (await steps()).filter((line) => /^t\d+ /.test(line));
  const rerun = lines.length - new Set(lines).size;
  console.log(`100 tasks, ${kills} SIGKILLs: ${ids.length} completed, ${finishes.size} recorded as finished, ${rerun} node runs repeated after a crash`);
  assert.equal(ids.length, 100);
  assert.ok(kills >= 3, 'processes were killed while tasks ran');
  for (const id of ids) assert.ok((finishes.get(id) ?? 0) <= 1, `task ${id} finished more than once`);
  for (let i = 0; i < 100; i += 1) assert.ok(lines.includes(`t${i} s4`), `t${i} ran to its end`);
  for (const p of pool) await p.stop();
});
