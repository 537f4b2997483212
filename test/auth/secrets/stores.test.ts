import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openFileSecretStore } from '../../../src/auth/secrets/file-store.js';
import { openSqliteSecretStore } from '../../../src/auth/secrets/sqlite-store.js';
import { EnvSecretStore, FileSecretStore, isGraphMcpError, openSecretStore, SqliteSecretStore } from '../../../src/index.js';
import { ROOT } from '../../helpers/server.js';

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

const execFileAsync = promisify(execFile);

describe('FileSecretStore', () => {
  test('reads, lists names only, sets and deletes', async () => {
    const file = path.join(dir, 'secrets.json');
    await writeFile(file, JSON.stringify({ alice: { notes: { Authorization: `Bearer ${CANARY}` } } }));
    const store = await FileSecretStore.open(file);
    assert.deepEqual(await store.get('alice', 'notes'), { Authorization: `Bearer ${CANARY}` });
    assert.equal(await store.get('bob', 'notes'), undefined);
    // Names of Object.prototype's are no user and no server (they came back as credentials: {}).
    assert.equal(await store.get('alice', 'toString'), undefined);
    assert.equal(await store.get('constructor', 'notes'), undefined);
    assert.equal(await store.delete('alice', 'hasOwnProperty'), false);
    assert.deepEqual(await store.list(), [{ principalId: 'alice', server: 'notes', headers: ['Authorization'] }]);
    await store.set('bob', 'notes', { 'X-Api-Key': 'k' });
    assert.deepEqual(await (await FileSecretStore.open(file)).get('bob', 'notes'), { 'X-Api-Key': 'k' }, 'written to the file');
    assert.equal(await store.delete('alice', 'notes'), true);
    assert.equal(await store.delete('alice', 'notes'), false);
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { bob: { notes: { 'X-Api-Key': 'k' } } });
  });

  test('a change another process makes to the file (graph-mcp secrets, an edit) is seen without reopening', async () => {
    const file = path.join(dir, 'shared-secrets.json');
    await writeFile(file, JSON.stringify({ alice: { notes: { Authorization: 'Bearer one' } } }));
    const serving = await FileSecretStore.open(file);
    const command = await FileSecretStore.open(file);
    assert.deepEqual(await serving.get('alice', 'notes'), { Authorization: 'Bearer one' });
    assert.equal(await command.delete('alice', 'notes'), true);
    assert.equal(await serving.get('alice', 'notes'), undefined, 'a deleted credential no longer works');
    await command.set('alice', 'notes', { Authorization: 'Bearer two' });
    assert.deepEqual(await serving.get('alice', 'notes'), { Authorization: 'Bearer two' });
    // Set where another writer's change is newer: built on what the file holds, not on a stale copy.
    await serving.set('bob', 'notes', { Authorization: 'Bearer three' });
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { alice: { notes: { Authorization: 'Bearer two' } }, bob: { notes: { Authorization: 'Bearer three' } } });
  });

  test('a file of the wrong shape is an error naming the path, not the value', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ alice: { notes: { Authorization: 42, CANARY } } }));
    await assert.rejects(FileSecretStore.open(file), failsWithout(CANARY, /bad\.json: alice\.notes\.Authorization/));
  });

  test('no error quotes a value, even one pasted where a name belongs or one that breaks the JSON', async () => {
    const cases: Array<[string, RegExp]> = [
      [JSON.stringify({ alice: { notes: { [`Bearer ${CANARY}`]: '' } } }), /alice\.notes: a header name is not a valid HTTP header name/],
      [JSON.stringify({ alice: { notes: `Bearer ${CANARY}` } }), /alice\.notes: .*expected record/],
      [JSON.stringify({ alice: { notes: { Authorization: `Bearer ${CANARY}\r\nX-Evil: 1` } } }), /alice\.notes\.Authorization: not a valid HTTP header value/],
      [`{"alice": {"notes": {"Authorization": "Bearer ${CANARY}}}}`, /not valid JSON/],
    ];
    for (const [index, [text, pattern]] of cases.entries()) {
      const file = path.join(dir, `leak-${index}.json`);
      await writeFile(file, text);
      await assert.rejects(openFileSecretStore(file), failsWithout(CANARY, pattern));
    }
  });

  test('set refuses bad headers and ids without quoting values; writes are 0600 and concurrent sets all land', async () => {
    const file = path.join(dir, 'created.json');
    const store = await openFileSecretStore(file);
    assert.deepEqual(await store.list(), [], 'a missing file is an empty store');
    await assert.rejects(store.set('alice', 'notes', { Authorization: `Bearer ${CANARY}\n` }), failsWithout(CANARY, /Authorization: not a valid HTTP header value/));
    await assert.rejects(store.set('alice', 'notes', { [CANARY + ' x']: 'v' }), failsWithout(CANARY, /not a valid HTTP header name/));
    await assert.rejects(store.set('a\u0000b', 'notes', { Authorization: 'x' }), /NUL/);
    await assert.rejects(store.set('alice', 'notes', {}), /no headers/);
    await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5'].map((user) => store.set(user, 'notes', { Authorization: `Bearer ${user}` })));
    assert.equal((await (await openFileSecretStore(file)).list()).length, 5);
    if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith('.tmp')), [], 'no temporary files left');
  });
});

test('EnvSecretStore reads the same JSON from GRAPH_MCP_SECRETS', async () => {
  process.env.TEST_SECRETS_JSON = JSON.stringify({ carol: { notes: { Authorization: 'Bearer c' } } });
  const store = new EnvSecretStore('TEST_SECRETS_JSON');
  assert.deepEqual(await store.get('carol', 'notes'), { Authorization: 'Bearer c' });
  process.env.TEST_SECRETS_JSON = '{"carol": "not an object"}';
  assert.throws(() => new EnvSecretStore('TEST_SECRETS_JSON'), failsWithout('not an object', /TEST_SECRETS_JSON: carol/));
  process.env.TEST_SECRETS_JSON = `{"carol": {"notes": {"Authorization": "${CANARY}`;
  assert.throws(() => new EnvSecretStore('TEST_SECRETS_JSON'), failsWithout(CANARY, /environment variable TEST_SECRETS_JSON: not valid JSON/));
  delete process.env.TEST_SECRETS_JSON;

  const saved = process.env.GRAPH_MCP_SECRETS;
  process.env.GRAPH_MCP_SECRETS = JSON.stringify({ dave: { notes: { Authorization: 'Bearer d' } } });
  try {
    const byDefault = new EnvSecretStore();
    assert.deepEqual(await byDefault.get('dave', 'notes'), { Authorization: 'Bearer d' });
    assert.deepEqual(await byDefault.list(), [{ principalId: 'dave', server: 'notes', headers: ['Authorization'] }]);
    assert.equal((byDefault as { set?: unknown }).set, undefined, 'read-only');
  } finally {
    if (saved === undefined) delete process.env.GRAPH_MCP_SECRETS;
    else process.env.GRAPH_MCP_SECRETS = saved;
  }
});

test('the SQLite and file secret stores make their folder when it is missing, as the run store does', async () => {
  const sqlite = await SqliteSecretStore.open({ path: path.join(dir, 'new-folder', 'deeper', 'secrets.sqlite'), keyEnv: KEY_ENV });
  await sqlite.set('alice', 'notes', { Authorization: 'Bearer a' });
  assert.deepEqual(await sqlite.get('alice', 'notes'), { Authorization: 'Bearer a' });
  sqlite.close();
  const file = await FileSecretStore.open(path.join(dir, 'another-folder', 'secrets.json'));
  await file.set('alice', 'notes', { Authorization: 'Bearer a' });
  assert.deepEqual(JSON.parse(await readFile(path.join(dir, 'another-folder', 'secrets.json'), 'utf8')), { alice: { notes: { Authorization: 'Bearer a' } } });
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

  test('a store deleted or replaced under an open one is an error, not the old file read on (a removed credential still handed out)', async () => {
    for (const how of ['deleted', 'replaced'] as const) {
      const file = path.join(dir, `${how}.sqlite`);
      const serving = await SqliteSecretStore.open({ path: file, keyEnv: KEY_ENV });
      try {
        await serving.set('alice', 'notes', { Authorization: `Bearer ${CANARY}` });
        assert.deepEqual(await serving.get('alice', 'notes'), { Authorization: `Bearer ${CANARY}` });
        for (const suffix of ['', '-wal', '-shm']) await rm(`${file}${suffix}`, { force: true });
        if (how === 'replaced') {
          // Made anew, to rotate the key: another file at the same path.
          process.env.ROTATED_KEY = randomBytes(32).toString('base64');
          const fresh = await SqliteSecretStore.open({ path: file, keyEnv: 'ROTATED_KEY' });
          await fresh.set('bob', 'notes', { Authorization: 'Bearer b' });
          fresh.close();
        }
        await assert.rejects(serving.get('alice', 'notes'), (error: unknown) => isGraphMcpError(error, 'SECRET_STORE') && error.message.includes(`the secret store was ${how} while this process had it open`));
      } finally {
        serving.close();
      }
    }
  });

  test('two processes opening a new store at once under different keys: one key wins, the other is refused', async () => {
    // The check and its first write were not one transaction: both could pass, and the store held values under two keys.
    for (let round = 0; round < 6; round += 1) {
      const file = path.join(dir, `race-${round}.sqlite`);
      const script = (key: string) => `process.env.RACE_KEY = ${JSON.stringify(key)};
const { SqliteSecretStore } = await import(${JSON.stringify(path.join(ROOT, 'src/auth/secrets/sqlite-store.ts'))});
const store = await SqliteSecretStore.open({ path: ${JSON.stringify(file)}, keyEnv: 'RACE_KEY' });
await store.set('u', 'notes', { Authorization: 'Bearer x' });
store.close();`;
      const results = await Promise.allSettled(
        [randomBytes(32), randomBytes(32)].map((key) => execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(key.toString('base64'))])),
      );
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1, `round ${round}: ${JSON.stringify(results.map((r) => r.status))}`);
      const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      assert.match(String((refused.reason as { stderr?: string }).stderr), /is not the key this secret store was written with/);
    }
  });

  test('a missing or malformed key fails clearly, naming the variable and not its value', async () => {
    const file = path.join(dir, 'keys.sqlite');
    await assert.rejects(SqliteSecretStore.open({ path: file, keyEnv: 'NO_SUCH_KEY_VAR' }), failsWithout(CANARY, /set NO_SUCH_KEY_VAR to 32 random bytes/));
    process.env.SHORT_KEY = 'c2hvcnQ=';
    await assert.rejects(SqliteSecretStore.open({ path: file, keyEnv: 'SHORT_KEY' }), failsWithout('c2hvcnQ=', /SHORT_KEY must hold 32 bytes/));
    process.env.GARBLED_KEY = `${CANARY}!${'x'.repeat(30)}`;
    await assert.rejects(openSqliteSecretStore({ path: file, keyEnv: 'GARBLED_KEY' }), failsWithout(CANARY, /GARBLED_KEY must hold 32 bytes as base64 or 64 hex digits \(it is neither\)/));
    process.env.HEX_KEY = randomBytes(32).toString('hex');
    const hex = await openSqliteSecretStore({ path: file, keyEnv: 'HEX_KEY' });
    await hex.set('alice', 'notes', { Authorization: 'Bearer h' });
    hex.close();
    process.env.HEX_KEY_NEWLINE = `${process.env.HEX_KEY}\n`;
    const trimmed = await openSqliteSecretStore({ path: file, keyEnv: 'HEX_KEY_NEWLINE' });
    assert.deepEqual(await trimmed.get('alice', 'notes'), { Authorization: 'Bearer h' }, 'surrounding whitespace is not part of the key');
    trimmed.close();
    process.env.URL_KEY = randomBytes(32).toString('base64url');
    // Another key: another store (this one was written with HEX_KEY).
    (await openSqliteSecretStore({ path: path.join(dir, 'url-key.sqlite'), keyEnv: 'URL_KEY' })).close();
  });

  test('the database is created 0600, and a file that is not a database is a clear error', async () => {
    const file = path.join(dir, 'mode.sqlite');
    const store = await openSqliteSecretStore({ path: file, keyEnv: KEY_ENV });
    await store.set('alice', 'notes', { Authorization: `Bearer ${CANARY}` });
    if (process.platform !== 'win32') {
      for (const name of await readdir(dir)) {
        if (name.startsWith('mode.sqlite')) assert.equal((await stat(path.join(dir, name))).mode & 0o777, 0o600, name);
      }
    }
    await assert.rejects(store.set('alice', 'notes', { Authorization: `Bearer ${CANARY}\r\n` }), failsWithout(CANARY, /not a valid HTTP header value/));
    await assert.rejects(store.set('alice\u0000x', 'notes', { Authorization: 'x' }), /NUL/);
    store.close();

    const memory = await openSqliteSecretStore({ path: ':memory:', keyEnv: KEY_ENV });
    await memory.set('alice', 'notes', { Authorization: 'Bearer m' });
    assert.deepEqual(await memory.get('alice', 'notes'), { Authorization: 'Bearer m' });
    memory.close();

    const junk = path.join(dir, 'junk.sqlite');
    await writeFile(junk, `this is not a database ${'.'.repeat(200)}`);
    await assert.rejects(openSqliteSecretStore({ path: junk, keyEnv: KEY_ENV }), failsWithout(CANARY, /cannot open the secret store .*junk\.sqlite: file is not a database/));
    await assert.rejects(
      // Under a file, no folder can be made.
      openSqliteSecretStore({ path: path.join(junk, 's.sqlite'), keyEnv: KEY_ENV }),
      (error: unknown) => isGraphMcpError(error, 'SECRET_STORE') && /cannot open the secret store/.test(error.message),
    );
  });

  test('the wrong key does not open the store (so nothing is written that the server cannot read), and a ciphertext moved to another row does not decrypt', async () => {
    const file = path.join(dir, 'tamper.sqlite');
    const store = await SqliteSecretStore.open({ path: file, keyEnv: KEY_ENV });
    await store.set('alice', 'notes', { Authorization: `Bearer ${CANARY}` });
    await store.set('mallory', 'notes', { Authorization: 'Bearer m' });
    store.close();

    process.env.OTHER_KEY = randomBytes(32).toString('hex');
    await assert.rejects(SqliteSecretStore.open({ path: file, keyEnv: 'OTHER_KEY' }), failsWithout(CANARY, /tamper\.sqlite: the key in OTHER_KEY is not the key this secret store was written with/));
    // A store written before the key check is checked against one of its rows.
    const legacy = new BetterSqlite3(file);
    legacy.prepare('DELETE FROM secret_store_meta').run();
    legacy.close();
    await assert.rejects(SqliteSecretStore.open({ path: file, keyEnv: 'OTHER_KEY' }), /is not the key this secret store was written with/);

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
    assert.equal(await openSecretStore({ baseDir: dir, secrets: { servers: {} } }), undefined);
  });

  test('sqlite paths are relative to the config directory', async () => {
    const sub = path.join(dir, 'sub');
    await import('node:fs/promises').then((fs) => fs.mkdir(sub));
    const store = await openSecretStore({ baseDir: sub, secrets: { sqlite: { path: './rel.sqlite', key_env: KEY_ENV } } });
    (store as SqliteSecretStore).close();
    assert.ok((await readdir(sub)).includes('rel.sqlite'));
  });

  test('a module export implementing SecretStore, or an error for anything else', async () => {
    await writeFile(
      path.join(dir, 'vault.mjs'),
      `export const store = { async get(user, server) { return user === 'alice' && server === 'notes' ? { Authorization: 'Bearer v' } : undefined; } };
export const notAStore = { fetch() {} };`,
    );
    const store = await openSecretStore({ baseDir: dir, secrets: { path: './vault.mjs:store' } });
    assert.deepEqual(await store?.get('alice', 'notes'), { Authorization: 'Bearer v' });
    await assert.rejects(
      openSecretStore({ baseDir: dir, secrets: { path: './vault.mjs:notAStore' } }),
      (error: unknown) => isGraphMcpError(error, 'CONFIG_INVALID') && /secrets\.path: .*is not a SecretStore/.test(error.message),
    );
    await assert.rejects(openSecretStore({ baseDir: dir, secrets: { path: './vault.mjs:missing' } }), /has no export "missing"/);
    await assert.rejects(openSecretStore({ baseDir: dir, secrets: { path: './vault.mjs:store', file: 'open.json' } }), /choose one store, not file and path/);
  });

  test('GRAPH_MCP_SECRETS when the config names no store', async () => {
    process.env.GRAPH_MCP_SECRETS = JSON.stringify({ erin: { notes: { Authorization: 'Bearer e' } } });
    try {
      const store = await openSecretStore({ baseDir: dir, secrets: { servers: {} } });
      assert.ok(store instanceof EnvSecretStore);
      assert.deepEqual(await store.get('erin', 'notes'), { Authorization: 'Bearer e' });
      await writeFile(path.join(dir, 'wins.json'), '{}');
      assert.ok((await openSecretStore({ baseDir: dir, secrets: { file: 'wins.json' } })) instanceof FileSecretStore, 'the config wins');
    } finally {
      delete process.env.GRAPH_MCP_SECRETS;
    }
  });
});
