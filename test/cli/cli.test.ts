// The command line from source: check, serve, help, and start-up errors a user can act on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { VERSION } from '../../src/index.js';
import { CLI, runCli, startServeProcess, type ServingProcess } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';
import { FIXTURES, ROOT, startServer } from '../helpers/server.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { callModern, legacyHeaders, post, taskRequest } from '../helpers/raw.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-cli-'));
});
after(() => rm(dir, { recursive: true, force: true }));

// Servers a failed test left running are killed, not left behind.
const serving: ServingProcess[] = [];
afterEach(() => {
  for (const leftover of serving.splice(0)) {
    if (leftover.child.exitCode === null && leftover.child.signalCode === null) leftover.child.kill('SIGKILL');
  }
});
async function startServe(...args: Parameters<typeof startServeProcess>): Promise<ServingProcess> {
  const started = await startServeProcess(...args);
  serving.push(started);
  return started;
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const TRIAGE = `${path.join(ROOT, 'graphs/triage.ts')}:graph`;

async function configFile(name: string, content: string | object): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('graph-mcp check', () => {
  test('loads every graph of the example config and prints the tools', () => {
    const result = runCli(['check']);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /^triage\(title, body, customer_tier\)/m);
    assert.match(result.out, /^calculator_agent\(message\)/m);
    assert.match(result.out, /^research\(topic, depth, step_ms\)/m);
    assert.match(result.out, /^refund_approval\(customer, amount, reason\)/m);
    assert.match(result.out, /^chart\(values, color\)/m);
    assert.match(result.out, /^store: sqlite \(.*state\.sqlite\), reachable and migrated$/m);
    assert.match(result.out, /ok: 5 tool\(s\)/);
  });

  test("claims no task: a task another process left to be continued is still waiting after a check (check had run its graph)", async () => {
    const storePath = path.join(dir, 'left-tasks.sqlite');
    const file = await configFile('left-tasks.json', { graphs: { slow: path.join(FIXTURES, 'graphs/basic.ts:slow') }, store: { type: 'sqlite', path: storePath } });
    // A server starts a task and stops while it runs: its claim is given back, for another process to continue.
    const server = await startServer(file, { configStore: true });
    const created = await taskRequest(server.url, 'tools/call', { name: 'slow', arguments: { label: 'left-by-check', ms: 2_000 } });
    const taskId = created.result?.taskId as string;
    assert.ok(taskId, JSON.stringify(created));
    await server.close(0);
    const read = async () => {
      const store = await SqliteStore.open({ path: storePath });
      try {
        return await store.runs.get(taskId, '');
      } finally {
        await store.close();
      }
    };
    const before = await read();
    assert.equal(before?.status, 'working');
    assert.equal(before?.leaseOwner, null, 'given back');

    const result = runCli(['check', '--config', file]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /reachable and migrated/);
    assert.doesNotMatch(result.err, /grace period|stopping the tasks/);
    const after = await read();
    assert.equal(after?.version, before?.version, 'the task was not claimed, nor changed');
    assert.equal(after?.leaseOwner, null);
  });

  test('says what serve says of an endpoint with no authentication, graphs that need scopes no caller has named', async () => {
    const file = await configFile('scoped-no-auth.json', { graphs: { triage: TRIAGE, admin: { path: TRIAGE, access: { scopes: ['admin'] } } }, store: { type: 'none' } });
    const result = runCli(['check', '--config', file]);
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /^warning: MCP endpoint at \/mcp has no authentication: anyone who can reach it can call every graph but admin, which need scopes no caller has without it/m);
  });

  test('says when MCP is off, so that the tools listed would not be served', async () => {
    const file = await configFile('mcp-off.json', { graphs: { triage: TRIAGE }, store: { type: 'none' }, http: { disable_mcp: true } });
    const off = runCli(['check', '--config', file]);
    assert.equal(off.code, 0, off.err);
    assert.match(off.out, /^mcp: off \(http\.disable_mcp\): serve mounts no MCP endpoint\nok: 1 tool\(s\)/m);
    assert.doesNotMatch(runCli(['check']).out, /^mcp:/m);
    // A store serve would not open with MCP off: named, not opened (nor created).
    const stored = await configFile('mcp-off-stored.json', { graphs: { triage: TRIAGE }, store: { type: 'sqlite', path: './off-state.sqlite' }, http: { disable_mcp: true } });
    const unopened = runCli(['check', '--config', stored]);
    assert.equal(unopened.code, 0, unopened.err);
    assert.match(unopened.out, /^store: sqlite .*, not opened: MCP is off$/m);
    assert.equal(existsSync(path.join(path.dirname(stored), 'off-state.sqlite')), false);
  });

  test('fails when the store cannot be opened', async () => {
    const file = await configFile('bad-store.json', { graphs: { triage: TRIAGE }, store: { type: 'sqlite', path: '/dev/null/state.sqlite' } });
    const result = runCli(['check', '--config', file]);
    assert.equal(result.code, 1);
    assert.match(result.err, /SQLite store \/dev\/null\/state\.sqlite cannot be opened/);
  });

  const broken: Array<[string, string | object, RegExp]> = [
    ['invalid JSON', '{"graphs": {', /invalid-json\.json: not valid JSON at line 1/],
    ['a bad tool name', { graphs: { 'bad name!': TRIAGE } }, /a-bad-tool-name\.json: invalid config\n {2}graphs\.bad name!: not a valid MCP tool name/],
    ['a field of the wrong type', { graphs: { t: { path: TRIAGE, timeout_ms: 'soon' } } }, /a-field-of-the-wrong-type\.json: invalid config\n\s+graphs\.t/],
    ['a defaults field of the wrong type', { defaults: { timeout_ms: 'soon' }, graphs: { t: TRIAGE } }, /a-defaults-field-of-the-wrong-type\.json: invalid config\n\s+defaults\.timeout_ms: /],
    ['a module that does not exist', { graphs: { ghost: './nowhere.ts:graph' } }, /graph "ghost": cannot load \.\/nowhere\.ts:graph/],
    ['an export that does not exist', { graphs: { g: `${path.join(ROOT, 'test/fixtures/graphs/basic.ts')}:nothere` } }, /graph "g": .*basic\.ts has no export "nothere"/],
    ['an export that is not a graph', { graphs: { g: `${path.join(ROOT, 'test/fixtures/graphs/basic.ts')}:notAGraph` } }, /graph "g": the export is not a LangGraph graph/],
  ];
  for (const [what, content, message] of broken) {
    test(`${what}: exits 1 with a message that says where`, async () => {
      const file = await configFile(`${what.toLowerCase().replace(/\W+/g, '-').replace(/^-|-$/g, '')}.json`, content);
      const result = runCli(['check', '--config', file]);
      assert.equal(result.code, 1);
      assert.match(result.err, /^graph-mcp: /);
      assert.match(result.err, message);
      assert.doesNotMatch(result.err, /\n\s+at /, 'no stack trace');
    });
  }

  // A graph entry is a path or an object; the message must still reach the field inside the object.
  test('a wrong field inside a graph entry is named by its full JSON path', async () => {
    const file = await configFile('wrong-field-path.json', { graphs: { t: { path: TRIAGE, timeout_ms: 'soon' } } });
    const result = runCli(['check', '--config', file]);
    assert.equal(result.code, 1);
    assert.match(result.err, /graphs\.t\.timeout_ms: /);
  });

  test('a config file given without --config is refused, not passed over for agent.config.json', () => {
    const result = runCli(['check', 'my.config.json']);
    assert.equal(result.code, 1);
    assert.match(result.err, /^graph-mcp: check: unexpected argument "my\.config\.json" \(give the config file with --config\)$/m);
  });

  test('refuses what serve would refuse at start-up: a LOG_LEVEL, PORT, GRAPH_MCP_WORKERS or GRAPH_MCP_HEAP_GROWTH it cannot take, a memory store with several workers', async () => {
    const memory = await configFile('check-memory.json', { graphs: { triage: TRIAGE }, store: { type: 'memory' } });
    const refusals: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ LOG_LEVEL: 'bogus' }, /^graph-mcp: LOG_LEVEL \(or the config's log_level\) must be one of fatal, error, warn, info, debug, trace, silent, got "bogus"$/m],
      [{ PORT: 'abc' }, /^graph-mcp: PORT: port must be an integer from 0 to 65535, got "abc"$/m],
      [{ GRAPH_MCP_WORKERS: '0' }, /^graph-mcp: GRAPH_MCP_WORKERS: /m],
      [{ GRAPH_MCP_HEAP_GROWTH: 'lots' }, /^graph-mcp: GRAPH_MCP_HEAP_GROWTH: /m],
      [{ GRAPH_MCP_WORKERS: '2' }, /^graph-mcp: GRAPH_MCP_WORKERS=2: the "memory" store lives in one process/m],
    ];
    for (const [env, said] of refusals) {
      const checked = runCli(['check', '--config', memory], { env });
      assert.equal(checked.code, 1, `${JSON.stringify(env)}: ${checked.out}${checked.err}`);
      assert.match(checked.err, said);
      assert.doesNotMatch(checked.out, /^ok:/m);
    }
    const fine = runCli(['check', '--config', memory], { env: { LOG_LEVEL: 'debug', PORT: '8080', GRAPH_MCP_WORKERS: '1' } });
    assert.equal(fine.code, 0, fine.err);
    // A LOG_LEVEL the config's env sets comes too late for serve, which ignores it (and says so): so does check.
    const late = await configFile('check-late-level.json', { graphs: { triage: TRIAGE }, store: { type: 'none' }, env: { LOG_LEVEL: 'verbose' } });
    const ignored = runCli(['check', '--config', late], { env: { LOG_LEVEL: undefined } });
    assert.equal(ignored.code, 0, ignored.err);
    assert.match(ignored.err, /^warning: LOG_LEVEL was set while the config loaded/m);
  });

  test("a flag of another command is refused, naming whose it is, not silently ignored", () => {
    const cases: Array<[string[], string]> = [
      [['check', '--port', '8080'], 'graph-mcp: check: --port is not an option of "check" (it is one of "serve")'],
      [['check', '--workers', '2'], 'graph-mcp: check: --workers is not an option of "check" (it is one of "serve")'],
      [['secrets', 'list', '--port', '3'], 'graph-mcp: secrets: --port is not an option of "secrets" (it is one of "serve")'],
      [['serve', '--json', '--port', '0'], 'graph-mcp: serve: --json is not an option of "serve" (it is one of "secrets")'],
    ];
    for (const [args, said] of cases) {
      const result = runCli(args);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.out}`);
      assert.equal(result.err.trim(), said);
    }
  });

  test('a missing config file is named', () => {
    const result = runCli(['check', '--config', path.join(dir, 'missing.json')]);
    assert.equal(result.code, 1);
    assert.match(result.err, /missing\.json: config file not found/);
  });

  test('with no agent.config.json but a langgraph.json in the directory, the error says to give that one', async () => {
    const project = path.join(dir, 'only-langgraph');
    await mkdir(project);
    await writeFile(path.join(project, 'langgraph.json'), JSON.stringify({ graphs: { triage: TRIAGE } }));
    // (Run from the repository, where tsx resolves: the default file is looked for the same way.)
    const result = runCli(['check', '--config', path.join(project, 'agent.config.json')]);
    assert.equal(result.code, 1);
    const suggested = path.relative(ROOT, path.join(project, 'langgraph.json'));
    assert.ok(result.err.includes(`agent.config.json: config file not found (${path.join(project, 'langgraph.json')} is there: give that file as the config, --config ${suggested})`), result.err);
    assert.equal(runCli(['check', '--config', suggested]).code, 0);
  });
});

describe('help and version', () => {
  test('--help, --version, no command and an unknown command', async () => {
    const help = runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.out, /graph-mcp serve \[--config FILE\]/);
    const version = runCli(['--version']);
    assert.equal(version.out.trim(), VERSION);
    assert.equal(runCli([]).code, 1);
    const unknown = runCli(['launch']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /unknown command "launch"/);
    const badPort = runCli(['serve', '--port', 'eighty']);
    assert.equal(badPort.code, 1);
    assert.match(badPort.err, /port must be an integer/);
    // Number() would read it as 8000: a port is decimal digits only.
    const scientificPort = runCli(['serve', '--config', 'agent.config.json'], { env: { PORT: '8e3' } });
    assert.equal(scientificPort.code, 1);
    assert.match(scientificPort.err, /^graph-mcp: PORT: port must be an integer from 0 to 65535, got "8e3"$/m);
    assert.match(badPort.err, /^graph-mcp: --port: port must be an integer/m);
    const badWorkers = runCli(['serve', '--config', 'agent.config.json'], { env: { GRAPH_MCP_WORKERS: 'zero' } });
    assert.match(badWorkers.err, /^graph-mcp: GRAPH_MCP_WORKERS: workers must be a positive integer up to 1024, or "auto", got "zero"$/m);
    const tooMany = runCli(['serve', '--config', 'agent.config.json', '--workers', '2000']);
    assert.match(tooMany.err, /--workers: workers must be a positive integer up to 1024, or "auto", got "2000"/);
    // The memory store under several workers: refused naming where the count came from.
    const memory = await configFile('memory-workers.json', { graphs: { triage: TRIAGE }, store: { type: 'memory' } });
    const fromEnv = runCli(['serve', '--config', memory], { env: { GRAPH_MCP_WORKERS: '2' } });
    assert.equal(fromEnv.code, 1);
    assert.match(fromEnv.err, /^graph-mcp: GRAPH_MCP_WORKERS=2: the "memory" store lives in one process/m);
    const badHeap = runCli(['serve', '--config', 'agent.config.json'], { env: { GRAPH_MCP_HEAP_GROWTH: 'small' } });
    assert.equal(badHeap.code, 1);
    assert.match(badHeap.err, /heap growth must be an integer percent from 0 \(V8's own sizing\) to 300, got "small"/);
  });
});

describe('graph-mcp serve', () => {
  test('PORT and HOST from the environment', async () => {
    const port = await freePort();
    const server = await startServe(['--config', 'agent.config.json'], { env: { PORT: String(port), HOST: '127.0.0.1' } });
    try {
      assert.equal(server.url, `http://127.0.0.1:${port}/mcp`);
      const info = (await fetch(new URL('/info', server.url)).then((response) => response.json())) as { graphs: string[] };
      assert.deepEqual(info.graphs, ['triage', 'calculator_agent', 'research', 'refund_approval', 'chart']);
    } finally {
      assert.equal(await server.stop(), 0, 'SIGTERM is a clean exit');
    }
  });

  test("a variable serve reads before the config, set by the config's env, is named in a warning as not used", async () => {
    const config = path.join(dir, 'late-env.json');
    const store = { type: 'sqlite', path: path.join(dir, 'late-env.sqlite') };
    await writeFile(config, JSON.stringify({ graphs: { triage: path.join(ROOT, 'graphs/triage.ts:graph') }, store, env: { GRAPH_MCP_HEAP_GROWTH: '25', UNRELATED_SETTING: 'x' }, defualts: {} }));
    // Under --workers every worker loads the config: the warnings are still written once.
    for (const workers of [[], ['--workers', '2']]) {
      const server = await startServe(['--config', config, '--port', String(await freePort()), ...workers], { env: { GRAPH_MCP_HEAP_GROWTH: undefined, UNRELATED_SETTING: undefined } });
      try {
        assert.equal(server.output().match(/unknown top-level config keys are ignored/g)?.length, 1, server.output());
        const warning = server.output().split('\n').filter((line) => line.includes('"variables"')).map((line) => JSON.parse(line));
        assert.equal(warning.length, 1, server.output());
        assert.deepEqual(warning[0].variables, ['GRAPH_MCP_HEAP_GROWTH']);
        assert.match(warning[0].msg, /^GRAPH_MCP_HEAP_GROWTH was set while the config loaded \(by its env, or a graph module\), after serve read it: not used/);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    }
  });

  test('check names it too, as what serve would warn about', async () => {
    const config = await configFile('late-env-check.json', { graphs: { triage: TRIAGE }, store: { type: 'none' }, env: { PORT: '19999', LOG_LEVEL: 'debug' } });
    const result = runCli(['check', '--config', config], { env: { PORT: undefined, LOG_LEVEL: undefined } });
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /^warning: PORT, LOG_LEVEL were set while the config loaded \(by its env, or a graph module\), after serve read them: not used; set them in the environment serve starts in$/m);
  });

  test('a secrets.file that does not exist is named in a warning (an empty store, most likely a mistyped path); one that exists is not', async () => {
    const missing = await configFile('secrets-missing.json', { graphs: { triage: TRIAGE }, store: { type: 'none' }, secrets: { file: 'no-such-secrets.json' } });
    const warned = runCli(['check', '--config', missing]);
    assert.equal(warned.code, 0, warned.err);
    assert.match(warned.err, /^warning: secrets\.file \S+no-such-secrets\.json does not exist: no caller has downstream credentials until `graph-mcp secrets set` writes it$/m);
    await writeFile(path.join(dir, 'secrets-present.json'), '{}');
    const present = await configFile('secrets-there.json', { graphs: { triage: TRIAGE }, store: { type: 'none' }, secrets: { file: 'secrets-present.json' } });
    const quiet = runCli(['check', '--config', present]);
    assert.equal(quiet.code, 0, quiet.err);
    assert.doesNotMatch(quiet.err, /secrets\.file/);
  });

  test('a secrets.sqlite.path that did not exist is named in a warning once (it is created, empty); servers declared with no secret store at all are too', async () => {
    const typo = await configFile('secrets-sqlite-missing.json', { graphs: { triage: TRIAGE }, store: { type: 'none' }, secrets: { sqlite: { path: 'no-such-dir/secrets.sqlite' } } });
    const env = { GRAPH_MCP_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'), GRAPH_MCP_SECRETS: undefined };
    const first = runCli(['check', '--config', typo], { env });
    assert.equal(first.code, 0, first.err);
    assert.match(first.err, /^warning: secrets\.sqlite\.path \S+no-such-dir\/secrets\.sqlite did not exist \(it was created, empty\): no caller has downstream credentials until `graph-mcp secrets set` writes it$/m);
    const again = runCli(['check', '--config', typo], { env });
    assert.equal(again.code, 0, again.err);
    assert.doesNotMatch(again.err, /secrets\.sqlite/);
    const storeless = await configFile('secrets-no-store.json', { graphs: { triage: TRIAGE }, store: { type: 'none' }, secrets: { servers: { notes: { url: 'http://127.0.0.1:9/mcp' } } } });
    const warned = runCli(['check', '--config', storeless], { env: { GRAPH_MCP_SECRETS: undefined } });
    assert.equal(warned.code, 0, warned.err);
    assert.match(warned.err, /^warning: secrets\.servers declares notes, but no secret store is configured \(secrets\.sqlite, secrets\.file, secrets\.path, or the GRAPH_MCP_SECRETS variable\): no caller has downstream credentials$/m);
    const fromVariable = runCli(['check', '--config', storeless], { env: { GRAPH_MCP_SECRETS: '{}' } });
    assert.equal(fromVariable.code, 0, fromVariable.err);
    assert.doesNotMatch(fromVariable.err, /no secret store/);
  });

  test('an empty HOST is unset (127.0.0.1, Host checked), not every interface; an empty --host is refused', async () => {
    const server = await startServe(['--config', 'agent.config.json', '--port', String(await freePort())], { env: { HOST: '' } });
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      // Bound to loopback, so the DNS-rebinding check is on.
      const { port } = new URL(server.url);
      const foreign = await new Promise<number>((resolve, reject) => {
        http.get({ hostname: '127.0.0.1', port, path: '/info', headers: { host: 'evil.example' } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        }).on('error', reject);
      });
      assert.equal(foreign, 403);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const refused = runCli(['serve', '--config', 'agent.config.json', '--port', '0', '--host', '']);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /^graph-mcp: --host is empty: give the address to bind/m);
    // Only spaces in HOST: refused, naming the variable, not a flag that was never given.
    const spaces = runCli(['serve', '--config', 'agent.config.json', '--port', '0'], { env: { HOST: '  ' } });
    assert.equal(spaces.code, 1);
    assert.match(spaces.err, /^graph-mcp: HOST is empty: give the address to bind/m);
  });

  test('SIGHUP (the terminal closed) stops it gracefully and says so, as SIGTERM does; Node would exit at once, silently', async () => {
    const server = await startServe(['--config', 'agent.config.json', '--port', String(await freePort())]);
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGHUP');
    assert.equal(await exited, 0, server.output());
    assert.match(server.output(), /"signal":"SIGHUP".*"msg":"shutting down"/);
  });

  test('--port and --host win over PORT and HOST', async () => {
    const port = await freePort();
    // Neither environment value could be used: the flags must be.
    const server = await startServe(['--port', String(port), '--host', '127.0.0.1'], { env: { PORT: 'eighty', HOST: '203.0.113.1' } });
    try {
      assert.equal(server.url, `http://127.0.0.1:${port}/mcp`);
      const answer = await callModern(server.url, 'triage', { title: 'Refund', body: 'I was charged twice', customer_tier: 'pro' });
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.messages[0]?.result?.structuredContent, { category: 'billing', priority: 2, route_to: 'finance', summary: '[P2] billing: Refund' }, answer.text);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  test('an unchanged langgraph.json works as the config (check and serve)', async () => {
    // A project laid out as for LangGraph's own server: langgraph.json next to graphs/.
    const project = path.join(dir, 'langgraph-project');
    await mkdir(project);
    await symlink(path.join(ROOT, 'graphs'), path.join(project, 'graphs'), 'dir');
    const langgraphJson = path.join(project, 'langgraph.json');
    await writeFile(langgraphJson, '{"dependencies":["."],"graphs":{"agent":"./graphs/agent.ts:graph"},"env":{},"node_version":"20","checkpointer":{"ttl":null}}');

    const check = runCli(['check', '--config', langgraphJson]);
    assert.equal(check.code, 0, check.err);
    // What serve would warn about, check says too, as a line a person reads.
    assert.match(check.err, /^warning: langgraph\.json keys for what graph-mcp does not serve are ignored: checkpointer$/m);
    assert.match(check.out, /^agent\(message\)/m);
    assert.match(check.out, /ok: 1 tool\(s\) from .*langgraph\.json/);

    const server = await startServe(['--config', langgraphJson, '--port', '0']);
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const answer = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'agent', arguments: { message: 'what is 2 plus 2' } } }, legacyHeaders());
      assert.deepEqual(answer.messages[0]?.result?.structuredContent, { message: 'The answer is 4.' });
    } finally {
      assert.equal(await server.stop(), 0, 'SIGTERM is a clean exit');
    }
  });

  test('a config that does not load: serve exits 1 before listening', () => {
    const result = runCli(['serve', '--port', '0', '--config', path.join(dir, 'missing.json')]);
    assert.equal(result.code, 1);
    assert.match(result.err, /missing\.json: config file not found/);
    assert.doesNotMatch(result.out, /"url"/);
  });

  test('a graph factory that never settles: check and serve (with or without workers) exit 1, saying start-up never finished (Node would exit 0)', async () => {
    const config = await configFile('never.json', { graphs: { never: `${path.join(FIXTURES, 'graphs/never.ts')}:never` }, store: { type: 'memory' } });
    // --workers: a worker too, whose channel to its primary would otherwise hold it open for ever.
    const workersConfig = await configFile('never-workers.json', { graphs: { never: `${path.join(FIXTURES, 'graphs/never.ts')}:never` }, store: { type: 'sqlite', path: path.join(dir, 'never-workers.sqlite') } });
    for (const args of [['check', '--config', config], ['serve', '--port', '0', '--config', config], ['serve', '--port', '0', '--workers', '2', '--config', workersConfig]]) {
      const result = runCli(args);
      assert.equal(result.code, 1, `${args[0]}: ${result.out}\n${result.err}`);
      assert.match(result.err, /start-up never finished: graph "never" \(\S+never\.ts:never\): its module or factory awaits something that can never settle/);
    }
  });

  test('a signal while the graphs still load stops serve, saying so, with exit 0 (Node would end it silently, 143)', async () => {
    const config = await configFile('slow-start.json', { graphs: { slow: `${path.join(FIXTURES, 'graphs/slow-start.ts')}:graph` }, store: { type: 'memory' } });
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const marker = path.join(dir, `slow-start-${signal}.marker`);
      const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--config', config], { cwd: ROOT, env: { ...process.env, SLOW_START_MARKER: marker }, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (chunk) => (err += chunk));
      child.stdout!.resume();
      const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      try {
        await until('the graph module to begin loading', async () => (existsSync(marker) ? true : undefined), 30_000);
        child.kill(signal);
        const [code, killedBy] = await exited;
        assert.deepEqual([code, killedBy], [0, null], err);
        assert.match(err, new RegExp(`^graph-mcp: ${signal} before start-up finished: stopped$`, 'm'));
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
  });

  test('a graph module that holds the process open (a timer, a pool) does not keep check or a failed start-up from exiting', async () => {
    const holdsOpen = `${path.join(FIXTURES, 'graphs/holds-open.ts')}:graph`;
    const fine = await configFile('holds-open.json', { graphs: { open: holdsOpen }, store: { type: 'memory' } });
    const checked = runCli(['check', '--config', fine]);
    assert.equal(checked.code, 0, `${checked.out}\n${checked.err}`);
    assert.match(checked.out, /^ok: 1 tool\(s\)/m);
    // Another graph of the config does not load: the error, and exit 1, for a process manager to see.
    const broken = await configFile('holds-open-broken.json', { graphs: { open: holdsOpen, gone: `${path.join(FIXTURES, 'graphs/holds-open.ts')}:nope` }, store: { type: 'sqlite', path: path.join(dir, 'holds-open.sqlite') } });
    for (const args of [['check', '--config', broken], ['serve', '--port', '0', '--config', broken], ['serve', '--port', '0', '--workers', '2', '--config', broken]]) {
      const result = runCli(args);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.out}\n${result.err}`);
      assert.match(result.err, /has no export "nope"/);
    }
  });

  test('with --workers 2, workers whose graphs do not load: serve exits 1, saying why, instead of waiting on them', async () => {
    const config = await configFile('workers-bad-graph.json', { graphs: { gone: './no-such-module.ts:graph' }, store: { type: 'sqlite', path: path.join(dir, 'workers-bad.sqlite') } });
    const result = runCli(['serve', '--port', '0', '--workers', '2', '--config', config], { env: { LOG_LEVEL: 'info' } });
    assert.equal(result.code, 1, `${result.out}\n${result.err}`);
    assert.match(result.err, /^graph-mcp \(worker \d+, pid \d+\): .*no-such-module\.ts/m);
    assert.match(result.out, /a worker could not start; stopping/);
    const refused = result.out.split('\n').find((line) => line.includes('a worker could not start'))!;
    assert.equal(typeof (JSON.parse(refused) as { worker?: unknown }).worker, 'number');
    assert.equal(refused.match(/"pid":/g)?.length, 1, refused);
  });
});
