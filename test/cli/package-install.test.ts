// graph-mcp installed from its tarball into another project serves *that* project's graphs with `npx graph-mcp serve`.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startServeProcess, type ServingProcess } from '../helpers/cli.js';
import { ROOT } from '../helpers/server.js';
import { callModern, envelope, modernHeaders, post } from '../helpers/raw.js';

const exec = promisify(execFile);
let dir: string;
let project: string;
let serving: ServingProcess | undefined;
let viaNpx: ChildProcess | undefined;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-install-'));
  project = path.join(dir, 'project');
  await mkdir(path.join(project, 'graphs'), { recursive: true });
});
after(async () => {
  // Left running only by a failed test: kill, don't wait for a graceful stop.
  if (serving && serving.child.exitCode === null && serving.child.signalCode === null) serving.child.kill('SIGKILL');
  // npx and the server it started are one process group; the server can outlive npx.
  if (viaNpx?.pid !== undefined && groupAlive(viaNpx.pid)) process.kill(-viaNpx.pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npx graph-mcp serve --port 0` in its own process group; resolves with the URL it logs. */
async function npxServe(cwd: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn('npx', ['--no-install', 'graph-mcp', 'serve', '--port', '0'], {
    cwd,
    detached: true,
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  viaNpx = child;
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npx graph-mcp serve did not start:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      const match = /"url":"(http:[^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npx graph-mcp serve exited with ${code}:\n${output}`));
    });
  });
  return { child, url, output: () => output };
}

async function assertServesHello(url: string): Promise<void> {
  const list = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: envelope() }, modernHeaders('tools/list'));
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.messages[0]?.result?.tools.map((t: { name: string }) => t.name), ['hello', 'resume_run', 'get_run', 'cancel_run']);
  assert.deepEqual(list.messages[0]?.result?.tools[0].inputSchema.required, ['name']);
  const call = await callModern(url, 'hello', { name: 'Ada' });
  assert.equal(call.status, 200, call.text);
  assert.notEqual(call.messages[0]?.result?.isError, true, call.text);
  assert.deepEqual(call.messages[0]?.result?.structuredContent, { greeting: 'Hello, Ada!' });
}

/** The lowest version a caret range allows, exactly. */
function lowestOf(range: string): string {
  const match = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  assert.ok(match, `a peer range of the form ^x.y.z, got ${range}`);
  return match[1]!;
}

test('npm install <tarball>, then npx graph-mcp check and serve in that project', { timeout: 600_000 }, async () => {
  // `npm pack` runs `prepack`, which builds dist/ (not `prepare`: npm counts that an install script).
  const packed = await exec('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const tarball = path.join(dir, packed.stdout.trim().split('\n').pop()!);

  const ours = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'someone-elses-agents',
      private: true,
      type: 'module',
      dependencies: {
        'graph-mcp': `file:${tarball}`,
        // The oldest versions the peer ranges allow (the rest of the suite runs the newest):
        // a range wider than what graph-mcp imports installs cleanly and fails at start-up.
        '@langchain/langgraph': lowestOf(ours.peerDependencies['@langchain/langgraph']),
        '@langchain/core': lowestOf(ours.peerDependencies['@langchain/core']),
        '@langchain/langgraph-checkpoint': lowestOf(ours.peerDependencies['@langchain/langgraph-checkpoint']),
        zod: ours.dependencies.zod,
        express: ours.dependencies.express,
      },
    }),
  );
  await writeFile(
    path.join(project, 'graphs/hello.ts'),
    `import { END, START, StateGraph } from '@langchain/langgraph';
import { z } from 'zod';

const Input = z.object({ name: z.string().describe('Who to greet') });
const Output = z.object({ greeting: z.string() });
const State = Input.extend({ greeting: z.string().optional() });

export const graph = new StateGraph({ state: State, input: Input, output: Output })
  .addNode('greet', (state: z.infer<typeof State>) => ({ greeting: \`Hello, \${state.name}!\` }))
  .addEdge(START, 'greet')
  .addEdge('greet', END)
  .compile();
`,
  );
  // A JavaScript graph that imports TypeScript, listed before the first TypeScript graph: it
  // loads only if TypeScript's loader is in place before any graph is imported.
  await writeFile(path.join(project, 'graphs/shout.ts'), `export const shout = (text: string): string => text.toUpperCase();\n`);
  await writeFile(
    path.join(project, 'graphs/loud.mjs'),
    `import { Annotation, END, START, StateGraph } from '@langchain/langgraph';
import { shout } from './shout.ts';

const State = Annotation.Root({ text: Annotation(), loud: Annotation() });
export const graph = new StateGraph(State).addNode('shout', (s) => ({ loud: shout(s.text) })).addEdge(START, 'shout').addEdge('shout', END).compile();
`,
  );
  await writeFile(
    path.join(project, 'agent.config.json'),
    JSON.stringify({
      $schema: './node_modules/graph-mcp/agent.config.schema.json',
      graphs: { hello: { path: './graphs/hello.ts:graph', description: 'Greets someone' } },
      // The default SQLite store needs better-sqlite3's native module, which npm builds from
      // source here (minutes on a busy machine); this test is about installing and serving.
      store: { type: 'memory' },
    }),
  );

  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, maxBuffer: 64 * 1024 * 1024 });
  await readFile(path.join(project, 'node_modules/graph-mcp/agent.config.schema.json'), 'utf8');
  // The package ships no src/: a stack trace mapped with --enable-source-maps, or a debugger, reads the source from the map.
  const map = JSON.parse(await readFile(path.join(project, 'node_modules/graph-mcp/dist/cli.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: string[] };
  assert.equal(map.sourcesContent?.length, map.sources.length);
  assert.match(map.sourcesContent![0]!, /graph-mcp/);

  const check = await exec('npx', ['--no-install', 'graph-mcp', 'check'], { cwd: project });
  assert.match(check.stdout, /^hello\(name\)\s+Greets someone$/m);
  assert.match(check.stdout, /^ok: 1 tool\(s\) from .*agent\.config\.json$/m);
  await writeFile(path.join(project, 'ts-import.config.json'), JSON.stringify({ graphs: { loud: './graphs/loud.mjs:graph', hello: './graphs/hello.ts:graph' }, store: { type: 'memory' } }));
  const tsImport = await exec('npx', ['--no-install', 'graph-mcp', 'check', '--config', 'ts-import.config.json'], { cwd: project });
  assert.match(tsImport.stdout, /^loud\(text, loud\)/m);
  assert.match(tsImport.stdout, /^ok: 2 tool\(s\)/m);

  // As a user runs it: `npx graph-mcp serve`, stopped as a terminal stops it (the signal goes to
  // the whole process group). npx runs the bin under `sh -c`, and dash neither execs nor forwards
  // signals, so SIGTERM to npx alone would leave the server running; npx's own exit status only
  // reports that its shell was signalled. What matters: the server stops gracefully, nothing is left.
  const npx = await npxServe(project);
  await assertServesHello(npx.url);
  process.kill(-npx.child.pid!, 'SIGTERM');
  for (const deadline = Date.now() + 15_000; groupAlive(npx.child.pid!); ) {
    assert.ok(Date.now() < deadline, `still running 15 s after SIGTERM:\n${npx.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.match(npx.output(), /"signal":"SIGTERM".*"msg":"shutting down"/);
  assert.match(npx.output(), /"msg":"stopped"/, 'the server shut down gracefully');

  // The bin link itself (its shebang), started directly.
  serving = await startServeProcess(['--port', '0'], { cwd: project, command: [path.join(project, 'node_modules/.bin/graph-mcp')] });
  await assertServesHello(serving.url);
  assert.equal(await serving.stop(), 0, serving.output());
  serving = undefined;

  // Mounted into an existing Express app written in CommonJS: `require('graph-mcp')`.
  await writeFile(
    path.join(project, 'api.cjs'),
    `const express = require('express');
const { createMcpRouter, loadGraphMcp } = require('graph-mcp');

loadGraphMcp({ config: './agent.config.json' }).then((graphMcp) => {
  const app = express();
  app.get('/api/health', (_req, res) => res.json({ ok: true }));
  app.use(createMcpRouter(graphMcp));
  const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port + '/mcp' })));
  process.once('SIGTERM', () => server.close(() => graphMcp.close(1000).then(() => process.exit(0))));
});
`,
  );
  // The helper adds `serve` and its options to the command; this app ignores its arguments.
  serving = await startServeProcess([], { cwd: project, command: [process.execPath, 'api.cjs'] });
  await assertServesHello(serving.url);
  const health = await fetch(serving.url.replace(/\/mcp$/, '/api/health'));
  assert.deepEqual(await health.json(), { ok: true });
  assert.equal(await serving.stop(), 0, serving.output());
  serving = undefined;
});
