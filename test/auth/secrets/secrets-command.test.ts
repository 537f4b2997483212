// `graph-mcp secrets` as a user runs it: a real child process, the value on stdin.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openSqliteSecretStore } from '../../../src/auth/secrets/sqlite-store.js';
import { ROOT } from '../../helpers/server.js';

const CANARY = 'canary-secret-7f3a';
const KEY = randomBytes(32).toString('base64');
let dir: string;
let config: string;
const env: NodeJS.ProcessEnv = { ...process.env, GRAPH_MCP_SECRETS_KEY: KEY };
delete env.GRAPH_MCP_SECRETS;
/** Everything any command printed: the canary must never be in it. */
const printed: string[] = [];

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
after(async () => {
  assert.ok(printed.length > 0);
  for (const text of printed) assert.ok(!text.includes(CANARY), `printed a value: ${text}`);
  await rm(dir, { recursive: true, force: true });
});

function cli(args: string[], input = '', options: { config?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'secrets', ...args, '--config', options.config ?? config],
    { input, env: options.env ?? env, encoding: 'utf8', cwd: ROOT },
  );
  printed.push(result.stdout, result.stderr);
  return { code: result.status, out: result.stdout, err: result.stderr };
}

async function stored(user: string, server: string) {
  process.env.TEST_CLI_SECRETS_KEY = KEY;
  const store = await openSqliteSecretStore({ path: path.join(dir, 'secrets.sqlite'), keyEnv: 'TEST_CLI_SECRETS_KEY' });
  try {
    return await store.get(user, server);
  } finally {
    store.close();
  }
}

test('set reads the value from stdin; list shows names, never values; delete removes', async () => {
  const set = cli(['set', 'alice', 'notes'], `Bearer ${CANARY}\n`);
  assert.equal(set.code, 0, set.err);
  assert.match(set.out, /stored Authorization for user "alice" and server "notes"/);
  assert.deepEqual(await stored('alice', 'notes'), { Authorization: `Bearer ${CANARY}` }, 'one trailing newline trimmed');

  const json = cli(['set', 'bob', 'notes', '--json'], JSON.stringify({ 'X-Api-Key': `bob-${CANARY}`, Authorization: 'Bearer b' }));
  assert.equal(json.code, 0, json.err);
  assert.match(json.out, /stored X-Api-Key, Authorization for user "bob"/);

  // Whitespace around the value (a Windows `echo value |` leaves a space) is no part of it.
  const spaced = cli(['set', 'dave', 'notes'], `  Bearer ${CANARY} \r\n`);
  assert.equal(spaced.code, 0, spaced.err);
  assert.deepEqual(await stored('dave', 'notes'), { Authorization: `Bearer ${CANARY}` });
  assert.match(cli(['set', 'dave', 'notes'], '   \n').err, /only whitespace|no value/);

  const noScheme = cli(['set', 'carol', 'notes'], `${CANARY}\r\n`);
  assert.equal(noScheme.code, 0, noScheme.err);
  assert.deepEqual(await stored('carol', 'notes'), { Authorization: CANARY }, 'stored as given: no scheme added');
  const twoNewlines = cli(['set', 'carol', 'notes'], `${CANARY}\n\n`);
  assert.equal(twoNewlines.code, 1, 'only one trailing newline is trimmed; the other is not a valid header value');
  assert.match(twoNewlines.err, /not a valid HTTP header value/);

  const header = cli(['set', 'dave', 'notes', '--header', 'X-Notes-Token'], CANARY);
  assert.equal(header.code, 0, header.err);
  assert.deepEqual(await stored('dave', 'notes'), { 'X-Notes-Token': CANARY });

  const list = cli(['list']);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /^alice\tnotes\tAuthorization\t/m);
  assert.match(list.out, /^bob\tnotes\tX-Api-Key, Authorization\t/m);
  assert.match(list.out, /^dave\tnotes\tX-Notes-Token\t/m);
  assert.doesNotMatch(cli(['list', 'alice']).out, /bob|carol|dave/);

  const deleted = cli(['delete', 'alice', 'notes']);
  assert.equal(deleted.code, 0, deleted.err);
  assert.match(deleted.out, /deleted credentials of user "alice" for server "notes"/);
  assert.equal(cli(['list', 'alice']).out, '(none)\n');
  const again = cli(['delete', 'alice', 'notes']);
  assert.equal(again.code, 1, 'nothing left to delete');
  assert.match(again.err, /nothing stored for user "alice" and server "notes"/);

  const raw = await readFile(path.join(dir, 'secrets.sqlite'));
  assert.ok(!raw.includes(CANARY), 'no plaintext in the database file');
});

test('mistakes are explained on stderr, exit 1, and never echo a value', () => {
  const cases: Array<[string[], string, RegExp]> = [
    [['set', 'alice', 'calendar'], CANARY, /unknown server "calendar": declare it under secrets\.servers \(known: notes\)/],
    [['set', 'alice', 'toString'], CANARY, /unknown server "toString"/],
    [['set', 'alice', 'notes'], '', /no value on standard input/],
    [['set', 'alice', 'notes', `Bearer ${CANARY}`], '', /too many arguments \(the value is read from standard input, never from the command line\)/],
    [['set', 'alice', 'notes', '--json'], `{"Authorization": "${CANARY}`, /--json: standard input is not valid JSON/],
    [['set', 'alice', 'notes', '--json'], JSON.stringify({ [`Bearer ${CANARY}`]: 'x' }), /--json: \(top level\): a header name is not a valid HTTP header name/],
    [['set', 'alice', 'notes', '--json'], JSON.stringify([CANARY]), /--json: \(top level\): .*expected record/],
    [['set', 'alice', 'notes', '--json', '--header', 'X-A'], CANARY, /--header NAME or --json, not both/],
    [['set', 'alice', 'notes', '--header', 'Bad Name'], CANARY, /--header "Bad Name" is not an HTTP header name/],
    [['set', 'alice', 'notes'], `Bearer ${CANARY}\r\nX-Evil: 1`, /standard input: Authorization: not a valid HTTP header value/],
    [['set', 'alice'], CANARY, /usage: graph-mcp secrets set/],
    [['list', 'alice', 'extra'], '', /too many arguments/],
    [['list', '--json'], '', /only apply to "secrets set"/],
    [['rotate'], '', /usage: graph-mcp secrets/],
  ];
  for (const [args, input, pattern] of cases) {
    const result = cli(args, input);
    assert.equal(result.code, 1, `${args.join(' ')}: ${result.out}`);
    assert.match(result.err, pattern, args.join(' '));
  }
  const noKey = cli(['list'], '', { env: { ...env, GRAPH_MCP_SECRETS_KEY: '' } });
  assert.equal(noKey.code, 1);
  assert.match(noKey.err, /the secret store key is missing: set GRAPH_MCP_SECRETS_KEY/);
  const wrongKey = cli(['list'], '', { env: { ...env, GRAPH_MCP_SECRETS_KEY: `${CANARY}${CANARY}` } });
  assert.equal(wrongKey.code, 1);
  assert.match(wrongKey.err, /GRAPH_MCP_SECRETS_KEY must hold 32 bytes/);
});

test('the key may come from the config\'s env file, as it does for serve', async () => {
  const sub = await mkdtemp(path.join(dir, 'env-'));
  await writeFile(path.join(sub, '.env'), `GRAPH_MCP_SECRETS_KEY=${randomBytes(32).toString('hex')}\n`);
  const withEnv = path.join(sub, 'agent.config.json');
  await writeFile(withEnv, JSON.stringify({ graphs: { t: './none.ts:graph' }, env: './.env', secrets: { sqlite: { path: './s.sqlite' } } }));
  const noKeyEnv = { ...env };
  delete noKeyEnv.GRAPH_MCP_SECRETS_KEY;
  const set = cli(['set', 'alice', 'anything'], CANARY, { config: withEnv, env: noKeyEnv });
  assert.equal(set.code, 0, set.err);
  assert.match(cli(['list'], '', { config: withEnv, env: noKeyEnv }).out, /^alice\tanything\tAuthorization\t/m);
});

test('a file store is managed the same way; an environment store is read-only; no store is an error', async () => {
  const sub = await mkdtemp(path.join(dir, 'file-'));
  const fileConfig = path.join(sub, 'agent.config.json');
  await writeFile(fileConfig, JSON.stringify({ graphs: { t: './none.ts:graph' }, secrets: { file: './secrets.json' } }));
  assert.equal(cli(['set', 'alice', 'notes'], CANARY, { config: fileConfig }).code, 0);
  assert.deepEqual(JSON.parse(await readFile(path.join(sub, 'secrets.json'), 'utf8')), { alice: { notes: { Authorization: CANARY } } });
  assert.match(cli(['list'], '', { config: fileConfig }).out, /^alice\tnotes\tAuthorization$/m);
  assert.equal(cli(['delete', 'alice', 'notes'], '', { config: fileConfig }).code, 0);

  const bare = path.join(sub, 'bare.config.json');
  await writeFile(bare, JSON.stringify({ graphs: { t: './none.ts:graph' } }));
  const none = cli(['list'], '', { config: bare });
  assert.equal(none.code, 1);
  assert.match(none.err, /no secret store configured/);

  const envStore = { ...env, GRAPH_MCP_SECRETS: JSON.stringify({ erin: { notes: { Authorization: CANARY } } }) };
  assert.match(cli(['list'], '', { config: bare, env: envStore }).out, /^erin\tnotes\tAuthorization$/m);
  const readOnly = cli(['set', 'erin', 'notes'], CANARY, { config: bare, env: envStore });
  assert.equal(readOnly.code, 1);
  assert.match(readOnly.err, /the secret store here is the GRAPH_MCP_SECRETS variable, which can only be read: configure "secrets\.sqlite" or "secrets\.file" to set credentials/);
  assert.match(none.err, /the GRAPH_MCP_SECRETS variable, when set, is one that can only be read/);
});

test('list and delete in a SQLite store that does not exist yet (a mistyped path) are refused, and create nothing; set creates it', async () => {
  const sub = await mkdtemp(path.join(dir, 'typo-'));
  const typo = path.join(sub, 'agent.config.json');
  await writeFile(typo, JSON.stringify({ graphs: { t: './none.ts:graph' }, secrets: { sqlite: { path: './typo/secrets.sqlite' } } }));
  for (const args of [['list'], ['delete', 'alice', 'notes']]) {
    const refused = cli(args, '', { config: typo });
    assert.equal(refused.code, 1, refused.out);
    assert.match(refused.err, /secrets\.sqlite\.path \S+typo\/secrets\.sqlite does not exist: nothing is stored yet \(`graph-mcp secrets set` creates it\)/);
  }
  assert.equal(existsSync(path.join(sub, 'typo')), false, 'nothing created');
  assert.equal(cli(['set', 'alice', 'notes'], CANARY, { config: typo }).code, 0);
  assert.match(cli(['list'], '', { config: typo }).out, /^alice\tnotes\tAuthorization\t/m);
});

test('list keeps one entry to a line when a user id holds a tab or a line break', async () => {
  const sub = await mkdtemp(path.join(dir, 'odd-ids-'));
  const own = path.join(sub, 'agent.config.json');
  await writeFile(own, JSON.stringify({ graphs: { t: './none.ts:graph' }, secrets: { sqlite: { path: './s.sqlite' }, servers: { notes: { url: 'http://127.0.0.1:1/mcp' } } } }));
  for (const user of ['plain', 'tab\there', 'two\nlines', '"quoted"']) {
    const set = cli(['set', user, 'notes'], CANARY, { config: own });
    assert.equal(set.code, 0, set.err);
  }
  const list = cli(['list'], '', { config: own });
  assert.equal(list.code, 0, list.err);
  const lines = list.out.trimEnd().split('\n');
  assert.equal(lines.length, 4, list.out);
  const users = lines.map((line) => line.split('\t')[0]!).sort();
  assert.deepEqual(users, ['"\\"quoted\\""', '"tab\\there"', '"two\\nlines"', 'plain'].sort());
  for (const line of lines) assert.equal(line.split('\t').length, 4, line);
});
