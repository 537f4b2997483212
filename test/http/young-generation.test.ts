// The young generation `graph-mcp` holds while it starts (src/http/young-generation.ts),
// in processes of their own: held, it does not grow however much survives; released, it
// grows as V8 would; a young-generation flag given to node is left as it is.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { FIXTURES } from '../helpers/server.js';

const exec = promisify(execFile);

interface Sizes {
  initial: number;
  held: number;
  released: number;
  kept: number;
}

async function sizes(nodeFlags: string[]): Promise<Sizes> {
  const { stdout } = await exec(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(FIXTURES, 'young-generation-child.ts')], { env: { ...process.env, NODE_OPTIONS: '' } });
  return JSON.parse(stdout) as Sizes;
}

test('held, the young generation keeps its size while what survives piles up; released, it grows', async () => {
  const { initial, held, released, kept } = await sizes([]);
  assert.equal(kept, 2_000_000);
  assert.equal(held, initial);
  assert.ok(released > held, `released: ${released} MB, held: ${held} MB`);
});

test('a growth factor given to node itself is not overridden', async () => {
  const { initial, held } = await sizes(['--semi-space-growth-factor=2']);
  assert.ok(held > initial, `held: ${held} MB, initial: ${initial} MB`);
});
