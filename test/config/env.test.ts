import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { applyConfigEnv } from '../../src/config/env.js';

test('a dotenv file is loaded, but variables already set win', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-env-'));
  try {
    const file = path.join(dir, '.env');
    await writeFile(file, 'GRAPH_MCP_TEST_A=from-file\nGRAPH_MCP_TEST_B=from-file\n');
    process.env.GRAPH_MCP_TEST_A = 'from-environment';
    const warnings: string[] = [];
    applyConfigEnv({ env: { file } }, (message) => warnings.push(message));
    assert.equal(process.env.GRAPH_MCP_TEST_A, 'from-environment');
    assert.equal(process.env.GRAPH_MCP_TEST_B, 'from-file');
    assert.deepEqual(warnings, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing env file (a starter that ships only .env.example) is a warning naming the file, not a refusal', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-env-'));
  try {
    const missing = path.join(dir, '.env');
    const warnings: string[] = [];
    applyConfigEnv({ env: { file: missing } }, (message) => warnings.push(message));
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]!.includes(missing), warnings[0]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('variables given as an object are set unless already set (the langgraph.json form)', () => {
  process.env.GRAPH_MCP_TEST_C = 'kept';
  applyConfigEnv({ env: { values: { GRAPH_MCP_TEST_C: 'ignored', GRAPH_MCP_TEST_D: 'set' } } }, assert.fail);
  assert.equal(process.env.GRAPH_MCP_TEST_C, 'kept');
  assert.equal(process.env.GRAPH_MCP_TEST_D, 'set');
});

test('an env that names a directory is refused naming the key and the path, not in Node\'s words', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-env-'));
  try {
    assert.throws(() => applyConfigEnv({ env: { file: dir } }, assert.fail), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.equal(error.message, `env: ${dir} is not a file`);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
