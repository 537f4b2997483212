// The command line from source: check, serve, help, and start-up errors a user can act on.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../../src/index.js';
import { runCli, startServeProcess } from '../helpers/cli.js';
import { ROOT } from '../helpers/server.js';
import { legacyHeaders, post } from '../helpers/raw.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-cli-'));
});
after(() => rm(dir, { recursive: true, force: true }));

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
    assert.match(result.out, /ok: 3 tool\(s\)/);
  });

  const broken: Array<[string, string | object, RegExp]> = [
    ['invalid JSON', '{"graphs": {', /invalid-json\.json: not valid JSON at line 1/],
    ['a bad tool name', { graphs: { 'bad name!': TRIAGE } }, /graph "bad name!": "bad name!" is not a valid MCP tool name/],
    ['a field of the wrong type', { graphs: { t: { path: TRIAGE, timeout_ms: 'soon' } } }, /invalid config\n\s+graphs\.t/],
    ['a module that does not exist', { graphs: { ghost: './nowhere.ts:graph' } }, /graph "ghost": cannot load \.\/nowhere\.ts:graph/],
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

  test('a missing config file is named', () => {
    const result = runCli(['check', '--config', path.join(dir, 'missing.json')]);
    assert.equal(result.code, 1);
    assert.match(result.err, /missing\.json: config file not found/);
  });
});

describe('help and version', () => {
  test('--help, --version, no command and an unknown command', () => {
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
  });
});

describe('graph-mcp serve', () => {
  test('PORT and HOST from the environment; an unchanged langgraph.json as the config', async () => {
    const langgraphJson = await configFile('langgraph.json', {
      node_version: '20',
      dependencies: ['.'],
      graphs: { agent: `${path.join(ROOT, 'graphs/agent.ts')}:graph` },
      env: {},
    });
    const serving = await startServeProcess(['--config', langgraphJson], { env: { PORT: '0', HOST: '127.0.0.1' } });
    try {
      assert.match(serving.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
      const answer = await post(serving.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'agent', arguments: { message: 'what is 2 plus 2' } } }, legacyHeaders());
      assert.deepEqual(answer.messages[0]?.result?.structuredContent, { message: 'The answer is 4.' });
    } finally {
      assert.equal(await serving.stop(), 0, 'SIGTERM is a clean exit');
    }
  });
});
