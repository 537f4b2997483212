// A secret store that fails while serving: the node, and so the caller, is told only that the
// credentials could not be read; the server's log has why (which names the file, or the key).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteSecretStore } from '../../../src/index.js';
import { callModern } from '../../helpers/raw.js';
import { startServer } from '../../helpers/server.js';

test('credentials the secret store cannot decrypt (a row tampered with) fail the run without the store\'s words; the log has them', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-secret-failure-'));
  const file = path.join(dir, 'secrets.sqlite');
  process.env.SERVED_FAILURE_KEY = randomBytes(32).toString('hex');
  const writer = await SqliteSecretStore.open({ path: file, keyEnv: 'SERVED_FAILURE_KEY' });
  await writer.set('alice', 'notes', { Authorization: 'Bearer notes-token-alice' });
  await writer.set('bob', 'notes', { Authorization: 'Bearer notes-token-bob' });
  writer.close();
  // Bob's ciphertext in Alice's row: bound to Bob's row, it does not decrypt there.
  const db = new BetterSqlite3(file);
  db.prepare("UPDATE secrets SET ciphertext = (SELECT ciphertext FROM secrets WHERE principal_id = 'bob') WHERE principal_id = 'alice'").run();
  db.close();
  const secretStore = await SqliteSecretStore.open({ path: file, keyEnv: 'SERVED_FAILURE_KEY' });
  const server = await startServer(
    { graphs: { leaky: './graphs/basic.ts:leaky' }, secrets: { servers: { notes: { url: 'http://127.0.0.1:9/mcp' } } } },
    { load: { secretStore, authenticate: () => ({ id: 'alice', scopes: [] }) } },
  );
  try {
    const answer = await callModern(server.url, 'leaky', { mode: 'value' });
    const result = answer.messages[0]?.result;
    assert.equal(result?.isError, true, answer.text);
    assert.equal(result._meta['graph-mcp/error'].code, 'GRAPH_FAILED');
    assert.match(result.content[0].text, /the credentials for "notes" could not be read: the secret store failed \(the server's log says why\)/);
    assert.doesNotMatch(answer.text, new RegExp(`${dir}|decrypt|key|sqlite`, 'i'));
    const logged = server.logs.lines.find((line) => line.includes('the secret store failed to read credentials'));
    assert.ok(logged, 'the failure is logged');
    assert.match(logged, /cannot be decrypted \(wrong key, or the row was tampered with\)/);
    assert.match(logged, /"principal":"alice","server":"notes"/);
    assert.doesNotMatch(server.logs.text(), /notes-token-(alice|bob)/);
  } finally {
    await server.close(0);
    secretStore.close();
    await rm(dir, { recursive: true, force: true });
  }
});
