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

test('an env file as Windows editors write it: a byte-order mark is no part of the first name; UTF-16 or binary is refused, saying so; lines that set nothing are warned of', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'graph-mcp-env-'));
  try {
    const marked = path.join(dir, '.env.bom');
    await writeFile(marked, '\ufeffGRAPH_MCP_TEST_BOM=first\r\nGRAPH_MCP_TEST_BOM2=second\r\n');
    applyConfigEnv({ env: { file: marked } }, assert.fail);
    assert.equal(process.env.GRAPH_MCP_TEST_BOM, 'first', 'the first variable, under its own name');
    assert.equal(process.env.GRAPH_MCP_TEST_BOM2, 'second');
    assert.equal(process.env['\ufeffGRAPH_MCP_TEST_BOM'], undefined);

    const utf16 = path.join(dir, '.env.utf16');
    await writeFile(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('GRAPH_MCP_TEST_U16=x\r\n', 'utf16le')]));
    assert.throws(() => applyConfigEnv({ env: { file: utf16 } }, assert.fail), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.equal(error.message, `env: ${utf16} is not UTF-8 text (UTF-16, or binary): save it as UTF-8`);
      return true;
    });
    assert.equal(process.env.GRAPH_MCP_TEST_U16, undefined);

    const nothing = path.join(dir, '.env.nothing');
    await writeFile(nothing, '# only a comment\nthis line sets nothing\n');
    const warnings: string[] = [];
    applyConfigEnv({ env: { file: nothing } }, (message) => warnings.push(message));
    assert.deepEqual(warnings, [`env: ${nothing} sets no variable: none of its lines reads NAME=value`]);
    const comments = path.join(dir, '.env.comments');
    await writeFile(comments, '# nothing set yet\n\n');
    applyConfigEnv({ env: { file: comments } }, assert.fail);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
