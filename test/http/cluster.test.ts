// `graph-mcp serve --workers 2`: two real worker processes behind one port. Requests land on
// both, a question asked on one worker is answered on the other (the store holds the run), a
// worker killed outright is replaced, and SIGTERM stops them all with exit code 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CLI, runCli, startServeProcess, type ServingProcess } from '../helpers/cli.js';
import { FIXTURES, ROOT } from '../helpers/server.js';
import { envelope, modernHeaders, parseMessages } from '../helpers/raw.js';
import { nextRestart, parseWorkers, workerExecArgv } from '../../src/http/cluster.js';
import { DEFAULT_HEAP_GROWTH_PERCENT, parseHeapGrowth } from '../../src/http/heap-growth.js';
import { until } from '../helpers/wait.js';

let dir: string;
let serving: ServingProcess;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-cluster-'));
  const config = path.join(dir, 'agent.config.json');
  await writeFile(
    config,
    JSON.stringify({
      graphs: { ask_name: `${path.join(FIXTURES, 'graphs/hitl.ts')}:askName` },
      store: { type: 'sqlite', path: path.join(dir, 'state.sqlite') },
    }),
  );
  serving = await startServeProcess(['--config', config, '--port', '0', '--workers', '2']);
});
after(async () => {
  if (serving.child.exitCode === null && serving.child.signalCode === null) serving.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

/** One request on `agent`: a keep-alive agent holding one connection stays on one worker. */
function request(agent: http.Agent, pathname: string, body?: object, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string | undefined }> {
  const url = new URL(pathname, serving.url);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method: body ? 'POST' : 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    // A connection handed to a worker as it is killed is never answered.
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url.pathname} in 10 s`)));
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function pidOf(agent: http.Agent): Promise<number> {
  const info = await request(agent, '/info');
  return (JSON.parse(info.text) as { pid: number }).pid;
}

/** Keep-alive agents of one connection each, until two of them are on different workers. */
async function agentsOnTwoWorkers(): Promise<Map<number, http.Agent>> {
  const byPid = new Map<number, http.Agent>();
  for (let attempt = 0; attempt < 40 && byPid.size < 2; attempt += 1) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const pid = await pidOf(agent).catch((error: unknown) => {
      // No connection is left holding a worker.
      for (const held of [agent, ...byPid.values()]) held.destroy();
      throw error;
    });
    if (byPid.has(pid)) agent.destroy();
    else byPid.set(pid, agent);
  }
  return byPid;
}

function callAskName(agent: http.Agent, params: Record<string, unknown> = {}) {
  return request(
    agent,
    serving.url,
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'ask_name', arguments: {}, ...params }, { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } }) },
    modernHeaders('tools/call', 'ask_name'),
  ).then((answer) => parseMessages(answer.text, answer.type ?? null)[0]?.result);
}

test('--workers: a positive integer or "auto"; anything else is refused; an empty flag too, where an empty variable is unset', () => {
  assert.equal(parseWorkers(undefined), 1);
  assert.equal(parseWorkers('3'), 3);
  assert.ok(parseWorkers('auto') >= 1);
  for (const bad of ['0', '-1', '1.5', 'many', '1e1', '0x2', ' 2']) assert.throws(() => parseWorkers(bad), /workers must be a positive integer/);
  for (const flag of ['--workers', '--port', '--heap-growth']) {
    const refused = runCli(['serve', '--config', path.join(dir, 'agent.config.json'), `${flag}=`]);
    assert.equal(refused.code, 1, refused.err);
    assert.match(refused.err, new RegExp(`^graph-mcp: ${flag} is empty: give a value, or leave the flag out$`, 'm'));
  }
});

test('a worker that dies young is restarted after a doubling wait; one that served 10 s or more starts the count afresh; one that never served counts, however long it loaded', () => {
  assert.deepEqual(nextRestart(undefined, 0), { deaths: 1, waitMs: 100 });
  assert.deepEqual(nextRestart(500, 1), { deaths: 2, waitMs: 200 });
  assert.deepEqual(nextRestart(9_999, 3), { deaths: 4, waitMs: 800 });
  assert.deepEqual(nextRestart(undefined, 20), { deaths: 21, waitMs: 10_000 }, 'at most 10 s');
  assert.deepEqual(nextRestart(10_000, 5), { deaths: 0, waitMs: 0 });
  assert.deepEqual(nextRestart(undefined, 5), { deaths: 6, waitMs: 3_200 }, 'loaded for minutes, then failed: no healthy worker');
});

test('--heap-growth: a percent from 0 (V8 sizing) to 300, 50 when not given', () => {
  assert.equal(parseHeapGrowth(undefined), DEFAULT_HEAP_GROWTH_PERCENT);
  assert.equal(parseHeapGrowth(''), 50);
  assert.equal(parseHeapGrowth('0'), 0);
  assert.equal(parseHeapGrowth('300'), 300);
  for (const bad of ['-1', '301', '1.5', 'lots', '5e1', '0x10', '50 ']) assert.throws(() => parseHeapGrowth(bad), /heap growth must be an integer percent from 0/);
});

test('the start-up line names the one URL once, for all the workers, and the store they share', () => {
  assert.equal(serving.output().match(/"url":"http/g)?.length, 1, serving.output());
  const line = serving.output().split('\n').find((text) => text.includes('"url":"http'))!;
  assert.equal(JSON.parse(line).store, `sqlite (${path.join(dir, 'state.sqlite')})`);
  assert.match(serving.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  assert.doesNotMatch(serving.url, /:0\//);
});

test('that the endpoint has no authentication is said once, not by every worker', async () => {
  // Both workers are up once each answered: the warning would be there twice by now.
  await agentsOnTwoWorkers().then((agents) => agents.forEach((agent) => agent.destroy()));
  assert.equal(serving.output().match(/has no authentication/g)?.length, 1, serving.output());
});

test('a question asked on one worker is answered on the other', async () => {
  const agents = await agentsOnTwoWorkers();
  assert.equal(agents.size, 2, 'requests land on two worker processes');
  const [[askPid, asker], [answerPid, answerer]] = [...agents] as [[number, http.Agent], [number, http.Agent]];
  assert.notEqual(askPid, answerPid);
  assert.notEqual(askPid, serving.child.pid, 'workers, not the primary, serve');

  const asked = await callAskName(asker);
  assert.equal(asked.resultType, 'input_required');
  const [key] = Object.keys(asked.inputRequests);
  const done = await callAskName(answerer, { requestState: asked.requestState, inputResponses: { [key!]: { action: 'accept', content: { answer: 'Ada' } } } });
  assert.equal(done.structuredContent.answer, 'Hello, Ada!');
  for (const agent of agents.values()) agent.destroy();
});

test('two or more workers each get a V8 thread pool of their share of the cores; an operator\'s --v8-pool-size is kept', async () => {
  assert.deepEqual(workerExecArgv(2, 2, ['--enable-source-maps'], undefined), ['--enable-source-maps', '--v8-pool-size=1']);
  assert.deepEqual(workerExecArgv(3, 8, [], ''), ['--v8-pool-size=2']);
  assert.deepEqual(workerExecArgv(4, 2, [], undefined), ['--v8-pool-size=1']);
  // One worker, or cores enough for Node's own pool of 4 in every worker: as they are.
  assert.deepEqual(workerExecArgv(1, 2, [], undefined), []);
  assert.deepEqual(workerExecArgv(2, 8, [], undefined), []);
  assert.deepEqual(workerExecArgv(2, 2, ['--v8-pool-size=3'], undefined), ['--v8-pool-size=3']);
  assert.deepEqual(workerExecArgv(2, 2, [], '--max-old-space-size=512 --v8_pool_size=2'), []);
  // The workers serving here were started so (Linux: /proc).
  if (process.platform !== 'linux') return;
  const expected = workerExecArgv(2, availableParallelism(), [], process.env.NODE_OPTIONS).find((arg) => arg.startsWith('--v8-pool-size'));
  const workers = await childrenOf(serving.child.pid!);
  assert.equal(workers.length, 2);
  for (const pid of workers) {
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    assert.equal(args.find((arg) => arg.startsWith('--v8-pool-size')), expected, args.join(' '));
  }
});

test('a worker killed with SIGKILL is replaced', async () => {
  const agents = await agentsOnTwoWorkers();
  const [victim] = [...agents.keys()];
  for (const agent of agents.values()) agent.destroy();
  process.kill(victim!, 'SIGKILL');

  // Fresh connections until two live workers answer, neither of them the one killed.
  const deadline = Date.now() + 60_000;
  let live = new Set<number>();
  while (Date.now() < deadline) {
    const agents = await agentsOnTwoWorkers().catch(() => new Map<number, http.Agent>());
    for (const agent of agents.values()) agent.destroy();
    live = new Set(agents.keys());
    if (live.size === 2 && !live.has(victim!)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(live.size, 2, serving.output());
  assert.ok(!live.has(victim!));
  // The worker's pid under its own key: the line's own "pid" is the primary's.
  const died = serving.output().split('\n').find((line) => line.includes('a worker died'))!;
  assert.equal((JSON.parse(died) as { worker: number }).worker, victim, serving.output());
  assert.equal(died.match(/"pid":/g)?.length, 1, died);
  // The primary says when the new worker serves.
  await until('the replacement to be logged', async () => (serving.output().includes('a worker started in place of one that died serves') ? true : undefined), 10_000);
});

/** `serve --workers 2` on the ask_name config (or `config`), as a child process whose output is read as it comes. */
function spawnWorkers(extra: string[] = [], config = path.join(dir, 'agent.config.json'), options: { group?: boolean } = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--config', config, '--port', '0', '--workers', '2', ...extra], {
    cwd: ROOT,
    // A process group of its own, to be signalled as a whole (as a terminal's Ctrl-C is).
    detached: options.group === true,
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, output: () => output, exited };
}

/** The pids of a process's children (its workers), from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

test('a stop that comes while the workers still load: none of them serves, no URL is announced, and the primary exits 0', async () => {
  const { child, output, exited } = spawnWorkers();
  // The primary handles signals before it forks: once its workers exist, the stop is its to handle.
  await until('the workers to be forked', async () => ((await childrenOf(child.pid!)).length === 2 ? true : undefined), 30_000);
  assert.doesNotMatch(output(), /"url":"http/, 'still loading');
  child.kill('SIGTERM');
  const [code] = await exited;
  assert.equal(code, 0, output());
  assert.doesNotMatch(output(), /"url":"http|serving \d+ graph/, 'no URL named after "shutting down"');
  assert.match(output(), /"msg":"every worker has stopped; stopped"/);
});

test('a stop signalled to the whole process group while the workers load (Ctrl-C, systemd) is one clean stop, exit 0, whichever the primary reads first', async () => {
  // The loading workers (no handler yet) die of the signal. The primary may read a death before its
  // own signal (not a worker that could not start; its signal then is no second one), or its signal
  // first (a stop then told down a channel already closed): the machine's choice, so tried a few times.
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const { child, output, exited } = spawnWorkers([], undefined, { group: true });
    await until('the workers to be forked', async () => ((await childrenOf(child.pid!)).length === 2 ? true : undefined), 30_000);
    process.kill(-child.pid!, 'SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, `attempt ${attempt + 1}:\n${output()}`);
    assert.match(output(), /"msg":"every worker has stopped; stopped"/);
    assert.doesNotMatch(output(), /could not start|second signal|"url":"http/, output());
  }
});

test('a worker whose primary is killed stops as on SIGTERM: the call in flight finishes, and it says why', async () => {
  const config = path.join(dir, 'slow.config.json');
  await writeFile(config, JSON.stringify({ graphs: { slow: `${path.join(FIXTURES, 'graphs/hitl.ts')}:slow` }, store: { type: 'sqlite', path: path.join(dir, 'slow.sqlite') } }));
  const { child, output, exited } = spawnWorkers([], config);
  try {
    await until('the workers to serve', async () => (/"url":"http/.test(output()) ? true : undefined), 60_000);
    const url = /"url":"(http[^"]+)"/.exec(output())![1]!;
    const workers = await childrenOf(child.pid!);
    // Six 250 ms steps: the primary dies during the second.
    const call = fetch(url, {
      method: 'POST',
      headers: modernHeaders('tools/call', 'slow'),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: envelope({ name: 'slow', arguments: { step_ms: 250 } }) }),
    }).then(async (response) => ({ status: response.status, text: await response.text(), type: response.headers.get('content-type') }));
    await new Promise((resolve) => setTimeout(resolve, 400));
    child.kill('SIGKILL');
    await exited;
    const answer = await call;
    assert.equal(answer.status, 200, output());
    assert.equal(parseMessages(answer.text, answer.type)[0]?.result?.structuredContent?.done, 6, answer.text);
    await until('both workers to exit', async () => (workers.every((pid) => !existsSync(`/proc/${pid}/cmdline`)) ? true : undefined), 30_000);
    assert.match(output(), /the --workers primary is gone: stopping/);
    assert.equal((output().match(/"msg":"stopped"/g) ?? []).length, 2, output());
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

test('a worker that served and then ends by a signal while stopping is no clean stop: the primary says so and exits 1', async () => {
  const { child, output, exited } = spawnWorkers();
  await until('the workers to serve', async () => (/"url":"http/.test(output()) ? true : undefined), 60_000);
  const [victim] = await childrenOf(child.pid!);
  child.kill('SIGTERM');
  await until('the primary to be stopping', async () => (output().includes('"msg":"shutting down"') ? true : undefined), 10_000);
  try {
    process.kill(victim!, 'SIGKILL');
  } catch (error) {
    // Stopped already: then its stop was clean, and this test proves nothing; say so.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') assert.fail(`worker ${victim} stopped before it could be killed:\n${output()}`);
    throw error;
  }
  const [code] = await exited;
  assert.equal(code, 1, output());
  assert.match(output(), /every worker has stopped, not every one cleanly; stopped/);
});

test('SIGTERM stops every worker and the primary exits 0, also when the workers get the signal too (Ctrl-C, systemd)', async () => {
  const agents = await agentsOnTwoWorkers();
  const pids = [...agents.keys()];
  for (const agent of agents.values()) agent.destroy();
  const exited = new Promise<number | null>((resolve) => serving.child.once('exit', (code) => resolve(code)));
  const before = serving.output().length;
  const since = () => serving.output().slice(before);
  serving.child.kill('SIGTERM');
  // The workers are stopping on their primary's word; the signal reaches them as well.
  await until('the primary and both workers to log "shutting down"', async () => ((since().match(/"msg":"shutting down"/g) ?? []).length >= 3 ? true : undefined), 10_000);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch (error) {
      // A worker may already have finished stopping.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  assert.equal(await exited, 0, serving.output());
  assert.match(since(), /"msg":"every worker has stopped; stopped"/, 'the primary says it is done');
  assert.doesNotMatch(since(), /second signal/, 'a worker that is stopping takes the signal as the same stop');
  assert.doesNotMatch(since(), /a worker died/);
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} is gone`);
});
