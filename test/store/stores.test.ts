// The store contract, run against every implementation in this package.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { MemoryStore } from '../../src/store/memory-store.js';
import { MIGRATIONS, SqliteStore, WAL_SIZE_LIMIT_BYTES } from '../../src/store/sqlite-store.js';
import { captureLogs } from '../helpers/server.js';
import Database from 'better-sqlite3';
import { sqliteOpenProblem } from '../../src/store/sqlite-native.js';
import { storeContract } from './store-contract.js';

const execFileAsync = promisify(execFile);

storeContract('memory', { open: async () => new MemoryStore() });

const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-store-'));
after(() => rm(dir, { recursive: true, force: true }));
const file = path.join(dir, 'nested', 'state.sqlite');
storeContract('sqlite (two connections to one file, as two processes)', {
  open: () => SqliteStore.open({ path: file }),
  openTwin: () => SqliteStore.open({ path: file, signalPollMs: 10 }),
});

test('several processes opening a new SQLite store at once migrate it exactly once', async () => {
  const fresh = path.join(dir, 'race', 'state.sqlite');
  const script = `import { SqliteStore } from ${JSON.stringify(path.resolve('src/store/sqlite-store.ts'))};
const store = await SqliteStore.open({ path: ${JSON.stringify(fresh)} });
await store.check();
await store.close();`;
  const runs = Array.from({ length: 4 }, () => execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]));
  const results = await Promise.allSettled(runs);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'], JSON.stringify(results));
  const store = await SqliteStore.open({ path: fresh });
  await store.check();
  await store.close();
});

test('a SQLite store graph-mcp creates is readable by its user only: folder 0700, file, WAL and shared memory 0600', async () => {
  const own = path.join(dir, 'private', 'deeper', 'state.sqlite');
  const store = await SqliteStore.open({ path: own });
  try {
    await store.runs.create({ id: 'mode-check', owner: 'o', tool: 't', status: 'working', data: {}, expiresAt: Date.now() + 60_000 });
    const mode = async (file: string) => ((await stat(file)).mode & 0o777).toString(8);
    assert.equal(await mode(path.dirname(own)), '700');
    assert.equal(await mode(path.join(dir, 'private')), '700');
    for (const file of [own, `${own}-wal`, `${own}-shm`]) assert.equal(await mode(file), '600', file);
  } finally {
    await store.close();
  }
});

test('a SQLite WAL that grew while a reader held back its checkpoints is cut back once it starts over', async () => {
  const own = path.join(dir, 'wal', 'state.sqlite');
  const store = await SqliteStore.open({ path: own });
  // Another process's long read: no checkpoint can start the WAL over while it lasts.
  const reader = new Database(own, { readonly: true });
  try {
    const megabyte = 'x'.repeat(1024 * 1024);
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM graph_mcp_runs').get();
    for (let i = 0; i < 24; i += 1) {
      await store.runs.create({ id: `wal-${i}`, owner: 'o', tool: 't', status: 'working', data: { megabyte }, expiresAt: Date.now() + 60_000 });
    }
    const peak = (await stat(`${own}-wal`)).size;
    assert.ok(peak > 3 * WAL_SIZE_LIMIT_BYTES, `the WAL grew to ${peak} bytes`);
    reader.exec('COMMIT');
    // Enough writes for SQLite's automatic checkpoint to copy the WAL back, then one that starts it over.
    for (let i = 0; i < 8; i += 1) {
      await store.runs.create({ id: `after-${i}`, owner: 'o', tool: 't', status: 'working', data: { megabyte }, expiresAt: Date.now() + 60_000 });
    }
    const size = (await stat(`${own}-wal`)).size;
    assert.ok(size <= WAL_SIZE_LIMIT_BYTES, `the WAL is still ${size} bytes (peak ${peak})`);
  } finally {
    reader.close();
    await store.close();
  }
});

test('a SQLite store of an older schema is migrated, and says so; one newer than this graph-mcp is refused, not served', async () => {
  const own = path.join(dir, 'versions', 'state.sqlite');
  await mkdir(path.dirname(own), { recursive: true });
  // As the first schema left a file.
  const old = new Database(own);
  old.exec(MIGRATIONS[0]!);
  old.pragma('user_version = 1');
  old.close();
  const logs = captureLogs();
  const store = await SqliteStore.open({ path: own, logger: logs.logger });
  await store.check();
  await store.close();
  assert.match(logs.text(), new RegExp(`SQLite store migrated from schema version 1 to ${MIGRATIONS.length}`));
  const quiet = captureLogs();
  await (await SqliteStore.open({ path: own, logger: quiet.logger })).close();
  assert.doesNotMatch(quiet.text(), /migrated/, 'once only');

  // A later graph-mcp's store (it was served anyway: an older graph-mcp read rows it does not know).
  const newer = new Database(own);
  newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
  newer.close();
  const refusal = (error: Error & { code?: string }) =>
    error.code === 'STORE_UNAVAILABLE' && error.message === `SQLite store ${own}: its schema is at version ${MIGRATIONS.length + 1}, newer than this graph-mcp knows (${MIGRATIONS.length}): upgrade graph-mcp`;
  await assert.rejects(SqliteStore.open({ path: own }), refusal);
  // And by check(), once another process moved it on under an open store.
  const reset = new Database(own);
  reset.pragma(`user_version = ${MIGRATIONS.length}`);
  reset.close();
  const open = await SqliteStore.open({ path: own });
  try {
    const later = new Database(own);
    later.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    later.close();
    await assert.rejects(open.check(), refusal);
  } finally {
    await open.close();
  }
});

test('check() fails once the SQLite file is deleted or replaced under the open store', async () => {
  for (const how of ['deleted', 'replaced'] as const) {
    const own = path.join(dir, how, 'state.sqlite');
    const store = await SqliteStore.open({ path: own });
    try {
      await store.check();
      for (const suffix of ['', '-wal', '-shm']) await rm(`${own}${suffix}`, { force: true });
      if (how === 'replaced') await (await SqliteStore.open({ path: own })).close();
      await assert.rejects(store.check(), (error: Error & { code?: string }) => error.code === 'STORE_UNAVAILABLE' && error.message.includes(`the file was ${how} while this process had it open`));
    } finally {
      await store.close();
    }
  }
});

test('a SQLite file that cannot be opened is STORE_UNAVAILABLE with SQLite\'s reason', async () => {
  // A directory where the database file should be.
  await assert.rejects(SqliteStore.open({ path: dir }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'STORE_UNAVAILABLE');
    assert.match(error.message, new RegExp(`^SQLite store ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be opened: .+`));
    return true;
  });
});

test("a SQLite path whose folder cannot be made says why, at once: a parent that is a file, a folder under a pseudo-filesystem", async () => {
  const file = path.join(dir, 'not-a-folder.json');
  await writeFile(file, '{}');
  for (const under of [path.join(file, 'state.sqlite'), path.join(file, 'deeper', 'state.sqlite')]) {
    await assert.rejects(SqliteStore.open({ path: under }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.match(error.message, new RegExp(`cannot be opened: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} exists and is not a directory$`));
      return true;
    });
  }
  // `..` after a link is where the kernel goes, not where the text would: the folder is made there.
  await mkdir(path.join(dir, 'releases', 'v1'), { recursive: true });
  await symlink(path.join(dir, 'releases', 'v1'), path.join(dir, 'current'));
  const linked = await SqliteStore.open({ path: `${dir}/current/../shared/state.sqlite` });
  await linked.close();
  assert.ok((await stat(path.join(dir, 'releases', 'shared', 'state.sqlite'))).isFile());
  // Node 20's recursive mkdir spun here for ever, at 100% CPU, with nothing said.
  if ((await stat('/proc/self').catch(() => undefined)) !== undefined) {
    await assert.rejects(SqliteStore.open({ path: '/proc/graph-mcp-nope/store/state.sqlite' }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.match(error.message, /cannot be opened: ENOENT: .*mkdir '\/proc\/graph-mcp-nope'/);
      return true;
    });
  }
});

test('better-sqlite3 without its native module: what to do, not the paths it searched', () => {
  // The first lines of what better-sqlite3 throws when its install script never ran.
  const missing = new Error(
    'Could not locate the bindings file. Tried:\n → /app/node_modules/better-sqlite3/build/better_sqlite3.node\n → /app/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  );
  const said = sqliteOpenProblem(missing, 'choose another store');
  assert.match(said, /^better-sqlite3 has no native module for this Node \(v\d+\.\d+\.\d+\).*Run "npm rebuild better-sqlite3" with install scripts allowed, or choose another store$/);
  assert.doesNotMatch(said, /Tried/);
  const otherAbi = new Error("The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 127.");
  assert.match(sqliteOpenProblem(otherAbi, 'x'), /npm rebuild better-sqlite3/);
  // Anything else is SQLite's own reason, as it was.
  assert.equal(sqliteOpenProblem(new Error('unable to open database file'), 'x'), 'unable to open database file');
});
