// The store contract, run against every implementation in this package.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { MemoryStore } from '../../src/store/memory-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
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
