// `graph-mcp secrets` as a user runs it: a real child process, the value on stdin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT } from '../../helpers/server.js';

const CANARY = 'canary-secret-7f3a';
let dir: string;
let config: string;
const env = { ...process.env, GRAPH_MCP_SECRETS_KEY: randomBytes(32).toString('base64') };

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-secrets-cli-'));
  config = path.join(dir, 'agent.config.json');
  await writeFile(
    config,
    JSON.stringify({
      graphs: { triage: `${path.join(ROOT, 'graphs/triage.ts')}:graph` },
      secrets: { sqlite: { path: './secrets.sqlite' }, servers: { notes: { url: 'http://127.0.0.1:1/mcp' } } },
    }),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

function cli(args: string[], input = '') {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'secrets', ...args, '--config', config], {
    input,
    env,
    encoding: 'utf8',
    cwd: ROOT,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

test('set reads the value from stdin; list shows names, never values; delete removes', () => {
  const set = cli(['set', 'alice', 'notes'], `Bearer ${CANARY}\n`);
  assert.equal(set.code, 0, set.err);
  assert.match(set.out, /stored Authorization for user "alice" and server "notes"/);

  const json = cli(['set', 'bob', 'notes', '--json'], JSON.stringify({ 'X-Api-Key': 'bob-key' }));
  assert.equal(json.code, 0, json.err);

  const list = cli(['list']);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^alice\tnotes\tAuthorization\t/m);
  assert.match(list.out, /^bob\tnotes\tX-Api-Key\t/m);
  assert.ok(!list.out.includes(CANARY) && !list.out.includes('bob-key'), 'no values listed');

  assert.equal(cli(['delete', 'alice', 'notes']).code, 0);
  assert.doesNotMatch(cli(['list', 'alice']).out, /notes/);
  assert.equal(cli(['delete', 'alice', 'notes']).code, 1, 'nothing left to delete');
});

test('mistakes are explained and exit 1', () => {
  const unknownServer = cli(['set', 'alice', 'calendar'], 'x');
  assert.equal(unknownServer.code, 1);
  assert.match(unknownServer.err, /unknown server "calendar"/);
  const empty = cli(['set', 'alice', 'notes'], '');
  assert.equal(empty.code, 1);
  assert.match(empty.err, /no value on standard input/);
  const noKey = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'secrets', 'list', '--config', config], {
    env: { ...env, GRAPH_MCP_SECRETS_KEY: '' },
    encoding: 'utf8',
  });
  assert.equal(noKey.status, 1);
  assert.match(noKey.stderr, /GRAPH_MCP_SECRETS_KEY/);
});
