// The README's "Try it: two users, their own notes", step by step, with the same files and commands.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startNotesServer, type NotesServer } from '../../examples/notes-server.js';
import { runCli, runTsx, startServeProcess, type ServingProcess } from '../helpers/cli.js';
import { ROOT } from '../helpers/server.js';

const EXAMPLE = path.join(ROOT, 'examples/auth');
const env = {
  GRAPH_MCP_JWT_SECRET: randomBytes(32).toString('base64'),
  GRAPH_MCP_SECRETS_KEY: randomBytes(32).toString('base64'),
};
let dir: string;
let config: string;
let notes: NotesServer;
let serving: ServingProcess | undefined;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-walkthrough-'));
  // Step 2: the notes service, with its own tokens (the README's defaults).
  notes = await startNotesServer({ 'notes-token-alice': 'alice', 'notes-token-bob': 'bob' });
  // The example config as shipped, but for this test's notes port and a throw-away store.
  const example = JSON.parse(await readFile(path.join(EXAMPLE, 'agent.config.json'), 'utf8'));
  example.secrets.servers.notes.url = notes.url;
  example.secrets.sqlite.path = path.join(dir, 'secrets.sqlite');
  config = path.join(EXAMPLE, `.walkthrough-${process.pid}.json`);
  await writeFile(config, JSON.stringify(example));
});
after(async () => {
  await serving?.stop();
  await notes?.close();
  await rm(config, { force: true });
  await rm(dir, { recursive: true, force: true });
});

test('two users, their own notes, as the README tells it', async () => {
  // Step 3: each user's notes token into the encrypted store, from stdin.
  for (const user of ['alice', 'bob']) {
    const set = runCli(['secrets', 'set', user, 'notes', '--config', config], { env, input: `Bearer notes-token-${user}` });
    assert.equal(set.code, 0, set.err);
  }
  const list = runCli(['secrets', 'list', '--config', config], { env });
  assert.match(list.out, /^alice\tnotes\tAuthorization/m);
  assert.ok(!list.out.includes('notes-token-alice'));

  // Step 4: graph-mcp with auth on.
  serving = await startServeProcess(['--config', config, '--port', '0'], { env });
  assert.match(serving.output(), /callers must authenticate/);

  // Step 5: tokens, then calls.
  const aliceToken = (await runTsx(path.join(EXAMPLE, 'make-token.ts'), ['alice', 'mcp notes'], env)).out.trim();
  const bobToken = (await runTsx(path.join(EXAMPLE, 'make-token.ts'), ['bob', 'mcp'], env)).out.trim();
  assert.match(aliceToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);

  const callEnv = { ...env, GRAPH_MCP_URL: serving.url };
  const alice = await runTsx(path.join(EXAMPLE, 'call.ts'), [aliceToken, 'notes', '{"action":"add","text":"buy milk"}'], callEnv);
  assert.equal(alice.code, 0, alice.err);
  assert.equal(alice.out, 'tools you may call: notes, triage, resume_run, get_run, cancel_run\n{"user":"alice","notes":["buy milk"]}\n');

  const bob = await runTsx(path.join(EXAMPLE, 'call.ts'), [bobToken, 'notes', '{"action":"list"}'], callEnv);
  assert.equal(bob.code, 1);
  assert.equal(bob.out, 'tools you may call: triage, resume_run, get_run, cancel_run\n');
  assert.match(bob.err, /error: no tool "notes" for you/);

  assert.deepEqual(notes.seenAuthorization.filter((h) => h !== 'Bearer notes-token-alice'), [], 'only alice reached the notes service, with her own token');
  assert.equal(await serving.stop(), 0);
  assert.ok(!serving.output().includes('notes-token-alice'), 'no downstream token in the logs');
});
