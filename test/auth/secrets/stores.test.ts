import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { EnvSecretStore, FileSecretStore, isGraphMcpError, openSecretStore, SqliteSecretStore } from '../../../src/index.js';

const CANARY = 'canary-secret-7f3a';
const KEY_ENV = 'TEST_SECRETS_KEY';
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-secrets-'));
  process.env[KEY_ENV] = randomBytes(32).toString('base64');
});
after(() => rm(dir, { recursive: true, force: true }));

function failsWithout(secret: string, pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isGraphMcpError(error, 'SECRET_STORE'), String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes(secret), 'the error does not quote the secret');
    return true;
  };
}

describe('FileSecretStore', () => {
  test('reads, lists names only, sets and deletes', async () => {
    const file = path.join(dir, 'secrets.json');
    await writeFile(file, JSON.stringify({ alice: { notes: { Authorization: `Bearer ${CANARY}` } } }));
    const store = await FileSecretStore.open(file);
    assert.deepEqual(await store.get('alice', 'notes'), { Authorization: `Bearer ${CANARY}` });
    assert.equal(await store.get('bob', 'notes'), undefined);
    assert.deepEqual(await store.list(), [{ principalId: 'alice', server: 'notes', headers: ['Authorization'] }]);
    await store.set('bob', 'notes', { 'X-Api-Key': 'k' });
    assert.deepEqual(await (await FileSecretStore.open(file)).get('bob', 'notes'), { 'X-Api-Key': 'k' }, 'written to the file');
    assert.equal(await store.delete('alice', 'notes'), true);
    assert.equal(await store.delete('alice', 'notes'), false);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { bob: { notes: { 'X-Api-Key': 'k' } } });
  });

  test('a file of the wrong shape is an error naming the path, not the value', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ alice: { notes: { Authorization: 42, CANARY } } }));
    await assert.rejects(FileSecretStore.open(file), failsWithout(CANARY, /bad\.json: alice\.notes\.Authorization/));
  });
});

test('EnvSecretStore reads the same JSON from GRAPH_MCP_SECRETS', async () => {
  process.env.TEST_SECRETS_JSON = JSON.stringify({ carol: { notes: { Authorization: 'Bearer c' } } });
  const store = new EnvSecretStore('TEST_SECRETS_JSON');
  assert.deepEqual(await store.get('carol', 'notes'), { Authorization: 'Bearer c' });
  process.env.TEST_SECRETS_JSON = '{"carol": "not an object"}';
  assert.throws(() => new EnvSecretStore('TEST_SECRETS_JSON'), failsWithout('not an object', /TEST_SECRETS_JSON: carol/));
});

describe('SqliteSecretStore', () => {
  test('round trip, persistence across reopen, and no plaintext on disk', async () => {
    const file = path.join(dir, 'round-trip.sqlite');
    const store = await SqliteSecretStore.open({ path: file, keyEnv: KEY_ENV });
    await store.set('alice', 'notes', { Authorization: `Bearer ${CANARY}` });
    await store.set('bob', 'notes', { Authorization: 'Bearer b' });
    store.close();

    const reopened = await SqliteSecretStore.open({ path: file, keyEnv: KEY_ENV });
    assert.deepEqual(await reopened.get('alice', 'notes'), { Authorization: `Bearer ${CANARY}` });
    assert.deepEqual((await reopened.list('alice')).map(({ principalId, server, headers }) => ({ principalId, server, headers })), [
      { principalId: 'alice', server: 'notes', headers: ['Authorization'] },
    ]);
    reopened.close();
    for (const name of await readdir(dir)) {
      if (!name.startsWith('round-trip.sqlite')) continue;
      assert.ok(!(await readFile(path.join(dir, name))).includes(CANARY), `${name} holds no plaintext`);
    }
  });

  test('a missing or malformed key fails clearly, naming the variable and not its value', async () => {
    const file = path.join(dir, 'keys.sqlite');
    await assert.rejects(SqliteSecretStore.open({ path: file, keyEnv: 'NO_SUCH_KEY_VAR' }), failsWithout(CANARY, /set NO_SUCH_KEY_VAR to 32 random bytes/));
    process.env.SHORT_KEY = 'c2hvcnQ=';
    await assert.rejects(SqliteSecretStore.open({ path: file, keyEnv: 'SHORT_KEY' }), failsWithout('c2hvcnQ=', /SHORT_KEY must hold 32 bytes/));
  });

  test('the wrong key cannot decrypt, and a ciphertext moved to another row does not decrypt', async () => {
    const file = path.join(dir, 'tamper.sqlite');
    const store = await SqliteSecretStore.open({ path: file, keyEnv: KEY_ENV });
    await store.set('alice', 'notes', { Authorization: `Bearer ${CANARY}` });
    await store.set('mallory', 'notes', { Authorization: 'Bearer m' });
    store.close();

    process.env.OTHER_KEY = randomBytes(32).toString('hex');
    const wrongKey = await SqliteSecretStore.open({ path: file, keyEnv: 'OTHER_KEY' });
    await assert.rejects(wrongKey.get('alice', 'notes'), failsWithout(CANARY, /cannot be decrypted/));
    wrongKey.close();

    const db = new BetterSqlite3(file);
    db.prepare("UPDATE secrets SET ciphertext = (SELECT ciphertext FROM secrets WHERE principal_id = 'alice') WHERE principal_id = 'mallory'").run();
    db.close();
    const tampered = await SqliteSecretStore.open({ path: file, keyEnv: KEY_ENV });
    await assert.rejects(tampered.get('mallory', 'notes'), failsWithout(CANARY, /cannot be decrypted/));
    assert.deepEqual(await tampered.get('alice', 'notes'), { Authorization: `Bearer ${CANARY}` });
    tampered.close();
  });
});

describe('openSecretStore', () => {
  test('picks the store the config names, and refuses two at once', async () => {
    const file = path.join(dir, 'open.json');
    await writeFile(file, '{}');
    assert.ok((await openSecretStore({ baseDir: dir, secrets: { file: 'open.json' } })) instanceof FileSecretStore);
    const sqlite = await openSecretStore({ baseDir: dir, secrets: { sqlite: { path: 'open.sqlite', key_env: KEY_ENV } } });
    assert.ok(sqlite instanceof SqliteSecretStore);
    (sqlite as SqliteSecretStore).close();
    await assert.rejects(openSecretStore({ baseDir: dir, secrets: { file: 'open.json', sqlite: { path: 'x', key_env: KEY_ENV } } }), /choose one store/);
    delete process.env.GRAPH_MCP_SECRETS;
    assert.equal(await openSecretStore({ baseDir: dir, secrets: undefined }), undefined);
  });
});
