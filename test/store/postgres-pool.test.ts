// The pool's connection retries, against a port where no database listens (no server needed).
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import pg from 'pg';
import { createPool } from '../../src/store/postgres-pool.js';
import { captureLogs } from '../helpers/server.js';

/** A local port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('while the database cannot be reached, one warning stands for many retries (the rest at debug): an idle server polling tasks wrote 140 a minute', async () => {
  const logs = captureLogs();
  const pool = createPool(pg, { connectionString: `postgres://nobody@127.0.0.1:${await closedPort()}/none`, max: 4 }, logs.logger);
  try {
    const failures = await Promise.allSettled([pool.query('SELECT 1'), pool.query('SELECT 1'), pool.query('SELECT 1')]);
    assert.ok(failures.every((failure) => failure.status === 'rejected'));
    const retries = logs.lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.msg === 'PostgreSQL: cannot connect; retrying');
    assert.equal(retries.length, 12, 'three queries, four retries each');
    assert.deepEqual(
      retries.map((line) => line.level),
      [40, ...Array.from({ length: 11 }, () => 20)],
    );
  } finally {
    await pool.end();
  }
});

test('a connection attempt that timed out is not retried: it has waited its connectionTimeoutMillis already', async () => {
  // Accepts connections and never answers, as a hung database does.
  const sockets: net.Socket[] = [];
  const silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  const logs = captureLogs();
  const pool = createPool(pg, { connectionString: `postgres://nobody@127.0.0.1:${port}/none`, connectionTimeoutMillis: 300 }, logs.logger);
  try {
    await assert.rejects(pool.query('SELECT 1'), /timeout/i);
    assert.equal(logs.lines.filter((line) => line.includes('cannot connect; retrying')).length, 0, logs.text());
  } finally {
    await pool.end();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  }
});
