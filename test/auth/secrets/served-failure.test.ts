// A secret store that fails while serving: the node, and so the caller, is told only that the
// credentials could not be read; the server's log has why (which names the file, or the key).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SqliteSecretStore } from '../../../src/index.js';
import { callModern } from '../../helpers/raw.js';
import { startServer } from '../../helpers/server.js';

test('credentials the secret store cannot decrypt (a wrong key) fail the run without the store\'s words; the log has them', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-secret-failure-'));
  const file = path.join(dir, 'secrets.sqlite');
  process.env.SERVED_FAILURE_KEY = randomBytes(32).toString('hex');
  process.env.SERVED_FAILURE_OTHER_KEY = randomBytes(32).toString('hex');
  const writer = await SqliteSecretStore.open({ path: file, keyEnv: 'SERVED_FAILURE_KEY' });
  await writer.set('alice', 'notes', { Authorization: 'Bearer notes-token-alice' });
  writer.close();
  const secretStore = await SqliteSecretStore.open({ path: file, keyEnv: 'SERVED_FAILURE_OTHER_KEY' });
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
    assert.match(logged, /cannot be decrypted \(wrong key/);
    assert.match(logged, /"principal":"alice","server":"notes"/);
    assert.doesNotMatch(server.logs.text(), /notes-token-alice/);
  } finally {
    await server.close(0);
    secretStore.close();
    await rm(dir, { recursive: true, force: true });
  }
});
