// graph-mcp installed from its tarball into another project serves *that* project's graphs with `npx graph-mcp serve`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-install-'));
  project = path.join(dir, 'project');
  await mkdir(path.join(project, 'graphs'), { recursive: true });
});
after(async () => {
  await serving?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('npm install <tarball>, then npx graph-mcp check and serve in that project', { timeout: 300_000 }, async () => {
  // `npm pack` runs `prepare`, which builds dist/.
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
        '@langchain/langgraph': ours.devDependencies['@langchain/langgraph'],
        '@langchain/core': ours.devDependencies['@langchain/core'],
        zod: ours.dependencies.zod,
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
  await writeFile(
    path.join(project, 'agent.config.json'),
    JSON.stringify({ $schema: './node_modules/graph-mcp/agent.config.schema.json', graphs: { hello: { path: './graphs/hello.ts:graph', description: 'Greets someone' } } }),
  );

  await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, maxBuffer: 64 * 1024 * 1024 });
  await readFile(path.join(project, 'node_modules/graph-mcp/agent.config.schema.json'), 'utf8');

  const check = await exec('npx', ['--no-install', 'graph-mcp', 'check'], { cwd: project });
  assert.match(check.stdout, /^hello\(name\)\s+Greets someone$/m);

  // The bin link npx runs; started directly so that SIGTERM reaches the server itself.
  serving = await startServeProcess(['--port', '0'], { cwd: project, command: [path.join(project, 'node_modules/.bin/graph-mcp')] });
  const list = await post(serving.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: envelope() }, modernHeaders('tools/list'));
  assert.deepEqual(list.messages[0]?.result?.tools.map((t: { name: string }) => t.name), ['hello']);
  assert.deepEqual(list.messages[0]?.result?.tools[0].inputSchema.required, ['name']);
  const call = await callModern(serving.url, 'hello', { name: 'Ada' });
  assert.deepEqual(call.messages[0]?.result?.structuredContent, { greeting: 'Hello, Ada!' });
  assert.equal(await serving.stop(), 0);
  serving = undefined;
});
